"""The analysis file (issue 15, item 3): a review team that drafts in an editor exports its appraisals and
findings with `casegroup analysis export`, edits them and imports them back with `casegroup analysis import`.
What changed becomes a new version and nothing else does; the same file twice changes nothing; a file with a
mistake is refused whole with one line naming the file, the entry and the problem. And the review file's
`[review] asks`: a review's findings end with questions for the board, or recommendations.

Real `casegroup` processes on real SQLite files. The file the story imports is
tests/data/sample-review/analysis.toml."""
from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import tomllib

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from bot.core.analysis import Appraisal, Evidence, Finding
from bot.core.analysis_file import analysis_from, analysis_toml
from bot.core.conversation import State
from storage import Store
from storage.database import Database
from storage.migrations import MIGRATIONS, migrate
from tests.conftest import SAMPLE
from tests.processes import casegroup_env, run_casegroup
from tests.stories import record

ANALYSIS = SAMPLE / "analysis.toml"
PC, SW = "U0PC0001", "U0SW0001"
# The case group's words, as the team chose them in Slack for finding F1 (the modal keeps who wrote each).
EVIDENCE = (Evidence("KPE2", "Response police officer (Brackenshire Police)",
                     "DASH form filled in on the doorstep at 2am", member=PC, group="tools"),
            Evidence("KPE3", "Social worker (Brackenshire Children's Social Care)", "the closure checklist",
                     member=SW, group="tools"))


def casegroup(db, *args):
    return run_casegroup(*args, "--db", str(db), cwd=db.parent, env=casegroup_env())


def versions(db) -> dict[str, int]:
    """Every appraisal's and finding's latest version, as the database holds them."""
    store = Store(db)
    return ({f"appraisal of {e}": a.version for e, a in store.analysis.appraisals("child-d").items()}
            | {f"finding {f.key}": f.version for f in store.analysis.findings("child-d")})


def with_review(db, review_file=SAMPLE / "review.toml"):
    result = casegroup(db, "review", "import", str(review_file))
    assert result.returncode == 0, result.stderr


