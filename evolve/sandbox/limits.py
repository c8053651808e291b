"""The limits an evaluator process puts around candidates: no secrets in its environment, a cap on its
resident memory, and a CPU-time budget per candidate.

These complement the static check (:mod:`evolve.programs.static_check`) and the restricted namespace of
:mod:`evolve.programs.program` (no imports, no ``open``, no dunder attributes) and the driver's wall-clock deadline (an
evaluator stuck in native code is killed and replaced). What they do not stop, and how to isolate evaluators
further, is in the README's threat model.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive.vocabulary import Status

SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE", re.IGNORECASE)
"""Names of environment variables taken for secrets."""

KEEP = re.compile(r"(PATH|HOME|USER|LOGNAME|SHELL|TERM|LANG|LC_\w+|TZ|TMPDIR|TEMP|TMP|PWD|HOSTNAME"
                  r"|PYTHON\w*|VIRTUAL_ENV|LD_LIBRARY_PATH|LD_PRELOAD|OMP_\w+|MKL_\w+|OPENBLAS_\w+"
                  r"|XLA_\w+|JAX_\w+|TF_\w+|CUDA_\w+|NVIDIA_\w+|NCCL_\w+|ROCM_\w+|HIP_\w+|TPU_\w+|LIBTPU_\w+"
                  r"|RAY_\w+|EVOLVE_\w+|GRPC_\w+|(?i:https?_proxy|no_proxy|all_proxy)"
                  r"|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE)")
"""Environment variables an evaluator keeps (what Python, JAX, the accelerators and Ray need, and the proxy and
certificate settings an LLM-calling problem's requests need); the rest is removed. A kept name that looks like a
secret (:data:`SECRET`) is removed all the same."""

RAY = re.compile(r"RAY_\w+")
"""Ray's own variables: never touched, whatever they are called (``RAY_AUTH_MODE`` blanked, workers cannot reach
Ray's control service; Ray's credentials are its own business)."""


def secret_names(environ: Mapping[str, str]) -> list[str]:
    """The names in ``environ`` that look like secrets (API keys, tokens, passwords...), Ray's own left out."""
    return sorted(name for name in environ if SECRET.search(name) and not RAY.fullmatch(name))


def scrub_environment(environ: Any = None, keep: tuple[str, ...] = ()) -> list[str]:
    """Remove from ``environ`` (``os.environ`` by default) every variable that is not needed to run Python, JAX
    and Ray, and every one that looks like a secret, except the names in ``keep``. Returns the names removed.

    The evaluator calls it when it starts, so a candidate (or a problem's fitness) finds none of the driver's
    keys there; the driver also starts evaluators with those variables blanked (see
    :func:`blank_secrets`), which covers the process's initial environment block too.
    """
    environ = os.environ if environ is None else environ
    removed = [name for name in list(environ) if name not in keep and not RAY.fullmatch(name)
               and (not KEEP.fullmatch(name) or SECRET.search(name))]
    for name in removed:
        del environ[name]
    return sorted(removed)


def blank_secrets(environ: Mapping[str, str], keep: tuple[str, ...] = ()) -> dict[str, str]:
    """Environment overrides that blank every secret-looking variable of ``environ`` (for Ray's
    ``runtime_env``: evaluators inherit the driver's environment otherwise)."""
    return {name: "" for name in secret_names(environ) if name not in keep}


class CandidateLimit(BaseException):
    """Raised inside a candidate that went over its CPU-time or memory limit (a BaseException, so a
    candidate's ``except Exception`` does not swallow it). ``status`` is what the candidate is recorded as:
    ``timeout`` for CPU time, ``error`` for memory."""

    def __init__(self, message: str, status: str = Status.TIMEOUT) -> None:
        super().__init__(message)
        self.status = status


NOTE_CHARS = 500
"""Most characters of a death note the driver reads (the watchdog's reasons are one short sentence)."""


def note_folder() -> Path:
    """A new folder for the death notes of one campaign's evaluators (see :func:`death_note`), which is also
    the scratch folder (``TMPDIR``) its confined candidates may write in (:mod:`evolve.sandbox.runner`).

    :func:`tempfile.mkdtemp` gives it a name no one can guess and mode 0700, so another user of a shared
    ``/tmp`` can neither plant a file or link where a note will be written nor read one; the driver removes it
    when the campaign ends."""
    return Path(tempfile.mkdtemp(prefix="evolve-notes-"))


def death_note(pid: int, folder: str | Path) -> Path:
    """Where the evaluator with process id ``pid`` writes why it killed itself, in its campaign's note folder
    (:func:`note_folder`); the driver reads it with :func:`read_note`."""
    return Path(folder) / f"evaluator-{pid}.reason"


