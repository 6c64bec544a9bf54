"""The report as an editable Word document (python-docx), in a board's own template if it has one.

    data = docx_bytes(report)                          # the .docx file's bytes
    data = docx_bytes(report, template="board.docx")   # its styles, and its header and footer where it has them

What the factual-accuracy import (the agencies' Word comments, placed back in the report) reads, and so must stay:
- core_properties.identifier is "casegroup:" + the review's key;
- each section is a "Heading 1" paragraph whose text starts with its number, or "Appendix A" / "B" / "C";
- each finding's "Heading 2" paragraph, "Finding N: title", holds a bookmark "casegroup_" + its key (casegroup_F1),
  since N follows the report's order and the key doesn't;
- in the chronology and appraisal tables, the first cell of each episode's row is the episode's key (KPE2);
- before the first section, the title page ends with a page break, and the contents follow it.

Headings use Word's built-in Heading styles, so the navigation pane and the contents (a real TOC field, which
Word fills in) work. Every section's header says "Confidential draft" and its footer "Page X of Y" (PAGE and
NUMPAGES fields). The core properties carry the board and the review, never a person.
"""
from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bot.core.report import CaseGroupResponse, Report
from bot.errors import CasegroupError

BOOKMARK_PREFIX = "casegroup_"
IDENTIFIER_PREFIX = "casegroup:"
TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
# Column widths (A4 portrait, 2.5 cm margins: 16 cm of text): the key narrow, the words wide.
CHRONOLOGY_WIDTHS = (Cm(2.2), Cm(3.2), Cm(4.0), Cm(6.6))
APPRAISAL_WIDTHS = (Cm(2.2), Cm(4.6), Cm(4.6), Cm(4.6))
CASE_GROUP_WIDTHS = (Cm(4.2), Cm(4.8), Cm(3.2), Cm(3.8))
COMMENT_WIDTHS = (Cm(1.2), Cm(3.4), Cm(3.0), Cm(5.4), Cm(3.0))   # "No." and an agency's name unbroken
RATING_WIDTHS = (Cm(8.0), Cm(3.0))
# The line that says a finding doesn't fit someone's experience: dark red, as well as bold, so it stands out.
CHALLENGED = RGBColor(0x9C, 0x1C, 0x1C)
# A template's Word comments, and the parts Word keeps beside them (their authors' names in people.xml): someone's
# notes on the template, under their name, are not the draft's, and the agencies would send them back as theirs.
TEMPLATE_NOTES = frozenset({
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments",
    "http://schemas.microsoft.com/office/2011/relationships/commentsExtended",
    "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds",
    "http://schemas.microsoft.com/office/2018/08/relationships/commentsExtensible",
    "http://schemas.microsoft.com/office/2011/relationships/people",
})


def docx_bytes(report: Report, template: str | Path | None = None) -> bytes:
    """The report as a .docx file. `template`: a board's document, whose styles, header and footer are kept and
    whose body (and any comments on it) is replaced. Raises CasegroupError (one line) for a template that isn't a
    Word document."""
    document = _base(template)
    _properties(document, report)
    for section in document.sections:
        _header_and_footer(section, report)
    _title_page(document, report)
    _contents(document, report)
    _introduction(document, report)
    _case_in_brief(document, report)
    _appraisal(document, report)
    _findings(document, report)
    _appendix_a(document, report)
    _appendix_b(document, report)
    _appendix_c(document, report)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ----- the document itself ---------------------------------------------------------------------------------------

def _base(template: str | Path | None):
    if template is None:
        document = docx.Document()
        # python-docx's own template is US Letter: a UK board's report is A4.
        for section in document.sections:
            section.page_width, section.page_height = Cm(21.0), Cm(29.7)
            section.left_margin = section.right_margin = Cm(2.5)
            section.top_margin = section.bottom_margin = Cm(2.5)
        return document
    if not Path(template).is_file():
        raise CasegroupError(f"there is no template at {template}")
    try:
        document = docx.Document(str(template))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise CasegroupError(f"the template {template} is not a Word document (.docx) casegroup can open "
                             f"({type(error).__name__})") from None
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):   # the last section's page setup stays: the board's margins and paper
            body.remove(child)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype in TEMPLATE_NOTES:
            document.part.drop_rel(rel_id)
    return document


def _properties(document, report: Report) -> None:
    """The board and the review, never a person: a template's author (whoever made it) is replaced too."""
    properties = document.core_properties
    properties.author = properties.last_modified_by = report.board
    properties.title = report.title
    properties.subject = report.kind
    properties.identifier = IDENTIFIER_PREFIX + report.key
    properties.comments = properties.keywords = properties.category = ""
    properties.revision = 1


