"""The factual-accuracy round trip on the real report (issue 16): the lead exports the draft with `casegroup
report`, the police's reviewer comments on it in Word (python-docx's own add_comment) on a chronology row, an
appraisal row, a finding's heading and one of its questions, the introduction and the title page, the lead imports
the file, resolves two comments, and the next draft's Appendix B lists every one with its agency, place and
resolution. Real CLI, real SQLite file; the drafts opened with python-docx and unzipped."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest

from tests.stories import submit_directly
from tests.test_digest_story import real_names
from tests.wordcomments import comment_on, runs_of, saved

SAMPLE = Path(__file__).parent / "data" / "sample-review"


@pytest.fixture
def analysed(cli, store, imported, sample_reflections, prompts, tmp_path, capsys):
    """Child D with every reflection submitted and the team's analysis imported from its file, F2 agreed: so F2 is
    "Finding 1" of the draft and F1 "Finding 2", and only the bookmarks can tell a comment's finding."""
    submit_directly(store, imported, sample_reflections, prompts)
    analysis = tmp_path / "analysis.toml"
    text = (SAMPLE / "analysis.toml").read_text()
    agreed = text.replace('status = "draft"\norder = 2', 'status = "agreed"\norder = 2')
    assert agreed != text
    analysis.write_text(agreed)
    assert cli(["analysis", "import", "child-d", str(analysis)]) == 0
    capsys.readouterr()
    return imported


def export(cli, out, *args) -> docx.Document:
    assert cli(["report", "child-d", "--out", str(out), *args]) == 0
    return docx.Document(str(out))


# (what the police's reviewer comments on, as runs_of finds it; the comment; where it must land)
POLICE = [
    (dict(words="999", table_row="KPE2", column=3),
     "The call came at 01:05, not 01:15. Kirsty Ashby rang first.", ("2 The case in brief", "KPE2", "")),
    (dict(words="Within the service's timescales", table_row="KPE3", column=2),
     "Our officer did share the report with the front door.", ("3 Appraisal of practice", "KPE3", "")),
    (dict(words="Finding 1: Health records follow a family weeks late", style="Heading 2"),
     "The title overstates it: Craig's records were sent on time.", ("4 Findings", "", "F2")),
    (dict(words="Finding 1: Health records follow a family weeks late"),   # its line in the contents
     "Could the contents give the page numbers?", ("Contents", "", "")),
    (dict(words="Who owns the closure checklist"),
     "We'd word the question for all agencies.", ("4 Findings", "", "F1")),
    (dict(words="admitted to hospital with a burn"),
     "Please give the date of the referral.", ("1 Introduction", "", "")),
    (dict(words="Child D"),
     "Our agency's name is missing from the title page.", ("Title page", "", "")),
]


def police_comment_on(document) -> None:
    for at, text, _ in POLICE:
        comment_on(document, runs_of(document, **at), text, author="Jo Tait", initials="JT")


