"""The follow-up questions' buttons: *Ask a follow-up* beside an account in the episode digest (the review team's),
and the numbered buttons of "which question is this?" in the practitioner's DM.

*Ask a follow-up* is for leads and the review team (the middleware, bot/listeners/asked.py). Its modal opens in the
acknowledgement, within the trigger_id's 3 seconds, from the button's value alone: no digest is built. The
submission does the work: bot/listeners/views/follow_ups.py. The practitioner's buttons have no role middleware,
as the reflection's have none: the flow reads only the clicker's own follow-ups.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.listeners.asked import Asked, ParseOnce
from bot.reflect import Delivery
from bot.render.follow_up_blocks import ASK, WHICH, ask_modal, read_value

READERS = frozenset({"lead", "team"})
DOING = "ask follow-up questions"


@dataclass(frozen=True)
class AskClick(Asked):
    value: dict = field(default_factory=dict)   # what the modal shows: the episode, the member, their answers
    trigger_id: str = ""


def parse_ask_click(deps: Deps, body: dict) -> AskClick:
    value = read_value(body["actions"][0].get("value") or "")
    # A value that isn't the button's own names no review: refused as a review the caller has no part in.
    return AskClick(body["user"]["id"], value.get("r", ""), READERS, DOING, value=value,
                    trigger_id=body.get("trigger_id") or "")


def open_ask_form(ack, asked: AskClick, deps: Deps, client):
    client.views_open(trigger_id=asked.trigger_id, view=ask_modal(deps.prompts, asked.value))
    ack()


def handle_which(ack, body, action, deps: Deps, client):
    ack()
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or user
    event_key = f"action:{user}:{action.get('action_ts') or body.get('trigger_id')}:{action.get('action_id')}"
    said = deps.reflections.follow_ups.choose(user, action.get("value") or "", event_key)
    if said:
        send_and_report(client, [Delivery(channel, [said])], deps.reflections)


def register(app: App) -> None:
    app.action(ASK, middleware=[ParseOnce(parse_ask_click)])(open_ask_form)
    app.action(WHICH)(handle_which)
