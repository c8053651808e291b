"""Writing to an archive whose disk may fill up: hold the rows and try again, for a while.

A week-long campaign on a shared disk should outlive someone else's big file: :func:`add_when_space` retries a
write that found the disk full every :data:`DISK_RETRY` seconds, up to a limit, and then gives up with a message
that says how to resume.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from archive import Archive, ArchiveFull

log = logging.getLogger(__name__)

DISK_RETRY = 5.0
"""Seconds between two tries of an archive write that found the disk full (see ``Config.disk_wait``)."""


class DiskStayedFull(RuntimeError):
    """The disk stayed full for longer than allowed (or the campaign is stopping); nothing was written."""


def add_when_space(archive: Archive, rows: tuple[Any, ...], wait: float, stopping: Callable[[], bool]) -> None:
    """``archive.add(*rows)``; while its disk is full, try again every :data:`DISK_RETRY` seconds for up to
    ``wait`` seconds, or until ``stopping()``, then raise :class:`DiskStayedFull` (with the archive's message and
    how long it waited)."""
    waiting_since = None
    while True:
        try:
            archive.add(*rows)
        except ArchiveFull as exc:
            now = time.time()
            if waiting_since is None:
                waiting_since = now
                log.warning("evolve: %s. Waiting up to %g s for space (trying again every %g s; Ctrl-C stops).",
                            exc, wait, DISK_RETRY)
            if stopping() or now - waiting_since >= wait:
                raise DiskStayedFull(f"{exc}. The disk stayed full for {now - waiting_since:.0f} s") from None
            time.sleep(min(DISK_RETRY, max(wait - (now - waiting_since), 0.0)))
            continue
        if waiting_since is not None:
            log.warning("evolve: the archive is written again, after %.0f s", time.time() - waiting_since)
        return


__all__ = ["DISK_RETRY", "DiskStayedFull", "add_when_space"]