def hits(data: bytes, names: set[str]) -> dict[str, set[str]]:
    """Each XML part of a .docx -> the real names found in it."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for part in package.namelist():
            if part.endswith((".xml", ".rels")):
                text = package.read(part).decode("utf-8")
                found[part] = {n for n in names if re.search(rf"\b{re.escape(n)}\b", text, re.IGNORECASE)}
    return found


def test_comments_written_on_the_real_draft_land_in_place_are_resolved_and_appear_in_the_next_draft(
        cli, analysed, store, sample_review, tmp_path, capsys):
    draft = export(cli, tmp_path / "draft.docx")
    police_comment_on(draft)
    commented = saved(draft)
    (tmp_path / "police-comments.docx").write_bytes(commented)

    assert cli(["report", "comments", "import", "child-d", "police-comments.docx",
                "--from", "Brackenshire police"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Imported 7 comments from Brackenshire Police into `child-d`: 1 in 2 The case in brief, "
                           "KPE2; 1 in 3 Appraisal of practice, KPE3; 1 in 4 Findings, F2; 1 in Contents; "
                           "1 in 4 Findings, F1; 1 in 1 Introduction; 1 in Title page."), said
    stored = store.accuracy.comments("child-d")
    assert {c.text: (c.section, c.episode, c.finding) for c in stored} == {text: place for _, text, place in POLICE}
    anchors = {c.text[:12]: c.anchor for c in stored}
    assert anchors["The call cam"].startswith("A neighbour rang 999")
    assert anchors["The title ov"] == "Finding 1: Health records follow a family weeks late"
    assert anchors["We'd word th"] == "Who owns the closure checklist, and when was it last reviewed?"
    assert anchors["Our agency's"] == "Child D"
    assert {(c.agency, c.initials) for c in stored} == {("Brackenshire Police", "JT")}

    # The list, in the report's order: the title page and the contents before the sections.
    assert cli(["report", "comments", "list", "child-d"]) == 0
    listing = capsys.readouterr().out
    assert listing.index("\nTitle page\n") < listing.index("\nContents\n") < listing.index("\n1 Introduction\n") < \
        listing.index("\n4 Findings, F1\n") < listing.index("\n4 Findings, F2\n")
    assert "Kirsty" not in listing and "Mother rang first" in listing

    ids = {c.text[:12]: c.id for c in stored}
    assert cli(["report", "comments", "resolve", "child-d", str(ids["The call cam"]), "accepted"]) == 0
    assert cli(["report", "comments", "resolve", "child-d", str(ids["The title ov"]), "not-accepted",
                "Ms Ashby's records reached Wrenmouth five weeks after the move."]) == 0
    capsys.readouterr()

    next_draft = export(cli, tmp_path / "next.docx")
    appendix = next_draft.tables[-1]
    assert [c.text for c in appendix.rows[0].cells] == ["No.", "Agency", "Section", "Comment", "Resolution"]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in appendix.rows[1:]}
    # In the report's order, as `casegroup report comments list` gives them: the title page first, the findings by key.
    assert [r.cells[2].text for r in appendix.rows[1:]] == [
        "Title page", "Contents", "1 Introduction", "2 The case in brief, KPE2", "3 Appraisal of practice, KPE3",
        "4 Findings, Finding 2 (F1)", "4 Findings, Finding 1 (F2)"]
    assert len(rows) == 7 and {r[1] for r in rows.values()} == {"Brackenshire Police"}
    call, title = rows[str(ids["The call cam"])], rows[str(ids["The title ov"])]
    assert call[2] == "2 The case in brief, KPE2" and call[4] == "Accepted, text changed"
    assert call[3].startswith("The call came at 01:05, not 01:15. Mother rang first.\nOn: “A neighbour rang 999")
    assert title[2] == "4 Findings, Finding 1 (F2)"
    assert title[3].startswith("The title overstates it: Mother's partner's records were sent on time.")
    assert title[4] == "Not accepted: Mother's records reached Wrenmouth five weeks after the move."
    assert rows[str(ids["We'd word th"])][2] == "4 Findings, Finding 2 (F1)"
    assert rows[str(ids["Our agency's"])][2] == "Title page"
    assert rows[str(ids["Could the co"])][2] == "Contents"
    places = {row[2] for row in rows.values()}
    assert {"1 Introduction", "3 Appraisal of practice, KPE3"} <= places
    # The Introduction's comment is anchored on its whole first paragraph: Appendix B quotes only its start.
    [introduction] = [row for row in rows.values() if row[2] == "1 Introduction"]
    quoted = introduction[3].split("\nOn: “", 1)[1]
    assert quoted.startswith("Child D, aged two") and quoted.endswith("…”") and len(quoted) <= 122
    opened = [row for row in rows.values() if row[4] == "Open: not yet resolved"]
    assert len(opened) == 5

    # No real name anywhere the report wrote: the draft the agency received, what its comments were anchored on,
    # and every part of the next draft. The agency's own words may name the family (its comments part does, as
    # typed); Appendix B gives them through the review's pseudonyms.
    names = real_names(sample_review)
    sent_back = hits(commented, names)
    assert sent_back.pop("word/comments.xml") == {"Kirsty", "Ashby", "Craig"}
    assert not any(sent_back.values()), sent_back
    assert not any(hits((tmp_path / "next.docx").read_bytes(), names).values())


def board_template(path: Path) -> Path:
    """A board's house template as a Word user leaves it: its heading styles under ids of Word in another language
    (the names stay "heading 1", the ids don't), a body, a header, and a comment someone left on it."""
    template = docx.Document()
    template.styles["Heading 1"].style_id = "berschrift1"
    template.styles["Heading 2"].style_id = "berschrift2"
    template.styles["Heading 1"].font.name = "Georgia"
    template.sections[0].header.paragraphs[0].text = "Brackenshire SCP: house style"
    logo = template.add_paragraph("Put the partnership's logo here")
    template.add_comment(logo.runs, text="Jo Bloggs: use the new logo", author="Jo Bloggs", initials="JB")
    template.core_properties.author = "Jo Bloggs"
    template.save(str(path))
    return path


def test_a_draft_in_the_board_s_template_takes_each_comment_back_to_its_place(cli, analysed, store, tmp_path,
                                                                              capsys):
    template = board_template(tmp_path / "board.docx")
    draft = export(cli, tmp_path / "draft.docx", "--template", str(template))
    assert {p.style.style_id for p in draft.paragraphs if p.style.name == "Heading 1"} == {"berschrift1"}
    assert "Brackenshire SCP: house style" in draft.sections[0].header.paragraphs[0].text
    # The template's own comment (and its author) is not the draft's: the agencies get a draft with none.
    assert list(draft.comments) == []
    assert not any(hits((tmp_path / "draft.docx").read_bytes(), {"Bloggs", "logo"}).values())
    police_comment_on(draft)
    (tmp_path / "police.docx").write_bytes(saved(draft))
    assert cli(["report", "comments", "import", "child-d", "police.docx", "--from", "Brackenshire Police"]) == 0
    assert capsys.readouterr().out.startswith("Imported 7 comments from Brackenshire Police")
    assert {c.text: (c.section, c.episode, c.finding) for c in store.accuracy.comments("child-d")} == {
        text: place for _, text, place in POLICE}


def test_a_comment_on_a_point_with_no_range_is_placed_by_its_reference(cli, analysed, store, tmp_path, capsys):
    """Some editors write a comment on a point, with only its reference mark and no range: it is placed where the
    mark is, with no anchor text."""
    from docx.oxml.ns import qn
    draft = export(cli, tmp_path / "draft.docx")
    comment_on(draft, runs_of(draft, "Within the service's timescales", table_row="KPE3", column=2),
               "This was within timescales only on paper.")
    for tag in ("w:commentRangeStart", "w:commentRangeEnd"):
        for mark in list(draft.element.body.iter(qn(tag))):
            mark.getparent().remove(mark)
    (tmp_path / "point.docx").write_bytes(saved(draft))
    assert cli(["report", "comments", "import", "child-d", "point.docx", "--from", "Brackenshire Police"]) == 0
    assert "1 in 3 Appraisal of practice, KPE3" in capsys.readouterr().out
    [comment] = store.accuracy.comments("child-d")
    assert (comment.section, comment.episode, comment.anchor) == ("3 Appraisal of practice", "KPE3", "")
