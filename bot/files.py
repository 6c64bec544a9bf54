"""Writing files that hold case material: readable by their owner only, from the moment they exist."""
from __future__ import annotations

import os

from bot.errors import CasegroupError


def write_private(path: str, text: str) -> None:
    """Write `text` to `path`, created readable by its owner only (0600): exports, and the files the
    offline mode saves, hold case material."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: str, data: bytes) -> None:
    """write_private for a file that isn't text (the report's .docx)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        raise CasegroupError(f"can't write {path}: {error.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # an existing file keeps its old mode otherwise
        out.write(data)
