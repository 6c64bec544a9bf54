"""Reminders over three weeks, the clock moved by hand: who gets a nudge, and when.

Working hours in each practitioner's own time zone (a police officer in New York), a weekend,
a snooze, a restart, a lead's reminders by hand, and the cap of three.
"""
import datetime as dt

from bot.reminding import Reminders, reminder_loop
from bot.render.home_blocks import reminder_message
from storage import Store
from tests.runningkit import clock, said_to, store, wait_until  # noqa: F401

LEAD = "U0LEAD01"
HV, PC, SW, TM, NK, GP, HO = "U0HV0001", "U0PC0001", "U0SW0001", "U0TM0001", "U0NK0001", "U0GP0001", "U0HO0001"
UTC = dt.timezone.utc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def nudged(fake) -> set[str]:
    """Who was sent a reminder since the last look."""
    found = {c["channel"] for c in fake.calls("chat.postMessage") if "gentle reminder" in str(c)}
    fake.clear()
    return found


def test_reminders_follow_working_hours_time_zones_weekends_snooze_and_the_cap(
        fake, slack, app, store, clock, imported, prompts, settings, sample_reflections, db_path):
    fake.users[PC] = {"id": PC, "tz": "America/New_York", "is_bot": False}
    slack.command(LEAD, "/review", "invite child-d", fake.response_url)     # Monday 8 January, 10:00
    fake.wait_for("response_url")
    from tests.stories import answer_everything, reflections_by_member
    answer_everything(slack, SW, reflections_by_member(sample_reflections, imported)[SW], prompts)
    slack.dm(NK, "no")
    slack.dm(HV, "yes")
    fake.clear()

    reminders = Reminders(store, prompts, settings.reminder_rules)

    def tick(when: str) -> set[str]:
        clock.set(at(when))
        reminders.send_due(app.client)
        return nudged(fake)

    assert tick("2024-01-08 10:00") == set()                   # just invited
    assert tick("2024-01-11 09:59") == set()                   # not three days yet
    assert tick("2024-01-11 10:00") == {HV, TM, GP, HO}        # Thursday: due, and in London's working hours
    assert tick("2024-01-11 10:00") == set()                   # never twice
    assert tick("2024-01-11 13:59") == set()                   # 08:59 in New York
    assert tick("2024-01-11 14:00") == {PC}                    # 09:00 in New York

    # The health visitor snoozes for a week; the bot restarts; the schedule is in the file.
    clock.set(at("2024-01-11 15:00"))
    slack.click(HV, "home_snooze", "child-d|snooze")
    assert "until 18 Jan 2024" in said_to(fake, HV, "No more reminders")[0]
    fake.clear()
    store.close()
    reminders = Reminders(Store(db_path, clock=clock), prompts, settings.reminder_rules)

    assert tick("2024-01-14 10:00") == set()                   # due on Sunday: waits for Monday
    assert tick("2024-01-14 14:00") == set()
    assert tick("2024-01-15 08:59") == set()
    assert tick("2024-01-15 09:00") == {TM, GP, HO}            # Monday 09:00 in London
    assert tick("2024-01-15 14:00") == {PC}                    # Monday 09:00 in New York

    # A lead's reminders by hand obey the same rules, and say why nobody was reminded.
    clock.set(at("2024-01-15 15:00"))
    slack.command(LEAD, "/review", "remind child-d", fake.response_url)
    report = wait_until(lambda: [c["text"] for c in fake.calls("response_url") if "Reminded" in c["text"]])[0]
    assert report.startswith("Reminded 0 case group members.")
    assert "4 reminded too recently" in report and "1 snoozed reminders" in report and "1 finished" in report
    nudged(fake)

    assert tick("2024-01-18 09:00") == {TM, GP, HO}            # their third
    assert tick("2024-01-18 14:00") == {PC}
    assert tick("2024-01-18 15:00") == {HV}                    # a week after the snooze
    assert tick("2024-01-22 09:00") == {HV}                    # due Sunday, sent Monday: HV's third
    for later in ("2024-01-22 14:00", "2024-01-25 10:00", "2024-02-05 10:00"):
        assert tick(later) == set()                            # three each, and no more
    rows = {row.member: row.schedule.sent_count for row in store.reminders.rows("child-d")}
    assert rows == {HV: 3, PC: 3, TM: 3, GP: 3, HO: 3, SW: 0, NK: 0}

    # Even by hand, the cap holds.
    slack.command(LEAD, "/review", "remind child-d", fake.response_url)
    assert "5 already had every reminder allowed" in wait_until(
        lambda: [c["text"] for c in fake.calls("response_url") if "Reminded" in c["text"]])[0]


