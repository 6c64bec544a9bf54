"""*Ask a follow-up*'s modal, submitted: the question is stored and posted to the practitioner's DM.

The middleware checks that the caller still leads or is on the review team of the review (bot/listeners/asked.py).
A problem (no question, a review past its meeting stage, a member no longer in the case group) keeps the modal open
with the error under the question, so nothing typed is lost. The asker is told in the bot's DM what was sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from slack_bolt import App

from bot.delivery import send
from bot.deps import Deps
from bot.errors import CasegroupError, InvalidInput
from bot.listeners.asked import Asked, ParseOnce
from bot.reflect import Delivery
from bot.render.blocks import notice
from bot.render.follow_up_blocks import ASK_FORM, read_value
from bot.render.review_modals import submitted_values

READERS = frozenset({"lead", "team"})


@dataclass(frozen=True)
class AskForm(Asked):
    about: dict = field(default_factory=dict)    # the button's value: the episode and the member
    values: dict = field(default_factory=dict)


def parse_ask_form(deps: Deps, body: dict) -> AskForm:
    about = read_value(body["view"].get("private_metadata") or "")
    return AskForm(body["user"]["id"], about.get("r", ""), READERS, "ask follow-up questions", about=about,
                   values=submitted_values(body["view"]))


def handle_ask_form(ack, asked: AskForm, deps: Deps, client):
    follow_ups = deps.reflections.follow_ups
    try:
        follow_up = follow_ups.ask(asked.review_key, asked.user, asked.about.get("m", ""), asked.about.get("e", ""),
                                   asked.values.get("question") or "", about=asked.values.get("about") or "")
    except CasegroupError as error:   # said under the question, the modal kept open: nothing typed is lost
        raise InvalidInput({"question": str(error)}) from None
    ack()   # stored: Slack hears back before the question is posted
    send(client, [Delivery(asked.user, [notice(follow_ups.send(client, follow_up))])])


def register(app: App) -> None:
    app.view(ASK_FORM, middleware=[ParseOnce(parse_ask_form)])(handle_ask_form)
