"""Encryption at rest: `CASEGROUP_DB_KEY`, and how SQLCipher is keyed with it.

    key = DatabaseKey.parse("correct horse battery staple")   # a passphrase, or 64 hex digits
    store = Store("casegroup.db", key=key)                       # the file, its -wal and journal: encrypted

The connections themselves are made in storage/database.py (and `encrypt_file` there, for
`casegroup db encrypt`); this module only knows keys and what a file's first bytes say.

SQLCipher 4 (the `sqlcipher3` package) encrypts every page, in the file and in its write-ahead log. A raw
key (32 bytes, written as 64 hex digits) is used as it is. A passphrase is stretched by PBKDF2-HMAC-SHA512,
256,000 rounds, salted with the first 16 bytes of the file: SQLCipher's own defaults, so the sqlcipher
shell's `PRAGMA key = 'the passphrase'` opens the file too. That costs about 135 ms; SQLCipher would pay
it on every connection (one per thread), so casegroup derives the key once per process and keys each
connection with the result, as a raw key (under 1 ms).
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# What a plain SQLite file starts with; SQLCipher's files start with their random salt instead.
PLAIN_HEADER = b"SQLite format 3\x00"
SALT_BYTES = 16
# SQLCipher 4's defaults for a passphrase: keep them, so other SQLCipher tools open the file with it.
KDF_ROUNDS = 256_000
KEY_BYTES = 32
MIN_PASSPHRASE = 12
_RAW = re.compile(r"(?:x'([0-9a-fA-F]{64})'|([0-9a-fA-F]{64}))")


@dataclass(frozen=True)
class DatabaseKey:
    """`CASEGROUP_DB_KEY`, parsed. Never shown: it is left out of the repr.

    >>> DatabaseKey.parse("ab" * 32).raw == bytes.fromhex("ab" * 32)
    True
    """
    raw: bytes | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str) -> "DatabaseKey":
        """64 hex digits (or SQLCipher's x'...' form of them) are a raw key; anything else is a passphrase."""
        raw = _RAW.fullmatch(text)
        if raw:
            return cls(raw=bytes.fromhex(raw.group(1) or raw.group(2)))
        if len(text) < MIN_PASSPHRASE:
            raise ValueError(f"a passphrase needs at least {MIN_PASSPHRASE} characters, or use a raw key "
                             "(64 hex digits: README, 'Encryption at rest', says how to make one)")
        return cls(passphrase=text)

    def keying(self, salt: bytes) -> str:
        """The value of `PRAGMA key` for a file with this salt: always a raw key, so no connection derives."""
        if self.raw is not None:
            return f"x'{self.raw.hex()}'"
        # The salt goes with the derived key: a new file then starts with the very salt it was derived from.
        return f"x'{derived_key(self.passphrase, salt).hex()}{salt.hex()}'"


@functools.lru_cache(maxsize=8)
def derived_key(passphrase: str, salt: bytes) -> bytes:
    """PBKDF2 as SQLCipher 4 does it (about 135 ms): cached, so a process pays it once per file."""
    return hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ROUNDS, KEY_BYTES)


def file_header(path: str | Path) -> bytes:
    """The first 16 bytes of the file: b"" for a new (empty) one, `PLAIN_HEADER` for a plain SQLite
    database, and the salt for an encrypted one."""
    with open(path, "rb") as file:
        return file.read(SALT_BYTES)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def literal(text: str) -> str:
    """`text` as an SQL string literal (PRAGMA key and ATTACH ... KEY take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"
