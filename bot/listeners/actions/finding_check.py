"""The case group answers a finding shared in their DM: *This fits my experience*, *This doesn't fit*, *Comment*.

Only members of the review's case group may (the middleware, bot/listeners/asked.py); the flow
(bot/finding_check.py) then stores nothing from anyone who didn't take part, nor about a finding not shared
with them. *This fits* is stored at once; the other two open a form for the member's words (in the
acknowledgement, within the trigger_id's 3 seconds), whose submission stores them:
bot/listeners/views/finding_check.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.finding_check import CaseGroupCheck
from bot.listeners.asked import Asked, ParseOnce
from bot.render.finding_check_blocks import ANSWER, KINDS_ASKING_WORDS

MEMBERS = frozenset({"member"})
DOING = "answer the review team's findings"


@dataclass(frozen=True)
class FindingAnswer(Asked):
    finding: str = ""
    kind: str = ""
    words: str = ""
    event_key: str = ""     # a double click, or a retry, counts once
    channel: str = ""
    trigger_id: str = ""
    opens_form: bool = False


def parse_click(deps: Deps, body: dict) -> FindingAnswer:
    action = body["actions"][0]
    review_key, finding, kind = ((action.get("value") or "").split("|") + ["", ""])[:3]
    user = body["user"]["id"]
    return FindingAnswer(user, review_key, MEMBERS, DOING, finding=finding, kind=kind,
                         event_key=f"action:{user}:{action.get('action_ts') or body.get('trigger_id')}:{ANSWER}",
                         channel=(body.get("channel") or {}).get("id") or user, trigger_id=body.get("trigger_id") or "",
                         opens_form=kind in KINDS_ASKING_WORDS)


def answer_click(ack, asked: FindingAnswer, deps: Deps, client):
    check = CaseGroupCheck(deps.store, deps.prompts)
    if asked.opens_form:
        form = check.form(asked.review_key, asked.user, asked.finding, asked.kind)
        if form is not None:
            client.views_open(trigger_id=asked.trigger_id, view=form)
            ack()
            return
    ack()
    # *This fits*, or a form that isn't theirs to open: the flow stores it, or says why it can't.
    deliveries = check.click(asked.user, asked.review_key, asked.finding, asked.kind, "", asked.channel,
                             asked.event_key)
    send_and_report(client, deliveries, deps.reflections)


def register(app: App) -> None:
    app.action(ANSWER, middleware=[ParseOnce(parse_click)])(answer_click)