def test_a_round_trip_export_edit_import_moves_versions_only_for_what_changed_and_twice_changes_nothing(tmp_path):
    db = tmp_path / "c.db"
    with_review(db)
    first = casegroup(db, "analysis", "import", "child-d", str(ANALYSIS))
    assert first.returncode == 0, first.stderr
    assert "finding F2 (version 1) saved as new versions" in first.stdout
    assert versions(db) == {"appraisal of KPE2": 1, "appraisal of KPE3": 1, "finding F1": 1, "finding F2": 1}
    store = Store(db)
    f1 = store.analysis.finding("child-d", "F1")
    store.analysis.save_finding("child-d", dataclasses.replace(f1, evidence=EVIDENCE), actor="U0LEAD01")

    out = tmp_path / "analysis.toml"
    exported = casegroup(db, "analysis", "export", "child-d", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "appraisal of KPE2, appraisal of KPE3, finding F1, finding F2" in exported.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_text()
    assert text.startswith("# The review team's analysis of Child D (child-d)") and "holds case material" in text
    assert "[[findings.evidence]]" in text and PC not in text and SW not in text    # never a Slack ID
    written = tomllib.loads(text)
    assert written["appraisals"][0]["what_happened"] == store.analysis.appraisals("child-d")["KPE2"].what_happened
    assert [e["who"] for e in written["findings"][0]["evidence"]] == [e.who for e in EVIDENCE]
    assert written["findings"][0]["questions"][1] == "Who owns the closure checklist, and when was it last reviewed?"

    edited = text.replace('title = "Health records follow a family weeks late"',
                          'title = "Health records follow a family out of area weeks late"')
    edited = edited.replace("a police report that arrived a week late", "a police report that came a week late")
    assert edited.count("out of area weeks late") == 1 and "came a week late" in edited
    out.write_text(edited)
    trail = len(store.audit.trail("child-d"))
    applied = casegroup(db, "analysis", "import", "child-d", str(out))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip() == (f"Applied {out} to 'child-d': appraisal of KPE3 (version 2), finding F2 "
                                      "(version 2) saved as new versions; unchanged: appraisal of KPE2, finding F1.")
    assert versions(db) == {"appraisal of KPE2": 1, "appraisal of KPE3": 2, "finding F1": 2, "finding F2": 2}
    assert Store(db).analysis.finding("child-d", "F1").evidence == EVIDENCE       # its authors kept, to withdraw
    assert [(r["actor"], r["action"], r["detail"]) for r in Store(db).audit.trail("child-d")[trail:]] == [
        ("cli", "appraisal.saved", "KPE3, version 2"), ("cli", "finding.saved", "F2, version 2, draft")]

    again = casegroup(db, "analysis", "import", "child-d", str(out))
    assert again.returncode == 0 and again.stdout.startswith(f"Nothing changed: {out} says what 'child-d' already")
    assert versions(db) == {"appraisal of KPE2": 1, "appraisal of KPE3": 2, "finding F1": 2, "finding F2": 2}
    assert len(Store(db).audit.trail("child-d")) == trail + 2


def test_evidence_can_be_kept_or_taken_out_in_the_file_never_added_and_a_withdrawn_practitioners_words_stay_out(
        tmp_path):
    db = tmp_path / "c.db"
    with_review(db)
    store = Store(db)
    store.analysis.save_finding("child-d", Finding("F1", "Forms", "tools", ("KPE2", "KPE3"), EVIDENCE), actor="test")
    out = tmp_path / "analysis.toml"
    assert casegroup(db, "analysis", "export", "child-d", "--out", str(out)).returncode == 0
    before = out.read_text()

    record(store, State("child-d", PC, stage="withdrawn"), events=["withdrawn"])      # the officer withdraws
    assert [e.member for e in Store(db).analysis.finding("child-d", "F1").evidence] == [SW]
    refused = casegroup(db, "analysis", "import", "child-d", str(out))                  # the file from before
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"casegroup: {out}: finding F1, evidence 1: not one of the finding's evidence as stored: evidence is the "
        "case group's words, chosen in Slack; the file can keep or remove it, not add or change it")
    assert [e.member for e in Store(db).analysis.finding("child-d", "F1").evidence] == [SW]

    start = before.index("[[findings.evidence]]")
    out.write_text(before[:start] + before[before.index("[[findings.evidence]]", start + 1):])   # keep the second
    assert casegroup(db, "analysis", "import", "child-d", str(out)).returncode == 0
    assert versions(db) == {"finding F1": 1}             # what the withdrawal left is what the file says


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A database with the sample review and the analysis file imported: each bad file is tried on a copy."""
    db = tmp_path_factory.mktemp("analysed") / "c.db"
    with_review(db)
    assert casegroup(db, "analysis", "import", "child-d", str(ANALYSIS)).returncode == 0
    return db


GOOD_CHANGE = ('explanation = "Two cars for the division that night',
               'explanation = "Only two cars for the division that night')


@pytest.mark.parametrize("old, new, expected", [
    ('episodes = ["KPE2", "KPE3"]', 'episodes = ["KPE2", "KPE9"]', "finding F1: child-d has no episode 'KPE9'"),
    ('episode = "KPE3"', 'episode = "KPE7"', "appraisal of KPE7: child-d has no episode 'KPE7'"),
    ('pattern = "management"', 'pattern = "managment"',
     "finding F2: pattern 'managment' is not in prompts/typology.toml (one of tools, management, incidents, "
     "longer_term, family, reasoning)"),
    ('title = "Forms ask', 'titel = "Forms ask',
     "finding F1: unknown field 'titel' (the fields are key, title, pattern, episodes, in_this_case, "
     "how_widespread, why_it_matters, questions, recommendations, status, order, evidence)"),
    ('status = "draft"\norder = 2', 'status = "agred"\norder = 2',
     "finding F2: status must be one of draft, agreed, dropped, not 'agred'"),
    ('factors = ["conditions of work", "practitioner', 'factors = ["conditions of wrk", "practitioner',
     "appraisal of KPE2: 'conditions of wrk' is not a heading of the contributory factors framework"),
    ('[[findings]]\nkey = "F2"', '[[findings]]\nkey = "F1"', "finding F1: it is in the file twice"),
    ('review = "child-d"', 'review = "child-e"', "review: the file is the analysis of 'child-e', not of 'child-d'"),
    ('[[findings]]\nkey = "F1"', '[finding]\nkey = "F1"',
     "'finding': not part of an analysis file (it has review, [[appraisals]] and [[findings]])"),
    ('order = 1', 'order = "first"', "finding F1: order must be a whole number from 0 to 10000"),
    ('status = "draft"\norder = 2', 'status = "draft"\norder = 2\n[[findings.evidence]]\nepisode = "KPE5"\nwho = ["GP"]',
     "finding F2, evidence 1: episode, who, text, group must be texts"),
    ('[[appraisals]]\nepisode = "KPE2"', '[[appraisals\nepisode = "KPE2"', "not valid TOML: "),
])
def test_a_bad_analysis_file_gets_one_line_naming_the_file_the_entry_and_the_problem_and_nothing_is_applied(
        analysed, tmp_path, old, new, expected):
    db = tmp_path / "c.db"
    shutil.copy(analysed, db)
    text = ANALYSIS.read_text().replace(*GOOD_CHANGE)           # a good change too, which must not be applied
    assert text.count(old) == 1
    bad = tmp_path / "analysis.toml"
    bad.write_text(text.replace(old, new))
    trail = len(Store(db).audit.trail("child-d"))
    result = casegroup(db, "analysis", "import", "child-d", str(bad))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"casegroup: {bad}: {expected}"), result.stderr
    assert versions(db) == {"appraisal of KPE2": 1, "appraisal of KPE3": 1, "finding F1": 1, "finding F2": 1}
    assert "Two cars" in Store(db).analysis.appraisals("child-d")["KPE2"].explanation
    assert len(Store(db).audit.trail("child-d")) == trail


def test_questions_in_a_review_that_asks_for_recommendations_are_refused_and_nothing_is_applied(tmp_path):
    db = tmp_path / "c.db"
    review_file = tmp_path / "review.toml"
    review_file.write_text((SAMPLE / "review.toml").read_text().replace(
        'model = "full"', 'model = "full"\nasks = "recommendations"'))
    with_review(db, review_file)
    result = casegroup(db, "analysis", "import", "child-d", str(ANALYSIS))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"casegroup: {ANALYSIS}: finding F1: child-d asks for recommendations ([review] asks = 'recommendations' "
        "in its review file): write recommendations = [...], not questions",
        f"{ANALYSIS}: finding F2: child-d asks for recommendations ([review] asks = 'recommendations' in its "
        "review file): write recommendations = [...], not questions"]
    assert versions(db) == {}                                   # not even the two good appraisals

    recommending = tmp_path / "analysis.toml"
    recommending.write_text(ANALYSIS.read_text().replace("questions = [", "recommendations = ["))
    assert casegroup(db, "analysis", "import", "child-d", str(recommending)).returncode == 0
    out = tmp_path / "out.toml"
    assert casegroup(db, "analysis", "export", "child-d", "--out", str(out)).returncode == 0
    written = tomllib.loads(out.read_text())
    assert "questions" not in written["findings"][0] and len(written["findings"][0]["recommendations"]) == 2
    assert "Findings end with\n# recommendations = [...]" in out.read_text()


def test_the_review_file_says_whether_findings_end_with_questions_or_recommendations(tmp_path):
    db = tmp_path / "c.db"
    review_file = tmp_path / "review.toml"
    sample = (SAMPLE / "review.toml").read_text()
    with_review(db)
    assert Store(db).reviews.get("child-d").asks == "questions"                  # the default
    review_file.write_text(sample.replace('model = "full"', 'model = "full"\nasks = "recommendations"'))
    with_review(db, review_file)
    assert Store(db).reviews.get("child-d").asks == "recommendations"            # a re-import changes it
    review_file.write_text(sample.replace('model = "full"', 'model = "full"\nasks = "advice"'))
    refused = casegroup(db, "review", "import", str(review_file))
    assert refused.returncode == 2 and refused.stderr.strip() == (
        f"casegroup: {review_file}: [review]: asks must be \"questions\" (for the board, the default) or "
        "\"recommendations\", not 'advice'")
    assert Store(db).reviews.get("child-d").asks == "recommendations"


def test_a_database_from_before_asks_is_upgraded_and_its_reviews_ask_questions(tmp_path, sample_review):
    path = tmp_path / "old.db"
    assert migrate(Database(path), steps=MIGRATIONS[:8]) == list(range(1, 9))
    older = Database(path)
    with older.transaction() as tx:
        tx.db["reviews"].insert({"key": "child-d", "title": "Child D", "kind": "children", "board": "B",
                                 "stage": "conversations", "created_at": tx.now, "updated_at": tx.now})
    assert Store(path).reviews.get("child-d").asks == "questions"


def test_a_closed_review_takes_no_analysis_file(tmp_path):
    db = tmp_path / "c.db"
    with_review(db)
    Store(db).reviews.set_stage("child-d", "closed", actor="test")
    result = casegroup(db, "analysis", "import", "child-d", str(ANALYSIS))
    assert result.returncode == 2 and "closed review is read-only: nothing was applied" in result.stderr
    assert versions(db) == {}


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=200) | st.sampled_from(
    ['He said "no" \\ then \'left\'', "line one\nline two\n", "a\r\nb", "trailing quote\"", '"""', "\t\x00\x7f",
     "Agnès — 👶 «seen»", "ends in a backslash \\"])


@hypothesis_settings(max_examples=150, deadline=None)
@given(what=texts, why=texts, ask=texts.filter(str.strip), title=texts.map(lambda t: t[:150]).filter(str.strip))
def test_any_text_the_team_writes_comes_back_from_the_file_as_it_was(what, why, ask, title, sample_review, prompts):
    appraisal = Appraisal("KPE2", what_happened=what, appraisal="Reasonable.", explanation=why)
    finding = Finding("F1", title, "tools", ("KPE2",), in_this_case=what, why_it_matters=why, asks=(ask,),
                      order=1)
    data = tomllib.loads(analysis_toml(sample_review, [appraisal], [finding]))
    appraisals, findings = analysis_from(data, sample_review, [h.name for h in prompts.headings],
                                         [p.key for p in prompts.digest.patterns], [])
    assert [a.content() for a in appraisals] == [appraisal.content()]
    assert [f.content() for f in findings] == [finding.content()]
