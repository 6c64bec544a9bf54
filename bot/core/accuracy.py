"""Factual-accuracy comments: what an agency said about a draft report, and how the review team handled it.

    comment = AccuracyComment(agency="Eastmere Police", initials="JT", text="The call was at 21:40, not 22:40.",
                              anchor="a call at 22:40", section="2 The case in brief", episode="KPE2")
    comment.fingerprint        # the same comment from the same file, imported again, is the same comment
    comment.open               # True until a lead resolves it: accepted (text changed) or not accepted

Before a report goes to the board, every agency checks it for factual accuracy (SCIE's quality markers for
Safeguarding Adults Reviews), and each comment and its handling is recorded: Appendix B of the next draft lists
them. An agency's comment is kept with the agency it came from and the author's initials as Word gives them,
never a person's name. Pure: plain frozen data.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# How a lead resolves a comment. "open" is every comment's state until then.
RESOLUTIONS = ("accepted", "not-accepted")
LONGEST_REASON = 3000


@dataclass(frozen=True)
class AccuracyComment:
    agency: str                   # the agency it came from, as the lead named it on import
    initials: str                 # the comment's author initials, as Word stores them (never the author's name)
    text: str                     # the comment
    anchor: str = ""              # the report text it is anchored to
    section: str = ""             # the report section it sits in ("4 Findings"), found from the headings
    episode: str = ""             # the episode row it sits in (KPE2), if any
    finding: str = ""             # the finding it sits in (F1), if any
    written_at: str = ""          # the comment's own date in the file, if Word gave one
    id: int = 0                   # 1, 2, ... within the review, once stored
    status: str = "open"          # open, accepted or not-accepted
    reason: str = ""              # the lead's reason, with the resolution
    received_at: str = ""
    resolved_at: str = ""

    @property
    def open(self) -> bool:
        return self.status == "open"

    @property
    def fingerprint(self) -> str:
        """What makes two imports of one comment the same comment: its agency, author initials, date, text and
        anchor (not the file's name, nor when it was imported)."""
        return hashlib.sha256(repr((self.agency.casefold(), self.initials, self.written_at, self.text,
                                    self.anchor)).encode()).hexdigest()


def agency_named(typed: str, agencies: list[str]) -> tuple[str, bool]:
    """The agency a lead typed for a commented file, and whether it is one of the case group's.

        agency_named("eastmere  police", ["Eastmere Police"])   # ("Eastmere Police", True)
        agency_named("Brackenshire SAB comms", [...])          # ("Brackenshire SAB comms", False)

    Any name is taken: a board's own communications team, or an agency that took no part in the case group,
    may check the draft too, and their comments must not be lost. The case group's spelling is kept when the
    name is one of its agencies in another case or spacing, so that one agency's comments stay together (and a
    file imported again under either spelling adds nothing)."""
    name = " ".join(typed.split())
    return next(((agency, True) for agency in agencies if agency.casefold() == name.casefold()), (name, False))


def where(comment: AccuracyComment) -> str:
    """Where a comment sits in the report, in one phrase: "4 Findings, F1", "2 The case in brief, KPE2"."""
    return ", ".join(part for part in (comment.section, comment.finding, comment.episode) if part)


def landed(comments: list[AccuracyComment]) -> list[tuple[str, int]]:
    """How many comments landed where, in the report's order of first appearance: [("4 Findings, F1", 2), ...]."""
    counts: dict[str, int] = {}
    for comment in comments:
        counts[where(comment)] = counts.get(where(comment), 0) + 1
    return list(counts.items())


def report_order(comment: AccuracyComment, front: tuple[str, str]) -> tuple:
    """A sort key: the order `casegroup report comments list`, `/review comments` and Appendix B list comments in.
    The title page and the contents (`front`, as prompts/report.toml names them) first, then the sections by
    their number ("2 The case in brief" before "4 Findings"), the appendices after, the comments no place holds
    (found nowhere in the body) last; within a section, by finding, then episode, then as received."""
    number = re.match(r"\d+", comment.section)
    rank = (front.index(comment.section) - 2 if comment.section in front else int(number[0]) if number
            else 100 if comment.section else 1000)
    section = (rank, comment.section)
    finding = re.match(r"F(\d+)$", comment.finding)
    return (section, int(finding[1]) if finding else 0, comment.episode, comment.id)
