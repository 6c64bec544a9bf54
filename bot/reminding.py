"""Reminders: the friendly nudge a practitioner with outstanding episodes gets, by schedule or by hand.

The rules are in bot/core/reminders.py; the schedule lives in SQLite, so it survives restarts;
the time is the store's clock, so tests move it. The running bot calls `send_due` from a
background thread (ReminderLoop); tests call it directly after moving the clock.

    reminders = Reminders(store, prompts, settings.reminder_rules)
    reminders.send_due(client)                                   # [('child-d', 'U0HV0001'), ...]
    report = reminders.nudge(client, "child-d", actor="U0LEAD01")    # a lead's "nudge all outstanding"
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.progress import review_progress
from bot.core.plurals import Plurals
from bot.core.prompts import Prompts
from bot.core.reminders import (DAY_NAMES, REASONS, ReminderRules, Schedule, after_sending, first_due,
                                next_working_moment, snoozed_until, why_not, zone)
from bot.core.review import Review
from bot.delivery import send
from bot.errors import StageError
from bot.reflect import Delivery
from bot.render.home_blocks import reminder_message
from bot.render.blocks import notice, offered
from bot.lead_actions import day
from storage import Store
from storage.reminders import ReminderRow

log = logging.getLogger("casegroup.reminders")
SCHEDULER = "casegroup"  # the actor of scheduled reminders in the audit trail


@dataclass
class NudgeReport:
    plurals: Plurals
    sent: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> how many
    failures: list[str] = field(default_factory=list)
    queued: Counter = field(default_factory=Counter)  # (when, said in their own time) -> how many

    def text(self) -> str:
        said = f"Reminded {self.plurals.counted('case_group_member', len(self.sent))}."
        if self.queued:
            said += (" Outside their working hours now, so queued for their next working morning: "
                     + ", ".join(f"{n} at {said}" for (_, said), n in sorted(self.queued.items())) + ".")
        if self.skipped:
            said += " Not reminded: " + ", ".join(f"{n} {REASONS[r]}" for r, n in self.skipped.most_common()) + "."
        if self.failures:
            said += f" {self.plurals.counted('reminder', len(self.failures))} could not be delivered."
        return said


def when_local(moment: dt.datetime, tz) -> str:
    """'09:00 Tue 9 Jan 2024 (Europe/London)': when a queued reminder goes, in the person's own time."""
    local = moment.astimezone(tz)
    return f"{local:%H:%M} {DAY_NAMES[local.weekday()].title()} {day(local)} ({tz.key})"


