"""Candidates run in a confined process of their own: the evaluator actor is a thin proxy to it.

A Ray actor cannot be confined itself: its own threads keep sockets to Ray's services, which a candidate that
got past the static check could use to start unconfined work elsewhere in the cluster. So the actor
(:class:`ConfinedEvaluator`) starts a child process, the runner, which confines itself first thing
(:mod:`evolve.sandbox.confine`: no writes outside its scratch folders, no network but an LLM-calling problem's
endpoint), and only then imports JAX and builds the :class:`evolve.evaluation.evaluator.Evaluator` that makes and
evaluates candidates. The actor forwards ``run``, ``mutate`` and ``verify`` to it over a pipe (length-prefixed pickles).

The runner dies with the actor (``PR_SET_PDEATHSIG``). When it dies under the actor (killed by its memory
watchdog, or crashed in native code), the actor passes its death note on under its own process id and exits
too, so the driver replaces the evaluator as it does for any evaluator that dies.
"""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

HEADER = struct.Struct("!Q")

BOOT = """
import dataclasses, importlib.util, os, pickle, struct, sys
header = struct.Struct("!Q")
control_in, control_out = os.fdopen(os.dup(0), "rb", 0), os.fdopen(os.dup(1), "wb", 0)
# What a candidate prints goes to the log (stderr), not into the protocol.
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
os.dup2(2, 1)
def read_exactly(n):
    # The pipe is unbuffered: one read returns at most what the pipe holds (64 KiB), so read until n bytes.
    data = b""
    while len(data) < n:
        chunk = control_in.read(n - len(data))
        if not chunk:
            os._exit(1)
        data += chunk
    return data
n, = header.unpack(read_exactly(header.size))
init = pickle.loads(read_exactly(n))
if sys.platform == "linux":
    import ctypes
    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL: die with the actor
    if os.getppid() != init["parent"]:
        os._exit(1)
# Confined before anything else runs (Landlock binds only the threads started after it): the module is loaded
# from its file, without importing the evolve package.
spec = importlib.util.spec_from_file_location("evolve_confine_boot", init["confine_path"])
confine = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(confine)
held = confine.confine(init["writable"], init["tcp_ports"]) if init["confine"] else confine.Confinement(
    missing=("confinement turned off (sandbox_os = false)",))
from evolve.sandbox.runner import serve
serve(init, dataclasses.asdict(held), control_in, control_out)
"""


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes], n: int) -> bytes:
    """``n`` bytes from ``stream``, or fewer when it ends first. The runner reads an unbuffered pipe, where one read
    returns at most what the pipe holds at once (64 KiB on Linux), so a larger message takes several."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _receive(stream: IO[bytes]) -> Any:
    head = _read(stream, HEADER.size)
    if len(head) < HEADER.size:
        raise EOFError("the candidate runner closed its pipe")
    (n,) = HEADER.unpack(head)
    data = _read(stream, n)
    if len(data) < n:
        raise EOFError("the candidate runner closed its pipe mid-message")
    return pickle.loads(data)


def serve(init: dict[str, Any], held: Any, control_in: IO[bytes], control_out: IO[bytes]) -> None:
    """The runner's loop (called by :data:`BOOT` once the process is confined): build the evaluator, then answer
    ``(method, args)`` messages with ``("ok", value)`` or ``("error", text)`` until the pipe closes."""
    from evolve.evaluation.evaluator import Evaluator

    problem = init["problem"]
    if isinstance(problem, bytes):  # a Problem object, pickled by the actor with Ray's cloudpickle
        problem = pickle.loads(problem)
    try:
        evaluator = Evaluator(problem, **init["kwargs"])
    except Exception as exc:
        _send(control_out, ("error", f"the evaluator could not start: {type(exc).__name__}: {exc}"))
        return
    _send(control_out, ("ok", {"pid": os.getpid(), "confinement": held}))
    allowed = {"run", "mutate", "verify"}
    while True:
        try:
            method, args = _receive(control_in)
        except EOFError:
            return
        if method not in allowed:
            _send(control_out, ("error", f"unknown method {method!r}"))
            continue
        try:
            _send(control_out, ("ok", getattr(evaluator, method)(*args)))
        except Exception as exc:  # the evaluator's own failure; candidates' are records
            _send(control_out, ("error", f"{type(exc).__name__}: {exc}"))


class RunnerDied(RuntimeError):
    """The confined runner process ended under a call."""


class ConfinedEvaluator:
    """An evaluator whose candidates run in a confined child process (see the module docstring); a Ray actor
    (``ray.remote(ConfinedEvaluator)``) with :class:`evolve.evaluation.evaluator.Evaluator`'s methods ``ping``, ``run``,
    ``mutate`` and ``verify``.

    Args:
        problem: a :class:`evolve.problem.ProblemSpec` (rebuilt in the runner) or a Problem (pickled to it).
        scratch: the folder the runner may write in (its ``TMPDIR``); None: a new private one, removed by
            :meth:`close`. It may also write in the evaluator's ``note_folder`` and ``compile_cache``.
        tcp_ports: TCP ports it may connect to (an LLM-calling problem's endpoint); none by default.
        confine: False runs the child unconfined (for a platform where confinement breaks an accelerator).
        env: environment variables to set in the child beside this process's own (an LLM-calling problem's
            endpoint).
        **kwargs: the :class:`evolve.evaluation.evaluator.Evaluator`'s own arguments, passed on.
    """

    def __init__(self, problem: Any, *, scratch: str | None = None, tcp_ports: tuple[int, ...] = (),
                 confine: bool = True, env: dict[str, str] | None = None, **kwargs: Any) -> None:
        from evolve.problem import ProblemSpec
        from evolve.sandbox import confine as confine_module

        self._note_folder = kwargs.get("note_folder")
        self.runner_pid: int | None = None  # known once the runner has started and said so
        self._own_scratch = scratch is None
        self.scratch = scratch or tempfile.mkdtemp(prefix="evolve-scratch-")
        Path(self.scratch).mkdir(parents=True, exist_ok=True, mode=0o700)
        cache = kwargs.get("compile_cache")
        # The memory watchdog, a child of the runner, writes the death notes.
        paths = [self.scratch, *([self._note_folder] if self._note_folder else [])]
        if cache:
            cache_dir = Path(os.path.expanduser(cache))
            cache_dir.mkdir(parents=True, exist_ok=True)
            paths.append(str(cache_dir))
        if not isinstance(problem, ProblemSpec):
            import ray.cloudpickle as cloudpickle

            problem = cloudpickle.dumps(problem)
        init = {"parent": os.getpid(), "confine_path": confine_module.__file__, "writable": paths,
                "tcp_ports": tuple(tcp_ports), "confine": confine, "problem": problem, "kwargs": kwargs}
        env = {**os.environ, **(env or {}), "TMPDIR": self.scratch}
        self._process = subprocess.Popen([sys.executable, "-c", BOOT], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, env=env, close_fds=True)
        assert self._process.stdin is not None and self._process.stdout is not None
        self._in, self._out = self._process.stdin, self._process.stdout
        _send(self._in, init)
        started = self._reply()
        self.runner_pid = started["pid"]
        self.confinement = confine_module.Confinement(**started["confinement"])

    def _reply(self) -> Any:
        try:
            status, value = _receive(self._out)
        except EOFError:
            self._died()
        if status == "error":
            raise RuntimeError(value)
        return value

    def _died(self) -> None:
        from evolve.sandbox.limits import death_note, read_note
        from evolve.sandbox.memory_watch import write_note

        code = self._process.wait()
        pid, folder = self.runner_pid, self._note_folder
        reason = (read_note(death_note(pid, folder)) if pid and folder else None) or f"exit status {code}"
        if pid is None:
            raise RunnerDied(f"the candidate runner did not start ({reason})")
        if folder:  # the driver learns why an evaluator died from its death note: pass the runner's on
            write_note(str(death_note(os.getpid(), folder)), reason)
        os._exit(1)  # and die too, so that the driver replaces this evaluator

    def _call(self, method: str, *args: Any) -> Any:
        try:
            _send(self._in, (method, args))
        except (BrokenPipeError, OSError):
            self._died()
        return self._reply()

    def ping(self) -> int:
        """This actor's process id (the driver kills and replaces evaluators by it)."""
        return os.getpid()

    def confined(self) -> Any:
        """What the kernel enforces on the runner (:class:`evolve.sandbox.confine.Confinement`)."""
        return self.confinement

    def run(self, tasks: list[Any], seen_code: Any = (), seen_func: Any = ()) -> list[Any]:
        """:meth:`evolve.evaluation.evaluator.Evaluator.run`, in the runner."""
        return self._call("run", tasks, list(seen_code), list(seen_func))

    def mutate(self, task: Any) -> Any:
        """:meth:`evolve.evaluation.evaluator.Evaluator.mutate`, in the runner."""
        return self._call("mutate", task)

    def verify(self, source: str, metrics: Any = None) -> Any:
        """:meth:`evolve.evaluation.evaluator.Evaluator.verify`, in the runner."""
        return self._call("verify", source, metrics)

    def close(self) -> None:
        """End the runner (it also ends with this process), and remove the scratch folder it was given by
        default."""
        if self._process.poll() is None:
            self._in.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self._own_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


__all__ = ["BOOT", "ConfinedEvaluator", "RunnerDied", "serve"]
