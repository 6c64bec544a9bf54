"""The agencies' factual-accuracy comments on a draft report, and how each was resolved.

    accuracy.add("adult-f", comments, actor="U0LEAD01")     # the comments stored now (one seen before: not again)
    accuracy.comments("adult-f")                            # every comment, in the order received
    accuracy.resolve("adult-f", 3, "not-accepted", "The records show 22:40.", actor="U0LEAD01")

The comments may quote the family or name people, as the case group's words may: every output pseudonymises
them, and a purge deletes them with the review's conversational material (storage/retention.py). The audit
rows name comments by number and agency, never their text.
"""
from __future__ import annotations

import dataclasses

from bot.core.accuracy import RESOLUTIONS, AccuracyComment
from storage.audit import add_audit_row
from storage.database import Database

_COLUMNS = ("id", "agency", "initials", "text", "anchor", "section", "episode", "finding", "written_at", "status",
            "reason", "received_at", "resolved_at")


class Accuracy:
    def __init__(self, database: Database):
        self.database = database

    def comments(self, review_key: str) -> list[AccuracyComment]:
        """Every comment received for the review, in the order received."""
        rows = self.database.db.execute(f"select {', '.join(_COLUMNS)} from accuracy_comments where review_key = ? "
                                        "order by id", [review_key]).fetchall()
        return [AccuracyComment(**dict(zip(_COLUMNS, row))) for row in rows]

    def add(self, review_key: str, comments: list[AccuracyComment], actor: str) -> list[AccuracyComment]:
        """Store the comments not stored before (by fingerprint), numbered on from the review's last. Returns the
        ones stored now: none when the same file is imported twice."""
        stored = []
        with self.database.transaction() as tx:
            seen = {fingerprint for (fingerprint,) in tx.db.execute(
                "select fingerprint from accuracy_comments where review_key = ?", [review_key])}
            number = tx.db.execute("select coalesce(max(id), 0) from accuracy_comments where review_key = ?",
                                   [review_key]).fetchone()[0]
            for comment in comments:
                if comment.fingerprint in seen:
                    continue
                seen.add(comment.fingerprint)
                number += 1
                kept = dataclasses.replace(comment, id=number, status="open", reason="", received_at=tx.now,
                                           resolved_at="")
                tx.db["accuracy_comments"].insert({"review_key": review_key, "fingerprint": comment.fingerprint,
                                                   **{name: getattr(kept, name) for name in _COLUMNS}})
                stored.append(kept)
            if stored:
                add_audit_row(tx, actor, "accuracy.imported", review_key,
                              f"{len(stored)} from {comments[0].agency}, comments {stored[0].id}-{stored[-1].id}")
        return stored

    def resolve(self, review_key: str, comment_id: int, resolution: str, reason: str, actor: str) -> AccuracyComment | None:
        """Resolve a comment (again, to change its resolution): `resolution` is one of RESOLUTIONS. Returns the
        comment as stored now, or None if the review has no such comment."""
        if resolution not in RESOLUTIONS:
            raise ValueError(f"a resolution is one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
        with self.database.transaction() as tx:
            changed = tx.db.execute("update accuracy_comments set status = ?, reason = ?, resolved_at = ? "
                                    "where review_key = ? and id = ?",
                                    [resolution, reason, tx.now, review_key, comment_id]).rowcount
            if not changed:
                return None
            add_audit_row(tx, actor, "accuracy.resolved", review_key, f"comment {comment_id}: {resolution}")
        return next(c for c in self.comments(review_key) if c.id == comment_id)
