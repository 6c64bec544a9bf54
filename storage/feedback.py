"""The thanks at close and the case group's feedback, kept so that nobody is thanked twice and no answer can be
tied to its author.

    with store.transaction() as tx:
        thanked = feedback.thank(tx, "child-d")          # ['U0HV0001', ...]: who took part, thanked now (once)
    feedback.open_for("U0HV0001")                        # [OpenFeedback('child-d', rating=True, comment=True)]
    feedback.answers("child-d")                          # FeedbackAnswers(asked=4, ratings={4: 1}, comments=[...])

`feedback_asked` holds who was thanked and which question each still has open, never what they answered; the
answers are kept without the member (migration 13): ratings only as counts, comments under a random id in a table
without rowid, and with no time. Skipping and answering close a question alike, so the open flags don't say who
answered. Nothing here is audited per answer, since an audit row's time would tie it to the person who wrote it.
A purge deletes the comments, which are free text, with the rest of the conversational material; the counts stay
(storage/retention.py), and no question stays open for a purged review.
"""
from __future__ import annotations

import secrets
from typing import NamedTuple

from bot.core.feedback import RATINGS
from storage.audit import add_audit_row
from storage.database import Database, Transaction

# Who took part, as the thanks counts it: consented and submitted a reflection (one being revised still counts),
# and never declined or withdrew (a withdrawal deletes the submitted versions, and sets the stage).
_TOOK_PART = ("select c.member from conversations c join members m on m.review_key = c.review_key "
              "and m.slack_id = c.member where c.review_key = ? and c.stage in ('asking', 'checking', 'submitted') "
              "and c.submitted_at is not null order by m.rowid")


class OpenFeedback(NamedTuple):
    review_key: str
    rating: bool      # the rating question is still open
    comment: bool     # the "what would have made it easier" question is still open


class FeedbackAnswers(NamedTuple):
    asked: int
    ratings: dict[int, int]
    comments: list[str]


class Feedback:
    def __init__(self, database: Database):
        self.database = database

    @staticmethod
    def thank(tx: Transaction, review_key: str, actor: str) -> list[str]:
        """Record the thanks for everyone who took part and was not thanked before; returns them, in case group
        order. Called in the transaction that closes the review: a close retried, or run twice at once, finds
        them recorded and thanks nobody again."""
        thanked = []
        for (member,) in tx.db.execute(_TOOK_PART, [review_key]).fetchall():
            cursor = tx.db.execute("insert or ignore into feedback_asked (review_key, member, thanked_at, "
                                   "rating_open, comment_open) values (?, ?, ?, 1, 1)", [review_key, member, tx.now])
            if cursor.rowcount == 1:
                thanked.append(member)
        if thanked:
            add_audit_row(tx, actor, "feedback.thanked", review_key, f"{len(thanked)} members who took part")
        return thanked

    def open_for(self, member: str, tx: Transaction | None = None) -> list[OpenFeedback]:
        """The reviews in which `member` has a feedback question open, the latest thanks first. None for a review
        purged since: its feedback has closed with its conversations."""
        db = tx.db if tx else self.database.db
        rows = db.execute("select f.review_key, f.rating_open, f.comment_open from feedback_asked f "
                          "join reviews r on r.key = f.review_key where f.member = ? and r.purged_at is null "
                          "and (f.rating_open or f.comment_open) order by f.thanked_at desc, f.review_key",
                          [member]).fetchall()
        return [OpenFeedback(key, bool(rating), bool(comment)) for key, rating, comment in rows]

    @staticmethod
    def rate(tx: Transaction, review_key: str, member: str, rating: int | None) -> bool:
        """Close `member`'s rating question, counting `rating` (None: skipped). False if it wasn't open."""
        closed = tx.db.execute("update feedback_asked set rating_open = 0 where review_key = ? and member = ? "
                               "and rating_open", [review_key, member]).rowcount
        if closed and rating is not None:
            if rating not in RATINGS:
                raise ValueError(f"a rating is one of {RATINGS}, not {rating!r}")
            tx.db.execute("insert into feedback_ratings (review_key, rating, count) values (?, ?, 1) "
                          "on conflict (review_key, rating) do update set count = count + 1", [review_key, rating])
        return bool(closed)

    @staticmethod
    def comment(tx: Transaction, review_key: str, member: str, comment: str | None) -> bool:
        """Close `member`'s comment question, keeping `comment` without them (None: skipped). False if it wasn't
        open."""
        closed = tx.db.execute("update feedback_asked set comment_open = 0 where review_key = ? and member = ? "
                               "and comment_open", [review_key, member]).rowcount
        if closed and comment:
            tx.db.execute("insert into feedback_comments (review_key, id, comment) values (?, ?, ?)",
                          [review_key, secrets.token_hex(8), comment])
        return bool(closed)

    def answers(self, review_key: str) -> FeedbackAnswers:
        """Everything the feedback summary is made from (bot/core/feedback.py feedback_summary)."""
        db = self.database.db
        asked = db.execute("select count(*) from feedback_asked where review_key = ?", [review_key]).fetchone()[0]
        ratings = dict(db.execute("select rating, count from feedback_ratings where review_key = ?",
                                  [review_key]).fetchall())
        comments = [c for (c,) in db.execute("select comment from feedback_comments where review_key = ?",
                                             [review_key])]
        return FeedbackAnswers(asked, ratings, comments)
