"""The case group's responses to the findings, and which findings were shared with whom.

    with store.transaction() as tx:
        store.finding_responses.record_shared(tx, "child-d", "U0HV0001", [("F1", 2)])
        store.finding_responses.save(tx, "child-d", "U0HV0001", "F2", "doesnt_fit", "we did call")  # 'new'
    store.finding_responses.shared("child-d", "U0HV0001")    # {"F1": 2}: the version each was sent at
    store.finding_responses.shared_findings("child-d")       # {"F1"}: shared with anyone
    store.finding_responses.of_review("child-d")             # [Response(...)], every member's current one

One current response per member per finding: a change replaces it, and no earlier words are kept. They are the
member's own words about the team's draft, not evidence, and a member who changes their mind takes the old
words back; the audit trail keeps that they responded and when (never the text). Withdrawal
(forget_member) and purge (storage/retention.py PURGED) delete both tables' rows.
"""
from __future__ import annotations

from collections.abc import Iterable

from bot.core.finding_responses import Response
from storage.audit import add_audit_row
from storage.database import Database, Transaction

TAKING_PART = ("asking", "checking", "submitted")   # as bot/lead_actions.py: consented, and not withdrawn


class FindingResponses:
    def __init__(self, database: Database):
        self.database = database

    def took_part(self, review_key: str) -> list[str]:
        """The members a share round is for: consented, not withdrawn, and submitted a reflection at least once."""
        return [member for (member,) in self.database.db.execute(
            f"select c.member from conversations c where c.review_key = ? and c.stage in "
            f"({', '.join('?' * len(TAKING_PART))}) and exists (select 1 from reflection_versions v "
            "where v.review_key = c.review_key and v.member = c.member) order by c.member",
            [review_key, *TAKING_PART])]

    def shared(self, review_key: str, member: str) -> dict[str, int]:
        """{finding key: the version last sent to `member`}."""
        return dict(self.database.db.execute("select finding, version from finding_shares where review_key = ? "
                                             "and member = ?", [review_key, member]).fetchall())

    def shared_findings(self, review_key: str) -> set[str]:
        """The findings shared with at least one member: the report says "not yet shared" of the others."""
        return {finding for (finding,) in self.database.db.execute(
            "select distinct finding from finding_shares where review_key = ?", [review_key])}

    @staticmethod
    def record_shared(tx: Transaction, review_key: str, member: str, sent: Iterable[tuple[str, int]],
                      actor: str = "") -> None:
        sent = list(sent)
        for finding, version in sent:
            tx.db.execute("insert into finding_shares (review_key, member, finding, version, shared_at) "
                          "values (?, ?, ?, ?, ?) on conflict (review_key, member, finding) do update set "
                          "version = excluded.version, shared_at = excluded.shared_at",
                          [review_key, member, finding, version, tx.now])
        if sent:
            add_audit_row(tx, actor or member, "findings.shared", review_key,
                          f"{member}: {', '.join(f'{k} v{v}' for k, v in sent)}")

    @staticmethod
    def save(tx: Transaction, review_key: str, member: str, finding: str, kind: str, text: str) -> str:
        """Store the member's response to `finding`, replacing any earlier one. Returns 'new', 'changed', or
        'same' (the same kind and words again: nothing written, nothing audited)."""
        row = tx.db.execute("select kind, text from finding_responses where review_key = ? and finding = ? and "
                            "member = ?", [review_key, finding, member]).fetchone()
        if row and tuple(row) == (kind, text):
            return "same"
        tx.db.execute("insert into finding_responses (review_key, finding, member, kind, text, at) "
                      "values (?, ?, ?, ?, ?, ?) on conflict (review_key, finding, member) do update set "
                      "kind = excluded.kind, text = excluded.text, at = excluded.at",
                      [review_key, finding, member, kind, text, tx.now])
        outcome = "changed" if row else "new"
        add_audit_row(tx, member, f"finding_response.{'changed' if row else 'saved'}", review_key, f"{finding}, {kind}")
        return outcome

    def of_review(self, review_key: str) -> list[Response]:
        """Every member's current response to every finding."""
        return [Response(*row) for row in self.database.db.execute(
            "select finding, member, kind, text, at from finding_responses where review_key = ? "
            "order by finding, at, member", [review_key])]

    def of_member(self, review_key: str, member: str) -> dict[str, Response]:
        """{finding key: the member's own current response}."""
        return {r.finding: r for r in self.of_review(review_key) if r.member == member}

    @staticmethod
    def forget_member(tx: Transaction, review_key: str, member: str, actor: str) -> int:
        """A practitioner withdrew: their responses, and the record of what was shared with them, go. Returns how
        many responses were deleted."""
        deleted = tx.db.execute("delete from finding_responses where review_key = ? and member = ?",
                                [review_key, member]).rowcount
        tx.db.execute("delete from finding_shares where review_key = ? and member = ?", [review_key, member])
        if deleted:
            add_audit_row(tx, actor, "finding_response.withdrawn", review_key, f"{member}: {deleted} deleted")
        return deleted