def _field_char(paragraph, kind: str, dirty: bool = False) -> None:
    mark = OxmlElement("w:fldChar")
    mark.set(qn("w:fldCharType"), kind)
    if dirty:
        mark.set(qn("w:dirty"), "true")   # Word offers to update the field as it opens the document
    paragraph.add_run()._r.append(mark)


def _field(paragraph, instruction: str, placeholder: str = "", end_in=None) -> None:
    """A Word field (PAGE, NUMPAGES, TOC) as begin / instruction / separate / shown text / end runs. `end_in`: the
    paragraph the field's result ends in, when it runs over several (the contents)."""
    _field_char(paragraph, "begin", dirty=instruction.startswith("TOC"))
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    _field_char(paragraph, "separate")
    paragraph.add_run(placeholder or "1")
    _field_char(end_in if end_in is not None else paragraph, "end")


def _has_field(part, name: str) -> bool:
    return any(name in (text.text or "") for text in part._element.iter(qn("w:instrText"))) or any(
        name in (simple.get(qn("w:instr")) or "") for simple in part._element.iter(qn("w:fldSimple")))


def _header_and_footer(section, report: Report) -> None:
    """Ours, unless a template has its own: then its own, with our words and page numbers added if it lacks them."""
    header, footer = section.header, section.footer
    if report.say("header") not in "\n".join(p.text for p in header.paragraphs):
        paragraph = header.paragraphs[0] if header.is_linked_to_previous or not header.paragraphs[0].text \
            else header.add_paragraph()
        header.is_linked_to_previous = False
        paragraph.text = report.say("header")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if not (_has_field(footer, "PAGE") and _has_field(footer, "NUMPAGES")):
        paragraph = footer.paragraphs[0] if footer.is_linked_to_previous or not footer.paragraphs[0].text \
            else footer.add_paragraph()
        footer.is_linked_to_previous = False
        paragraph.text = ""
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(f"{report.say('page')} ")
        _field(paragraph, "PAGE")
        paragraph.add_run(f" {report.say('of')} ")
        _field(paragraph, "NUMPAGES")


def _style(document, name: str, level: int | None = None):
    """The document's style `name`; a template that lacks a heading style gets a plain one with its outline level,
    so that the contents and the navigation pane still find the headings."""
    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if level is not None:
            style.font.bold = True
            style.font.size = Pt(16 - 2 * level)
            outline = OxmlElement("w:outlineLvl")
            outline.set(qn("w:val"), str(level - 1))
            style.element.get_or_add_pPr().append(outline)
        return style


def _styled(document, text: str, style):
    """A paragraph in `style`, by its id: python-docx's `style=` scans every style of the document to find the
    default one each time (3 ms a paragraph; most of the report's time)."""
    paragraph = document.add_paragraph(text)
    paragraph._p.style = style.style_id
    return paragraph


def _heading(document, text: str, level: int):
    paragraph = _styled(document, text, _style(document, f"Heading {level}", level))
    if level == 1:
        paragraph.paragraph_format.page_break_before = True   # each section on a page of its own
    return paragraph


def _paragraph(document, text: str, bold: bool = False, italic: bool = False):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    return paragraph


def _page_break(document) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(document, headings: list[str], rows: list[tuple[str, ...]], widths=None):
    """A table with its heading row repeated on every page it runs onto."""
    table = document.add_table(rows=1, cols=len(headings))
    try:
        table._tbl.tblPr.style = document.styles["Table Grid"].style_id   # by id, as _styled does
    except KeyError:
        pass   # a template without it: Word's plain table
    for cell, text in zip(table.rows[0].cells, headings):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    if widths:
        # A fixed layout, by the grid (LibreOffice reads it) and the first row's cells (Word does): setting every
        # cell's width as well cost a quarter of the report's time.
        table.autofit = False
        for column, cell, width in zip(table.columns, table.rows[0].cells, widths):
            column.width = cell.width = width
    return table


