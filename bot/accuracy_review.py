"""The agencies' factual-accuracy comments, for the review team: brought in, listed, resolved. The command line
(`casegroup report comments ...`) and Slack (the DM, `/review comments`, the resolve modal) both come here.
No Slack calls.

    accuracy = AccuracyReview(store, prompts)
    accuracy.bring_in("child-d", comments, "eastmere police", actor="cli")   # "Imported 3 comments from ..."
    accuracy.shown("child-d")                     # [ShownComment(...)], in the report's order, pseudonymised
    accuracy.resolve("child-d", 2, "not-accepted", "The records say 22:40.", actor="U0LEAD01")

What the agencies write may name the family or a practitioner, as the case group's words may: everything shown
passes through the review's pseudonyms, in one batch (bot/core/redaction.py). Storage audits every change.
"""
from __future__ import annotations

import dataclasses
import re
from typing import NamedTuple

from bot.core.accuracy import RESOLUTIONS, AccuracyComment, agency_named, landed, report_order, where
from bot.core.redaction import Redactor
from bot.core.review import Review
from bot.errors import InvalidInput, NotFoundError, StageError
from bot.flow import Flow
from storage import Transaction

LONGEST_AGENCY = 80   # as a review file's agency (bot/core/review.py)


class ShownComment(NamedTuple):
    """A comment as the review team sees it: its text, anchor and reason pseudonymised, its place in one phrase."""
    comment: AccuracyComment
    where: str
    text: str
    anchor: str
    reason: str


def agencies_of(review: Review) -> list[str]:
    return sorted({member.agency for member in review.members})


def resolution_named(typed: str) -> str:
    """`accepted`, `not-accepted`, `not accepted`, `Not_Accepted` -> one of RESOLUTIONS, or ""."""
    word = re.sub(r"[\s_]+", "-", typed.strip().casefold())
    return word if word in RESOLUTIONS else ""


class AccuracyReview(Flow):
    SECTION = "accuracy"

    def review(self, review_key: str, changing: bool = False) -> Review:
        """The review (`changing`: one that takes comments and resolutions, not closed)."""
        review = self._review(review_key)
        if changing and review.stage == "closed":
            raise StageError(self._say("read_only", key=review.key))
        return review

    def bring_in(self, review_key: str, comments: list[AccuracyComment], agency: str, actor: str,
                 name: str = "", tx: Transaction | None = None) -> str:
        """Store a file's comments as the agency's; what to say: how many landed where, or that none was new.
        Within the caller's transaction when given one (a DM's step)."""
        review = self.review(review_key, changing=True)
        typed = " ".join(agency.split())
        if not typed:
            raise InvalidInput({"agency": self._say("no_agency")})
        if len(typed) > LONGEST_AGENCY:   # a review file's agency is as long at most: this is something else
            raise InvalidInput({"agency": self._say("agency_too_long", most=LONGEST_AGENCY)})
        agency, known = agency_named(typed, agencies_of(review))
        comments = [dataclasses.replace(c, agency=agency) for c in comments]
        if tx is None:
            stored = self.store.accuracy.add(review.key, comments, actor)
        else:
            stored = self.store.accuracy.add_in(tx, review.key, comments, actor)
        seen = len(comments) - len(stored)
        if not stored:
            said = self._say("imported_none", seen=seen, name=name or "the file", agency=agency, key=review.key)
        else:
            places = "; ".join(self._say("landed_line", count=count, where=place or self._say("nowhere"))
                               for place, count in landed(stored))
            said = self._say("imported_some" if seen else "imported", count=len(stored), seen=seen, agency=agency,
                             key=review.key, landed=places)
        if not known:
            said += " " + self._say("agency_unknown", agency=agency, agencies=", ".join(agencies_of(review)))
        return said

    def shown(self, review_key: str) -> list[ShownComment]:
        """Every comment, in the report's order, its words through the review's pseudonyms (one batch)."""
        review = self.review(review_key)
        front = (self.prompts.say("report.title_page"), self.prompts.say("report.contents"))
        comments = sorted(self.store.accuracy.comments(review.key), key=lambda c: report_order(c, front))
        n = len(comments)
        cleaned = Redactor.for_review(review).clean_many([c.text for c in comments] + [c.anchor for c in comments]
                                                         + [c.reason for c in comments])
        return [ShownComment(c, where(c), cleaned[i], cleaned[n + i], cleaned[2 * n + i])
                for i, c in enumerate(comments)]

    def status(self, comment: AccuracyComment) -> str:
        return self._say("status_" + comment.status.replace("-", "_"))

    def resolve(self, review_key: str, comment_id: int, resolution: str, reason: str, actor: str) -> str:
        """A lead's resolution, with its reason (needed when not accepted). InvalidInput names the field."""
        review = self.review(review_key, changing=True)
        resolution = resolution_named(resolution)
        if not resolution:
            raise InvalidInput({"status": self._say("resolution_needed")})
        reason = reason.strip()
        if resolution == "not-accepted" and not reason:
            raise InvalidInput({"reason": self._say("reason_needed")})
        resolved = self.store.accuracy.resolve(review.key, comment_id, resolution, reason, actor)
        if resolved is None:
            raise NotFoundError(self._say("no_such_comment", key=review.key, id=comment_id))
        return self._say("resolved", id=comment_id, key=review.key, status=self.status(resolved))

    def listing(self, review_key: str) -> str:
        """Every comment as plain lines, by place (`casegroup report comments list`)."""
        review = self.review(review_key)
        shown = self.shown(review.key)
        if not shown:
            return self._say("none_yet", key=review.key)
        lines = [f"Factual-accuracy comments on {review.title} ({review.key}): "
                 f"{sum(s.comment.open for s in shown)} open of {len(shown)}."]
        place = None
        for item in shown:
            if item.where != place:
                place = item.where
                lines += ["", place or self._say("nowhere")]
            comment = item.comment
            lines.append(f"  {comment.id}. {comment.agency} ({comment.initials or self._say('no_initials')}) · "
                         f"{self.status(comment)} · on “{item.anchor or self._say('no_anchor')}”")
            lines += [f"     {line}" for line in item.text.splitlines()]
            if item.reason:
                lines.append("     " + self._say("reason_line", reason=item.reason))
        return "\n".join(lines)
