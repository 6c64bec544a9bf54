"""Reminder schedules: who has been reminded, how often, and when the next reminder is due.

    reminders.rows("child-d")              # every invited member, with their Schedule
    reminders.record_sent("child-d", "U0HV0001", next_due, actor="casegroup", by_hand=False)
    reminders.snooze("child-d", "U0HV0001", until)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.reminders import Schedule
from storage.audit import add_audit_row
from storage.database import Database, Transaction, moment, stamp


@dataclass
class ReminderRow:
    """A case group member who has been invited, with their conversation stage and reminder schedule."""
    review_key: str
    member: str
    stage: str
    invited_at: dt.datetime | None
    schedule: Schedule


def _upsert(tx: Transaction, review_key: str, member: str, **values) -> None:
    tx.db["reminders"].upsert({"review_key": review_key, "member": member, **values}, pk=("review_key", "member"))


class ReminderSchedules:
    def __init__(self, database: Database):
        self.database = database

    def rows(self, review_key: str | None = None) -> list[ReminderRow]:
        """Every invited member (of one review, or of every review in conversations), with their schedule."""
        where = "c.review_key = ?" if review_key else "v.stage = 'conversations'"
        rows = self.database.db.execute(
            "select c.review_key, c.member, c.stage, c.invited_at, coalesce(r.sent_count, 0), r.last_sent_at, "
            "r.due_at, r.snoozed_until from conversations c join reviews v on v.key = c.review_key "
            "join members m on m.review_key = c.review_key and m.slack_id = c.member "
            "left join reminders r on r.review_key = c.review_key and r.member = c.member "
            f"where {where} order by c.review_key, m.rowid", [review_key] if review_key else [])
        return [ReminderRow(key, member, stage, moment(invited),
                            Schedule(sent, moment(last), moment(due), moment(snoozed)))
                for key, member, stage, invited, sent, last, due, snoozed in rows]

    def record_sent(self, review_key: str, member: str, next_due: dt.datetime, actor: str, by_hand: bool) -> None:
        """A reminder is about to go out: count it (towards the cap, whoever sent it) and schedule the next."""
        with self.database.transaction() as tx:
            sent = tx.db.execute("select sent_count from reminders where review_key = ? and member = ?",
                                 [review_key, member]).fetchone()
            count = (sent[0] if sent else 0) + 1
            _upsert(tx, review_key, member, sent_count=count, last_sent_at=tx.now, due_at=stamp(next_due))
            add_audit_row(tx, actor, "reminder.sent", review_key,
                          f"to {member}, number {count}, {'by hand' if by_hand else 'scheduled'}")

    def defer(self, review_key: str, member: str, due_at: dt.datetime, actor: str | None = None) -> None:
        """A reminder fell due (or a lead asked for one, `actor`) outside the practitioner's working hours:
        it waits for their next working day."""
        with self.database.transaction() as tx:
            _upsert(tx, review_key, member, due_at=stamp(due_at))
            if actor:
                add_audit_row(tx, actor, "reminder.queued", review_key, f"to {member}, due {stamp(due_at)}")

    def snooze(self, review_key: str, member: str, until: dt.datetime) -> None:
        with self.database.transaction() as tx:
            _upsert(tx, review_key, member, snoozed_until=stamp(until))
            add_audit_row(tx, member, "reminder.snoozed", review_key, f"until {stamp(until)}")
