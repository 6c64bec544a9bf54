"""The SQLite file: one connection per thread, and the one way to write, `transaction()`.

    database = Database("casegroup.db")
    with database.transaction() as tx:
        tx.db.execute("insert into audit (at, actor, action) values (?, ?, ?)", [tx.now, "cli", "x"])

One file, created readable by its owner only, in WAL mode with a busy timeout. Every writer in
storage/, migrations included, goes through `transaction()`: all or nothing, and one time for
every row the step writes (`tx.now`).

With a key (`Database(path, key=DatabaseKey.parse(...))`, from `CASEGROUP_DB_KEY`) the file, its
write-ahead log and its journal are encrypted by SQLCipher (storage/encryption.py says how it is keyed);
without one it is plain SQLite. A file that doesn't match (a key for a plain file, none or the wrong one
for an encrypted file) stops with one line naming `CASEGROUP_DB_KEY`.
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

import sqlcipher3
import sqlite_utils

from bot.errors import CasegroupError, ConfigError, NotFoundError
from storage.encryption import PLAIN_HEADER, SALT_BYTES, DatabaseKey, file_header, literal, new_salt

BUSY_TIMEOUT_MS = 10_000
# Prepared statements kept per connection. The bot prepares about 150 different ones (a step's, and their
# variants); sqlcipher3's own cache kept too few, re-preparing inserts and their triggers on each answer:
# 0.35x of the answer path's floor on an encrypted database (README, 'Benchmark').
STATEMENT_CACHE = 512
# An encrypted database's connections are sqlcipher3's, whose errors are classes of their own.
OperationalError = (sqlite3.OperationalError, sqlcipher3.OperationalError)


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
    def __init__(self, path: str | Path, clock: Callable[[], dt.datetime] = utc_now,
                 key: DatabaseKey | None = None):
        self.path = str(path)
        self.clock = clock
        self._local = threading.local()
        self._memory = self.path == ":memory:"
        self._keying: str | None = None  # PRAGMA key's value for every connection, worked out once
        if self._memory:
            # One shared in-memory database for every thread (the offline mode's default), so one writer at a time.
            # A key is not needed: nothing of it reaches the disk (SQLCipher's build keeps temp files in memory).
            self._shared = sqlite_utils.Database(sqlite3.connect(":memory:", check_same_thread=False))
            self._prepare(self._shared)
            self._writer_lock: contextlib.AbstractContextManager = threading.RLock()
        else:
            self._create_private(self.path)
            self._keying = _keying_for(self.path, key)
            self._writer_lock = contextlib.nullcontext()  # SQLite's own lock (BEGIN IMMEDIATE) is enough

    @property
    def encrypted(self) -> bool:
        return self._keying is not None

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
            db = sqlite_utils.Database(_connect(self.path, self._keying))
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


def _keying_for(path: str, key: DatabaseKey | None) -> str | None:
    """What `PRAGMA key` says on each connection to `path` (None: plain SQLite), once the key and the
    file are known to match as far as the file's first bytes tell."""
    header = file_header(path)
    if key is None:
        if header and header != PLAIN_HEADER:
            raise ConfigError(f"{path} is encrypted (or is not a database): set CASEGROUP_DB_KEY to its key")
        return None
    if header == PLAIN_HEADER:
        raise ConfigError(f"CASEGROUP_DB_KEY is set, but {path} is not encrypted: "
                          "`casegroup db encrypt` encrypts it")
    return key.keying(header if len(header) == SALT_BYTES else new_salt())


def _connect(path: str, keying: str | None):
    """A new connection to the file: plain SQLite, or SQLCipher keyed before anything reads the file."""
    if keying is None:
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                               cached_statements=STATEMENT_CACHE)
    conn = sqlcipher3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                              cached_statements=STATEMENT_CACHE)
    conn.execute(f"pragma key = {literal(keying)}")
    # A wrong key is reported once, below; SQLCipher would also print its own lines to stderr.
    conn.execute("pragma cipher_log_level = none")
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise ConfigError(f"CASEGROUP_DB_KEY does not open {path}: it is not the key the database was "
                          "encrypted with") from None
    return conn


def encrypt_file(path: str | Path, key: DatabaseKey) -> Path | None:
    """Turn the plain database at `path` into an encrypted one, in place; return where the plain original
    went (`NAME.unencrypted`, beside it), or None if the file is encrypted already (and `key` opens it).

    SQLCipher's own way: attach a new, keyed file and `sqlcipher_export` everything into it (tables,
    indexes, triggers), check every table's rows, then swap the files."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise NotFoundError(f"there is no database at {path}: nothing to encrypt")
    if file_header(path) != PLAIN_HEADER:
        _connect(str(path), _keying_for(str(path), key)).close()  # a wrong key says so
        return None
    aside, encrypting = path.with_name(path.name + ".unencrypted"), path.with_name(path.name + ".encrypting")
    if aside.exists():
        raise CasegroupError(f"{aside} already exists (an earlier unencrypted copy?): move it away, then run "
                             "this again")
    for leftover in (encrypting, *(encrypting.with_name(encrypting.name + end) for end in ("-journal", "-wal"))):
        leftover.unlink(missing_ok=True)  # from an encryption that was stopped half-way (encrypted, and unused)
    Database._create_private(str(encrypting))
    plain = sqlcipher3.connect(str(path), timeout=1, isolation_level=None)  # no key: plain SQLite
    try:
        # Leaving WAL mode needs the file to itself: a bot still running on it, whose later writes would go
        # to the old file, is found here instead of being lost.
        try:
            mode = plain.execute("pragma journal_mode = delete").fetchone()[0]
        except sqlcipher3.OperationalError:
            mode = "locked"
        if mode != "delete":
            raise CasegroupError(f"{path} is in use (is casegroup running on it?): stop it, then run this again")
        plain.execute(f"attach database {literal(str(encrypting))} as encrypted key {literal(key.keying(new_salt()))}")
        plain.execute("select sqlcipher_export('encrypted')")
        plain.execute(f"pragma encrypted.user_version = {int(plain.execute('pragma user_version').fetchone()[0])}")
        tables = [row[0] for row in plain.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            counts = [plain.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
                      for schema in ("main", "encrypted")]
            if counts[0] != counts[1]:
                raise CasegroupError(f"the encrypted copy of {path} lacks rows of {table}: {path} is unchanged")
        plain.execute("detach database encrypted")
    except BaseException:
        plain.close()
        encrypting.unlink(missing_ok=True)  # the plain file is as it was
        raise
    plain.close()
    os.replace(path, aside)
    os.replace(encrypting, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # both renames on the disk before anyone is told where the files are
    finally:
        os.close(folder)
    return aside
