"""An agency's commented draft report, read: every Word comment, placed in the report's structure.

    document = open_draft(data, "police-comments.docx")    # CommentsFileError: not a .docx, one clear line
    review_key_of(document)                                # "child-d", from the draft's core properties
    comments = comments_in(document, review, prompts)      # [AccuracyComment(agency="", section="4 Findings", ...)]
    comments_from_file("police.docx", review, prompts)     # the three, for `casegroup report comments import`

The report (`casegroup report KEY`) marks its structure for this: its identifier is "casegroup:" + the review's
key; each section is a "Heading 1" whose text starts with its number ("4 Findings") or "Appendix A" (B, C: any
Heading 1 starts a section, so a new appendix needs nothing here); each finding's "Heading 2" holds a bookmark
"casegroup_F1"; the first cell of each episode row of its tables is the episode's key; and before the first
section come the title page, which ends with a page break, and the contents. A comment is placed by its anchor
(w:commentRangeStart): the last Heading 1 before it (or the title page or the contents, named as
prompts/report.toml names them), the table row it sits in, and the last finding bookmark before it within the
findings; a comment with no range, by its reference. Word's w:author (a person's name) is never read into
anything kept: only the initials. The agency is the lead's to say (`--from`, or the DM's question).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from bot.core.accuracy import AccuracyComment
from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.errors import CasegroupError

IDENTIFIER_PREFIX = "casegroup:"
FINDING_BOOKMARK = "casegroup_"
FINDINGS_SECTION = "4"          # the section whose bookmarks name findings ("4 Findings")
LARGEST_FILE = 20 * 1024 * 1024  # a draft report is a few hundred kB; a bigger file is not one of ours

_P, _T, _TAB, _BR = qn("w:p"), qn("w:t"), qn("w:tab"), qn("w:br")
_TR, _TC = qn("w:tr"), qn("w:tc")
_START, _END, _BOOKMARK = qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:bookmarkStart")
_REFERENCE = qn("w:commentReference")
_ID, _NAME, _STYLE, _TYPE = qn("w:id"), qn("w:name"), qn("w:val"), qn("w:type")


class CommentsFileError(CasegroupError):
    """A commented draft that can't be imported, said in one line; nothing is stored."""


