"""When a practitioner may be reminded: pure rules over times, no Slack, no clock of its own.

    rules = ReminderRules()                              # 09:00-17:00 Mon-Fri, every 3 days, 3 at most
    why_not(now, "conversations", "asking", schedule, rules)    # None: nothing stands in the way
    next_working_moment(now, ZoneInfo("America/New_York"), rules)  # now, or when their working day starts

A reminder is a nudge, never nagging: only while the review is in *conversations*,
only to people with something outstanding, only in their own working hours, at most
one every `every_days` days and `max_total` in all (reminders sent by hand count too),
and not while they have snoozed them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Conversation stages with something still to do: the invitation unanswered, or answers unfinished.
OUTSTANDING_STAGES = ("consent", "asking", "checking")


@dataclass(frozen=True)
class ReminderRules:
    every_days: int = 3
    max_total: int = 3
    day_start: dt.time = dt.time(9, 0)
    day_end: dt.time = dt.time(17, 0)
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)   # Monday is 0
    snooze_days: int = 7
    default_timezone: str = "Europe/London"           # when Slack doesn't say


def parse_hours(text: str) -> tuple[dt.time, dt.time]:
    """'09:00-17:00' → (time(9, 0), time(17, 0)). Raises ValueError.

    >>> parse_hours("8:30 - 16:00")
    (datetime.time(8, 30), datetime.time(16, 0))
    """
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    try:
        start, end = dt.time(int(match[1]), int(match[2])), dt.time(int(match[3]), int(match[4]))
    except (TypeError, ValueError):
        start = end = None
    if start is None or not start < end:
        raise ValueError(f"working hours should look like 09:00-17:00, not {text!r}")
    return start, end


def parse_days(text: str) -> tuple[int, ...]:
    """'Mon-Fri' → (0, 1, 2, 3, 4); 'Mon,Wed,Fri' → (0, 2, 4). Raises ValueError."""
    days: set[int] = set()
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        first, _, last = part.partition("-")
        first, last = first.strip()[:3], (last.strip() or first.strip())[:3]
        if first not in DAY_NAMES or last not in DAY_NAMES:
            raise ValueError(f"working days should look like Mon-Fri or Mon,Wed,Fri, not {text!r}")
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise ValueError("at least one working day is needed")
    return tuple(sorted(days))


def zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name. Raises ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name (like Europe/London)") from None


@dataclass
class Schedule:
    """One practitioner's reminders for one review, as stored."""
    sent_count: int = 0
    last_sent_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None


# Why a reminder was not sent. The lead's report counts them by these keys.
REASONS = {
    "stage": "the review is not in its conversations stage",
    "not_invited": "not invited yet",
    "declined": "declined",
    "submitted": "finished",
    "withdrawn": "withdrew",
    "cap": "already had every reminder allowed",
    "recent": "reminded too recently",
    "snoozed": "snoozed reminders",
    "not_due": "not due yet",
}


def why_not(now: dt.datetime, review_stage: str, conversation_stage: str | None, schedule: Schedule,
            rules: ReminderRules, by_hand: bool = False, open_follow_ups: int = 0) -> str | None:
    """The reason (a key of REASONS) a reminder can't go now, or None. Working hours are checked apart,
    with the practitioner's own time zone (see next_working_moment).

    A reminder sent by hand skips only the schedule's due time: every other rule still holds. Someone who has
    submitted still has something outstanding while a follow-up question to them is open (`open_follow_ups`).
    """
    if review_stage != "conversations":
        return "stage"
    if conversation_stage is None:
        return "not_invited"
    if conversation_stage not in OUTSTANDING_STAGES and not (open_follow_ups and conversation_stage == "submitted"):
        return conversation_stage if conversation_stage in REASONS else "submitted"
    if schedule.sent_count >= rules.max_total:
        return "cap"
    if schedule.last_sent_at and now < schedule.last_sent_at + dt.timedelta(days=rules.every_days):
        return "recent"
    if schedule.snoozed_until and now < schedule.snoozed_until:
        return "snoozed"
    if not by_hand and (schedule.due_at is None or now < schedule.due_at):
        return "not_due"
    return None


def next_working_moment(moment: dt.datetime, tz: ZoneInfo, rules: ReminderRules) -> dt.datetime:
    """`moment` itself if it falls in working hours in `tz`, otherwise when the next working day starts
    there (in UTC)."""
    local = moment.astimezone(tz)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if day.weekday() not in rules.working_days:
            continue
        start = dt.datetime.combine(day, rules.day_start, tz)
        end = dt.datetime.combine(day, rules.day_end, tz)
        candidate = max(local, start)
        if candidate < end:
            return candidate.astimezone(dt.timezone.utc)
    raise AssertionError("working_days is never empty")  # parse() guarantees a working day each week


def first_due(invited_at: dt.datetime, rules: ReminderRules) -> dt.datetime:
    """The first reminder falls due `every_days` after the invitation."""
    return invited_at + dt.timedelta(days=rules.every_days)


def after_sending(sent_at: dt.datetime, rules: ReminderRules) -> dt.datetime:
    """When the next reminder falls due after one is sent (by the schedule or by hand)."""
    return sent_at + dt.timedelta(days=rules.every_days)


def snoozed_until(now: dt.datetime, rules: ReminderRules) -> dt.datetime:
    return now + dt.timedelta(days=rules.snooze_days)
