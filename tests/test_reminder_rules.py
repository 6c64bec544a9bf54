"""The reminder rules, without Slack: working hours in the practitioner's own time zone, spacing, cap, snooze."""
import datetime as dt

import pytest

from bot.core.reminders import ReminderRules, Schedule, next_working_moment, parse_days, parse_hours, why_not, zone

RULES = ReminderRules()
UTC = dt.timezone.utc
LONDON, NEW_YORK, AUCKLAND = zone("Europe/London"), zone("America/New_York"), zone("Pacific/Auckland")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("now, tz, expected", [
    ("2024-01-08 10:00", LONDON, "2024-01-08 10:00"),     # Monday morning: now
    ("2024-01-08 08:59", LONDON, "2024-01-08 09:00"),     # before work: at 09:00
    ("2024-01-12 17:00", LONDON, "2024-01-15 09:00"),     # Friday evening: Monday morning
    ("2024-01-13 12:00", LONDON, "2024-01-15 09:00"),     # Saturday: Monday morning
    ("2024-01-08 10:00", NEW_YORK, "2024-01-08 14:00"),   # 05:00 in New York: 09:00 there
    ("2024-01-12 21:00", NEW_YORK, "2024-01-12 21:00"),   # 16:00 Friday in New York: still working
    ("2024-01-12 22:00", NEW_YORK, "2024-01-15 14:00"),   # 17:00 Friday there: their Monday
    ("2024-01-07 22:00", AUCKLAND, "2024-01-07 22:00"),   # Sunday in London, Monday 11:00 in Auckland
    ("2024-07-08 08:30", LONDON, "2024-07-08 08:30"),     # summer time: 09:30 in London
])
def test_reminders_wait_for_working_hours_in_the_practitioners_time_zone(now, tz, expected):
    assert next_working_moment(at(now), tz, RULES) == at(expected)


def test_each_rule_has_its_reason():
    now = at("2024-01-11 10:00")
    due = Schedule(due_at=at("2024-01-11 09:00"))
    assert why_not(now, "conversations", "asking", due, RULES) is None
    assert why_not(now, "meeting", "asking", due, RULES) == "stage"
    assert why_not(now, "conversations", None, due, RULES) == "not_invited"
    for stage in ("declined", "submitted", "withdrawn"):
        assert why_not(now, "conversations", stage, due, RULES) == stage
    assert why_not(now, "conversations", "consent", Schedule(3, due_at=due.due_at), RULES) == "cap"
    recent = Schedule(1, last_sent_at=at("2024-01-09 10:00"), due_at=due.due_at)
    assert why_not(now, "conversations", "asking", recent, RULES) == "recent"
    snoozed = Schedule(due_at=due.due_at, snoozed_until=at("2024-01-15 10:00"))
    assert why_not(now, "conversations", "asking", snoozed, RULES) == "snoozed"
    later = Schedule(due_at=at("2024-01-12 10:00"))
    assert why_not(now, "conversations", "asking", later, RULES) == "not_due"
    # By hand, a lead skips only the schedule's due time.
    assert why_not(now, "conversations", "asking", later, RULES, by_hand=True) is None
    assert why_not(now, "conversations", "asking", recent, RULES, by_hand=True) == "recent"


def test_settings_text_is_read_or_refused_with_a_reason():
    assert parse_hours("8:30 - 16:00") == (dt.time(8, 30), dt.time(16, 0))
    assert parse_days("Mon-Wed, Fri") == (0, 1, 2, 4)
    assert parse_days("Sat-Mon") == (0, 5, 6)
    for bad in ("17:00-09:00", "9-5", "25:00-26:00"):
        with pytest.raises(ValueError, match="working hours"):
            parse_hours(bad)
    with pytest.raises(ValueError, match="working days"):
        parse_days("Funday")
    with pytest.raises(ValueError, match="time zone"):
        zone("Mars/Olympus")
