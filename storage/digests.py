"""What digests keep in the store: each review's review-wide part, stored like an index. A mixin of `Store`.

    stored = store.stored_review_wide("child-d")      # StoredWide(revision=7, computed_for='…', part='{…}')
    store.keep_review_wide("child-d", stored.revision, computed_for, part)   # False: a reflection changed since
    store.reflections_revision("child-d")             # 8 after the next submission, revision or withdrawal

The counter and the part share one row of `review_wide` (migration 4). SQLite's triggers on
`reflection_versions` move the counter and empty the part in the transaction that changes a reflection,
whichever process makes it, so a stored part is always the one computed at its row's revision, or none.
"""
from __future__ import annotations

from typing import NamedTuple


class StoredWide(NamedTuple):
    revision: int            # reflections_revision: 0 until the review's reflections first change
    computed_for: str        # what the part was computed for (bot/digest_builder.py: the review and the prompts)
    part: str | None         # the serialized part (bot.core.stored_wide), or None


class StoredDigests:
    """Store methods for the digests' kept part. Expects `db` and `transaction()`."""

    def has_reflections(self, review_key: str) -> bool:
        """Whether anyone has a submitted reflection stored for the review."""
        return self.db.execute("select exists (select 1 from reflection_versions where review_key = ?)",
                               [review_key]).fetchone()[0] == 1

    def reflections_revision(self, review_key: str) -> int:
        """Moves on every change to the review's submitted reflections, in any process."""
        row = self.db.execute("select reflections_revision from review_wide where review_key = ?",
                              [review_key]).fetchone()
        return row[0] if row else 0

    def stored_review_wide(self, review_key: str) -> StoredWide:
        """The review's stored review-wide part, with the revision it belongs to (read together)."""
        row = self.db.execute("select reflections_revision, computed_for, part from review_wide where review_key = ?",
                              [review_key]).fetchone()
        return StoredWide(row[0], row[1] or "", row[2]) if row else StoredWide(0, "", None)

    def keep_review_wide(self, review_key: str, revision: int, computed_for: str, part: str) -> bool:
        """Store a review-wide part computed from reflections read at `revision` (read before them). Returns
        False, storing nothing, if they have changed since: the part would already be out of date."""
        with self.transaction() as db:
            cursor = db.execute(
                "insert into review_wide (review_key, reflections_revision, computed_for, part) values (?, ?, ?, ?) "
                "on conflict (review_key) do update set computed_for = excluded.computed_for, part = excluded.part "
                "where reflections_revision = excluded.reflections_revision",
                [review_key, revision, computed_for, part])
            return cursor.rowcount == 1

    def drop_review_wide(self, review_key: str) -> None:
        """Empty the stored part (the benchmark's "recomputed" row); the next digest computes it again."""
        with self.transaction() as db:
            db.execute("update review_wide set computed_for = null, part = null where review_key = ?", [review_key])