def read_note(path: Path) -> str | None:
    """The reason in the death note ``path`` (its first :data:`NOTE_CHARS` characters), which is then removed;
    None when there is no note. A link or anything but a plain file is not followed or read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        text = os.read(fd, 4 * NOTE_CHARS).decode("utf-8", errors="replace")[:NOTE_CHARS]
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return text


class MemoryWatchdog:
    """Caps the evaluator's resident memory at ``limit`` bytes while a candidate runs (0: no cap).

    The watching is done by a small process of its own (:mod:`evolve.sandbox.memory_watch`), so that it goes on while
    a candidate holds the GIL in one long C call. Over the limit, the candidate gets :class:`CandidateLimit`
    (status ``error``) and unwinds, which frees its memory; if the evaluator is still over the limit 2 s later
    (stuck in native code) or reaches twice the limit, the watchdog writes the reason to its :func:`death_note`
    in ``note_folder`` (none without a folder) and kills the evaluator, which the driver then replaces.
    """

    def __init__(self, limit: float, note_folder: str | Path | None = None) -> None:
        self.limit = limit
        self.note = str(death_note(os.getpid(), note_folder)) if note_folder else ""
        self.active = False
        self._process: subprocess.Popen[bytes] | None = None
        if limit <= 0 or not Path(f"/proc/{os.getpid()}/statm").exists() \
                or threading.current_thread() is not threading.main_thread():
            return
        # Installed for the process's life, not per candidate: a signal the watchdog sent just as a candidate
        # ended must not meet SIGUSR1's default action (terminate).
        signal.signal(signal.SIGUSR1, self._on_signal)
        self._start()

    def _start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).with_name("memory_watch.py")), str(os.getpid()),
             repr(float(self.limit)), self.note],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.active:
            self.active = False
            raise CandidateLimit(f"went over the memory limit of {self.limit / 2**30:.2f} GiB of resident "
                                 "memory", status=Status.ERROR)

    def _tell(self, active: bool) -> None:
        for _attempt in range(2):
            assert self._process is not None and self._process.stdin is not None
            try:
                self._process.stdin.write(b"1" if active else b"0")
                self._process.stdin.flush()
                return
            except OSError:
                # The watchdog was killed from outside: start another, so that the cap holds.
                self._process.wait()
                self._start()

    @property
    def pid(self) -> int | None:
        """The watchdog process's id (None when there is no cap)."""
        return None if self._process is None else self._process.pid

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Watch while the block runs (main thread only; elsewhere the driver's deadline is the guard)."""
        if self._process is None or threading.current_thread() is not threading.main_thread():
            yield
            return
        try:
            self._tell(True)
            self.active = True
            yield
        finally:
            self.active = False
            self._tell(False)

    def close(self) -> None:
        """Stop the watchdog process (it also stops by itself once the evaluator is gone)."""
        if self._process is not None:
            self._process.stdin.close()  # type: ignore[union-attr]
            self._process.wait()
            self._process = None


@contextmanager
def interval_timer(timer: int, signum: int, seconds: float | None, error: Any) -> Iterator[None]:
    """Raise ``error()`` in this thread once ``timer`` (``signal.ITIMER_REAL``: wall clock, ``ITIMER_PROF``:
    process CPU time) has run ``seconds`` in the block, and every 0.1 s after that, in case a candidate's
    bare ``except`` swallows the first. Main thread only (elsewhere, and for no seconds, it does nothing).

    Nested in another block of the same timer (a check with a time bound of its own inside a candidate's
    deadline), the inner block ends no later than the outer one's time, and the outer timer goes on afterwards
    with what it had left (at once if that ran out meanwhile)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: Any) -> None:
        raise error()

    clock = time.monotonic if timer == signal.ITIMER_REAL else time.process_time
    outer_left, outer_interval = signal.getitimer(timer)
    began = clock()
    previous = signal.signal(signum, on_signal)
    signal.setitimer(timer, min(seconds, outer_left) if outer_left else seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signum, previous)
        if outer_left:
            signal.setitimer(timer, max(outer_left - (clock() - began), 1e-3), outer_interval)


def cpu_limit(seconds: float | None) -> Any:
    """Raise :class:`CandidateLimit` in this thread once the process has used ``seconds`` of CPU time (all
    threads: XLA's too) in the block. Main thread only (elsewhere, and for None, it does nothing)."""
    return interval_timer(signal.ITIMER_PROF, signal.SIGPROF, seconds,
                          lambda: CandidateLimit(f"used more than its {seconds:g} s of CPU time"))


__all__ = ["CandidateLimit", "KEEP", "MemoryWatchdog", "NOTE_CHARS", "SECRET", "blank_secrets", "cpu_limit",
           "death_note", "interval_timer", "note_folder", "read_note", "scrub_environment", "secret_names"]
