"""The resolve modal, submitted: accepted (the text is changed) or not accepted, with a reason.

Leads only (the middleware, bot/listeners/asked.py). A missing choice, or no reason for a comment not accepted,
keeps the modal open with the field's error (the one error path), so nothing typed is lost. The resolution is
said in the bot's DM and the Home tab's count of open comments is refreshed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from slack_bolt import App

from bot.accuracy_review import AccuracyReview
from bot.delivery import send
from bot.deps import Deps
from bot.listeners.asked import Asked, ParseOnce
from bot.listeners.events.app_home import publish_home
from bot.reflect import Delivery
from bot.render.accuracy_blocks import RESOLVE_FORM
from bot.render.blocks import notice
from bot.render.review_modals import submitted_values

LEADS = frozenset({"lead"})


@dataclass(frozen=True)
class ResolveForm(Asked):
    comment_id: int = 0
    values: dict = field(default_factory=dict)


def parse_resolve_form(deps: Deps, body: dict) -> ResolveForm:
    view = body["view"]
    review_key, _, number = (view.get("private_metadata") or "").partition("|")
    return ResolveForm(body["user"]["id"], review_key, LEADS, "resolve the agencies' comments",
                       comment_id=int(number) if number.isdigit() else 0, values=submitted_values(view))


def handle_resolve_form(ack, asked: ResolveForm, deps: Deps, client):
    said = AccuracyReview(deps.store, deps.prompts).resolve(asked.review_key, asked.comment_id,
                                                            asked.values.get("status") or "",
                                                            asked.values.get("reason") or "", actor=asked.user)
    ack()
    send(client, [Delivery(asked.user, [notice(said)])])
    publish_home(client, deps, asked.user)


def register(app: App) -> None:
    app.view(RESOLVE_FORM, middleware=[ParseOnce(parse_resolve_form)])(handle_resolve_form)
