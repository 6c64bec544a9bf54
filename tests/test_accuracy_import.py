"""Factual-accuracy comments brought back in from the command line (issue 16): an agency comments on the draft in
Word (python-docx's own add_comment), a lead imports the file with `casegroup report comments import`, each comment
lands in its section, episode row or finding, is listed, and is resolved. Bad files get one line and store nothing.
Real SQLite files; the draft is the real report, exported with `casegroup report` (tests/test_report_roundtrip.py
takes it through to the next draft)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from bot.cli import main
from tests.wordcomments import comment_on, runs_of, saved

ANALYSIS = Path(__file__).parent / "data" / "sample-review" / "analysis.toml"
ADULTS = Path(__file__).parent / "data" / "adults-review" / "review.toml"


@pytest.fixture
def analysed(cli, imported, capsys):
    """Child D with the team's analysis imported from its file: two draft findings, two episodes appraised."""
    assert cli(["analysis", "import", "child-d", str(ANALYSIS)]) == 0
    capsys.readouterr()
    return imported


def exported(review_key="child-d") -> docx.Document:
    """The draft report, as a lead exports it to send to the agencies (in the test's folder)."""
    out = Path(f"{review_key}-draft.docx")
    if not out.exists():
        assert main(["report", review_key, "--out", str(out)]) == 0
    return docx.Document(str(out))


def police_comments(tmp_path):
    """The police's reviewer comments on the draft in Word: on episode rows, on findings, on the introduction."""
    document = exported()
    comment_on(document, runs_of(document, "999", table_row="KPE2", column=3),
               "The call came at 01:05, not 01:15. Kirsty Ashby rang first.", author="Jo Tait", initials="JT")
    comment_on(document, runs_of(document, "Within the service's timescales", table_row="KPE3", column=2),
               "Our officer did share the report.", author="Jo Tait", initials="JT")
    comment_on(document, runs_of(document, "What does the board expect when a family"),
               "We'd word the question for all agencies.", author="Sam Okafor", initials="SO")
    comment_on(document, runs_of(document, "Finding 1: Forms ask about the adults", style="Heading 2"),
               "The title overstates it.", author="Jo Tait", initials="JT")
    comment_on(document, runs_of(document, "admitted to hospital with a burn"), "Please give the date of the referral.",
               author="Jo Tait", initials="JT")
    path = tmp_path / "police-comments.docx"
    path.write_bytes(saved(document))
    return path


