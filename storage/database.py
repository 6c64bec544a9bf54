"""The SQLite file: one connection per thread, and the one way to write, `transaction()`.

    database = Database("casegroup.db")
    with database.transaction() as tx:
        tx.db.execute("insert into audit (at, actor, action) values (?, ?, ?)", [tx.now, "cli", "x"])

One file, created readable by its owner only, in WAL mode with a busy timeout. Every writer in
storage/, migrations included, goes through `transaction()`: all or nothing, and one time for
every row the step writes (`tx.now`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, NamedTuple

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000


def utc_now() -> dt.datetime:
    """The one clock. Pass another to Store(clock=...) in tests."""
    return dt.datetime.now(dt.timezone.utc)


def stamp(when: dt.datetime) -> str:
    """How times are stored: UTC ISO text, to the second, so that they sort as text."""
    return when.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def moment(text: str | None) -> dt.datetime | None:
    """A stored time back as an aware datetime."""
    return dt.datetime.fromisoformat(text) if text else None


class Transaction(NamedTuple):
    """An open write transaction: the connection to write with, and the time of the step."""
    db: sqlite_utils.Database
    now: str


class Database:
    def __init__(self, path: str | Path, clock: Callable[[], dt.datetime] = utc_now):
        self.path = str(path)
        self.clock = clock
        self._local = threading.local()
        self._memory = self.path == ":memory:"
        if self._memory:
            # One shared in-memory database for every thread (the offline mode's default), so one writer at a time.
            self._shared = sqlite_utils.Database(sqlite3.connect(":memory:", check_same_thread=False))
            self._prepare(self._shared)
            self._writer_lock: contextlib.AbstractContextManager = threading.RLock()
        else:
            self._create_private(self.path)
            self._writer_lock = contextlib.nullcontext()  # SQLite's own lock (BEGIN IMMEDIATE) is enough

    @staticmethod
    def _create_private(path: str) -> None:
        """Create the database file readable by its owner only, before SQLite opens it."""
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"the folder {directory} does not exist")
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)

    @staticmethod
    def _prepare(db: sqlite_utils.Database) -> None:
        db.execute("pragma foreign_keys = on")
        # Deleted rows (a withdrawal, a purge) are overwritten with zeros, not left in free space.
        db.execute("pragma secure_delete = on")

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (sqlite3 connections must not be shared across threads)."""
        if self._memory:
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
            if db.execute("pragma journal_mode").fetchone()[0] != "wal":
                db.enable_wal()
            db.execute("pragma synchronous = normal")
            self._prepare(db)
            self._local.db = db
        return db

    def now(self) -> str:
        """The clock's time as stored: UTC, to the second."""
        return stamp(self.clock())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """All or nothing; a failed commit rolls back. BEGIN IMMEDIATE takes the write lock up front,
        so two writers queue on the busy timeout instead of failing half-way with 'database is locked'.

        Transactions don't nest: a step that writes in several places opens one and passes `tx` on."""
        with self._writer_lock:
            conn = self.db.conn
            if conn.in_transaction:
                raise RuntimeError("a transaction is already open on this connection: pass its tx on instead")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self.db, self.now())
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise

    def close(self) -> None:
        """Close this thread's connection (a worker thread's, before the file may go away)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def scrub(self, vacuum: bool = True) -> bool:
        """Empty the write-ahead log into the file (and rewrite the file without free pages), so that
        deleted text is gone from the disk too: `secure_delete` has zeroed it in the current pages, and
        the log's older copies go. Returns False if another connection kept the log from being emptied."""
        if self._memory:
            return True
        if vacuum:
            self.db.execute("vacuum")
        busy, _, _ = self.db.execute("pragma wal_checkpoint(truncate)").fetchone()
        return busy == 0
