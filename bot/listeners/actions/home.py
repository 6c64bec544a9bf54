"""Buttons of the App Home tab (leads: nudge, summary, next stage, and the yes to a stage move that
waits for it, which `/review stage` asks too) and of the reminder DM
(practitioners: continue where I left off, snooze a week).

The middleware checks the caller's role for the button's review (the database only, fast;
bot/listeners/asked.py); the work runs in a lazy listener, because nudging a large case group
means many messages. What happened is said in the bot's DM, and a lead's Home tab is published again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from slack_bolt import App

from bot.delivery import send, send_and_report
from bot.deps import Deps
from bot.listeners.asked import Asked, ParseOnce
from bot.listeners.error_path import reporting_errors
from bot.listeners.events.app_home import publish_home
from bot.reflect import Delivery
from bot.reminding import Reminders
from bot.render.blocks import notice
from bot.render.home_blocks import (CONFIRM_STAGE, CONTINUE, NEXT_STAGE, NUDGE_ALL, NUDGE_ONE, SNOOZE, SUMMARY,
                                    stage_question)
from bot.lead_actions import LeadActions


@dataclass
class HomeAction:
    roles: frozenset
    doing: str
    run: Callable  # (deps, user, review_key, what, client) -> what to tell the user (text or a message), or None
    republish: bool = True


def _reminders(deps) -> Reminders:
    return Reminders(deps.store, deps.prompts, deps.settings.reminder_rules)


def nudge_all(deps, user, review_key, what, client):
    return _reminders(deps).nudge(client, review_key, actor=user).text()


def nudge_one(deps, user, review_key, member, client):
    return _reminders(deps).nudge(client, review_key, actor=user, only=[member]).text()


def summary_hint(deps, user, review_key, what, client):
    review = deps.store.reviews.get(review_key)
    return deps.prompts.say("home.summary_hint", title=review.title, key=review_key)


def move_on(deps, user, review_key, stage, client, confirmed_from: str = ""):
    move = LeadActions(deps.store, deps.prompts, deps.settings).change_stage(review_key, stage, actor=user,
                                                                             confirmed_from=confirmed_from)
    if move.confirm:
        return stage_question(deps.prompts, review_key, move)
    send_and_report(client, move.told, deps.reflections)   # a thanks Slack refused is told to the leads
    return move.said


def confirm_move(deps, user, review_key, what, client):
    """The lead's yes to a move that waited for it (`what`: "analysis>closed")."""
    asked_from, _, stage = what.partition(">")
    return move_on(deps, user, review_key, stage, client, confirmed_from=asked_from)


def continue_reflection(deps, user, review_key, what, client):
    send(client, deps.reflections.resume(user, review_key, user))


def snooze(deps, user, review_key, what, client):
    send(client, [_reminders(deps).snooze(review_key, user)])


LEADS, READERS, CASE_GROUP = frozenset({"lead"}), frozenset({"lead", "team"}), frozenset({"member"})
HOME_ACTIONS = {
    NUDGE_ALL: HomeAction(LEADS, "send reminders", nudge_all),
    NUDGE_ONE: HomeAction(LEADS, "send reminders", nudge_one),
    SUMMARY: HomeAction(READERS, "read its summary", summary_hint, republish=False),
    NEXT_STAGE: HomeAction(LEADS, "move it to another stage", move_on),
    CONFIRM_STAGE: HomeAction(LEADS, "move it to another stage", confirm_move),
    CONTINUE: HomeAction(CASE_GROUP, "answer its reflection questions", continue_reflection, republish=False),
    SNOOZE: HomeAction(CASE_GROUP, "snooze its reminders", snooze, republish=False),
}


@dataclass(frozen=True)
class HomeClick(Asked):
    action_id: str = ""
    what: str = ""      # after the review's key in the button's value: a member, a stage, ...


def parse_home_click(deps: Deps, body: dict) -> HomeClick:
    action = body["actions"][0]
    entry = HOME_ACTIONS[action["action_id"]]
    value = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
    review_key, _, what = value.partition("|")
    return HomeClick(body["user"]["id"], review_key, entry.roles, entry.doing, action_id=action["action_id"],
                     what=what)


def acknowledge_home_action(ack):
    ack()


def run_home_action(asked: HomeClick, deps: Deps, client):
    entry = HOME_ACTIONS[asked.action_id]
    said = entry.run(deps, asked.user, asked.review_key, asked.what, client)
    if said:
        send(client, [Delivery(asked.user, [notice(said) if isinstance(said, str) else said])])
    if entry.republish:
        publish_home(client, deps, asked.user)


def register(app: App) -> None:
    parse_once, run = ParseOnce(parse_home_click), reporting_errors(run_home_action)
    for action_id in HOME_ACTIONS:
        app.action(action_id, middleware=[parse_once])(ack=acknowledge_home_action, lazy=[run])
