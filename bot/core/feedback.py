"""The case group's feedback at the end of a review: reading an answer, and reporting the answers in aggregate.

SAR quality markers ask that practitioners are thanked and asked how they found taking part. The answers are the
case group's, but about the process, not the case: they are reported only as counts per rating and as comments
with nothing beside them (no role, agency or time), in an order that says nothing (sorted by their words).

    read_rating("4", labels), read_rating("very esay", labels), read_rating("it was fine", labels)   # 4, 5, None
    summary = feedback_summary(review, asked=4, ratings={4: 2, 5: 1}, comments=["More time", "A call first"])
    summary.ratings_shown, summary.comments    # True, () : two comments are held back below MINIMUM_SHOWN

Pure: the storage (storage/feedback.py) gives the counts and comments, and the flow (bot/feedback.py) what was typed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.core.buttons import number_of, pressed
from bot.core.redaction import Redactor
from bot.core.review import Review

RATINGS = (1, 2, 3, 4, 5)
# Below this many answers of a kind they are counted but not shown: with one or two, a lead who knows who took
# part, and how each of them writes, could tell whose they are. Three is the smallest group in which no single
# answer can be told apart from the others by elimination of the two they might know.
MINIMUM_SHOWN = 3


def rating_buttons(labels: Mapping[int, str]) -> list[list[str]]:
    """[label, what clicking it types] for the rating question's buttons, 1 to 5. The labels carry their number
    ("4. Easy"), so that typing 4 is the fourth button and "easy" its words (bot/core/buttons.py)."""
    return [[labels[n], str(n)] for n in RATINGS]


def read_rating(typed: str, labels: Mapping[int, str]) -> int | None:
    """The rating `typed` names: a number 1 to 5, or a label's words (one small typo allowed); None for anything
    else (`skip`, read as the conversation's command words are, or a comment)."""
    number = number_of(typed)
    if number is not None:
        return number if number in RATINGS else None
    value = pressed(typed, rating_buttons(labels))
    return int(value) if value else None


@dataclass(frozen=True)
class FeedbackSummary:
    """What the review team and the report may see of the case group's feedback.

    asked: members thanked and asked (those who took part); rated: how many gave a rating; ratings: {1..5: count},
    every rating present; commented: how many gave a comment; comments: the comments, pseudonymised and sorted,
    or () while fewer than MINIMUM_SHOWN (then `comments_held` says how many wait) or when not read."""
    asked: int
    rated: int
    ratings: dict[int, int] = field(default_factory=dict)
    commented: int = 0
    comments: tuple[str, ...] = ()

    @property
    def ratings_shown(self) -> bool:
        return self.rated >= MINIMUM_SHOWN

    @property
    def comments_held(self) -> int:
        """How many comments wait for MINIMUM_SHOWN before any is shown."""
        return self.commented if self.commented < MINIMUM_SHOWN else 0


def feedback_summary(review: Review, asked: int, ratings: Mapping[int, int], comments: Iterable[str],
                     minimum: int = MINIMUM_SHOWN, read_comments: bool = True) -> FeedbackSummary:
    """The feedback in aggregate. Comments are pseudonymised in one batch (a practitioner may name the family),
    then sorted by their words, so that their order tells nothing of who wrote them or when; below `minimum`
    comments none is shown. `read_comments=False` counts them only (the App Home, which shows no comment, so
    pseudonymises none). The counts per rating are always complete; whether to show them is `ratings_shown`.

    s = feedback_summary(review, asked=3, ratings={5: 2, 3: 1}, comments=["b", "a", "c"])
    s.ratings, s.comments          # {1: 0, 2: 0, 3: 1, 4: 0, 5: 2}, ('a', 'b', 'c')
    """
    texts = [c for c in comments if c.strip()]
    counts = {n: int(ratings.get(n, 0)) for n in RATINGS}
    shown: tuple[str, ...] = ()
    if read_comments and len(texts) >= minimum:
        shown = tuple(sorted(Redactor.for_review(review).clean_many(texts), key=lambda c: (c.casefold(), c)))
    return FeedbackSummary(asked, sum(counts.values()), counts, len(texts), shown)
