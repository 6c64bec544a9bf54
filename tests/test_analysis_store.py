"""The review team's analysis in storage (issue 15): appraisals and findings kept apart from the case group's
words, every save a new version with its author and time and an audit row, a save that changes nothing kept
as it was, and a practitioner's withdrawal taking their words out of the findings' evidence. Real SQLite files."""
from __future__ import annotations

import dataclasses

from bot.core.analysis import (Appraisal, Evidence, Finding, appraisal_problems, finding_problems, in_order,
                               next_key, shown)
from bot.core.conversation import State
from storage import Store
from tests.stories import record

LEAD, TEAM, HV, HO = "U0LEAD01", "U0TEAM01", "U0HV0001", "U0HO0001"


def test_each_save_of_an_appraisal_is_a_version_with_its_author_and_an_audit_row_never_the_text(db_path,
                                                                                                 sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    first = Appraisal("KPE1", what_happened="A home visit; the flat was damp.",
                      appraisal="Reasonable, given what was known.", explanation="Caseload of 480 families.",
                      factors=("conditions of work",))
    saved, changed = store.analysis.save_appraisal("child-d", first, actor=TEAM)
    assert changed and (saved.version, saved.author) == (1, TEAM) and saved.saved_at
    again, changed = store.analysis.save_appraisal("child-d", first, actor=LEAD)
    assert not changed and again.version == 1 and again.author == TEAM      # the same words: no new version
    second, changed = Store(db_path).analysis.save_appraisal(
        "child-d", dataclasses.replace(first, explanation="Caseload of 480 families; no cover."), actor=LEAD)
    assert changed and second.version == 2
    latest = Store(db_path).analysis.appraisals("child-d")
    assert list(latest) == ["KPE1"] and latest["KPE1"].explanation.endswith("no cover.")
    assert [a.version for a in store.analysis.appraisal_history("child-d", "KPE1")] == [1, 2]
    trail = [r for r in store.audit.trail("child-d") if r["action"] == "appraisal.saved"]
    assert [(r["actor"], r["detail"]) for r in trail] == [(TEAM, "KPE1, version 1"), (LEAD, "KPE1, version 2")]
    assert "damp" not in str(store.audit.trail("child-d"))


def test_findings_come_back_in_the_teams_order_and_a_new_key_follows_the_highest(db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    for key, order, status in (("F2", 1, "agreed"), ("F1", 2, "draft"), ("F3", 1, "dropped")):
        store.analysis.save_finding("child-d", Finding(key, f"Title {key}", "tools", ("KPE1",), order=order,
                                                       status=status), actor=LEAD)
    findings = Store(db_path).analysis.findings("child-d")
    assert [f.key for f in findings] == ["F2", "F3", "F1"]
    assert [f.key for f in shown(findings)] == ["F2", "F1"]             # a dropped finding is not shown
    assert next_key(findings) == "F4"
    assert [f.key for f in in_order([Finding("F10", "a", "tools"), Finding("F9", "b", "tools")])] == ["F9", "F10"]


def test_a_withdrawal_takes_the_practitioners_words_out_of_every_findings_evidence_and_the_finding_says_so(
        db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    evidence = (Evidence("KPE1", "Health visitor (Brackenshire Community Health)", "480 families on my caseload",
                         member=HV),
                Evidence("KPE1", "Housing officer (Brackenshire Housing)", "300 tenancies", member=HO))
    store.analysis.save_finding("child-d", Finding("F1", "Caseloads", "management", ("KPE1",), evidence), actor=LEAD)
    record(store, State("child-d", HV, stage="withdrawn"), events=["withdrawn"])
    (finding,) = Store(db_path).analysis.findings("child-d")
    assert [e.text for e in finding.evidence] == ["300 tenancies"] and finding.withdrawn == 1
    assert finding.version == 1                                       # the same finding, less their words
    every_version = str(store.analysis.finding_history("child-d", "F1"))
    assert "480 families" not in every_version                        # nothing of theirs in any version
    withdrawn = [r for r in store.audit.trail("child-d") if r["action"] == "reflection.withdrawn"]
    assert "findings: 1" in withdrawn[0]["detail"]
    assert [(r["actor"], r["detail"]) for r in store.audit.trail("child-d")
            if r["action"] == "finding.evidence_withdrawn"] == [(HV, "F1")]


def test_a_purge_deletes_the_analysis_with_the_case_groups_words(db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    store.analysis.save_appraisal("child-d", Appraisal("KPE2", what_happened="A call out."), actor=LEAD)
    store.analysis.save_finding("child-d", Finding("F1", "Calls", "incidents", ("KPE2",)), actor=LEAD)
    counts = store.retention.purge("child-d", actor="test")
    assert (counts["appraisals"], counts["findings"]) == (1, 1)
    assert store.analysis.appraisals("child-d") == {} and store.analysis.findings("child-d") == []


def test_what_cannot_be_saved_is_named_one_line_each(sample_review, prompts):
    headings = [h.name for h in prompts.headings]
    patterns = [p.key for p in prompts.digest.patterns]
    assert appraisal_problems(Appraisal("KPE1", appraisal="Fine."), sample_review, headings) == []
    assert appraisal_problems(Appraisal("KPE9", factors=("weather",)), sample_review, headings) == [
        "appraisal of KPE9: child-d has no episode 'KPE9'",
        "appraisal of KPE9: nothing written (what happened, the appraisal or the explanation)",
        "appraisal of KPE9: 'weather' is not a heading of the contributory factors framework"]
    good = Finding("F1", "Referrals go unanswered", "tools", ("KPE2",), asks=("How does the board know?",))
    assert finding_problems(good, sample_review, patterns) == []
    bad = Finding("1", " ", "luck", ("KPE2", "KPE7"), (Evidence("KPE3", "GP (Millbrook Surgery)", "x"),),
                  asks=("",), status="maybe")
    assert finding_problems(bad, sample_review, patterns) == [
        "finding 1: the key must be F and a number (F1)",
        "finding 1: it needs a title",
        "finding 1: pattern 'luck' is not in prompts/typology.toml (one of tools, management, incidents, "
        "longer_term, family, reasoning)",
        "finding 1: child-d has no episode 'KPE7'",
        "finding 1: evidence from 'KPE3', which is not one of its episodes",
        "finding 1: status must be one of draft, agreed, dropped, not 'maybe'",
        "finding 1: question or recommendation 1 is empty or longer than 3000 characters"]
