"""Running a review, in the store's words: stages, progress, reminders, withdrawal and purge.

A mixin of `Store` (storage/__init__.py), kept apart so that the conversation's storage
and the lead's storage read on their own:

    store.set_stage("child-d", "closed", actor="U0LEAD01", retain_until=closed + year)
    store.case_group_progress("child-d")["U0HV0001"].answered   # {'KPE1': {'involvement', ...}}
    store.reminder_rows("child-d")                              # who might be reminded, and when
    store.purge_review("child-d", actor="cli")                  # {'answers': 90, ...}, one audit row each
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.progress import MemberRecord
from bot.core.reminders import Schedule


def moment(text: str | None) -> dt.datetime | None:
    """A stored ISO time back as an aware datetime."""
    return dt.datetime.fromisoformat(text) if text else None


def stamp(when: dt.datetime) -> str:
    """How times are stored: UTC ISO text, to the second, so that they sort as text."""
    return when.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Lifecycle:
    stage: str
    stage_changed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    retain_until: dt.datetime | None = None
    purged_at: dt.datetime | None = None


@dataclass
class ReminderRow:
    """A case group member who has been invited, with their conversation stage and reminder schedule."""
    review_key: str
    member: str
    stage: str
    invited_at: dt.datetime | None
    schedule: Schedule


# What `purge_review` deletes: the conversational material, table by table, and how each
# deleted record is named in its audit row (names and times, never the text itself).
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
}


class ReviewRunning:
    """Store methods for the lead's side of a review. Expects `db`, `now()`, `clock` and `transaction()`."""

    # ----- lifecycle ------------------------------------------------------

    def lifecycle(self, review_key: str) -> Lifecycle | None:
        row = self.db.execute("select stage, stage_changed_at, closed_at, retain_until, purged_at from reviews "
                              "where key = ?", [review_key]).fetchone()
        return Lifecycle(row[0], *map(moment, row[1:])) if row else None

    def set_stage(self, review_key: str, stage: str, actor: str, retain_until: dt.datetime | None = None) -> str:
        """Move the review to `stage` (audited). Returns the stage it was in."""
        now = self.now()
        with self.transaction() as db:
            previous = db.execute("select stage from reviews where key = ?", [review_key]).fetchone()[0]
            change = {"stage": stage, "stage_changed_at": now}
            if stage == "closed":
                change.update(closed_at=now, retain_until=stamp(retain_until) if retain_until else None)
            db["reviews"].update(review_key, change)
            detail = f"{previous} -> {stage}"
            if retain_until:
                detail += f"; kept until {stamp(retain_until)}"
            db["audit"].insert({"at": now, "actor": actor, "action": "review.stage", "review_key": review_key,
                                "detail": detail})
        return previous

    def reviews_past_retention(self) -> list[str]:
        """Closed reviews whose retention date has passed and whose conversations are not yet purged."""
        return [key for (key,) in self.db.execute(
            "select key from reviews where stage = 'closed' and retain_until is not null and retain_until <= ? "
            "and purged_at is null order by retain_until, key", [self.now()])]

    def purge_review(self, review_key: str, actor: str) -> dict[str, int]:
        """Delete a review's conversational material, irreversibly, in one transaction.

        Every deleted record leaves an audit row saying what it was and when it was deleted;
        the review, its episodes and case group (roles and agencies) and the audit trail stay.
        Call `scrub()` afterwards so that no deleted text lingers in the file.
        """
        now = self.now()
        counts: dict[str, int] = {}
        with self.transaction() as db:
            for table, (columns, describe) in PURGED.items():
                rows = db.execute(f"select {columns} from {table} where review_key = ?", [review_key]).fetchall()
                db["audit"].insert_all([{"at": now, "actor": actor, "action": "purge.deleted",
                                         "review_key": review_key, "detail": describe(r)} for r in rows])
                db.execute(f"delete from {table} where review_key = ?", [review_key])
                counts[table] = len(rows)
            db["reviews"].update(review_key, {"purged_at": now})
            db["audit"].insert({"at": now, "actor": actor, "action": "review.purged", "review_key": review_key,
                                "detail": ", ".join(f"{n} {table}" for table, n in counts.items())})
        return counts

    def scrub(self, vacuum: bool = True) -> bool:
        """Empty the write-ahead log into the file (and rewrite the file without free pages), so that
        deleted text is gone from the disk too: `secure_delete` has zeroed it in the current pages, and
        the log's older copies go. Returns False if another connection kept the log from being emptied."""
        if self.path == ":memory:":
            return True
        db = self.db
        if vacuum:
            db.execute("vacuum")
        busy, _, _ = db.execute("pragma wal_checkpoint(truncate)").fetchone()
        return busy == 0

    # ----- progress -------------------------------------------------------

    def case_group_progress(self, review_key: str) -> dict[str, MemberRecord]:
        """What each member has done: conversation stage, the fields answered per episode, reminders."""
        records: dict[str, MemberRecord] = {}
        for member, stage, sent, last in self.db.execute(
                "select c.member, c.stage, coalesce(r.sent_count, 0), r.last_sent_at from conversations c "
                "left join reminders r on r.review_key = c.review_key and r.member = c.member "
                "where c.review_key = ?", [review_key]):
            records[member] = MemberRecord(stage, {}, sent, moment(last))
        for member, episode, field in self.db.execute(
                "select member, episode, field from answers where review_key = ?", [review_key]):
            if member in records:
                records[member].answered.setdefault(episode, set()).add(field)
        return records

    def touch_conversation(self, review_key: str, member: str) -> None:
        """Make this review the one the practitioner's DM is about (see Store.dm_view)."""
        with self.transaction() as db:
            db.execute("update conversations set updated_at = ? where review_key = ? and member = ?",
                       [self.now(), review_key, member])

    # ----- reminders ------------------------------------------------------

    def reminder_rows(self, review_key: str | None = None) -> list[ReminderRow]:
        """Every invited member (of one review, or of every review in conversations), with their schedule."""
        where = "c.review_key = ?" if review_key else "v.stage = 'conversations'"
        rows = self.db.execute(
            "select c.review_key, c.member, c.stage, c.invited_at, coalesce(r.sent_count, 0), r.last_sent_at, "
            "r.due_at, r.snoozed_until from conversations c join reviews v on v.key = c.review_key "
            "join members m on m.review_key = c.review_key and m.slack_id = c.member "
            "left join reminders r on r.review_key = c.review_key and r.member = c.member "
            f"where {where} order by c.review_key, m.rowid", [review_key] if review_key else [])
        return [ReminderRow(key, member, stage, moment(invited),
                            Schedule(sent, moment(last), moment(due), moment(snoozed)))
                for key, member, stage, invited, sent, last, due, snoozed in rows]

    def _upsert_reminder(self, db, review_key: str, member: str, **values) -> None:
        db["reminders"].upsert({"review_key": review_key, "member": member, **values},
                               pk=("review_key", "member"))

    def record_reminder(self, review_key: str, member: str, next_due: dt.datetime, actor: str,
                        by_hand: bool) -> None:
        """A reminder is about to go out: count it (towards the cap, whoever sent it) and schedule the next."""
        now = self.now()
        with self.transaction() as db:
            sent = db.execute("select sent_count from reminders where review_key = ? and member = ?",
                              [review_key, member]).fetchone()
            count = (sent[0] if sent else 0) + 1
            self._upsert_reminder(db, review_key, member, sent_count=count, last_sent_at=now,
                                  due_at=stamp(next_due))
            db["audit"].insert({"at": now, "actor": actor, "action": "reminder.sent", "review_key": review_key,
                                "detail": f"to {member}, number {count}, {'by hand' if by_hand else 'scheduled'}"})

    def defer_reminder(self, review_key: str, member: str, due_at: dt.datetime) -> None:
        """A reminder fell due outside the practitioner's working hours: it waits for their next working day."""
        with self.transaction() as db:
            self._upsert_reminder(db, review_key, member, due_at=stamp(due_at))

    def snooze_reminders(self, review_key: str, member: str, until: dt.datetime) -> None:
        now = self.now()
        with self.transaction() as db:
            self._upsert_reminder(db, review_key, member, snoozed_until=stamp(until))
            db["audit"].insert({"at": now, "actor": member, "action": "reminder.snoozed", "review_key": review_key,
                                "detail": f"until {stamp(until)}"})
