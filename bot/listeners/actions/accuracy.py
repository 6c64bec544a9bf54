"""The buttons of the agencies' factual-accuracy comments: an agency's name under "Which agency are the comments
from?" (the DM, after a file is dropped), and *Resolve N* (`/review comments`), which opens the resolve modal.

The agency's button needs no middleware: it acts on the caller's own dropped file, and bot/accuracy_files.py
checks that they are still on the review's team. *Resolve* is for leads only (the middleware,
bot/listeners/asked.py); the modal opens in the acknowledgement, within the trigger_id's 3 seconds.
"""
from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.accuracy_review import AccuracyReview
from bot.delivery import send_and_report
from bot.deps import Deps
from bot.errors import NotFoundError
from bot.listeners.asked import Asked, ParseOnce
from bot.render.accuracy_blocks import AGENCY, RESOLVE, resolve_modal

LEADS = frozenset({"lead"})


def agency_chosen(ack, body, deps: Deps, client):
    ack()
    review_key, _, agency = (body["actions"][0].get("value") or "").partition("|")
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or user
    send_and_report(client, deps.comment_files.agency_chosen(user, review_key, agency, channel), deps.reflections)


@dataclass(frozen=True)
class ResolveClick(Asked):
    comment_id: int = 0
    trigger_id: str = ""


def parse_resolve_click(deps: Deps, body: dict) -> ResolveClick:
    review_key, _, number = (body["actions"][0].get("value") or "").partition("|")
    return ResolveClick(body["user"]["id"], review_key, LEADS, "resolve the agencies' comments",
                        comment_id=int(number) if number.isdigit() else 0, trigger_id=body.get("trigger_id") or "")


def open_resolve_form(ack, asked: ResolveClick, deps: Deps, client):
    accuracy = AccuracyReview(deps.store, deps.prompts)
    review = accuracy.review(asked.review_key)
    item = next((s for s in accuracy.shown(review.key) if s.comment.id == asked.comment_id), None)
    if item is None:
        raise NotFoundError(deps.prompts.say("accuracy.no_such_comment", key=review.key, id=asked.comment_id))
    client.views_open(trigger_id=asked.trigger_id, view=resolve_modal(accuracy, review, item))
    ack()


def register(app: App) -> None:
    app.action(AGENCY)(agency_chosen)
    app.action(RESOLVE, middleware=[ParseOnce(parse_resolve_click)])(open_resolve_form)
