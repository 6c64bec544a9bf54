"""*This doesn't fit* and *Comment*: the form of the member's words, submitted (bot/listeners/actions/finding_check.py
opened it). The middleware checks the caller is still in the case group; the flow stores nothing from anyone who
didn't take part, and says in the DM which finding the words went to."""
from __future__ import annotations

from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.finding_check import CaseGroupCheck
from bot.listeners.actions.finding_check import DOING, MEMBERS, FindingAnswer
from bot.listeners.asked import ParseOnce
from bot.render.finding_check_blocks import ANSWER_FORM
from bot.render.review_modals import submitted_values


def parse_form(deps: Deps, body: dict) -> FindingAnswer:
    view, user = body["view"], body["user"]["id"]
    review_key, finding, kind = ((view.get("private_metadata") or "").split("|") + ["", ""])[:3]
    return FindingAnswer(user, review_key, MEMBERS, DOING, finding=finding, kind=kind,
                         words=submitted_values(view).get("words", ""), event_key=f"view:{view.get('id')}",
                         channel=user)


def answer_form_submitted(ack, asked: FindingAnswer, deps: Deps, client):
    ack()
    deliveries = CaseGroupCheck(deps.store, deps.prompts).click(asked.user, asked.review_key, asked.finding,
                                                                asked.kind, asked.words, asked.channel,
                                                                asked.event_key)
    send_and_report(client, deliveries, deps.reflections)


def register(app: App) -> None:
    app.view(ANSWER_FORM, middleware=[ParseOnce(parse_form)])(answer_form_submitted)
