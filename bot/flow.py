"""What the parts of the bot that carry a review's work share: the store, the prompts, and the one [section] of
prompts/ each speaks from.

    class FollowUps(Flow):
        SECTION = "follow_ups"          # self._say("asked", ...) is prompts.say("follow_ups.asked", ...)
"""
from __future__ import annotations

from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.errors import NotFoundError
from storage import Store


class Flow:
    SECTION = ""

    def __init__(self, store: Store, prompts: Prompts):
        self.store = store
        self.prompts = prompts

    def _say(self, name: str, /, **values) -> str:
        return self.prompts.say(f"{self.SECTION}.{name}", **values)

    def _review(self, review_key: str) -> Review:
        """The review, or NotFoundError in the leads' words (a key that names none)."""
        review = self.store.reviews.get(review_key)
        if review is None:
            raise NotFoundError(self.prompts.say("leads.no_such_review", key=review_key))
        return review
