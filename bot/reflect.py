"""The practitioner's flow: from what they typed (or clicked) to what is stored and what is said.

No Slack calls here: each function returns `Delivery`s (a channel and message
payloads) for the listener to send, after everything is committed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from bot.core.conversation import Conversation, Reply, State, episodes_needed, which_review
from bot.core.lifecycle import can_invite, is_preparing
from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.digest_builder import refresh_later
from bot.errors import NotFoundError, StageError
from bot.follow_ups import FollowUps
from bot.render.blocks import View, messages, notice, offered
from storage import Store, Transaction


@dataclass
class Delivery:
    channel: str
    payloads: list[dict] = field(default_factory=list)
    review_key: str = ""   # which review it is about, so a failure can be reported to its leads
    about: str = ""        # who it was for, by role and agency


def to_leads(review: Review, payloads: list[dict]) -> list[Delivery]:
    """For the lead reviewers: posted once in the review's channel when it has one, else to each lead's DM."""
    return [Delivery(channel, payloads) for channel in ([review.channel] if review.channel else review.leads)]


class Talk(NamedTuple):
    conversation: Conversation
    view: View
    started: bool          # whether the conversation has been stored (invited) yet


class Reflections:
    def __init__(self, store: Store, prompts: Prompts, snooze: Callable[[str, str], Delivery] | None = None,
                 comment_files: Callable[[Transaction, str, str, str], list[Delivery] | None] | None = None):
        self.store = store
        self.prompts = prompts
        # The reminders' snooze (bot/reminding.py Reminders.snooze), for "Snooze a week" typed in the DM: the same
        # code as the button. None where no DM is taken (`casegroup review invite`).
        self.snooze = snooze
        # A lead naming the agency of a commented draft they dropped (bot/accuracy_files.py CommentFiles.answer).
        self.comment_files = comment_files
        # The DM's other readers, before the reflection (take). Imported here: they build on this module's Delivery.
        from bot.feedback import Thanks
        from bot.finding_check import CaseGroupCheck
        self.finding_check = CaseGroupCheck(store, prompts)
        self.thanks = Thanks(store, prompts)
        self.follow_ups = FollowUps(store, prompts)

    def _talk(self, review: Review | None, user: str, state: State | None, text: str) -> Talk | None:
        """The member's conversation with the answers that handling `text` reads, loaded; None for someone
        not in the review's case group."""
        assignment = review.assignment(user) if review else None
        if assignment is None:
            return None
        needed = episodes_needed(self.prompts, assignment, state, text)
        answers = self.store.conversations.answers(review.key, user, needed)
        conversation = Conversation(self.prompts, assignment, state or State.new(review.key, user), answers)
        return Talk(conversation, View(self.prompts, assignment), state is not None)

    def _talk_in(self, review_key: str, user: str, text: str) -> Talk | None:
        """_talk, in a review named by its key (a button, an invitation, the Home tab)."""
        return self._talk(self.store.reviews.get(review_key), user, self.store.conversations.state(review_key, user),
                          text)

    def invite(self, review_key: str, user: str, actor: str) -> Delivery | None:
        """The invitation DM: introduction, how words are used, and the consent question.

        Returns None for someone already taking part, or who declined: they are not asked twice.
        """
        found = self._talk_in(review_key, user, "")
        if found is None:
            raise NotFoundError(self.prompts.say("leads.not_in_case_group", who=user, key=review_key))
        talk, view, started = found
        if started and talk.state.stage != "consent":
            return None
        outcome = talk.start()
        payloads = messages(view, outcome.replies)
        outcome.state.offered = offered(payloads)
        with self.store.transaction() as tx:
            self.store.conversations.record(tx, outcome.state, events=["invited"], actor=actor)
        return Delivery(user, payloads, review_key, view.member.attribution)

    def invite_all(self, review_key: str, actor: str, only: list[str] | None = None) -> tuple[list[Delivery], int]:
        """Invitations for the case group (or `only` some of it). Returns them and how many were skipped."""
        review = self.store.reviews.get(review_key)
        if review is None:
            raise NotFoundError(self.prompts.say("leads.no_such_review", key=review_key))
        if not can_invite(review.stage):
            raise StageError(self.prompts.say("leads.invitations_need_conversations", key=review_key,
                                              stage=self.prompts.say("stages." + review.stage)))
        members = [m.slack_id for m in review.members if only is None or m.slack_id in only]
        if only:
            unknown = sorted(set(only) - {m.slack_id for m in review.members})
            if unknown:
                raise NotFoundError(self.prompts.say("leads.not_in_case_group_list", key=review_key,
                                                     who=", ".join(unknown)))
        deliveries = [d for d in (self.invite(review_key, m, actor) for m in members) if d]
        return deliveries, len(members) - len(deliveries)

    def take(self, user: str, text: str, channel: str, event_key: str | None, thread_ts: str = "") -> list[Delivery]:
        """A DM from `user` (`thread_ts`: the message it replies to in a thread). Returns nothing when the event
        was already processed (a Slack retry).

        The whole step (claim the event, read the state, decide, store) runs in one transaction, under the
        database's write lock, so two messages arriving together can't both answer one question.
        """
        with self.store.transaction() as tx:
            if event_key and not self.store.conversations.claim_event(tx, event_key):
                return []
            # A lead's dropped file waiting for its agency takes this text first; else it is the reflection's.
            for_file = self.comment_files(tx, user, text, channel) if self.comment_files else None
            if for_file is not None:
                return for_file
            candidates = self.store.conversations.dm_candidates(user)
            candidate = which_review(candidates)
            review = self.store.reviews.get(candidate.review_key, candidate.revision) if candidate else None
            state = candidate.state if candidate else None
            # Before the reflection, in this order (issue 17), each taking only what is for it: answers to the findings
            # shared with them (a line that starts with a finding's key, `F1 fits`); an answer to a follow-up
            # question (its thread, `Q2 ...`, or any text while no reflection waits: after the findings, so `F1 fits`
            # is never taken for one); the feedback at close, while one of its questions is open.
            answered = self.finding_check.typed(tx, review, state, user, text, channel)
            if answered is not None:
                return answered
            follow_up = self.follow_ups.take(tx, user, text, thread_ts, candidates)
            if follow_up:
                return [Delivery(channel, [follow_up[1]], follow_up[0])]
            taken = self.thanks.take(tx, user, text, channel, review, state)
            if taken is not None:
                return taken
            found = self._talk(review, user, state, text)
            if found is None:
                return [Delivery(channel, [notice(self._not_a_reflection(user))])]
            deliveries, events = self._step(tx, found, text, channel)
        return self._after_commit(events, deliveries, review.key, user)

    def _not_a_reflection(self, user: str) -> str:
        """What someone with no reflection to give is told when they type in the DM: a lead reviewer or review team
        member (who may have typed a button's words) where their own work is; anyone else, whom to ask."""
        running = sorted(key for key, roles in self.store.reviews.of_person(user).items() if roles & {"lead", "team"})
        if not running:
            return self.prompts.say("replies.not_in_review")
        return self.prompts.say("replies.runs_reviews", reviews=", ".join(f"`{key}`" for key in running))

    def click(self, user: str, review_key: str, token: str, typed: str, channel: str,
              event_key: str | None) -> list[Delivery]:
        """A button or menu: the same as typing `typed`, if it belongs to the current question."""
        with self.store.transaction() as tx:
            if event_key and not self.store.conversations.claim_event(tx, event_key):
                return []
            found = self._talk_in(review_key, user, typed)
            if found is None:
                return [Delivery(channel, [notice(self.prompts.say("replies.not_in_review"))])]
            talk, view, started = found
            state = talk.state
            current = {"consent": state.stage in ("consent", "declined"),
                       "check": state.stage == "checking",
                       "submitted": state.stage == "submitted",
                       "clarify": state.stage == "asking" and bool(state.pending),
                       "confirm": (state.pending or {}).get("kind") == "withdraw"}.get(
                token, state.stage == "asking" and talk.current_slot() is not None
                and talk.current_slot().token == token)
            if started and not current:
                replies = [Reply("text", self.prompts.say("replies.stale_button")), *talk.where_we_are()]
                return [Delivery(channel, messages(view, replies))]
            deliveries, events = self._step(tx, found, typed, channel, clicked=True)
        return self._after_commit(events, deliveries, review_key, user)

    def _step(self, tx: Transaction, found: Talk, text: str, channel: str,
              clicked: bool = False) -> tuple[list[Delivery], list[str]]:
        """What was typed or clicked, taken the same way: someone not yet invited is invited now (and what
        they sent is not kept: a click on a consent button they were never shown is not consent), or told
        there is nothing to answer outside conversations; anyone else's conversation handles it."""
        talk, view, started = found
        if not started:
            if not can_invite(view.review.stage):
                return [Delivery(channel, [notice(self.prompts.say("lifecycle.not_started",
                                                                   title=view.review.title))])], []
            outcome, events = talk.start(), ["invited"]
        else:
            outcome = talk.handle(text, clicked)
            events = outcome.events
        return self._commit(tx, view, outcome.state, outcome.writes, events, outcome.replies, channel), events

    def resume(self, user: str, review_key: str, channel: str) -> list[Delivery]:
        """"Continue where I left off" (Home tab, reminders): this review becomes the one the DM is about,
        and the practitioner sees the question they're on, or their answers."""
        found = self._talk_in(review_key, user, "resume")
        if found is None:
            raise NotFoundError(self.prompts.say("leads.you_not_in_case_group", key=review_key))
        talk, view, started = found
        if not started:
            return [Delivery(channel, [notice(self.prompts.say("lifecycle.not_started", title=view.review.title))])]
        if is_preparing(view.review.stage):
            return [Delivery(channel, [notice(self.prompts.say("lifecycle.in_setup", title=view.review.title))])]
        replies = talk.where_we_are()
        payloads = messages(view, replies)
        self.store.conversations.touch(review_key, user, offered(payloads) if any(r.asks for r in replies) else None)
        return [Delivery(channel, payloads)]

    def _commit(self, tx: Transaction, view: View, state: State, writes, events, replies,
                channel: str) -> list[Delivery]:
        payloads = messages(view, replies) if replies else []
        if any(reply.asks for reply in replies):
            # What this message offers, read from what is sent: typing a label or a number is clicking it.
            state.offered = offered(payloads)
        # Stored before anything is sent (and before Slack is acknowledged): a crash loses nothing.
        self.store.conversations.record(tx, state, writes, events)
        deliveries = [Delivery(channel, payloads, view.review.key, view.member.attribution)] if payloads else []
        if "submitted" in events:
            deliveries += self._tell_leads(view, state)
        return deliveries

    def _after_commit(self, events, deliveries: list[Delivery], review_key: str, user: str) -> list[Delivery]:
        if "snoozed" in events and self.snooze is not None:
            # Its own transaction, after the step's: transactions don't nest.
            deliveries = [*deliveries, self.snooze(review_key, user)]
        if "withdrawn" in events:
            # Their words leave the disk now, not at the next checkpoint (outside the transaction:
            # a checkpoint can't empty the log while one is open).
            self.store.scrub(vacuum=False)
        if "submitted" in events or "withdrawn" in events:  # the digests' review-wide part, off this thread
            refresh_later(self.store, deliveries[0].review_key, self.prompts)
        return deliveries

    def _tell_leads(self, view: View, state: State) -> list[Delivery]:
        """Tell the review team a reflection is ready (the practitioner is told they have been)."""
        review = view.review
        text = self.prompts.say("leads.submitted", who=view.member.attribution, title=review.title,
                                version=state.version, episodes=len(view.assignment.episodes))
        return to_leads(review, [notice(text)])

    def failure_report(self, failed: list[tuple[Delivery, str]]) -> list[Delivery]:
        """Tell each review's leads, in plain words, which messages Slack would not take."""
        reports = []
        for review_key in dict.fromkeys(d.review_key for d, _ in failed if d.review_key):
            review = self.store.reviews.get(review_key)
            if review is None:
                continue
            lines = [self.prompts.say("leads.delivery_failed_line", code=code,
                                      who=d.about or self.prompts.say("leads.delivery_failed_channel"))
                     for d, code in failed if d.review_key == review_key]
            text = "\n".join([self.prompts.say("leads.delivery_failed", title=review.title, key=review.key), *lines])
            # To each lead's DM, never the channel: the channel may be what Slack refused.
            reports += [Delivery(lead, [notice(text)]) for lead in review.leads]
        return reports
