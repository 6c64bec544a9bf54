"""The modals of `/review add-member` and `/review add-episode`, submitted.

Checked on submit: the caller must still lead the review, and every field is checked as an
import checks the review file; a mistake keeps the modal open with the field's error
(`response_action: errors`). The change is audited, then the lead's Home tab is refreshed.
"""
from __future__ import annotations

from slack_bolt import App

from bot.access import require_role
from bot.delivery import send
from bot.errors import InvalidInput, StageError
from bot.listeners.events.app_home import publish_home
from bot.reflect import Delivery
from bot.render.blocks import notice
from bot.render.review_modals import ADD_EPISODE, ADD_MEMBER, submitted_values
from bot.lead_actions import LeadActions


def _submit(ack, body, view, context, client, doing: str, first_field: str, change) -> None:
    deps, user, review_key = context["deps"], body["user"]["id"], view.get("private_metadata", "")
    require_role(deps.store, review_key, user, {"lead"}, doing)
    lead_actions = LeadActions(deps.store, deps.prompts, deps.settings)
    try:
        said = change(lead_actions, review_key, user, submitted_values(view))
    except InvalidInput as error:
        ack(response_action="errors", errors=error.errors)
        return
    except StageError as error:
        ack(response_action="errors", errors={first_field: str(error)})
        return
    ack()
    send(client, [Delivery(user, [notice(said)])])
    publish_home(client, deps, user)


def handle_add_member(ack, body, view, context, client):
    _submit(ack, body, view, context, client, "add people to the case group", "user",
            lambda lead_actions, key, user, values: lead_actions.add_member(
                key, user, values.get("user", ""), values.get("role", ""), values.get("agency", ""),
                values.get("episodes", [])))


def handle_add_episode(ack, body, view, context, client):
    _submit(ack, body, view, context, client, "add key practice episodes", "key",
            lambda lead_actions, key, user, values: lead_actions.add_episode(
                key, user, values.get("key", ""), values.get("title", ""), values.get("start", ""),
                values.get("end", ""), values.get("description", ""), values.get("members", [])))


def register(app: App) -> None:
    app.view(ADD_MEMBER)(handle_add_member)
    app.view(ADD_EPISODE)(handle_add_episode)