def test_the_running_bot_sends_due_reminders_and_forgets_old_events_from_a_background_thread(
        fake, app, store, clock, imported, prompts, settings):
    from bot.reflect import Reflections
    Reflections(store, prompts).invite_all("child-d", actor="test")
    for day, event in (("2024-01-03 09:00", "Ev-old"), ("2024-01-10 09:00", "Ev-recent")):
        clock.set(at(day))
        with store.transaction() as tx:
            store.conversations.claim_event(tx, event)
    clock.set(at("2024-01-11 10:00"))
    loop = reminder_loop(store, prompts, settings.reminder_rules, app.client, interval=0.05).start()
    try:
        wait_until(lambda: len(nudged_so_far(fake)) == 7, what="a reminder to each of the 7 invited")
    finally:
        loop.stop()
    assert not loop.running
    assert len([c for c in fake.calls("chat.postMessage") if "gentle reminder" in str(c)]) == 7
    # The same loop forgets Slack event ids over a week old: Slack would not retry those any more.
    claimed = {key for key, in store.db.execute("select event_key from processed_events")}
    assert "Ev-recent" in claimed and "Ev-old" not in claimed


def nudged_so_far(fake) -> set[str]:
    return {c["channel"] for c in fake.calls("chat.postMessage") if "gentle reminder" in str(c)}


def test_nothing_is_sent_outside_the_conversations_stage(fake, app, store, clock, imported, prompts, settings):
    from bot.reflect import Reflections
    Reflections(store, prompts).invite_all("child-d", actor="test")
    store.reviews.set_stage("child-d", "meeting", actor="test")
    clock.set(at("2024-01-11 10:00"))
    assert Reminders(store, prompts, settings.reminder_rules).send_due(app.client) == []
    assert nudged_so_far(fake) == set()


def test_a_leads_reminder_in_the_evening_is_queued_for_each_persons_next_working_morning(
        fake, slack, app, store, clock, invited, prompts, settings):
    fake.users[PC] = {"id": PC, "tz": "America/New_York", "is_bot": False}
    fake.clear()
    clock.set(at("2024-01-08 20:00"))                          # Monday evening in London, 15:00 in New York
    slack.command(LEAD, "/review", "remind child-d", fake.response_url)
    report = wait_until(lambda: [c["text"] for c in fake.calls("response_url") if "Reminded" in c["text"]])[0]
    assert report.startswith("Reminded 1 case group member.")     # the police officer, at work in New York
    assert ("Outside their working hours now, so queued for their next working morning: "
            "6 at 09:00 Tue 9 Jan 2024 (Europe/London).") in report
    assert nudged(fake) == {PC}
    queued = [a for a in store.audit.trail("child-d") if a["action"] == "reminder.queued"]
    assert len(queued) == 6 and {a["actor"] for a in queued} == {LEAD}

    reminders = Reminders(store, prompts, settings.reminder_rules)

    def tick(when: str) -> set[str]:
        clock.set(at(when))
        reminders.send_due(app.client)
        return nudged(fake)

    assert tick("2024-01-09 08:59") == set()
    assert tick("2024-01-09 09:00") == {HV, SW, TM, NK, GP, HO}     # the lead's reminder, in working hours
    assert tick("2024-01-09 14:00") == set()                    # the police officer had theirs yesterday
    rows = {row.member: row.schedule.sent_count for row in store.reminders.rows("child-d")}
    assert rows == {HV: 1, PC: 1, SW: 1, TM: 1, NK: 1, GP: 1, HO: 1}


def test_a_reminder_to_someone_with_every_question_answered_asks_them_to_submit(prompts, sample_review):
    ready = str(reminder_message(prompts, sample_review, "checking", left=0, total=2))
    assert "answered every question" in ready and "submit" in ready and "0 of your" not in ready
    assert "1 of your 2 episodes still needs your reflection" in str(
        reminder_message(prompts, sample_review, "asking", left=1, total=2))