def _title_page(document, report: Report) -> None:
    for text, size, bold in ((report.board, 14, False), (report.title, 28, True), (report.kind, 16, False),
                             (report.model, 12, False)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(18)
        run = paragraph.add_run(text)
        run.font.size, run.bold = Pt(size), bold or None
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(48)
    run = paragraph.add_run(report.say("confidential"))
    run.bold, run.font.size = True, Pt(14)
    paragraph = document.add_paragraph(report.version)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_break(document)


def _contents(document, report: Report) -> None:
    # The contents' own title is not a heading: it would list itself.
    _paragraph(document, report.say("contents"), bold=True).runs[0].font.size = Pt(16)
    # Until Word updates it, the field shows its hint and the headings without page numbers (so does a PDF made
    # by LibreOffice, which doesn't update it).
    first = document.add_paragraph()
    first.paragraph_format.space_after = Pt(12)
    entries = []
    for level, text in _outline(report):
        entry = document.add_paragraph(text)
        entry.paragraph_format.left_indent = Cm(0.8 * (level - 1))
        entry.paragraph_format.space_after = Pt(2)
        entries.append(entry)
    _field(first, TOC_INSTRUCTION, report.say("toc_placeholder"), end_in=entries[-1])
    first.runs[-1].italic = True


def _outline(report: Report) -> list[tuple[int, str]]:
    """The headings the body writes, in order, with their levels: the contents as shown before Word updates it."""
    introduction = _introduction_headings(report)
    outline = []
    for section in report.sections:
        outline.append((1, section.heading))
        if section.name == "introduction":
            outline += [(2, text) for text in introduction]
        if section.name == "findings":
            outline += [(2, finding.heading) for finding in report.findings]
    return outline


def _introduction_headings(report: Report) -> list[str]:
    return [f"1.{n} {report.say(name)}" for n, name in enumerate(("reason", "method", "who_took_part", "limitations"),
                                                                 start=1)]


def _introduction(document, report: Report) -> None:
    reason, method, who, limitations = _introduction_headings(report)
    _heading(document, report.section("introduction").heading, 1)
    _heading(document, reason, 2)
    if report.reason:
        _paragraph(document, report.reason)
    else:
        _paragraph(document, report.say("no_reason"), italic=True)
    _heading(document, method, 2)
    _paragraph(document, report.say("method_text"))
    _heading(document, who, 2)
    _paragraph(document, report.took_part)
    for agency, line in report.took_part_by_agency:
        paragraph = _styled(document, "", _style(document, "List Bullet"))
        paragraph.add_run(agency).bold = True
        paragraph.add_run(f": {line}")
    _heading(document, limitations, 2)
    for line in report.limitations or (report.say("no_limitations"),):
        _styled(document, line, _style(document, "List Bullet"))


def _section(document, report: Report, name: str, content, nothing: str) -> bool:
    """The section's heading; and, when it has no `content` yet, the one line that says so (returns False)."""
    _heading(document, report.section(name).heading, 1)
    if not content:
        _paragraph(document, report.say(nothing), italic=True)
    return bool(content)


def _case_in_brief(document, report: Report) -> None:
    if not _section(document, report, "case_in_brief", report.chronology, "no_episodes"):
        return
    _table(document, [report.say(n) for n in ("column_episode", "column_dates", "column_title", "column_description")],
           [(row.key, row.dates, row.title, row.description) for row in report.chronology], CHRONOLOGY_WIDTHS)


def _appraisal(document, report: Report) -> None:
    if not _section(document, report, "appraisal_of_practice", report.appraisals, "no_episodes"):
        return
    headings = [report.say(n) for n in ("column_episode", "column_what_happened", "column_appraisal",
                                        "column_explanation")]
    # The first cell is the key alone: the factual-accuracy import finds the episode a comment sits in by it.
    table = _table(document, headings, [
        (row.key, row.what_happened, row.appraisal, row.explanation) if row.appraised
        else (row.key, report.say("not_appraised"), "", "") for row in report.appraisals], APPRAISAL_WIDTHS)
    for row, table_row in zip(report.appraisals, table.rows[1:]):
        table_row.cells[0].paragraphs[0].runs[0].bold = True
        if not row.appraised:
            table_row.cells[1].paragraphs[0].runs[0].italic = True


def _bookmarked(paragraph, name: str, number: int) -> None:
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(number))
    paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
    paragraph._p.append(end)


def _part(document, label: str, text: str, none: str) -> None:
    _paragraph(document, label, bold=True)
    if text:
        _paragraph(document, text)
    else:
        _paragraph(document, none, italic=True)


