"""Stories of the review team's analysis in Slack (issue 15, items 2 and 3): the appraisal of an episode written
in its modal, and findings made from an emerging pattern, edited, agreed and listed. Through the real App and the
fake Web API, on a real SQLite file."""
import json

import pytest

from bot.cli import main
from bot.digest_builder import build_digest
from bot.render.analysis_blocks import (ADD_FINDING, APPRAISAL_FORM, EDIT_FINDING, FINDING_FORM, MAKE_FINDING,
                                        WRITE_APPRAISAL)
from tests.runningkit import body_of, home_of, open_home, said_to, submit_view, wait_until
from tests.stories import submit_directly

LEAD, TEAM = "U0LEAD01", "U0TEAM01"


@pytest.fixture
def submitted(store, imported, prompts, sample_reflections):
    submit_directly(store, imported, sample_reflections, prompts)
    return imported


def buttons_in(messages: list[dict], action_id: str) -> list[dict]:
    """Every button (or select) with `action_id` in the given messages' blocks."""
    return [e for m in messages for b in m.get("blocks", []) if b.get("type") == "actions"
            for e in b["elements"] if e.get("action_id") == action_id]


def opened(fake, callback_id: str, count: int = 1) -> dict:
    """The `count`th modal opened with `callback_id` (waiting for it)."""
    views = wait_until(lambda: [c["view"] for c in fake.calls("views.open") if c["view"]["callback_id"] == callback_id]
                       [count - 1:], what=f"modal {callback_id} #{count}")
    return views[0]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def summary_messages(fake, slack, store, user: str, text: str) -> list[dict]:
    """The digest's messages for this /summary, once its run has audited itself (its last act)."""
    viewed = len([a for a in store.audit.trail("child-d") if a["action"] == "summary.viewed"])
    before = len(fake.calls("response_url"))
    slack.command(user, "/summary", text, fake.response_url)
    wait_until(lambda: len([a for a in store.audit.trail("child-d") if a["action"] == "summary.viewed"]) > viewed,
               what="the digest")
    return [c for c in fake.calls("response_url")[before:] if c.get("blocks")]


def test_a_team_member_writes_an_appraisal_in_its_modal_and_each_save_is_a_version(fake, slack, store, submitted,
                                                                                   prompts):
    messages = summary_messages(fake, slack, store, TEAM, "child-d KPE2")
    [write] = buttons_in(messages, WRITE_APPRAISAL)
    assert write["value"] == "child-d|KPE2" and write["text"]["text"] == "Write the appraisal"

    slack.click(TEAM, WRITE_APPRAISAL, write["value"])
    view = opened(fake, APPRAISAL_FORM)
    assert view["private_metadata"] == "child-d|KPE2"
    assert "judge by what was knowable then" in block(view, "appraisal")["hint"]["text"].lower()
    # The episode's own factor headings to link the explanation to, as its digest names them.
    named = [t.heading for t in build_digest(store, submitted, prompts, "KPE2").episode("KPE2").factors]
    assert [o["value"] for o in block(view, "factors")["element"]["options"]] == named and named
    assert "initial_value" not in block(view, "what_happened")["element"]

    values = {"what_happened": "The crew found her on the floor.", "appraisal": "Reasonable, given what was known.",
              "explanation": "Six calls were waiting.", "factors": named[:1]}
    response = submit_view(slack, TEAM, APPRAISAL_FORM, "child-d|KPE2", values)
    assert response.status == 200 and "errors" not in response.body
    said_to(fake, TEAM, "Saved the appraisal of KPE2 (version 1)")
    appraisal = store.analysis.appraisals("child-d")["KPE2"]
    assert (appraisal.version, appraisal.author, appraisal.factors) == (1, TEAM, tuple(named[:1]))
    assert appraisal.what_happened == "The crew found her on the floor."

    # Opened again: prefilled with the latest version; saved changed, it is version 2.
    slack.click(TEAM, WRITE_APPRAISAL, write["value"])
    view = opened(fake, APPRAISAL_FORM, 2)
    assert block(view, "what_happened")["element"]["initial_value"] == "The crew found her on the floor."
    assert [o["value"] for o in block(view, "factors")["element"]["initial_options"]] == named[:1]
    submit_view(slack, TEAM, APPRAISAL_FORM, "child-d|KPE2", {**values, "appraisal": "Reasonable then; short later."})
    said_to(fake, TEAM, "Saved the appraisal of KPE2 (version 2)")
    assert [a.version for a in store.analysis.appraisal_history("child-d", "KPE2")] == [1, 2]
    assert [a["detail"] for a in store.audit.trail("child-d") if a["action"] == "appraisal.saved"] == [
        "KPE2, version 1", "KPE2, version 2"]

    # ... and the lead's `/summary KPE2` shows the latest version, after the case group's accounts, as the team's.
    shown = json.dumps(summary_messages(fake, slack, store, LEAD, "child-d KPE2"), ensure_ascii=False)
    assert "Reasonable then; short later." in shown and "Reasonable, given what was known." not in shown
    assert shown.index("The review team's appraisal of this episode") > shown.index("How it looked at the time")


