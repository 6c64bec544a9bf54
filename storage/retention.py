"""Retention: closed reviews past their date, and purging their conversational material.

    retention.due()                         # ['child-d']: closed, past retain_until, not yet purged
    retention.purge("child-d", actor="cli") # {'answers': 90, ...}, one audit row per deleted record
"""
from __future__ import annotations

from storage.audit import add_audit_row
from storage.database import Database

# What `purge` deletes: the conversational material, table by table, and how each deleted
# record is named in its audit row (names and times, never the text itself).
PURGED = {
    "answers": ("member, episode, field, answered_at",
                lambda r: f"answer of {r[0]} to {r[1]}/{r[2]}, given {r[3]}"),
    "reflection_versions": ("member, version, submitted_at",
                            lambda r: f"reflection of {r[0]}, version {r[1]}, submitted {r[2]}"),
    "conversations": ("member, stage, updated_at",
                      lambda r: f"conversation state of {r[0]} ({r[1]}), last changed {r[2]}"),
    "reminders": ("member, sent_count, last_sent_at",
                  lambda r: f"reminder schedule of {r[0]} ({r[1]} sent, last {r[2] or 'never'})"),
    "people": ("label, 'names'", lambda r: f"the real names behind the label {r[0]!r}"),
    # The team's analysis quotes the case group, and may name the family: it goes with their words.
    "appraisals": ("episode, version, saved_at", lambda r: f"appraisal of {r[0]}, version {r[1]}, saved {r[2]}"),
    "findings": ("key, version, saved_at", lambda r: f"finding {r[0]}, version {r[1]}, saved {r[2]}"),
    # The agencies' comments on the report quote it, and may name people.
    "accuracy_comments": ("id, agency, received_at",
                          lambda r: f"factual-accuracy comment {r[0]} from {r[1]}, received {r[2]}"),
    "accuracy_files": ("member, dropped_at",
                       lambda r: f"the comments of a file {r[0]} dropped {r[1]}, waiting for its agency"),
    # The case group's feedback comments are free text, and may name people: they go with their words. The
    # counts per rating say nothing of anyone and stay. (Named without who or when: they are kept without.)
    "feedback_comments": ("id", lambda r: "a feedback comment, unattributed"),
    # The case group's responses to the findings are their words too (issue 17).
    "finding_responses": ("finding, member, at", lambda r: f"response of {r[1]} to finding {r[0]}, given {r[2]}"),
    "finding_shares": ("finding, member, shared_at", lambda r: f"finding {r[0]} shared with {r[1]} on {r[2]}"),
    # The review team's follow-up questions quote the case group's answers, and hold their replies.
    "follow_ups": ("number, member, episode, asked_at",
                   lambda r: f"follow-up Q{r[0]} to {r[1]} about {r[2]}, asked {r[3]}"),
    "follow_up_drafts": ("member, saved_at", lambda r: f"words kept for a follow-up by {r[0]}, {r[1]}"),
}


class Retention:
    def __init__(self, database: Database):
        self.database = database

    def due(self) -> list[str]:
        """Closed reviews whose retention date has passed and whose conversations are not yet purged."""
        return [key for (key,) in self.database.db.execute(
            "select key from reviews where stage = 'closed' and retain_until is not null and retain_until <= ? "
            "and purged_at is null order by retain_until, key", [self.database.now()])]

    def purge(self, review_key: str, actor: str) -> dict[str, int]:
        """Delete a review's conversational material, irreversibly, in one transaction.

        Every deleted record leaves an audit row saying what it was and when it was deleted;
        the review, its episodes and case group (roles and agencies) and the audit trail stay.
        Call `Store.scrub()` afterwards so that no deleted text lingers in the file.
        """
        counts: dict[str, int] = {}
        with self.database.transaction() as tx:
            for table, (columns, describe) in PURGED.items():
                rows = tx.db.execute(f"select {columns} from {table} where review_key = ?", [review_key]).fetchall()
                for row in rows:
                    add_audit_row(tx, actor, "purge.deleted", review_key, describe(row))
                tx.db.execute(f"delete from {table} where review_key = ?", [review_key])
                counts[table] = len(rows)
            tx.db["reviews"].update(review_key, {"purged_at": tx.now})
            add_audit_row(tx, actor, "review.purged", review_key,
                          ", ".join(f"{n} {table}" for table, n in counts.items()))
        return counts
