"""The lead's side of a review: progress, stages, changes to the case group, the Home tab's
contents, and purging. No Slack calls here: listeners and the command line render and send.

    lead_actions = LeadActions(store, prompts, settings)
    lead_actions.progress("child-d").counts("KPE1")
    lead_actions.change_stage("child-d", "analysis", actor="U0LEAD01").said   # a sentence for the lead
    lead_actions.purge("child-d", actor="cli")
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.config import Settings
from bot.core.analysis import Finding
from bot.core.follow_ups import FollowUp
from bot.core.changes import with_episode, with_member
from bot.core.feedback import FeedbackSummary, feedback_summary
from bot.core.finding_responses import responses_by_finding
from bot.core.lifecycle import (STAGES, is_read_only, needs_confirmation, parse_stage, retention_date,
                                stage_change_problem)
from bot.core.progress import MemberProgress, ReviewProgress, review_progress
from bot.core.prompts import Prompts
from bot.core.review import Review, day as date_text
from bot.errors import NotFoundError, StageError
from bot.feedback import Thanks
from bot.finding_check import CaseGroupCheck
from bot.reflect import Delivery
from bot.render.blocks import notice
from storage import Store
from storage.reviews import Lifecycle


@dataclass
class LeadCard:
    """A review the person runs (lead) or reads (team), as the Home tab shows it."""
    roles: set[str]
    progress: ReviewProgress
    lifecycle: Lifecycle
    findings: list[Finding] = field(default_factory=list)   # the review team's, latest versions, in order
    open_comments: int = 0   # the agencies' factual-accuracy comments waiting for a lead's resolution
    feedback: FeedbackSummary | None = None   # the case group's, in aggregate, once the review has closed
    responses: dict = field(default_factory=dict)   # the case group's response to each finding: {key: FindingResponses}
    follow_ups: list[FollowUp] = field(default_factory=list)   # the team's follow-up questions, in the order asked

    @property
    def review(self) -> Review:
        return self.progress.review


@dataclass
class PractitionerCard:
    review: Review
    progress: MemberProgress


@dataclass
class Home:
    user: str
    lead_cards: list[LeadCard] = field(default_factory=list)
    practitioner_cards: list[PractitionerCard] = field(default_factory=list)


@dataclass
class StageMove:
    """A stage change asked for: what to tell the lead, and whom else to tell. When `confirm` is set the
    review has not moved: the lead is asked (`said`) to confirm the move `confirm` names, "analysis>closed"."""
    said: str
    confirm: str = ""
    told: list[Delivery] = field(default_factory=list)   # the practitioners the change affects


# A practitioner is told when a stage change affects what they can do: their prompt in running.toml.
PRACTITIONERS_TOLD = {"analysis": "lifecycle.revisions_closed", "closed": "lifecycle.review_closed"}
TAKING_PART = ("asking", "checking", "submitted")   # consented, and not withdrawn


def day(when: dt.datetime | None) -> str:
    """'3 Dec 2025', for leads and practitioners alike."""
    return date_text(when) if when else ""


class LeadActions:
    def __init__(self, store: Store, prompts: Prompts, settings: Settings):
        self.store = store
        self.prompts = prompts
        self.settings = settings

    def review(self, review_key: str) -> Review:
        review = self.store.reviews.get(review_key)
        if review is None:
            raise NotFoundError(f"There is no review with the key {review_key!r}.")
        return review

    def stage_name(self, stage: str) -> str:
        return self.prompts.say(f"stages.{stage}")

    def progress(self, review_key: str) -> ReviewProgress:
        return review_progress(self.review(review_key), self.store.conversations.progress(review_key),
                               self.prompts.required_keys)

    def home(self, user: str) -> Home:
        home = Home(user)
        for key, roles in sorted(self.store.reviews.of_person(user).items()):
            if roles & {"lead", "team"}:
                progress = self.progress(key)
                home.lead_cards.append(LeadCard(roles, progress, self.store.reviews.lifecycle(key),
                                                self.store.analysis.findings(key),
                                                self.store.accuracy.open_count(key),
                                                self.feedback(key, read_comments=False),
                                                responses_by_finding(progress.review,
                                                                     self.store.finding_responses.of_review(key)),
                                                self.store.follow_ups.of_review(key)))
            if "member" in roles:
                progress = self.progress(key)
                home.practitioner_cards.append(PractitionerCard(progress.review, progress.of(user)))
        return home

    def feedback(self, review_key: str, read_comments: bool = True) -> FeedbackSummary | None:
        """The case group's feedback in aggregate (bot/core/feedback.py), or None before anyone was asked. The Home
        tab shows no comment, so it has them counted, not pseudonymised (`read_comments=False`)."""
        asked, ratings, comments = self.store.feedback.answers(review_key)
        if not asked:
            return None
        return feedback_summary(self.review(review_key), asked, ratings, comments, read_comments=read_comments)

    # ----- stages ---------------------------------------------------------

    def change_stage(self, review_key: str, wanted: str, actor: str, confirmed_from: str = "") -> StageMove:
        """Move the review on (or back); StageError if it can't. A move that can't be undone, or goes back,
        waits for the lead's confirmation: asked again with `confirmed_from`, the stage it was asked from
        (if the review has moved since, the lead is asked to look again)."""
        review = self.review(review_key)
        stage = parse_stage(wanted)
        if stage is None:
            names = ", ".join(f"`{s}` ({self.stage_name(s)})" for s in STAGES)
            raise StageError(f"I don't know the stage {wanted[:40]!r}. The stages are {names}.")
        problem = stage_change_problem(review.stage, stage)
        if problem:
            raise StageError(problem)
        if confirmed_from and confirmed_from != review.stage:
            raise StageError(f"`{review_key}` has moved to its {self.stage_name(review.stage)} stage since you "
                             f"were asked, so nothing has changed. Use `/review stage {review_key} {stage}` again.")
        retain_until = None
        if stage == "closed":
            retain_until = retention_date(self.store.clock(), self.settings.retention_days)
        if needs_confirmation(review.stage, stage) and not confirmed_from:
            question = "leads.confirm_close" if stage == "closed" else "leads.confirm_back"
            return StageMove(self.prompts.say(question, title=review.title, key=review_key,
                                              stage=self.stage_name(review.stage), wanted=self.stage_name(stage),
                                              until=day(retain_until)),
                             confirm=f"{review.stage}>{stage}")
        thanked: list[str] = []
        with self.store.transaction() as tx:
            if self.store.reviews.move_stage(tx, review_key, stage, actor, retain_until) != review.stage:
                # Another request moved it meanwhile (a confirmation pressed twice): this one changes nothing.
                raise StageError(f"`{review_key}` has just moved to another stage, so nothing more has changed.")
            if stage == "closed":   # recorded with the close: a close retried or run twice thanks nobody again
                thanked = self.store.feedback.thank(tx, review_key, actor)
        text = (f"*{review.title}* (`{review_key}`) moved from {self.stage_name(review.stage)} "
                f"to {self.stage_name(stage)}.")
        if stage == "closed":
            text += (f" Its reflections are now read-only, and its conversations are kept until "
                     f"{day(retain_until)}; after that `casegroup purge` deletes them.")
        elif stage == "analysis":
            text += " Practitioners can no longer revise or withdraw their reflections."
        elif stage == "conversations":
            text += " Invitations and reminders can go out."
        if thanked:
            text += " " + self.prompts.say("feedback.thanked", count=len(thanked), board=review.board)
        told = self._tell_practitioners(review, stage, thanked)
        if stage == "meeting":   # the case group checks the team's findings before the meeting (issue 17)
            shared = CaseGroupCheck(self.store, self.prompts).share(review_key, actor)
            text, told = f"{text} {shared.said}", told + shared.told
        return StageMove(text, told=told)

    def _tell_practitioners(self, review: Review, stage: str, thanked: list[str]) -> list[Delivery]:
        """The practitioners taking part, told what the new stage means for them (analysis, closed); at close,
        those who took part get the board's thanks instead, which says it too (bot/feedback.py)."""
        if stage not in PRACTITIONERS_TOLD:
            return []
        text = self.prompts.say(PRACTITIONERS_TOLD[stage], title=review.title)
        stages = self.store.conversations.stages(review.key)
        told = [Delivery(m.slack_id, [notice(text)], review.key, m.attribution)
                for m in review.members if stages.get(m.slack_id) in TAKING_PART and m.slack_id not in thanked]
        return Thanks(self.store, self.prompts).thank_you(review, thanked) + told

    # ----- changes to the case group --------------------------------------

    def changeable(self, review_key: str) -> Review:
        return self._changeable(self.review(review_key))

    @staticmethod
    def _changeable(review: Review) -> Review:
        if is_read_only(review.stage):
            raise StageError(f"{review.key} is closed, so its case group and episodes can't change.")
        return review

    def add_member(self, review_key: str, actor: str, slack_id: str, role: str, agency: str,
                   episodes: list[str]) -> str:
        def add(review: Review) -> tuple[Review, str]:
            changed = with_member(self._changeable(review), slack_id, role, agency, episodes)
            return changed, f"{slack_id}, episodes {', '.join(changed.member(slack_id).episodes)}"
        self.review(review_key)
        member = self.store.reviews.change(review_key, add, actor, "member.added").member(slack_id)
        return (f"Added {member.attribution} to the case group of `{review_key}`, for "
                f"{', '.join(member.episodes)}. Invite them with `/review invite {review_key} {slack_id}`.")

    def add_episode(self, review_key: str, actor: str, key: str, title: str, start: str, end: str,
                    description: str, members: list[str]) -> str:
        def add(review: Review) -> tuple[Review, str]:
            changed = with_episode(self._changeable(review), key, title, start, end, description, members)
            return changed, f"{key}, assigned to {self.prompts.counted('member', len(members))}"
        self.review(review_key)
        self.store.reviews.change(review_key, add, actor, "episode.added")
        return (f"Added episode {key} to `{review_key}`, assigned to "
                f"{self.prompts.counted('case_group_member', len(members))}.")

    # ----- retention ------------------------------------------------------

    def purgeable(self) -> list[Review]:
        return [self.store.reviews.get(key) for key in self.store.retention.due()]

    def purge(self, review_key: str, actor: str) -> dict[str, int]:
        counts = self.store.retention.purge(review_key, actor)
        self.store.scrub()
        return counts
