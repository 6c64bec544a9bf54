"""The buttons of the thanks at close: a rating (1 to 5), or skipping one of the two questions (bot/feedback.py).

The middleware checks that the clicker is in the review's case group (bot/listeners/asked.py); the flow then
finds whether a question is open for them, since only those who took part were asked. It runs inline, as the
reflection's buttons do: one small write, stored before Slack is acknowledged.
"""
from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.listeners.asked import Asked, ParseOnce
from bot.render.feedback_blocks import FEEDBACK_RATING, FEEDBACK_SKIP


@dataclass(frozen=True)
class FeedbackClick(Asked):
    what: str = ""        # a rating, or which question is skipped
    channel: str = ""
    event_key: str = ""   # a double click, or Slack retrying, arrives with the same action_ts: counted once


def parse_feedback_click(deps: Deps, body: dict) -> FeedbackClick:
    action, user = body["actions"][0], body["user"]["id"]
    review_key, _, what = (action.get("value") or "").partition("|")
    return FeedbackClick(user, review_key, frozenset({"member"}), "answer its feedback questions", what=what,
                         channel=(body.get("channel") or {}).get("id") or user,
                         event_key=f"action:{user}:{action.get('action_ts') or body.get('trigger_id')}:"
                                   f"{action.get('action_id')}")


def handle_feedback_click(ack, asked: FeedbackClick, deps: Deps, client):
    ack()
    deliveries = deps.reflections.thanks.click(asked.user, asked.review_key, asked.what, asked.channel,
                                               asked.event_key)
    send_and_report(client, deliveries, deps.reflections)


def register(app: App) -> None:
    parse_once = ParseOnce(parse_feedback_click)
    for action_id in (FEEDBACK_RATING, FEEDBACK_SKIP):
        app.action(action_id, middleware=[parse_once])(handle_feedback_click)
