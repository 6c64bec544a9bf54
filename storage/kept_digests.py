"""What digests keep in the store: each review's review-wide part, stored like an index.

    stored = kept.review_wide("child-d")      # StoredWide(revision=7, computed_for='…', part='{…}')
    kept.keep_review_wide("child-d", stored.revision, computed_for, part)   # False: a reflection changed since
    kept.revision("child-d")                  # 8 after the next submission, revision or withdrawal

The counter and the part share one row of `review_wide` (migration 4). SQLite's triggers on
`reflection_versions` move the counter and empty the part in the transaction that changes a reflection,
whichever process makes it, so a stored part is always the one computed at its row's revision, or none.
"""
from __future__ import annotations

from typing import NamedTuple

from storage.database import Database


class StoredWide(NamedTuple):
    revision: int            # revision(): 0 until the review's reflections first change
    computed_for: str        # what the part was computed for (bot/digest_builder.py: the review and the prompts)
    part: str | None         # the serialized part (bot.core.stored_wide), or None


class KeptDigests:
    def __init__(self, database: Database):
        self.database = database

    def revision(self, review_key: str) -> int:
        """Moves on every change to the review's submitted reflections, in any process."""
        row = self.database.db.execute("select reflections_revision from review_wide where review_key = ?",
                                       [review_key]).fetchone()
        return row[0] if row else 0

    def review_wide(self, review_key: str) -> StoredWide:
        """The review's stored review-wide part, with the revision it belongs to (read together)."""
        row = self.database.db.execute(
            "select reflections_revision, computed_for, part from review_wide where review_key = ?",
            [review_key]).fetchone()
        return StoredWide(row[0], row[1] or "", row[2]) if row else StoredWide(0, "", None)

    def keep_review_wide(self, review_key: str, revision: int, computed_for: str, part: str) -> bool:
        """Store a review-wide part computed from reflections read at `revision` (read before them). Returns
        False, storing nothing, if they have changed since: the part would already be out of date."""
        with self.database.transaction() as tx:
            cursor = tx.db.execute(
                "insert into review_wide (review_key, reflections_revision, computed_for, part) values (?, ?, ?, ?) "
                "on conflict (review_key) do update set computed_for = excluded.computed_for, part = excluded.part "
                "where reflections_revision = excluded.reflections_revision",
                [review_key, revision, computed_for, part])
            return cursor.rowcount == 1
