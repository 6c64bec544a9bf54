"""The report (issue 16, part 1): `casegroup report KEY` writes an editable Word draft in the shape of a Learning
Together report, from the Child D review with its reflections submitted, the team's analysis imported from its
file, a finding with a family name typed in it, and an agency's factual-accuracy comment. The .docx is opened with
python-docx and unzipped; Markdown and HTML are read as text."""
from __future__ import annotations

import io
import os
import re
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from bot.cli import REPORT_SUBPARSERS, main
from bot.core.accuracy import AccuracyComment
from bot.core.analysis import Evidence, Finding
from tests.stories import submit_directly
from tests.test_digest_story import real_names

SAMPLE = "tests/data/sample-review"
POLICE = "Response police officer (Brackenshire Police)"


@pytest.fixture
def analysed(store, imported, sample_reflections, prompts, db_path, capsys):
    submit_directly(store, imported, sample_reflections, prompts)
    assert main(["analysis", "import", "child-d", f"{SAMPLE}/analysis.toml", "--db", str(db_path)]) == 0
    # A third finding, agreed, with a family name typed in it and a quote: agreed findings come first.
    store.analysis.save_finding("child-d", Finding(
        "F3", "Kirsty Ashby's calls went to a queue nobody owned", "tools", ("KPE2",),
        (Evidence("KPE2", POLICE, "Craig had gone by the time we got there", member="U0PC0001"),),
        in_this_case="Kirsty rang three times.", how_widespread="Every locality.", why_it_matters="Worry goes unheard.",
        asks=("Who owns a queued call?", "How would a manager see Lennon's three calls as one worry?"),
        status="agreed", order=0), actor="U0LEAD01")
    store.analysis.save_finding("child-d", Finding("F4", "Set aside", "tools", ("KPE3",), status="dropped"),
                                actor="U0LEAD01")
    store.accuracy.add("child-d", [
        AccuracyComment("Brackenshire Police", "JT", "Kirsty Ashby rang at 01:15, not 01:50.", anchor="rang 999",
                        section="2 The case in brief", episode="KPE2"),
        AccuracyComment("Brackenshire Housing", "AB", "The move was on 6 October.", section="4 Findings",
                        finding="F2")], actor="U0LEAD01")
    store.accuracy.resolve("child-d", 2, "accepted", "Date corrected.", actor="U0LEAD01")
    capsys.readouterr()
    return imported


def write_report(db_path, tmp_path, *args) -> tuple[int, str]:
    out = tmp_path / "child-d.docx"
    code = main(["report", "child-d", "--db", str(db_path), "--out", str(out), *args])
    return code, out


