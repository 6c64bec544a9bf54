"""The modals of `/review add-member` and `/review add-episode`, submitted.

Checked on submit: the caller must still lead the review (the middleware, bot/listeners/asked.py),
and every field is checked as an import checks the review file; a mistake keeps the modal open with
the field's error (`response_action: errors`, said by the one error path). The change is audited,
then the lead's Home tab is refreshed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from slack_bolt import App

from bot.delivery import send
from bot.deps import Deps
from bot.errors import InvalidInput, StageError
from bot.lead_actions import LeadActions
from bot.listeners.asked import Asked, ParseOnce
from bot.listeners.events.app_home import publish_home
from bot.reflect import Delivery
from bot.render.blocks import notice
from bot.render.review_modals import ADD_EPISODE, ADD_MEMBER, submitted_values

LEADS = frozenset({"lead"})


@dataclass
class Form:
    doing: str
    first_field: str  # where a StageError is shown: the stage is no one field's fault
    change: Callable[[LeadActions, str, str, dict], str]  # (lead_actions, review_key, user, values) -> what to say


FORMS = {
    ADD_MEMBER: Form("add people to the case group", "user",
                     lambda lead_actions, key, user, values: lead_actions.add_member(
                         key, user, values.get("user", ""), values.get("role", ""), values.get("agency", ""),
                         values.get("episodes", []))),
    ADD_EPISODE: Form("add key practice episodes", "key",
                      lambda lead_actions, key, user, values: lead_actions.add_episode(
                          key, user, values.get("key", ""), values.get("title", ""), values.get("start", ""),
                          values.get("end", ""), values.get("description", ""), values.get("members", []))),
}


@dataclass(frozen=True)
class FormSubmission(Asked):
    callback_id: str = ""
    values: dict = field(default_factory=dict)  # block id -> what was typed or chosen


def parse_form(deps: Deps, body: dict) -> FormSubmission:
    view = body["view"]
    return FormSubmission(body["user"]["id"], view.get("private_metadata", ""), LEADS,
                          FORMS[view["callback_id"]].doing, callback_id=view["callback_id"],
                          values=submitted_values(view))


def handle_form(ack, asked: FormSubmission, deps: Deps, client):
    form = FORMS[asked.callback_id]
    try:
        said = form.change(LeadActions(deps.store, deps.prompts, deps.settings), asked.review_key, asked.user,
                           asked.values)
    except StageError as error:
        raise InvalidInput({form.first_field: str(error)}) from None
    ack()
    send(client, [Delivery(asked.user, [notice(said)])])
    publish_home(client, deps, asked.user)


def register(app: App) -> None:
    parse_once = ParseOnce(parse_form)
    for callback_id in FORMS:
        app.view(callback_id, middleware=[parse_once])(handle_form)
