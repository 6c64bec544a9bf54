"""The thanks at close, and the case group's answers to its two optional questions. No Slack calls here: like
bot/reflect.py, each function returns `Delivery`s to send once everything is committed.

    thanks = Thanks(store, prompts)
    thanks.thank_you(review, ["U0HV0001"])                   # the board's thanks and the rating question, once each
    thanks.take(tx, "U0HV0001", "4", "D0HV0001", review, state)   # in Reflections.take: None when it isn't theirs
    thanks.click("U0HV0001", "child-d", "4", "D0HV0001", "action:...")   # a rating button, or `rating`/`comment`: skip

Which DM is feedback (the rule): a typed message goes to the feedback while one of its questions is open for the
person (the latest thanks first), unless the review their DM is otherwise about (bot.core.conversation.which_review)
is another, still open review in which they are answering their reflection or have an invitation to answer: that
conversation is never interrupted, and its buttons and `help` and `answers` keep working. The feedback's buttons
work at any time. A closed review takes nothing else: its reflections are read-only (bot/core/conversation.py).
"""
from __future__ import annotations

from bot.core.conversation import State
from bot.core.feedback import RATINGS, read_rating
from bot.core.lifecycle import is_preparing, is_read_only
from bot.core.review import Review
from bot.core.text import neutralise
from bot.flow import Flow
from bot.reflect import Delivery
from bot.render.blocks import notice
from bot.render.feedback_blocks import comment_message, rating_labels, rating_message
from storage import Transaction
from storage.feedback import OpenFeedback

# While the rating is still open, a text of at least this many words that names no rating is the other answer,
# what would have made it easier, typed first; a shorter one ("thank you") is not, and the rating is asked again.
COMMENT_WORDS = 3
# What the reflection's conversation answers in a closed review: the feedback leaves them to it.
THE_REFLECTIONS_OWN = ("help", "answers")
# The conversation stages in which someone is answering something in a review (which_review puts them first).
ANSWERING = ("asking", "checking", "consent")


class Thanks(Flow):
    SECTION = "feedback"

    def thank_you(self, review: Review, members: list[str]) -> list[Delivery]:
        """The board's thanks, with the first question, for each of `members` (those just recorded as thanked)."""
        said = self._say("thank_you", title=neutralise(review.title), board=neutralise(review.board))
        by_id = {m.slack_id: m for m in review.members}
        return [Delivery(member, [rating_message(self.prompts, review.key, [said])], review.key,
                         by_id[member].attribution) for member in members if member in by_id]

    def take(self, tx: Transaction, user: str, text: str, channel: str, review: Review | None,
             state: State | None) -> list[Delivery] | None:
        """A typed DM, in Reflections.take's transaction (its event already claimed, so a retry counts once):
        the feedback's deliveries when it is an answer to an open question of `user`'s, else None (the
        reflection takes it, unchanged). `review` and `state`: what the DM would otherwise be about."""
        opened = self.store.feedback.open_for(user, tx)
        if not opened:
            return None
        command = self.prompts.command_for(text.strip()) if len(text.strip()) < 40 else None
        if command in THE_REFLECTIONS_OWN:
            return None
        target = opened[0]
        if (review is not None and review.key != target.review_key and state is not None
                and state.stage in ANSWERING and not is_read_only(review.stage) and not is_preparing(review.stage)):
            return None   # a reflection in progress in another review: never interrupted
        payload = self._answer(tx, target, user, text, command)
        return [self._delivery(channel, target.review_key, user, payload)]

    def click(self, user: str, review_key: str, what: str, channel: str, event_key: str) -> list[Delivery]:
        """A rating button (`what` 1 to 5) or a skip button (`rating`, `comment`). A double click counts once."""
        with self.store.transaction() as tx:
            if not self.store.conversations.claim_event(tx, event_key):
                return []
            target = next((o for o in self.store.feedback.open_for(user, tx) if o.review_key == review_key), None)
            if target is None:
                review = self.store.reviews.get(review_key)
                title = neutralise(review.title) if review else review_key
                return [Delivery(channel, [notice(self._say("nothing_open", title=title))])]
            if what.isdigit() and int(what) in RATINGS:
                payload = self._rated(tx, target, user, int(what))
            else:
                payload = self._skipped(tx, target, user, what)
        return [self._delivery(channel, review_key, user, payload)]

    def _delivery(self, channel: str, review_key: str, user: str, payload: dict) -> Delivery:
        member = self.store.reviews.get(review_key).member(user)
        return Delivery(channel, [payload], review_key, member.attribution if member else "")

    # ----- one answer ---------------------------------------------------------

    def _answer(self, tx: Transaction, target: OpenFeedback, user: str, text: str, command: str | None) -> dict:
        """What was typed, for the first question still open: a rating, `skip` (or `no`), or words."""
        words = text.strip()
        rating = read_rating(words, rating_labels(self.prompts))
        if command in ("skip", "no"):
            return self._skipped(tx, target, user, "rating" if target.rating else "comment")
        if target.rating:
            if rating is not None:
                return self._rated(tx, target, user, rating)
            if target.comment and len(words.split()) >= COMMENT_WORDS:
                self.store.feedback.comment(tx, target.review_key, user, words)
                return rating_message(self.prompts, target.review_key, [self._say("comment_first")])
            return rating_message(self.prompts, target.review_key, [self._say("rating_again")])
        if rating is not None and len(words.split()) < COMMENT_WORDS:
            # "4" after the rating was given: not what would have made it easier.
            return comment_message(self.prompts, target.review_key, [self._say("rating_already")])
        self.store.feedback.comment(tx, target.review_key, user, words)
        return notice(self._say("done"))

    def _rated(self, tx: Transaction, target: OpenFeedback, user: str, rating: int) -> dict:
        if not target.rating:
            return self._next(target, [self._say("rating_already")])
        self.store.feedback.rate(tx, target.review_key, user, rating)
        noted = self._say("rating_noted", rating=rating_labels(self.prompts)[rating])
        if target.comment:
            return comment_message(self.prompts, target.review_key, [noted])
        return notice(f"{noted} {self._say('done')}")   # the comment came first: thanked once, now

    def _skipped(self, tx: Transaction, target: OpenFeedback, user: str, question: str) -> dict:
        if question == "rating" and target.rating:
            self.store.feedback.rate(tx, target.review_key, user, None)
            if target.comment:
                return comment_message(self.prompts, target.review_key, [self._say("rating_skipped")])
            return notice(self._say("done"))   # they gave the other answer first
        if question == "comment" and target.comment and not target.rating:
            self.store.feedback.comment(tx, target.review_key, user, None)
            return notice(self._say("done_nothing"))
        return self._next(target, [])

    def _next(self, target: OpenFeedback, said: list[str]) -> dict:
        """The question still open, after `said` (a button of one already answered)."""
        if target.rating:
            return rating_message(self.prompts, target.review_key, said)
        return comment_message(self.prompts, target.review_key, said)
