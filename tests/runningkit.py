"""Helpers for the stories of running a review: a clock tests move, the App Home event, a modal's submission.

    from tests.runningkit import clock, store   # fixtures: the store (and so the App) use the moving clock
    clock.advance(days=3)
"""
from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from storage import Store
from tests.fakeslack import TEAM

_counter = itertools.count(1)
# A Monday, long enough ago that a year's retention has passed by the real clock too (`casegroup purge`).
MONDAY = dt.datetime(2024, 1, 8, 10, 0, tzinfo=dt.timezone.utc)


class Clock:
    """The one clock, moved by hand."""

    def __init__(self, start: dt.datetime = MONDAY):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, when: dt.datetime) -> dt.datetime:
        self.now = when
        return when


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_path, clock) -> Store:
    return Store(db_path, clock=clock)


def open_home(slack, user: str):
    n = next(_counter)
    return slack.event({
        "token": "verification_token", "team_id": TEAM, "api_app_id": "A0CASE001", "type": "event_callback",
        "event_id": f"EvHome{n:06d}", "event_time": 1_700_300_000 + n,
        "event": {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
                  "event_ts": f"{1_700_300_000 + n}.000100"},
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT0001", "is_bot": True}]})


def submit_view(slack, user: str, callback_id: str, review_key: str, values: dict):
    """A view_submission: `values` maps block ids to what was typed, picked (a user, a date) or chosen (a list).
    `review_key` is the view's private_metadata: the review's key, and what the modal is about after a "|"."""
    state = {}
    for block_id, value in values.items():
        if isinstance(value, list):
            element = {"type": "multi_static_select",
                       "selected_options": [{"value": v, "text": {"type": "plain_text", "text": v}} for v in value]}
        elif block_id == "user":
            element = {"type": "users_select", "selected_user": value}
        elif block_id in ("start", "end"):
            element = {"type": "datepicker", "selected_date": value or None}
        elif block_id in ("pattern", "status"):   # the finding modal's single choices
            element = {"type": "static_select", "selected_option": {"value": value, "text": {
                "type": "plain_text", "text": value}} if value else None}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[block_id] = {"value": element}
    n = next(_counter)
    return slack.action({
        "type": "view_submission", "team": {"id": TEAM, "domain": "test"}, "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0CASE001", "token": "verification_token", "trigger_id": f"{n}.view",
        "view": {"id": f"V{n:06d}", "type": "modal", "callback_id": callback_id, "private_metadata": review_key,
                 "state": {"values": state}, "blocks": []}})


def body_of(response) -> dict:
    return json.loads(response.body) if response.body else {}


def posts_to(fake, user: str) -> list[str]:
    """The text and blocks of every message sent to `user` (by user id or in their DM), one string each."""
    return [json.dumps(c, ensure_ascii=False) for c in fake.calls("chat.postMessage")
            if c.get("channel") in (user, "D" + user[1:])]


def home_of(fake, user: str) -> dict:
    """The latest Home tab published for `user`."""
    views = [c["view"] for c in fake.calls("views.publish") if c.get("user_id") == user]
    assert views, f"no Home tab published for {user}"
    return views[-1]


def wait_until(predicate, timeout: float = 10.0, what: str = "condition"):
    """For lazy listeners: wait until `predicate()` is truthy, and return it."""
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def said_to(fake, user: str, words: str) -> list[str]:
    """Wait for a message to `user` containing `words`; return every such message."""
    return wait_until(lambda: [p for p in posts_to(fake, user) if words in p], what=f"{words!r} to {user}")
