"""A stand-in for the draft report, until `casegroup report KEY` (another branch) merges: a .docx that follows the
report's contract with the comments importer, built with python-docx, and an agency's way of commenting on it.

    document = draft("child-d")                            # the draft, as the report writes it
    comment_on(document, "KPE2", "The call was at 01:05.", author="Jo Tait", initials="JT")
    data = saved(document)                                 # the bytes an agency sends back

The contract (bot/accuracy_import.py): core_properties.identifier = "casegroup:" + the review's key; sections are
"Heading 1" paragraphs starting with their number or "Appendix A"/"Appendix B"; each finding's "Heading 2"
paragraph holds a bookmark "casegroup_F1"; the first cell of each episode row is the episode's key. At merge the
round-trip test writes the real report instead; keep this small.
"""
from __future__ import annotations

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def draft(review_key: str, episodes=("KPE1", "KPE2", "KPE3"), findings=("F1", "F2")):
    document = Document()
    document.core_properties.identifier = f"casegroup:{review_key}"
    document.add_paragraph("Child D: a draft", style="Title")
    document.add_heading("1 Introduction", level=1)
    document.add_paragraph("Why this case was reviewed.")
    document.add_heading("2 The case in brief", level=1)
    _table(document, ("Episode", "Dates", "What happened"),
           [(key, "2025", f"What happened in {key}") for key in episodes])
    document.add_heading("3 Appraisal of practice", level=1)
    _table(document, ("Episode", "What happened", "Appraisal", "Explanation"),
           [(key, f"Synthesis of {key}", f"Appraisal of {key}", f"Explanation of {key}") for key in episodes])
    document.add_heading("4 Findings", level=1)
    for number, key in enumerate(findings, 1):
        heading = document.add_heading(f"Finding {number}: title of {key}", level=2)
        _bookmark(heading, f"casegroup_{key}", number)
        document.add_paragraph(f"In this case, for {key}.")
        document.add_paragraph(f"Question for the board on {key}.")
    document.add_heading("Appendix A: the case group", level=1)
    document.add_paragraph("Participation by role and agency.")
    return document


def _table(document, header, rows):
    table = document.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text


def _bookmark(paragraph, name: str, number: int) -> None:
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(number))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def runs_of(document, words: str, table_row: str = "", column: int = 1):
    """The runs of the first paragraph holding `words` (in the row whose first cell is `table_row`, if given)."""
    if table_row:
        for table in document.tables:
            for row in table.rows:
                if row.cells[0].text == table_row and words in row.cells[column].text:
                    return row.cells[column].paragraphs[0].runs
        raise LookupError(f"no row {table_row} with {words!r}")
    for paragraph in document.paragraphs:
        if words in paragraph.text:
            return paragraph.runs
    raise LookupError(words)


def comment_on(document, runs, text: str, author: str = "Jo Tait", initials: str = "JT"):
    """A Word comment, as an agency's reviewer adds it (python-docx's own API)."""
    return document.add_comment(runs, text=text, author=author, initials=initials)


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
