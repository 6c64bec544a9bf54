"""The review team's follow-up questions to case group members, and their answers.

    follow_ups.ask(review_key, follow_up, actor="U0LEAD01")      # the FollowUp as stored: its id and number
    follow_ups.posted(follow_up.id, channel, ts)                  # the DM message it is in: its thread answers it
    follow_ups.open_for("U0PC0001")                               # theirs still asked, in reviews taking answers
    follow_ups.of_review("child-d")                               # every one, in the order asked

The practitioner's answers are their words, as a reflection is: a purge deletes them with the review's
conversations (storage/retention.py PURGED), and a withdrawal with the rest of the member's material. Who asked
is in the audit trail only (the question is the review team's); no audit row holds a question's or answer's text.
"""
from __future__ import annotations

import json

from bot.core.follow_ups import ASKING_STAGES, FollowUp, next_number
from storage.audit import add_audit_row
from storage.database import Database, Transaction

_COLUMNS = ("review_key", "member", "episode", "question", "number", "field", "quoted", "status", "asked_at",
            "answered_at", "answer", "id", "channel", "message_ts")
_SELECT = f"select {', '.join('f.' + c for c in _COLUMNS)} from follow_ups f"


def _follow_up(row) -> FollowUp:
    return FollowUp(**{name: value if value is not None else "" for name, value in zip(_COLUMNS, row)})


class FollowUps:
    def __init__(self, database: Database):
        self.database = database

    def ask(self, follow_up: FollowUp, actor: str) -> FollowUp:
        """Store a new question, numbered on from the practitioner's last (across their reviews)."""
        with self.database.transaction() as tx:
            numbers = [n for (n,) in tx.db.execute("select number from follow_ups where member = ?",
                                                   [follow_up.member])]
            row = {name: getattr(follow_up, name) for name in _COLUMNS if name != "id"}
            row.update(number=next_number(numbers), status="asked", asked_at=tx.now, answered_at="", answer="")
            stored_id = tx.db["follow_ups"].insert(row).last_pk
            add_audit_row(tx, actor, "follow_up.asked", follow_up.review_key,
                          f"Q{row['number']} to {follow_up.member} about {follow_up.episode}")
        return self.get(stored_id)

    def posted(self, follow_up_id: int, channel: str, message_ts: str) -> None:
        """Where the question was posted: a reply in that message's thread is its answer."""
        with self.database.transaction() as tx:
            tx.db.execute("update follow_ups set channel = ?, message_ts = ? where id = ?",
                          [channel, message_ts, follow_up_id])

    def get(self, follow_up_id: int) -> FollowUp | None:
        row = self.database.db.execute(f"{_SELECT} where f.id = ?", [follow_up_id]).fetchone()
        return _follow_up(row) if row else None

    def of_review(self, review_key: str, episode: str | None = None) -> list[FollowUp]:
        """Every follow-up of the review (or of one episode), in the order asked."""
        where, args = "f.review_key = ?", [review_key]
        if episode:
            where, args = where + " and f.episode = ?", args + [episode]
        return [_follow_up(row) for row in self.database.db.execute(f"{_SELECT} where {where} order by f.id", args)]

    def open_counts(self, review_key: str) -> dict[str, int]:
        """{member: how many follow-ups they have still to answer}: the reminders count them."""
        return dict(self.database.db.execute("select member, count(*) from follow_ups where review_key = ? and "
                                             "status = 'asked' group by member", [review_key]).fetchall())

    @staticmethod
    def open_for(tx: Transaction, member: str) -> list[FollowUp]:
        """The practitioner's follow-ups still asked, in reviews that still take answers, the first asked first."""
        stages = ", ".join(f"'{stage}'" for stage in ASKING_STAGES)
        return [_follow_up(row) for row in tx.db.execute(
            f"{_SELECT} join reviews r on r.key = f.review_key where f.member = ? and f.status = 'asked' "
            f"and r.stage in ({stages}) order by f.id", [member])]

    @staticmethod
    def in_thread(tx: Transaction, member: str, thread_ts: str) -> tuple[FollowUp, str] | None:
        """The follow-up whose message `thread_ts` is in the thread of, with its review's stage; None if none.
        (Their own follow-ups only, all in their DM with the bot: the ts alone tells them apart.)"""
        row = tx.db.execute(f"{_SELECT.replace(' from', ', r.stage from')} join reviews r on r.key = f.review_key "
                            "where f.member = ? and f.message_ts = ?", [member, thread_ts]).fetchone()
        return (_follow_up(row[:-1]), row[-1]) if row else None

    @staticmethod
    def numbered(tx: Transaction, member: str, number: int) -> tuple[FollowUp, str] | None:
        """The practitioner's follow-up Q`number`, whatever its status, with its review's stage; None if none."""
        row = tx.db.execute(f"{_SELECT.replace(' from', ', r.stage from')} join reviews r on r.key = f.review_key "
                            "where f.member = ? and f.number = ?", [member, number]).fetchone()
        return (_follow_up(row[:-1]), row[-1]) if row else None

    @staticmethod
    def settle(tx: Transaction, follow_up: FollowUp, status: str, answer: str = "") -> FollowUp:
        """Answered (`answer`, added to what they said before, if anything) or declined. Audited without the text."""
        text = f"{follow_up.answer}\n\n{answer}" if follow_up.answer and answer else (answer or follow_up.answer)
        tx.db.execute("update follow_ups set status = ?, answer = ?, answered_at = ? where id = ?",
                      [status, text, tx.now, follow_up.id])
        add_audit_row(tx, follow_up.member, f"follow_up.{status}", follow_up.review_key,
                      f"{follow_up.name} about {follow_up.episode}")
        return FollowUp(**{**vars(follow_up), "status": status, "answer": text, "answered_at": tx.now})

    # ----- words kept while the practitioner says which question they answer ----------------

    @staticmethod
    def keep_draft(tx: Transaction, member: str, text: str, choices: list[FollowUp]) -> None:
        """Words typed for one of several open questions: kept (added to any kept before) until they say which."""
        row = tx.db.execute("select text from follow_up_drafts where member = ?", [member]).fetchone()
        kept = f"{row[0]}\n\n{text}" if row and row[0] and text else text
        tx.db["follow_up_drafts"].upsert({"member": member, "review_key": choices[0].review_key, "text": kept,
                                          "choices": json.dumps([f.id for f in choices]), "saved_at": tx.now},
                                         pk="member")

    @staticmethod
    def draft(tx: Transaction, member: str) -> tuple[str, list[int]]:
        row = tx.db.execute("select text, choices from follow_up_drafts where member = ?", [member]).fetchone()
        return (row[0], json.loads(row[1])) if row else ("", [])

    @staticmethod
    def drop_draft(tx: Transaction, member: str) -> None:
        tx.db.execute("delete from follow_up_drafts where member = ?", [member])

    # ----- withdrawal ----------------------------------------------------------

    @staticmethod
    def forget_member(tx: Transaction, review_key: str, member: str) -> int:
        """A practitioner withdrew: their follow-ups in the review go, questions and answers, and any words kept
        for one. Returns how many follow-ups were deleted."""
        tx.db.execute("delete from follow_up_drafts where member = ? and review_key = ?", [member, review_key])
        return tx.db.execute("delete from follow_ups where review_key = ? and member = ?",
                             [review_key, member]).rowcount