def open_draft(data: bytes, name: str, prompts: Prompts):
    """The Word document in `data`, or CommentsFileError: empty, not a zip, a zip that isn't Word, too big."""
    if not data:
        raise CommentsFileError(prompts.say("accuracy.file_empty", name=name))
    if len(data) > LARGEST_FILE:
        raise CommentsFileError(prompts.say("accuracy.file_too_big", name=name, mb=LARGEST_FILE // (1024 * 1024)))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise CommentsFileError(prompts.say("accuracy.not_docx", name=name))
    try:
        return Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises KeyError, ValueError, lxml's errors... for a bad part
        raise CommentsFileError(prompts.say("accuracy.not_docx", name=name)) from None


def review_key_of(document) -> str:
    """The review the draft was written for ("" when it isn't a casegroup report)."""
    identifier = (document.core_properties.identifier or "").strip()
    return identifier[len(IDENTIFIER_PREFIX):] if identifier.startswith(IDENTIFIER_PREFIX) else ""


def comments_in(document, review: Review, name: str, prompts: Prompts) -> list[AccuracyComment]:
    """Every comment of a draft of `review`, placed and with its anchor's text, agency still to be said.
    CommentsFileError when the draft is another review's (or nobody's), or has no comments."""
    if review_key_of(document) != review.key:
        raise CommentsFileError(prompts.say("accuracy.not_this_review", name=name, key=review.key))
    places = _places(document, {e.key.casefold(): e.key for e in review.episodes},
                     (prompts.say("report.title_page"), prompts.say("report.contents")))
    comments = []
    for comment in document.comments:
        text = comment.text.strip()
        if not text:   # Word keeps a comment emptied by its author: it says nothing to the review team
            continue
        section, episode, finding, anchor = places.get(comment.comment_id, ("", "", "", ""))
        comments.append(AccuracyComment(agency="", initials=(comment.initials or "").strip(), text=text,
                                        anchor=anchor, section=section, episode=episode, finding=finding,
                                        written_at=_stamp(comment.timestamp)))
    if not comments:
        raise CommentsFileError(prompts.say("accuracy.no_comments", name=name))
    return comments


def comments_from_file(path: str | Path, review: Review, prompts: Prompts) -> list[AccuracyComment]:
    """The comments of a draft on disk (the command line's way in)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommentsFileError(prompts.say("accuracy.cant_read", name=str(path), why=error.strerror)) from None
    return comments_in(open_draft(data, path.name, prompts), review, path.name, prompts)


def _stamp(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _places(document, episodes: dict[str, str], front: tuple[str, str]) -> dict[int, tuple[str, str, str, str]]:
    """comment id -> (section, episode, finding, anchor text), in one walk of the body in document order. `front`:
    the names of what comes before the first section, the title page and the contents."""
    headings = _heading_levels(document)
    title_page, contents = front
    # An agency comments on the title page too (the board's name, the kind of review): it is placed there.
    section, finding, numbered = title_page, "", False
    placed: dict[int, list] = {}
    open_anchors: dict[int, list[str]] = {}   # comment ids whose range is open -> their text so far
    for element in document.element.body.iter(_P, _T, _TAB, _BR, _START, _END, _BOOKMARK, _REFERENCE):
        tag = element.tag
        if tag == _P:
            level = headings.get(_style_of(element))
            if level == 1:
                section, finding, numbered = _text(element), "", True
            for words in open_anchors.values():   # a range over paragraphs reads as one line
                if words and words[-1] != " ":
                    words.append(" ")
        elif tag == _T:
            for words in open_anchors.values():
                words.append(element.text or "")
        elif tag in (_TAB, _BR):
            for words in open_anchors.values():
                words.append(" ")
            if tag == _BR and not numbered and element.get(_TYPE) == "page":   # the title page's end
                section = contents
        elif tag == _BOOKMARK:
            name = element.get(_NAME) or ""
            if name.startswith(FINDING_BOOKMARK) and section.startswith(FINDINGS_SECTION):
                finding = name[len(FINDING_BOOKMARK):]
        elif tag == _START:
            number = _number(element)
            placed[number] = [section, _episode_of(element, episodes), finding, ""]
            open_anchors[number] = []
        elif tag == _REFERENCE:
            number = _number(element)
            if number not in placed:   # a comment on a point, with no range (some editors write them): placed there
                placed[number] = [section, _episode_of(element, episodes), finding, ""]
        elif tag == _END:
            number = _number(element)
            if number in open_anchors and number in placed:
                placed[number][3] = " ".join("".join(open_anchors.pop(number)).split())
    return {number: tuple(place) for number, place in placed.items()}


def _heading_levels(document) -> dict[str, int]:
    """Paragraph style id -> heading level, for the built-in "Heading 1" and "Heading 2" (a house template may
    give them other ids, so the names decide)."""
    levels = {}
    for style in document.styles:
        name = (style.name or "").casefold()
        if name in ("heading 1", "heading 2"):
            levels[style.style_id] = int(name[-1])
    return levels


def _style_of(paragraph) -> str:
    properties = paragraph.pPr
    style = properties.pStyle if properties is not None else None
    return style.get(_STYLE) if style is not None else ""


def _text(element) -> str:
    return " ".join("".join(t.text or "" for t in element.iter(_T)).split())


def _number(element) -> int:
    try:
        return int(element.get(_ID))
    except (TypeError, ValueError):
        return -1


def _episode_of(anchor, episodes: dict[str, str]) -> str:
    """The episode row an anchor sits in: the first cell of its table row, when that is an episode's key."""
    row = next(anchor.iterancestors(_TR), None)
    if row is None:
        return ""
    first = next(row.iterchildren(_TC), None)
    return episodes.get(_text(first).casefold(), "") if first is not None else ""