class Reminders:
    def __init__(self, store: Store, prompts: Prompts, rules: ReminderRules):
        self.store = store
        self.prompts = prompts
        self.rules = rules

    def _schedule(self, row: ReminderRow) -> Schedule:
        """Before the first reminder, the due time is the invitation plus the interval."""
        schedule = row.schedule
        if schedule.due_at is None and row.invited_at is not None:
            schedule.due_at = first_due(row.invited_at, self.rules)
        return schedule

    def _zone(self, client: WebClient, member: str, zones: dict):
        """The practitioner's own time zone, from users.info; the configured one if Slack doesn't say."""
        if member not in zones:
            name = self.rules.default_timezone
            try:
                name = (client.users_info(user=member).get("user") or {}).get("tz") or name
            except (SlackApiError, SlackClientError, OSError) as error:
                log.warning("users.info for %s failed (%s): using %s", member, type(error).__name__, name)
            try:
                zones[member] = zone(name)
            except ValueError:
                zones[member] = zone(self.rules.default_timezone)
        return zones[member]

    def _message(self, review: Review, row: ReminderRow, follow_ups: int = 0) -> Delivery:
        progress = review_progress(review, self.store.conversations.progress(review.key),
                                   self.prompts.required_keys).of(row.member)
        total = len(progress.member.episodes)
        message = reminder_message(self.prompts, review, row.stage, progress.episodes_left, total, follow_ups)
        # Its buttons are what the member's DM offers now: typing "Continue where I left off", "Snooze a week",
        # 1 or 2 clicks them, and the reminded review is the one their DM is about.
        self.store.conversations.touch(review.key, row.member, offered([message]))
        return Delivery(row.member, [message])

    def _remind(self, review: Review, row: ReminderRow, actor: str, by_hand: bool, follow_ups: int = 0) -> Delivery:
        # Counted before it is sent: a crash between the two never sends the same reminder twice.
        now = self.store.clock()
        self.store.reminders.record_sent(review.key, row.member, after_sending(now, self.rules), actor, by_hand)
        return self._message(review, row, follow_ups)

    def send_due(self, client: WebClient) -> list[tuple[str, str]]:
        """Send every reminder due now. Returns (review key, member) for each one sent."""
        now = self.store.clock()
        zones: dict = {}
        reviews: dict[str, Review] = {}
        deliveries, sent = [], []
        open_follow_ups: dict[str, dict[str, int]] = {}   # review -> member -> open follow-up questions
        for row in self.store.reminders.rows():
            schedule = self._schedule(row)
            follow_ups = open_follow_ups.setdefault(row.review_key, self.store.follow_ups.open_counts(row.review_key)
                                                    ).get(row.member, 0)
            if why_not(now, "conversations", row.stage, schedule, self.rules, open_follow_ups=follow_ups):
                continue
            moment = next_working_moment(now, self._zone(client, row.member, zones), self.rules)
            if moment > now:
                # Outside their working hours: wait for their next working day, without asking Slack again.
                self.store.reminders.defer(row.review_key, row.member, moment)
                continue
            review = reviews.setdefault(row.review_key, self.store.reviews.get(row.review_key))
            deliveries.append(self._remind(review, row, SCHEDULER, by_hand=False, follow_ups=follow_ups))
            sent.append((row.review_key, row.member))
        for failure in send(client, deliveries):
            log.warning("reminder not delivered: %s", failure)
        return sent

    def nudge(self, client: WebClient, review_key: str, actor: str, only: list[str] | None = None) -> NudgeReport:
        """A lead reminds the outstanding members (or `only` some) now. Every rule holds except the
        schedule's due time, and these reminders count towards the cap too. Someone outside their
        working hours is reminded when their next working day starts (send_due sends it then)."""
        review = self.store.reviews.get(review_key)
        if review.stage != "conversations":
            raise StageError(f"Reminders go out only while a review is in its conversations stage, and "
                             f"{review_key} is in {self.prompts.say('stages.' + review.stage)}.")
        rows = {row.member: row for row in self.store.reminders.rows(review_key)}
        open_follow_ups = self.store.follow_ups.open_counts(review_key)
        now = self.store.clock()
        report, zones, deliveries = NudgeReport(self.prompts.plurals), {}, []
        for member in review.members:
            if only is not None and member.slack_id not in only:
                continue
            row = rows.get(member.slack_id)
            reason = why_not(now, review.stage, row.stage if row else None,
                             self._schedule(row) if row else Schedule(), self.rules, by_hand=True,
                             open_follow_ups=open_follow_ups.get(member.slack_id, 0))
            if reason is None:
                tz = self._zone(client, member.slack_id, zones)
                moment = next_working_moment(now, tz, self.rules)
                if moment > now:
                    # The lead asked for it: not dropped, but due when their working day starts.
                    self.store.reminders.defer(review.key, member.slack_id, moment, actor=actor)
                    report.queued[moment, when_local(moment, tz)] += 1
                    continue
            if reason:
                report.skipped[reason] += 1
                continue
            deliveries.append(self._remind(review, row, actor, by_hand=True,
                                           follow_ups=open_follow_ups.get(member.slack_id, 0)))
            report.sent.append(member.slack_id)
        report.failures = send(client, deliveries)
        return report

    def snooze(self, review_key: str, member: str) -> Delivery:
        """The practitioner's "snooze a week" button."""
        review = self.store.reviews.get(review_key)
        until = snoozed_until(self.store.clock(), self.rules)
        self.store.reminders.snooze(review_key, member, until)
        return Delivery(member, [notice(self.prompts.say("reminders.snoozed", title=review.title,
                                                         until=day(until)))])


class ReminderLoop:
    """Calls `tick` every `interval` seconds on a background thread, until `stop()`."""

    def __init__(self, tick: Callable[[], object], interval: float = 300.0):
        self.tick = tick
        self.interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casegroup-reminders", daemon=True)

    def start(self) -> "ReminderLoop":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception as error:  # noqa: BLE001 - one bad tick must not stop the reminders
                log.error("reminder check failed: %s", type(error).__name__, exc_info=error)
            self._stopping.wait(self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


def reminder_loop(store: Store, prompts: Prompts, rules: ReminderRules, client: WebClient,
                  interval: float = 300.0) -> ReminderLoop:
    """The loop `casegroup run` and `serve` start: every few minutes, send what is due, and forget the
    Slack event ids old enough that Slack will not retry them (Store.forget_events)."""
    reminders = Reminders(store, prompts, rules)

    def tick() -> None:
        reminders.send_due(client)
        store.conversations.forget_events()

    return ReminderLoop(tick, interval)