def _findings(document, report: Report) -> None:
    if not _section(document, report, "findings", report.findings, "no_findings"):
        return
    none = report.say("none_written")
    for finding in report.findings:
        _bookmarked(_heading(document, finding.heading, 2), BOOKMARK_PREFIX + finding.key, finding.number)
        if finding.draft:
            _paragraph(document, report.say("finding_draft"), italic=True)
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{report.say('category')}: ").bold = True
        paragraph.add_run(finding.category)
        _part(document, report.say("in_this_case"), finding.in_this_case, none)
        if finding.evidence:
            _paragraph(document, report.say("evidence"), bold=True)
            for quote in finding.evidence:
                paragraph = _styled(document, "", _style(document, "Quote"))
                paragraph.add_run(f"“{quote.text}”")
                paragraph.add_run(f" ({quote.who}, {quote.episode})").italic = True
        _part(document, report.say("how_widespread"), finding.how_widespread, none)
        _part(document, report.say("why_it_matters"), finding.why_it_matters, none)
        _paragraph(document, report.asks_label, bold=True)
        if not finding.asks:
            _paragraph(document, none, italic=True)
        numbered = _numbering_from_one(document)
        for number, ask in enumerate(finding.asks, start=1):
            if numbered is None:
                _paragraph(document, f"{number}. {ask}")
            else:
                paragraph = _styled(document, ask, _style(document, "List Number"))
                paragraph._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = numbered
        _case_group_response(document, report, finding.response)


def _case_group_response(document, report: Report, response: CaseGroupResponse) -> None:
    """Under the team's finding, the case group's words about it: kept apart from the team's by their own label.
    The label, the counts and the warning keep with what follows, so none is left alone at a page's foot."""
    _paragraph(document, report.say("responses"), bold=True).paragraph_format.keep_with_next = True
    if not response.responses:
        _paragraph(document, response.summary, italic=True)
        return
    _paragraph(document, response.summary).paragraph_format.keep_with_next = True
    if response.challenged:
        warning = _paragraph(document, response.challenged, bold=True)
        warning.runs[0].font.color.rgb = CHALLENGED
        warning.paragraph_format.keep_with_next = True
    for shown in response.responses:
        paragraph = _styled(document, "", _style(document, "List Bullet"))
        paragraph.add_run(shown.who).bold = True
        paragraph.add_run(f": {shown.kind}" + (f": “{shown.text}”" if shown.text else ""))


def _numbering_from_one(document) -> int | None:
    """A new numbering of the "List Number" list that starts again at 1, for one finding's questions (the style's
    own numbering runs on through the document: finding 2's first question would be 3). None when the style (a
    template's) has no numbering: the numbers are then written in the text."""
    try:
        style_num = document.styles["List Number"].element.pPr.numPr.numId.val
        numbering = document.part.numbering_part.element
        num = numbering.add_num(numbering.num_having_numId(style_num).abstractNumId.val)
    except (KeyError, AttributeError, NotImplementedError):
        return None
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def _appendix_a(document, report: Report) -> None:
    if not _section(document, report, "appendix_a", report.case_group, "no_case_group"):
        return
    _table(document, [report.say(n) for n in ("column_role", "column_agency", "column_episodes", "column_took_part")],
           [(m.role, m.agency, m.episodes, m.took_part) for m in report.case_group], CASE_GROUP_WIDTHS)
    _paragraph(document, report.follow_ups).paragraph_format.space_before = Pt(12)


def _appendix_b(document, report: Report) -> None:
    if not _section(document, report, "appendix_b", report.comments, "no_comments"):
        return
    _paragraph(document, report.say("comments_intro"))
    rows = []
    for comment in report.comments:
        said = comment.text + (f"\n{report.say('on_text', anchor=comment.anchor)}" if comment.anchor else "")
        rows.append((str(comment.id), comment.agency, comment.section, said,
                     comment.resolution + (f": {comment.reason}" if comment.reason else "")))
    _table(document, [report.say(n) for n in ("column_number", "column_agency", "column_section", "column_comment",
                                              "column_resolution")], rows, COMMENT_WIDTHS)


def _appendix_c(document, report: Report) -> None:
    feedback = report.feedback
    _heading(document, report.section("appendix_c").heading, 1)
    for line in feedback.said:
        _paragraph(document, line, italic=feedback.empty)
    if feedback.empty:
        return
    if feedback.ratings:
        _table(document, [report.say("column_rating"), report.say("column_answers")],
               [(label, str(count)) for label, count in feedback.ratings], RATING_WIDTHS)
    paragraph = _paragraph(document, feedback.comments_said, bold=bool(feedback.comments),
                           italic=not feedback.comments)
    paragraph.paragraph_format.space_before = Pt(12)
    for comment in feedback.comments:
        _styled(document, comment, _style(document, "List Bullet"))