def test_an_empty_appraisal_keeps_the_modal_open_with_the_field_error(fake, slack, store, submitted):
    response = submit_view(slack, LEAD, APPRAISAL_FORM, "child-d|KPE2",
                           {"what_happened": "", "appraisal": "", "explanation": "", "factors": ["no such heading"]})
    answer = body_of(response)
    assert answer["response_action"] == "errors"
    assert answer["errors"]["what_happened"].startswith("nothing written")
    assert "'no such heading' is not a heading" in answer["errors"]["factors"]
    assert store.analysis.appraisals("child-d") == {}


def test_a_lead_makes_a_finding_from_an_emerging_pattern_edits_it_and_agrees_it(fake, slack, store, submitted,
                                                                                prompts, tmp_path, monkeypatch,
                                                                                db_path):
    messages = summary_messages(fake, slack, store, LEAD, "child-d")
    make = buttons_in(messages, MAKE_FINDING)
    assert make and make[0]["text"]["text"] == "Make 1 a finding"
    slack.click(LEAD, MAKE_FINDING, make[0]["value"])
    view = opened(fake, FINDING_FORM)
    pattern = build_digest(store, submitted, prompts).patterns[0]
    key = next(p.key for p in prompts.digest.patterns if p.label == pattern.pattern)
    assert view["private_metadata"] == f"child-d||{pattern.factor}"
    assert block(view, "pattern")["element"]["initial_option"]["value"] == key
    assert [o["value"] for o in block(view, "episodes")["element"]["initial_options"]] == pattern.episodes
    assert block(view, "title")["element"]["initial_value"] == pattern.factor
    assert block(view, "questions")["label"]["text"] == "Questions for the board, one per line"
    evidence = json.dumps(view["blocks"][-1])
    assert all(e.who in evidence for e in pattern.evidence[:12])

    # A family name typed into the title: everyone, the lead too, sees the label.
    values = {"title": "Kirsty Ashby's calls went unanswered", "pattern": key, "episodes": pattern.episodes,
              "in_this_case": "Two referrals waited a week.", "how_widespread": "", "why_it_matters": "",
              "questions": "How does the board know referrals are answered?\n\n• Who checks the duty queue?",
              "status": "draft", "order": ""}
    response = submit_view(slack, LEAD, FINDING_FORM, f"child-d||{pattern.factor}", values)
    assert "errors" not in response.body
    said_to(fake, LEAD, "Saved F1")
    finding = store.analysis.finding("child-d", "F1")
    assert (finding.version, finding.status, finding.order, finding.pattern) == (1, "draft", 1, key)
    assert finding.asks == ("How does the board know referrals are answered?", "Who checks the duty queue?")
    assert [(e.episode, e.who, e.text) for e in finding.evidence] == [(e.episode, e.who, e.words)
                                                                     for e in pattern.evidence]
    members = {m.slack_id: m for m in submitted.members}
    assert all(e.member in members and e.episode in members[e.member].episodes for e in finding.evidence)

    home = json.dumps(home_of(fake, LEAD))
    assert "*F1*" in home and "_draft_" in home and "Mother" in home and "Kirsty" not in home
    [edit] = [e for b in home_of(fake, LEAD)["blocks"] if b["type"] == "actions" for e in b["elements"]
              if e.get("action_id") == EDIT_FINDING]
    assert edit["options"][0]["value"] == "child-d|F1"

    slack.click(LEAD, EDIT_FINDING, "child-d|F1", selected=True)
    view = opened(fake, FINDING_FORM, 2)
    assert view["private_metadata"] == "child-d|F1|" and view["title"]["text"] == "Edit F1"
    assert "Kirsty" not in json.dumps(view) and "Mother" in block(view, "title")["element"]["initial_value"]
    assert block(view, "status")["element"]["initial_option"]["value"] == "draft"
    submit_view(slack, LEAD, FINDING_FORM, "child-d|F1|", {**values, "status": "agreed", "order": "2"})
    said_to(fake, LEAD, "agreed, version 2")
    agreed = store.analysis.finding("child-d", "F1")
    assert (agreed.version, agreed.status, agreed.order, agreed.evidence) == (2, "agreed", 2, finding.evidence)

    slack.command(TEAM, "/review", "findings child-d", fake.response_url)
    [listed] = wait_until(lambda: [c["text"] for c in fake.calls("response_url") if "*Findings* of" in c.get("text", "")])
    assert "• *F1* Mother's calls went unanswered · _agreed_ ·" in listed and "Kirsty" not in listed

    # ... and it shows in every export, agreed, pseudonymised.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    for fmt in ("md", "json", "html"):
        assert main(["export", "child-d", "--out", str(tmp_path / f"digest.{fmt}")]) == 0
        written = (tmp_path / f"digest.{fmt}").read_text(encoding="utf-8")
        assert "Mother's calls went unanswered" in written.replace("&#x27;", "'").replace("\u2019", "'")
        assert "Kirsty" not in written and "How does the board know referrals are answered?" in written


