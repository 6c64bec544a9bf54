"""The buttons that open the review team's modals: *Write the appraisal* (an episode's digest), *Add a finding*
and *Edit a finding…* (the App Home), *Make this a finding* (an emerging pattern of the digest).

Only leads and the review team may (the middleware, bot/listeners/asked.py). The modal opens in the
acknowledgement, within the trigger_id's 3 seconds: building it reads a kept digest (bot/digest_builder.py;
the bench's whole-review digest of 2,400 reflections stays under 1 s). The submission does the work:
bot/listeners/views/analysis.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.deps import Deps
from bot.listeners.asked import Asked, ParseOnce
from bot.render.analysis_blocks import ADD_FINDING, EDIT_FINDING, MAKE_FINDING, WRITE_APPRAISAL
from bot.team_analysis import TeamAnalysis

READERS = frozenset({"lead", "team"})
DOING = "write its analysis"
OPENS = {  # action id -> (team analysis, review key, what the button is about) -> the modal
    WRITE_APPRAISAL: lambda team, key, episode: team.appraisal_form(key, episode),
    ADD_FINDING: lambda team, key, what: team.finding_form(key),
    EDIT_FINDING: lambda team, key, finding: team.finding_form(key, key=finding),
    MAKE_FINDING: lambda team, key, factor: team.finding_form(key, pattern=factor),
}


@dataclass(frozen=True)
class AnalysisClick(Asked):
    action_id: str = ""
    what: str = ""          # after the review's key in the value: an episode, a finding, a pattern's name
    trigger_id: str = ""


def parse_analysis_click(deps: Deps, body: dict) -> AnalysisClick:
    action = body["actions"][0]
    value = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
    review_key, _, what = value.partition("|")
    return AnalysisClick(body["user"]["id"], review_key, READERS, DOING, action_id=action["action_id"], what=what,
                         trigger_id=body.get("trigger_id") or "")


def open_analysis_form(ack, asked: AnalysisClick, deps: Deps, client):
    view = OPENS[asked.action_id](TeamAnalysis(deps.store, deps.prompts), asked.review_key, asked.what)
    client.views_open(trigger_id=asked.trigger_id, view=view)
    ack()


def register(app: App) -> None:
    parse_once = ParseOnce(parse_analysis_click)
    for action_id in OPENS:
        app.action(action_id, middleware=[parse_once])(open_analysis_form)
