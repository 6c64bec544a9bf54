"""Buttons of the App Home tab (leads: nudge, summary, next stage) and of the reminder DM
(practitioners: continue where I left off, snooze a week).

The acknowledgement checks the caller's role for the button's review (the database only,
fast); the work runs in a lazy listener, because nudging a large case group means many
messages. What happened is said in the bot's DM, and a lead's Home tab is published again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from slack_bolt import App

from bot.access import require_role
from bot.delivery import send
from bot.errors import CasegroupError
from bot.listeners.events.app_home import publish_home
from bot.reflect import Delivery
from bot.reminding import Reminders
from bot.render.blocks import notice
from bot.render.home_blocks import CONTINUE, NEXT_STAGE, NUDGE_ALL, NUDGE_ONE, SNOOZE, SUMMARY
from bot.lead_actions import LeadActions


@dataclass
class HomeAction:
    roles: frozenset
    doing: str
    run: Callable  # (deps, user, review_key, what, client) -> what to tell the user, or None
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


def move_on(deps, user, review_key, stage, client):
    return LeadActions(deps.store, deps.prompts, deps.settings).change_stage(review_key, stage, actor=user)


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
    CONTINUE: HomeAction(CASE_GROUP, "answer its reflection questions", continue_reflection, republish=False),
    SNOOZE: HomeAction(CASE_GROUP, "snooze its reminders", snooze, republish=False),
}


def _parse(action: dict) -> tuple[str, str]:
    value = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
    review_key, _, what = value.partition("|")
    return review_key, what


def acknowledge_home_action(ack, body, action, context):
    entry = HOME_ACTIONS[action["action_id"]]
    review_key, _ = _parse(action)
    require_role(context["deps"].store, review_key, body["user"]["id"], set(entry.roles), entry.doing)
    ack()


def run_home_action(body, action, context, client):
    deps, user = context["deps"], body["user"]["id"]
    entry = HOME_ACTIONS[action["action_id"]]
    review_key, what = _parse(action)
    if not deps.store.reviews.roles_of(review_key, user) & entry.roles:
        return  # the acknowledgement already refused, politely
    try:
        said = entry.run(deps, user, review_key, what, client)
    except CasegroupError as error:
        said = str(error)
    if said:
        send(client, [Delivery(user, [notice(said)])])
    if entry.republish:
        publish_home(client, deps, user)


def register(app: App) -> None:
    for action_id in HOME_ACTIONS:
        app.action(action_id)(ack=acknowledge_home_action, lazy=[run_home_action])
