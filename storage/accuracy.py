"""The agencies' factual-accuracy comments on a draft report, and how each was resolved.

    accuracy.add("adult-f", comments, actor="U0LEAD01")     # the comments stored now (one seen before: not again)
    accuracy.comments("adult-f")                            # every comment, in the order received
    accuracy.resolve("adult-f", 3, "not-accepted", "The records show 22:40.", actor="U0LEAD01")
    accuracy.open_count("adult-f")                          # 4: the Home tab's card says how many wait
    accuracy.hold_file("adult-f", "U0LEAD01", "police.docx", comments, "file:F123")   # dropped in the DM

The comments may quote the family or name people, as the case group's words may: every output pseudonymises
them, and a purge deletes them with the review's conversational material (storage/retention.py). The audit
rows name comments by number and agency, never their text.
"""
from __future__ import annotations

import dataclasses
import json
from typing import NamedTuple

from bot.core.accuracy import RESOLUTIONS, AccuracyComment
from storage.audit import add_audit_row
from storage.conversations import Conversations
from storage.database import Database, Transaction

_COLUMNS = ("id", "agency", "initials", "text", "anchor", "section", "episode", "finding", "written_at", "status",
            "reason", "received_at", "resolved_at")


class HeldFile(NamedTuple):
    """A lead's dropped file, read, waiting for the agency it is from."""
    review_key: str
    file_name: str
    comments: list[AccuracyComment]


class Accuracy:
    def __init__(self, database: Database):
        self.database = database

    def comments(self, review_key: str) -> list[AccuracyComment]:
        """Every comment received for the review, in the order received."""
        rows = self.database.db.execute(f"select {', '.join(_COLUMNS)} from accuracy_comments where review_key = ? "
                                        "order by id", [review_key]).fetchall()
        return [AccuracyComment(**dict(zip(_COLUMNS, row))) for row in rows]

    def comment(self, review_key: str, comment_id: int) -> AccuracyComment | None:
        return next((c for c in self.comments(review_key) if c.id == comment_id), None)

    def open_count(self, review_key: str) -> int:
        """How many of the review's comments wait for a lead's resolution (the Home tab's card says)."""
        return self.database.db.execute("select count(*) from accuracy_comments where review_key = ? and "
                                        "status = 'open'", [review_key]).fetchone()[0]

    def add(self, review_key: str, comments: list[AccuracyComment], actor: str) -> list[AccuracyComment]:
        """Store the comments not stored before (by fingerprint), numbered on from the review's last. Returns the
        ones stored now: none when the same file is imported twice."""
        with self.database.transaction() as tx:
            return self.add_in(tx, review_key, comments, actor)

    @staticmethod
    def add_in(tx: Transaction, review_key: str, comments: list[AccuracyComment],
               actor: str) -> list[AccuracyComment]:
        """`add`, within a transaction the caller holds (a DM's step: the event claimed in the same one)."""
        stored = []
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

    # ----- a file dropped in the DM, waiting for its agency ------------------

    def hold_file(self, review_key: str, member: str, file_name: str, comments: list[AccuracyComment],
                  event_key: str) -> bool:
        """Keep a dropped file's comments while the lead is asked which agency it is from (a second file replaces
        the first). False when `event_key` (the file's id) was taken before: Slack sent the drop twice."""
        with self.database.transaction() as tx:
            if not Conversations.claim_event(tx, event_key):
                return False
            tx.db["accuracy_files"].insert({"member": member, "review_key": review_key, "file_name": file_name,
                                            "comments": json.dumps([dataclasses.asdict(c) for c in comments]),
                                            "dropped_at": tx.now}, replace=True)
            add_audit_row(tx, member, "accuracy.file_received", review_key,
                          f"{len(comments)} comments in a file dropped in the DM, waiting for its agency")
        return True

    def file_seen(self, event_key: str) -> bool:
        """Whether a dropped file (its id, as an event) was taken before: checked before it is downloaded."""
        return self.database.db.execute("select 1 from processed_events where event_key = ?",
                                        [event_key]).fetchone() is not None

    @staticmethod
    def held_file(tx: Transaction, member: str) -> HeldFile | None:
        row = tx.db.execute("select review_key, file_name, comments from accuracy_files where member = ?",
                            [member]).fetchone()
        if row is None:
            return None
        return HeldFile(row[0], row[1], [AccuracyComment(**c) for c in json.loads(row[2])])

    @staticmethod
    def drop_file(tx: Transaction, member: str) -> None:
        tx.db.execute("delete from accuracy_files where member = ?", [member])

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
        return self.comment(review_key, comment_id)