def test_an_agencys_comments_land_where_they_were_written_and_are_resolved(cli, tmp_path, store, analysed, capsys):
    path = police_comments(tmp_path)
    assert cli(["report", "comments", "import", "child-d", str(path), "--from", "brackenshire police"]) == 0
    said = capsys.readouterr().out
    stored = {c.text[:20]: c for c in store.accuracy.comments("child-d")}
    assert [(c.section, c.episode, c.finding, c.initials, c.agency) for c in stored.values()] == [
        ("2 The case in brief", "KPE2", "", "JT", "Brackenshire Police"),
        ("3 Appraisal of practice", "KPE3", "", "JT", "Brackenshire Police"),
        ("4 Findings", "", "F2", "SO", "Brackenshire Police"),
        ("4 Findings", "", "F1", "JT", "Brackenshire Police"),
        ("1 Introduction", "", "", "JT", "Brackenshire Police")]
    assert stored["The call came at 01:"].anchor.startswith("A neighbour rang 999")
    assert stored["The title overstates"].anchor == "Finding 1: Forms ask about the adults, not the child"
    assert all(c.written_at.endswith("Z") and c.open for c in stored.values())
    # Word's w:author is a person's name: it is kept nowhere, only the initials.
    raw = "\n".join(str(row) for row in store.db.execute("select * from accuracy_comments"))
    assert "Jo Tait" not in raw and "Sam Okafor" not in raw
    assert "1 in 2 The case in brief, KPE2" in said and "1 in 4 Findings, F2" in said and "1 in 4 Findings, F1" in said
    assert "1 in 1 Introduction" in said and "isn't one of the case group's agencies" not in said

    # The list: by section, in the report's order, the family's names through their labels.
    assert cli(["report", "comments", "list", "child-d"]) == 0
    listing = capsys.readouterr().out
    assert listing.index("1 Introduction") < listing.index("2 The case in brief, KPE2") < listing.index(
        "4 Findings, F1") < listing.index("4 Findings, F2")
    assert "Kirsty" not in listing and "Mother rang first" in listing
    assert "5 open of 5" in listing and "1. Brackenshire Police (JT) · open · on “A neighbour rang 999" in listing

    ids = {c.text[:20]: c.id for c in store.accuracy.comments("child-d")}
    assert cli(["report", "comments", "resolve", "child-d", str(ids["The call came at 01:"]), "accepted"]) == 0
    assert "is now accepted, text changed" in capsys.readouterr().out
    # Not accepted needs a reason: without one, nothing changes and the lead is told why.
    assert cli(["report", "comments", "resolve", "child-d", str(ids["The title overstates"]), "not-accepted"]) == 2
    assert "Say why it is not accepted" in capsys.readouterr().err
    assert store.accuracy.comment("child-d", ids["The title overstates"]).open
    assert cli(["report", "comments", "resolve", "child-d", str(ids["The title overstates"]), "not-accepted",
                "The appraisal supports the title."]) == 0
    capsys.readouterr()
    resolved = {c.id: c for c in store.accuracy.comments("child-d")}
    assert (resolved[ids["The call came at 01:"]].status, resolved[ids["The title overstates"]].status,
            resolved[ids["The title overstates"]].reason) == ("accepted", "not-accepted",
                                                                "The appraisal supports the title.")
    assert store.accuracy.open_count("child-d") == 3
    assert cli(["report", "comments", "resolve", "child-d", "99", "accepted"]) == 2
    assert "`child-d` has no comment 99" in capsys.readouterr().err
    assert cli(["report", "comments", "resolve", "child-d", "two", "accepted"]) == 2
    assert "a comment's ID is its number" in capsys.readouterr().err
    trail = [(a["action"], a["actor"]) for a in store.audit.trail("child-d") if a["action"].startswith("accuracy.")]
    assert trail == [("accuracy.imported", "cli"), ("accuracy.resolved", "cli"), ("accuracy.resolved", "cli")]