def test_a_finding_with_problems_keeps_its_modal_open_and_nothing_is_saved(fake, slack, store, submitted):
    values = {"title": "", "pattern": "", "episodes": ["KPE2"], "questions": "", "status": "draft", "order": "first"}
    answer = body_of(submit_view(slack, LEAD, FINDING_FORM, "child-d||", values))
    assert answer == {"response_action": "errors", "errors": {"order": "The order must be a whole number, like 1."}}
    answer = body_of(submit_view(slack, LEAD, FINDING_FORM, "child-d||", {**values, "order": ""}))
    assert answer["response_action"] == "errors"
    assert answer["errors"]["title"] == "it needs a title"
    assert answer["errors"]["pattern"].startswith("pattern '' is not in prompts/typology.toml")
    assert store.analysis.findings("child-d") == []


def test_add_a_finding_from_the_home_tab_and_an_empty_list_says_how(fake, slack, store, submitted, prompts):
    slack.command(LEAD, "/review", "findings child-d", fake.response_url)
    [listed] = wait_until(lambda: [c["text"] for c in fake.calls("response_url") if "*Findings* of" in c.get("text", "")])
    assert "No findings yet" in listed
    open_home(slack, LEAD)
    [add] = [e for b in home_of(fake, LEAD)["blocks"] if b["type"] == "actions" for e in b["elements"]
             if e.get("action_id") == ADD_FINDING]
    slack.click(LEAD, ADD_FINDING, add["value"])
    view = opened(fake, FINDING_FORM)
    assert view["private_metadata"] == "child-d||" and view["title"]["text"] == "Add a finding"
    assert [o["value"] for o in block(view, "pattern")["element"]["options"]] == [
        p.key for p in prompts.digest.patterns]
    assert "initial_option" not in block(view, "pattern")["element"]
    assert block(view, "status")["element"]["initial_option"]["value"] == "draft"


def test_a_finding_brings_together_the_evidence_of_the_emerging_patterns_the_team_chooses(fake, slack, store,
                                                                                          submitted, prompts):
    patterns = build_digest(store, submitted, prompts).patterns
    assert len(patterns) >= 2
    open_home(slack, LEAD)
    [add] = [e for b in home_of(fake, LEAD)["blocks"] if b["type"] == "actions" for e in b["elements"]
             if e.get("action_id") == ADD_FINDING]
    slack.click(LEAD, ADD_FINDING, add["value"])
    view = opened(fake, FINDING_FORM)
    offered = [o["value"] for o in block(view, "groups")["element"]["options"]]
    assert offered == [p.factor for p in patterns]
    chosen = [patterns[0].factor, patterns[1].factor]
    values = {"title": "Two patterns, one finding", "pattern": "tools", "episodes": [], "in_this_case": "",
              "how_widespread": "", "why_it_matters": "", "questions": "", "status": "draft", "order": "",
              "groups": chosen}
    response = submit_view(slack, LEAD, FINDING_FORM, "child-d||", values)
    assert "errors" not in response.body
    finding = store.analysis.finding("child-d", "F1")
    wanted = [(e.episode, e.who, e.words) for p in patterns[:2] for e in p.evidence]
    assert [(e.episode, e.who, e.text) for e in finding.evidence] == list(dict.fromkeys(wanted))
    assert set(finding.episodes) == {*patterns[0].episodes, *patterns[1].episodes}   # their episodes joined it
    assert all(e.member for e in finding.evidence)                                    # so a withdrawal works