def test_the_word_draft_has_every_section_finding_and_question_in_word_s_own_structures(
        analysed, db_path, tmp_path, capsys):
    code, out = write_report(db_path, tmp_path)
    assert code == 0 and "Wrote the draft report of 'child-d' (docx, 3 findings)" in capsys.readouterr().err
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    document = docx.Document(str(out))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    ones = [text for style, text in headings if style == "Heading 1"]
    assert ones == ["1 Introduction", "2 The case in brief", "3 Appraisal of practice", "4 Findings",
                    "Appendix A: The case group", "Appendix B: Factual accuracy",
                    "Appendix C: The case group's feedback"]
    twos = [text for style, text in headings if style == "Heading 2"]
    # Agreed first (F3), then the file's drafts in the team's order (F1, F2); the dropped F4 left out.
    findings = [t for t in twos if t.startswith("Finding")]
    assert findings == ["Finding 1: Mother's calls went to a queue nobody owned",
                        "Finding 2: Forms ask about the adults, not the child",
                        "Finding 3: Health records follow a family weeks late"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "CONFIDENTIAL DRAFT: not for circulation" in text and "Draft, " in text
    assert "Brackenshire Safeguarding Children Partnership" in text and "Child Safeguarding Practice Review" in text
    assert "admitted to hospital with a burn" in text            # the review file's reason
    assert "Learning Together model" in text                     # the method paragraph
    assert "7 of 7 case group members gave a reflection, from 6 agencies." in text
    assert "In KPE4, 1 account came only from what was learned later" in text   # a limitation from the data
    assert "Who owns a queued call?" in text and "How would a manager see Child D's three calls as one worry?" in text
    assert ("“Mother's partner had gone by the time we got there” (Response police officer (Brackenshire Police), "
            "KPE2)") in text
    assert text.count("Draft: not yet agreed by the review team.") == 2   # F1 and F2
    numbered = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert "Who owns a queued call?" in numbered

    chronology, appraisal, case_group, comments = document.tables
    assert [c.text for c in chronology.rows[0].cells] == ["Episode", "Dates", "Title", "What happened"]
    assert [r.cells[0].text for r in chronology.rows[1:]] == ["KPE1", "KPE2", "KPE3", "KPE4", "KPE5"]
    assert [r.cells[0].text for r in appraisal.rows[1:]] == ["KPE1", "KPE2", "KPE3", "KPE4", "KPE5"]
    kpe1, kpe2 = appraisal.rows[1].cells, appraisal.rows[2].cells
    assert kpe1[1].text == "Not yet appraised by the review team." and "one car for the division" in kpe2[2].text
    assert ["Response police officer", "Brackenshire Police", "KPE2", "gave a reflection"] in [
        [c.text for c in r.cells] for r in case_group.rows]
    rows = [[c.text for c in r.cells] for r in comments.rows[1:]]
    assert rows[0][:3] == ["1", "Brackenshire Police", "2 The case in brief, KPE2"]
    assert rows[0][3].startswith("Mother rang at 01:15") and rows[0][4] == "Open: not yet resolved"
    assert rows[1][2] == "4 Findings, Finding 3 (F2)" and rows[1][4] == "Accepted, text changed: Date corrected."

    # The contract the comments import reads: the identifier, and each finding's bookmark by its key.
    assert document.core_properties.identifier == "casegroup:child-d"
    marks = {}
    for paragraph in document.paragraphs:
        for mark in paragraph._p.iter(qn("w:bookmarkStart")):
            marks[mark.get(qn("w:name"))] = paragraph.text
    assert marks == {"casegroup_F3": findings[0], "casegroup_F1": findings[1], "casegroup_F2": findings[2]}

    properties = document.core_properties
    assert properties.author == properties.last_modified_by == "Brackenshire Safeguarding Children Partnership"
    assert properties.title == "Child D"

    xml = document.element.xml
    assert 'TOC \\o "1-3" \\h \\z \\u' in xml and "Right-click the contents and choose Update Field" in xml
    for section in document.sections:
        assert "Confidential draft" in "\n".join(p.text for p in section.header.paragraphs)
        footer = section.footer._element.xml
        assert " PAGE " in footer and " NUMPAGES " in footer
        assert "Page 1 of 1" in "".join(section.footer.paragraphs[0].text)   # until Word counts them


def test_no_xml_part_of_the_docx_holds_a_real_name(analysed, db_path, tmp_path, sample_review):
    _, out = write_report(db_path, tmp_path)
    names = real_names(sample_review)
    assert {"Kirsty", "Ashby", "Craig", "Lennon"} <= names
    with zipfile.ZipFile(out) as package:
        parts = [n for n in package.namelist() if n.endswith(".xml") or n.endswith(".rels")]
        assert {"word/document.xml", "docProps/core.xml"} <= set(parts)
        assert any(n.startswith("word/header") for n in parts) and any(n.startswith("word/footer") for n in parts)
        for name in parts:
            text = package.read(name).decode("utf-8")
            for real in names:
                assert not re.search(rf"\b{re.escape(real)}\b", text, re.IGNORECASE), f"{real!r} in {name}"


def test_a_board_s_template_keeps_its_styles_and_header_and_loses_its_body(analysed, db_path, tmp_path):
    template = docx.Document()
    template.styles["Heading 1"].font.name = "Georgia"
    template.styles["Normal"].font.name = "Georgia"
    template.sections[0].header.paragraphs[0].text = "Brackenshire SCP: house style"
    template.add_paragraph("Old body text that must go")
    template.core_properties.author = "Jo Bloggs"
    path = tmp_path / "board.docx"
    template.save(str(path))
    code, out = write_report(db_path, tmp_path, "--template", str(path))
    assert code == 0
    document = docx.Document(str(out))
    assert document.styles["Heading 1"].font.name == "Georgia"
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "Brackenshire SCP: house style" in header and "Confidential draft" in header
    assert "Old body text" not in "\n".join(p.text for p in document.paragraphs)
    assert document.core_properties.author == "Brackenshire Safeguarding Children Partnership"


def test_a_template_that_isn_t_a_word_document_is_one_line(analysed, db_path, tmp_path, capsys):
    bad = tmp_path / "board.docx"
    bad.write_text("not a docx")
    code, out = write_report(db_path, tmp_path, "--template", str(bad))
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip().startswith("casegroup: the template")
    code, out = write_report(db_path, tmp_path, "--template", str(tmp_path / "missing.docx"))
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip() == f"casegroup: there is no template at {tmp_path / 'missing.docx'}"


def test_markdown_and_html_hold_the_same_sections_with_linked_contents(analysed, db_path, tmp_path, sample_review):
    md_out, html_out = tmp_path / "r.md", tmp_path / "r.html"
    assert main(["report", "child-d", "--db", str(db_path), "--out", str(md_out)]) == 0
    assert main(["report", "child-d", "--db", str(db_path), "--out", str(html_out)]) == 0
    md, page = md_out.read_text(), html_out.read_text()
    assert "- [4 Findings](#section-4)" in md and '<a id="section-4"></a>' in md
    assert "### Finding 1: Mother's calls went to a queue nobody owned" in md
    assert "| KPE1 | Not yet appraised by the review team. |  |  |" in md
    assert '<a href="#section-6">Appendix B: Factual accuracy</a>' in page and 'id="section-6"' in page
    assert '<svg class="chart timeline"' in page and "@page { size: A4" in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    for text in (md, page):
        assert "CONFIDENTIAL DRAFT: not for circulation" in text and "Who owns a queued call?" in text
        for real in real_names(sample_review):
            assert not re.search(rf"\b{re.escape(real)}\b", text, re.IGNORECASE), real


def test_an_empty_review_still_gives_a_report_whose_sections_say_there_is_nothing_yet(
        store, imported, db_path, tmp_path, capsys):
    code, out = write_report(db_path, tmp_path)
    assert code == 0
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Nobody in the case group has given a reflection yet." in text
    assert "Nobody in the case group has given a reflection yet, so this draft holds no practitioner's account." in text
    assert "The review team has not written any findings yet." in text
    assert "No factual-accuracy comments have been received yet." in text
    assert len([p for p in document.paragraphs if p.style.name == "Heading 1"]) == 7
    chronology, appraisal, case_group = document.tables
    assert all(r.cells[1].text == "Not yet appraised by the review team." for r in appraisal.rows[1:])


def test_the_default_file_is_named_by_the_day_and_never_written_over(imported, db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "child-d", "--db", str(db_path)]) == 0
    [made] = list(tmp_path.glob("child-d-report-draft-*.docx"))
    before = made.read_bytes()
    assert main(["report", "Child-D", "--db", str(db_path)]) == 2
    assert "is there already: give --out FILE" in capsys.readouterr().err
    assert made.read_bytes() == before
    assert docx.Document(io.BytesIO(before)).core_properties.identifier == "casegroup:child-d"


