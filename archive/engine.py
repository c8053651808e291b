"""The archive's SQLite connection: the engine, the schema check and migration, and the writer lock.

One writer (the campaign driver) and any number of readers share one file in WAL mode; a reader opens it
read-only through a ``mode=ro`` URI, so it never takes a write lock.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from archive.models import SCHEMA_VERSION, Base

BUSY_TIMEOUT_MS = 10_000
"""How long a connection waits for a lock held by another connection before it gives up."""


class ArchiveBusy(RuntimeError):
    """Another campaign holds the archive's writer lock (see :meth:`archive.store.Archive.writer`)."""


def open_engine(path: Path, readonly: bool) -> Engine:
    """An engine on the archive file at ``path``; writable (creating the file and its folders) unless
    ``readonly``, when the file must exist."""
    if readonly:
        if not path.is_file():
            raise FileNotFoundError(
                f"no archive at {path}: an archive is created by running a campaign that writes to "
                f"this path (or by opening it writable with Archive(path))"
            )
        uri = path.resolve().as_uri() + "?mode=ro"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        uri = path.resolve().as_uri() + "?mode=rwc"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)

    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # SQLAlchemy emits BEGIN itself (see on_begin), so that reads and DDL are transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool)
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def check_schema(engine: Engine, path: Path, readonly: bool) -> None:
    """Refuse an archive newer than this code or (read-only) a file that is not an archive; migrate a
    writable one to the current schema."""
    with engine.begin() as connection:
        version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"archive {path} has schema version {version}, newer than the version this code "
                f"understands ({SCHEMA_VERSION}); upgrade evolve to open it"
            )
        if readonly:
            tables = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'programs'"
            ).scalar_one()
            if not tables:
                raise ValueError(f"{path} is not an evolve archive (it has no programs table)")
            return
        # Migrations, one step at a time. 1 -> 2 only adds the llm_calls table, 2 -> 3 the arms table and
        # 3 -> 4 the verdicts table, which create_all makes (it creates missing tables and leaves existing ones
        # as they are).
        Base.metadata.create_all(connection)
        if version < SCHEMA_VERSION:
            connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def writer_lock(path: Path, owner: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<path>.lock``, which records ``owner``, while the block runs.

    Raises:
        ArchiveBusy: another process (or another writer in this one) holds the lock.
    """
    import fcntl  # POSIX only; imported here so that reading an archive works everywhere

    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "unknown"
            raise ArchiveBusy(
                f"archive {path} is being written by another campaign ({holder}); two campaigns "
                "cannot write one archive at once: wait for that one to finish (or stop it with Ctrl-C), or "
                "give this one another --db") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