def test_the_same_file_twice_adds_nothing_and_another_agencys_name_is_kept_with_a_note(cli, tmp_path, store,
                                                                                     analysed, capsys):
    path = police_comments(tmp_path)
    assert cli(["report", "comments", "import", "child-d", str(path), "--from", "Brackenshire Police"]) == 0
    capsys.readouterr()
    assert cli(["report", "comments", "import", "child-d", str(path), "--from", "BRACKENSHIRE  police"]) == 0
    assert capsys.readouterr().out.startswith("Nothing new: the 5 comments in police-comments.docx from "
                                              "Brackenshire Police had been imported into `child-d` before.")
    assert len(store.accuracy.comments("child-d")) == 5
    # The board's own communications team checks the draft too: its comments are kept, under its name.
    assert cli(["report", "comments", "import", "child-d", str(path), "--from", "Partnership comms team"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Imported 5 comments from Partnership comms team")
    assert "Partnership comms team isn't one of the case group's agencies (Brackenshire Children's Social Care, " \
           "Brackenshire Community Health, Brackenshire Housing, Brackenshire Police, Hollybush Day Nursery, " \
           "Millbrook Surgery), so the comments are kept under the name as given." in said
    assert len(store.accuracy.comments("child-d")) == 10


def _zip_without_word(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")


def _other_review():
    """Adult G's real draft, from the same database: a lead who sends one review's comments to another."""
    assert main(["review", "import", str(ADULTS)]) == 0
    return exported("adult-g")


BAD_FILES = [  # (how the file is made, the one line said)
    ("empty", lambda path: path.write_bytes(b""), "empty.docx is empty, so there is nothing to import."),
    ("text", lambda path: path.write_bytes(b"Dear team, our comments are below..."),
     "text.docx isn't a Word document (.docx)"),
    ("zip", lambda path: _zip_without_word(path), "zip.docx isn't a Word document (.docx)"),
    ("other-review", lambda path: path.write_bytes(saved(_commented(_other_review()))),
     "other-review.docx isn't a draft report of `child-d`"),
    ("not-ours", lambda path: path.write_bytes(saved(_commented(_plain_word()))),
     "not-ours.docx isn't a draft report of `child-d`"),
    ("no-comments", lambda path: path.write_bytes(saved(exported())),
     "no-comments.docx has no comments in it, so there is nothing to import."),
]


def _commented(document):
    comment_on(document, runs_of(document, "Why this case was reviewed"), "A comment.")
    return document


def _plain_word():
    from docx import Document
    document = Document()
    document.add_paragraph("Why this case was reviewed")
    return document


@pytest.mark.parametrize("name, make, said", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_gets_one_clear_line_and_nothing_is_stored(name, make, said, cli, tmp_path, store, imported,
                                                             capsys):
    path = tmp_path / f"{name}.docx"
    make(path)
    capsys.readouterr()   # what making the file said (the real draft, exported)
    assert cli(["report", "comments", "import", "child-d", str(path), "--from", "Brackenshire Police"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"casegroup: {said}") and err.rstrip().endswith("Nothing was stored.")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert store.accuracy.comments("child-d") == []
    assert not [a for a in store.audit.trail("child-d") if a["action"].startswith("accuracy.")]


def test_a_missing_file_an_unknown_review_and_a_closed_review_are_said(cli, tmp_path, store, analysed, capsys):
    assert cli(["report", "comments", "import", "child-d", str(tmp_path / "gone.docx"), "--from", "Police"]) == 2
    assert "can't read" in capsys.readouterr().err
    assert cli(["report", "comments", "import", "nope", str(tmp_path / "gone.docx"), "--from", "Police"]) == 2
    assert "there is no review with the key 'nope'" in capsys.readouterr().err
    assert cli(["report", "comments", "list", "child-d"]) == 0
    assert capsys.readouterr().out.startswith("No factual-accuracy comments on `child-d` yet.")
    store.db.execute("update reviews set stage = 'closed' where key = 'child-d'")
    store.db.conn.commit()
    assert cli(["report", "comments", "import", "child-d", str(police_comments(tmp_path)), "--from", "Police"]) == 2
    assert "`child-d` is closed, and a closed review is read-only" in capsys.readouterr().err
    assert store.accuracy.comments("child-d") == []


def test_the_commands_have_help(cli, capsys):
    for args in (["report", "comments", "--help"], ["report", "comments", "import", "--help"],
                 ["report", "comments", "resolve", "--help"], ["report", "comments", "list", "--help"]):
        with pytest.raises(SystemExit) as done:
            cli(args)
        assert done.value.code == 0
        assert "usage: casegroup report comments" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli(["report", "--help"])   # the report's own help points to its comments
    assert "`casegroup report comments --help`" in " ".join(capsys.readouterr().out.split())


def test_the_benchs_two_hundred_comments_on_the_real_draft_are_each_placed_and_stored(cli, store, analysed, prompts):
    """What bench/run.py times (its row 8, on the bench's 60-episode review), checked for what it does, not how fast:
    200 comments on the real draft, read from one file, each placed in a section and stored once."""
    from bench.accuracy_comments import import_200
    import_200(store, analysed, prompts)
    comments = store.accuracy.comments("child-d")
    assert len(comments) == 200 and len({c.fingerprint for c in comments}) == 200
    assert all(c.section for c in comments)
