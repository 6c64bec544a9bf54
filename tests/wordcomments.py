"""What an agency's reviewer does to the draft report in Word, done with python-docx's own API: find the words to
comment on, add a Word comment on them, save the file to send back.

    document = docx.Document("child-d-draft.docx")                          # the real report, as exported
    comment_on(document, runs_of(document, "one car", table_row="KPE2", column=2), "It was two cars.",
               author="Jo Tait", initials="JT")
    data = saved(document)                                                  # the bytes the agency sends back
"""
from __future__ import annotations

import io


def runs_of(document, words: str, table_row: str = "", column: int = 1, style: str = ""):
    """The runs of the first paragraph holding `words`: in the row whose first cell is `table_row` (of any table),
    column `column`, if given; else in the body's paragraphs, in order (the title page first), in the paragraph
    style `style` if given (a finding's heading, "Heading 2", and not its line in the contents)."""
    if table_row:
        for table in document.tables:
            for row in table.rows:
                if row.cells[0].text == table_row and words in row.cells[column].text:
                    return next(p.runs for p in row.cells[column].paragraphs if words in p.text)
        raise LookupError(f"no row {table_row} with {words!r}")
    for paragraph in document.paragraphs:
        if words in paragraph.text and (not style or paragraph.style.name == style):
            return paragraph.runs
    raise LookupError(words)


def comment_on(document, runs, text: str, author: str = "Jo Tait", initials: str = "JT"):
    """A Word comment, as an agency's reviewer adds it (python-docx's own API)."""
    return document.add_comment(runs, text=text, author=author, initials=initials)


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
