"""The memory watchdog of an evaluator: a small process of its own that reads the evaluator's resident memory
from ``/proc`` and stops a candidate that goes over the cap.

It is a process, not a thread, because a thread of the evaluator needs Python's GIL to look, and a candidate
that takes its memory inside one C call that holds the GIL (a huge ``str`` repeat, a regular expression that
backtracks over a large string) would keep it from looking until the call returned. This process looks
whatever the evaluator is doing.

The evaluator tells it when a candidate starts (``1`` on its standard input) and ends (``0``); end of input
means the evaluator is gone. While a candidate runs and the evaluator is over ``limit`` bytes, it sends
SIGUSR1 (the evaluator raises :class:`evolve.sandbox.limits.CandidateLimit` in the candidate); if the evaluator is
still over the limit ``grace`` seconds later, or reaches twice the limit, it writes the reason to the death note
(a new file in the campaign's private note folder; see :func:`write_note`) and SIGKILLs the evaluator, which the
driver then replaces.

It imports nothing of evolve (it runs as ``python -I -S memory_watch.py PID LIMIT NOTE``, so it starts in
milliseconds and holds a few MB).
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable

POLL = 0.05
"""Seconds between two looks."""

GRACE = 2.0
"""Seconds a candidate over the limit has to unwind before its evaluator is killed."""


def resident_bytes(pid: int) -> int | None:
    """The resident memory of process ``pid`` in bytes (None once it is gone, or where ``/proc`` is missing)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def watch(pid: int, limit: float, note: str, control: int, *, poll: float = POLL, grace: float = GRACE,
          rss: Callable[[int], int | None] = resident_bytes, kill: Callable[[int, int], None] = os.kill,
          clock: Callable[[], float] = time.monotonic) -> str:
    """Watch process ``pid`` until it is gone or killed; ``control`` is the file descriptor the evaluator
    writes ``1`` (a candidate starts) and ``0`` (it ends) to. Returns why it stopped watching."""
    active, over_since = False, None
    while True:
        ready, _, _ = select.select([control], [], [], poll)
        if ready:
            data = os.read(control, 4096)
            if not data:
                return "the evaluator closed the watchdog's input"
            active, over_since = data.endswith(b"1"), None
        used = rss(pid)
        if used is None:
            return "the evaluator is gone"
        if not active or used <= limit:
            over_since = None
            continue
        now = clock()
        if over_since is None:
            over_since = now
            kill(pid, signal.SIGUSR1)
        elif now - over_since > grace or used > 2 * limit:
            reason = (f"the candidate took the evaluator's resident memory to {used / 2**30:.2f} GiB, over the "
                      f"limit of {limit / 2**30:.2f} GiB, and did not stop (evaluator killed)")
            try:
                write_note(note, reason)
            finally:
                kill(pid, signal.SIGKILL)
            return reason


def write_note(note: str, reason: str) -> bool:
    """Write ``reason`` to the death note ``note`` (nothing for an empty path); whether it was written.

    Only a new file is written, never through a link: a file or link already at that path (planted, or left
    over) makes it give up rather than overwrite or follow it. The reason is not worth a failure: the kill
    happens either way."""
    if not note:
        return False
    try:
        fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w") as f:
            f.write(reason)
    except OSError:  # a full disk
        return False
    return True


def main(argv: list[str]) -> None:
    """``memory_watch.py PID LIMIT_BYTES NOTE``: watch PID, controlled through standard input (NOTE empty:
    write no death note)."""
    # A terminal's Ctrl-C reaches the whole process group; the evaluator's fate is the driver's to decide.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid, limit, note = int(argv[1]), float(argv[2]), argv[3]
    watch(pid, limit, note, sys.stdin.fileno())


if __name__ == "__main__":
    main(sys.argv)
