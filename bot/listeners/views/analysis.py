"""The review team's modals, submitted: an episode's appraisal, and a finding.

The middleware checks that the caller still leads or is on the review team of the review
(bot/listeners/asked.py). A problem keeps the modal open with the field's error (`response_action:
errors`, said by the one error path), so nothing typed is lost. A save is a new version, audited by
storage; what was saved is said in the bot's DM, and the Home tab, which lists the findings, is refreshed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from slack_bolt import App

from bot.delivery import send
from bot.deps import Deps
from bot.listeners.asked import Asked, ParseOnce
from bot.listeners.events.app_home import publish_home
from bot.reflect import Delivery
from bot.render.analysis_blocks import APPRAISAL_FORM, FINDING_FORM
from bot.render.blocks import notice
from bot.render.review_modals import submitted_values
from bot.team_analysis import TeamAnalysis

READERS = frozenset({"lead", "team"})
SAVES = {  # callback id -> (team analysis, review key, user, the metadata after the key, values) -> what to say
    APPRAISAL_FORM: lambda team, key, user, episode, values: team.save_appraisal(key, user, episode, values),
    FINDING_FORM: lambda team, key, user, what, values: team.save_finding(key, user, *what.split("|", 1), values),
}


@dataclass(frozen=True)
class AnalysisForm(Asked):
    callback_id: str = ""
    what: str = ""          # private_metadata after the review's key: the episode, or "finding key|pattern"
    values: dict = field(default_factory=dict)


def parse_analysis_form(deps: Deps, body: dict) -> AnalysisForm:
    view = body["view"]
    review_key, _, what = (view.get("private_metadata") or "").partition("|")
    if view["callback_id"] == FINDING_FORM and "|" not in what:
        what += "|"
    return AnalysisForm(body["user"]["id"], review_key, READERS, "write its analysis",
                        callback_id=view["callback_id"], what=what, values=submitted_values(view))


def handle_analysis_form(ack, asked: AnalysisForm, deps: Deps, client):
    said = SAVES[asked.callback_id](TeamAnalysis(deps.store, deps.prompts), asked.review_key, asked.user,
                                    asked.what, asked.values)
    ack()
    send(client, [Delivery(asked.user, [notice(said)])])
    if asked.callback_id == FINDING_FORM:
        publish_home(client, deps, asked.user)


def register(app: App) -> None:
    parse_once = ParseOnce(parse_analysis_form)
    for callback_id in SAVES:
        app.view(callback_id, middleware=[parse_once])(handle_analysis_form)
