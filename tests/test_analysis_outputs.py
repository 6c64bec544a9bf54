"""The review team's analysis in the digest (issue 15, item 4): `/summary KPE…`, `/summary` and every export carry
the latest appraisal of each episode and the findings in the team's order, after the case group's material and
marked as the team's words; pseudonymised like the digest; a dropped finding left out; a withdrawn member's quote
gone, and the finding saying so. The appraisals and findings are saved through `store.analysis` (the Slack modals
that write them are another story); the digest is read through the real App against the fake Web API, and from
`casegroup export`."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from bot.cli import main
from bot.core.analysis import Appraisal, Evidence, Finding
from bot.core.conversation import State
from tests.blockkit import assert_within_limits
from tests.stories import record, submit_directly
from tests.test_digest_story import assert_no_real_name, section_texts, summary

LEAD, TEAM = "U0LEAD01", "U0TEAM01"
HV, PC, GP = "U0HV0001", "U0PC0001", "U0GP0001"
HEALTH_VISITOR = "Health visitor (Brackenshire Community Health)"
POLICE = "Response police officer (Brackenshire Police)"
DOCTOR = "GP (Millbrook Surgery)"


@pytest.fixture
def submitted(store, imported, sample_reflections, prompts):
    submit_directly(store, imported, sample_reflections, prompts)
    return imported


def findings_of_the_team(store) -> None:
    """F2 first (the team ranked it so), then F1 (a family name typed in it, quotes from three agencies), and
    F3 dropped."""
    f1 = Finding("F1", "Kirsty Ashby's calls went to a queue nobody owned", "tools", ("KPE2", "KPE4"),
                 (Evidence("KPE2", POLICE, "there were two cars for the whole division", member=PC),
                  Evidence("KPE4", HEALTH_VISITOR, "480 families on my caseload", member=HV),
                  Evidence("KPE4", DOCTOR, "the record had no flag for the visit", member=GP)),
                 in_this_case="Kirsty rang three times; each call went to a different queue.",
                 how_widespread="Every locality runs the same duty system.",
                 why_it_matters="A parent's worry can go unheard for days.",
                 asks=("How does the board know who owns a call once it is queued?",
                       "What would tell a manager that Kirsty's calls were the same worry?"),
                 status="draft", order=2)
    f2 = Finding("F2", "Caseloads leave no time to follow up", "management", ("KPE1", "KPE3"),
                 in_this_case="Both workers carried twice the agreed caseload.", asks=("Which caseloads are safe?",),
                 status="agreed", order=1)
    f3 = Finding("F3", "A finding the team set aside", "reasoning", ("KPE3",), status="dropped", order=3)
    for finding in (f1, f2, f3):
        store.analysis.save_finding("child-d", finding, actor=LEAD)


def test_a_lead_reads_the_teams_latest_appraisal_in_summary_kpe2_marked_as_theirs_after_the_case_groups(
        fake, slack, store, submitted):
    _, before = summary(slack, fake, LEAD, "KPE2")           # the digest's review-wide part is kept from here on
    assert "The review team has not appraised this episode yet." in json.dumps(before, ensure_ascii=False)

    first = Appraisal("KPE2", what_happened="An officer attended a call about shouting.",
                      appraisal="Reasonable on what was known then.", factors=("conditions of work",))
    store.analysis.save_appraisal("child-d", first, actor=TEAM)
    store.analysis.save_appraisal("child-d", dataclasses.replace(
        first, what_happened="The officer spoke to Kirsty at the door; Craig Tanner was not checked.",
        explanation="Two cars covered the division that night."), actor=LEAD)

    _, messages = summary(slack, fake, LEAD, "KPE2")         # at once: nothing of the analysis is kept
    for message in messages:
        assert_within_limits(message)
    texts = section_texts(messages)
    everything = "\n".join(texts)
    heading = next(i for i, t in enumerate(texts) if t.startswith("*The review team's analysis*"))
    assert "_The review team's words, not the case group's" in texts[heading]
    # After every part of the case group's material: the accounts, the factors, where accounts differ.
    assert heading > max(i for i, t in enumerate(texts) if t.startswith("*Where accounts differ*"))
    assert "*The review team's appraisal of this episode* (version 2)" in everything
    assert "*What happened:* The officer spoke to Mother at the door; Mother's partner was not checked." in everything
    assert "*Explanation:* Two cars covered the division that night." in everything
    assert "*Linked to:* conditions of work" in everything
    assert "An officer attended a call about shouting." not in everything      # the latest version only
    assert_no_real_name(json.dumps(messages, ensure_ascii=False), submitted, "/summary KPE2")
    # The Markdown file in the DM says the same, under the team's heading, after the episode's patterns.
    episode_file = fake.calls("file.upload")[-1]["content"]
    assert episode_file.index("## The review team's analysis") > episode_file.index(
        "## Emerging patterns this episode is evidence for")
    assert "- **What happened:** The officer spoke to Mother at the door; Mother's partner was not checked." \
        in episode_file


def test_findings_show_in_the_teams_order_in_summary_and_every_export_without_a_withdrawn_members_quote(
        fake, slack, store, submitted, tmp_path, monkeypatch, db_path):
    store.analysis.save_appraisal("child-d", Appraisal("KPE4", appraisal="The nursery's concern was heard late."),
                                  actor=TEAM)
    findings_of_the_team(store)
    record(store, State("child-d", HV, stage="withdrawn"), events=["withdrawn"])   # the health visitor withdraws

    _, overview = summary(slack, fake, LEAD)
    for message in overview:
        assert_within_limits(message)
    texts = section_texts(overview)
    team = "\n".join(texts[next(i for i, t in enumerate(texts) if t.startswith("*The review team's analysis*")):])
    assert "The team has appraised 1 of 5 episodes." in team
    assert team.index("*F2. Caseloads leave no time to follow up* · _Agreed_ · Human–management system operation") \
        < team.index("*F1. Mother's calls went to a queue nobody owned* · _Draft_ · Human–tool operation · KPE2, KPE4")
    assert "F3" not in team and "set aside" not in team                 # dropped: left out
    assert f"KPE4 {DOCTOR}: “the record had no flag for the visit”" in team
    assert "_1 quote withdrawn._" in team and "480 families" not in json.dumps(overview)
    assert "1. How does the board know who owns a call once it is queued?" in team
    assert "2. What would tell a manager that Mother's calls were the same worry?" in team

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    exports = {}
    for fmt in ("md", "json", "html"):
        assert main(["export", "child-d", "--out", str(tmp_path / f"digest.{fmt}")]) == 0
        exports[fmt] = (tmp_path / f"digest.{fmt}").read_text()
    assert main(["export", "child-d", "--episode", "KPE2", "--out", str(tmp_path / "kpe2.md")]) == 0
    exports["kpe2"] = (tmp_path / "kpe2.md").read_text()
    for where, text in exports.items():
        assert_no_real_name(text, submitted, where)
        assert "480 families" not in text and "set aside" not in text, where
        assert not re.search(r"U0[A-Z0-9]{6}", text), where                  # who saved what is audited, not printed

    md = exports["md"]
    assert md.index("## The review team's analysis") > md.index("## KPE5: ")   # after every episode
    assert md.index("#### F2. Caseloads leave no time to follow up · Agreed") \
        < md.index("#### F1. Mother's calls went to a queue nobody owned · Draft")
    assert "#### KPE4: " in md and "- **Appraisal of practice:** The nursery's concern was heard late." in md
    assert ("- **Category:** Human–tool operation\n- **Episodes:** KPE2, KPE4\n"
            "- **In this case:** Mother rang three times; each call went to a different queue.") in md
    assert (f"  - KPE2, {POLICE}: “there were two cars for the whole division”\n"
            f"  - KPE4, {DOCTOR}: “the record had no flag for the visit”\n  - _1 quote withdrawn._\n"
            "- **Questions for the board:**\n"
            "  1. How does the board know who owns a call once it is queued?\n") in md

    data = json.loads(exports["json"])
    assert data["version"] == 3 and list(data)[-1] == "analysis"
    analysis = data["analysis"]
    assert analysis["asks"] == "questions"
    assert [(a["episode"], a["version"]) for a in analysis["appraisals"]] == [("KPE4", 1)]
    assert [(f["key"], f["status"], f["category"]) for f in analysis["findings"]] == [
        ("F2", "agreed", "Human–management system operation"), ("F1", "draft", "Human–tool operation")]
    f1 = analysis["findings"][1]
    assert f1["withdrawn"] == 1 and [e["who"] for e in f1["evidence"]] == [POLICE, DOCTOR]
    assert f1["title"] == "Mother's calls went to a queue nobody owned"

    page = exports["html"]
    team_part = page[page.index('<section class="team">'):]
    assert page.index('<section class="team">') > page.index('<section class="episode" id="KPE5">')
    assert team_part.index('id="F2"') < team_part.index('id="F1"')
    assert '<span class="status agreed">Agreed</span>' in team_part
    assert "<li>How does the board know who owns a call once it is queued?</li>" in team_part
    assert '<li class="note">1 quote withdrawn.</li>' in team_part

    kpe2 = exports["kpe2"]          # one episode's file: the findings it is evidence for, and no other
    assert "#### F1. Mother's calls" in kpe2 and "F2." not in kpe2
    assert "The review team has not appraised this episode yet." in kpe2