def test_report_comments_words_go_to_the_parser_registered_for_them(imported, db_path, monkeypatch, capsys):
    """The seam for `casegroup report comments ...`: its own parser, never read as a review called "comments"."""
    import argparse
    seen = []

    def comments_parser():
        parser = argparse.ArgumentParser(prog="casegroup report comments")
        parser.add_argument("action")
        parser.add_argument("--db")
        parser.set_defaults(func=lambda args, settings: seen.append(args.action) or 0, command="report")
        return parser

    monkeypatch.setitem(REPORT_SUBPARSERS, "comments", comments_parser)
    assert main(["report", "comments", "list", "--db", str(db_path)]) == 0
    assert seen == ["list"]
    monkeypatch.delitem(REPORT_SUBPARSERS, "comments")
    assert main(["report", "comments", "--db", str(db_path)]) == 2     # now just an unknown review
    assert "there is no review with the key 'comments'" in capsys.readouterr().err


def test_limitations_name_who_did_not_take_part_and_the_thin_episodes_by_role_and_agency(
        store, imported, sample_reflections, prompts, db_path, tmp_path):
    from bot.core.conversation import State
    from tests.stories import record
    # The GP declines, and the nursery key worker never answers: KPE4 hears from 1 of the 3 expected.
    kept = [r for r in sample_reflections if r["member"] not in ("U0GP0001", "U0NK0001")]
    submit_directly(store, imported, kept, prompts)
    record(store, State("child-d", "U0GP0001", stage="declined"), events=["invited", "declined"], actor="U0GP0001")
    code, out = write_report(db_path, tmp_path)
    assert code == 0
    limits = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name == "List Bullet"]
    assert "GP (Millbrook Surgery) did not take part (declined)." in limits
    assert "Nursery key worker (Hollybush Day Nursery) did not take part (did not give a reflection)." in limits
    assert "KPE4 (Nursery logs a scalded hand; GP visit) heard from 1 of 3 practitioners expected." in limits
    took_part = "\n".join(
        p.text for p in docx.Document(str(out)).paragraphs)
    assert "5 of 7 case group members gave a reflection, from 4 agencies." in took_part


def test_the_report_counts_each_episode_as_its_digest_does(store, imported, sample_reflections, prompts):
    """The report reads the digest's counts without compiling a digest (bot.core.digest.coverage): the same."""
    from bot.core.digest import coverage
    from bot.digest_builder import build_digest
    submit_directly(store, imported, sample_reflections[1:], prompts)
    digest = build_digest(store, imported, prompts)
    counted = coverage(imported, store.submitted.latest("child-d"), store.conversations.stages("child-d"), prompts)
    assert [(c.key, c.contributed, c.expected, c.learned_later) for c in counted] == [
        (e.key, e.contributed, e.expected, len(digest.episode(e.key).learned_later)) for e in digest.timeline]
    assert any(c.learned_later for c in counted) and any(c.contributed < c.expected for c in counted)


def test_each_finding_s_questions_are_numbered_from_one(analysed, db_path, tmp_path):
    _, out = write_report(db_path, tmp_path)
    document = docx.Document(str(out))
    lists = {}
    for paragraph in document.paragraphs:
        if paragraph.style.name == "List Number":
            lists.setdefault(paragraph._p.pPr.numPr.numId.val, []).append(paragraph.text)
    numbering = document.part.numbering_part.element
    assert len(lists) == 3 and sum(len(asks) for asks in lists.values()) == 5
    for num_id in lists:
        [start] = numbering.num_having_numId(num_id).xpath("./w:lvlOverride/w:startOverride/@w:val")
        assert start == "1"
