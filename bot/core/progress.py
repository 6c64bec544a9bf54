"""Who has reflected on what: the progress grid of episodes × case group members.

Pure: it takes the review and what the store knows of each member's conversation,
and returns each member's status per episode. The Home tab and `/review status` render it.

    progress = review_progress(review, store.conversations.progress(review.key), required)
    progress.counts("KPE1")     # {'submitted': 2, 'in_progress': 1, ...}
    progress.outstanding        # the members a reminder may help
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.core.reminders import OUTSTANDING_STAGES
from bot.core.review import Member, Review

# In the order the grid's legend lists them.
STATUSES = ("not_invited", "invited", "consented", "in_progress", "submitted", "declined", "withdrawn")


@dataclass
class MemberRecord:
    """What the store knows of one member's conversation on one review."""
    stage: str | None = None                   # None: never invited
    answered: dict[str, set[str]] = field(default_factory=dict)  # episode -> fields answered
    reminders_sent: int = 0
    last_reminder_at: dt.datetime | None = None


@dataclass
class MemberProgress:
    member: Member
    stage: str | None
    statuses: dict[str, str]                   # episode key -> status
    episodes_left: int
    reminders_sent: int = 0
    last_reminder_at: dt.datetime | None = None

    @property
    def outstanding(self) -> bool:
        return self.stage in OUTSTANDING_STAGES


@dataclass
class ReviewProgress:
    review: Review
    members: list[MemberProgress]

    def counts(self, episode_key: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for progress in self.members:
            status = progress.statuses.get(episode_key)
            if status:
                found[status] = found.get(status, 0) + 1
        return found

    @property
    def outstanding(self) -> list[MemberProgress]:
        return [p for p in self.members if p.outstanding]

    @property
    def submitted(self) -> int:
        return sum(1 for p in self.members if p.stage == "submitted")

    def of(self, slack_id: str) -> MemberProgress | None:
        return next((p for p in self.members if p.member.slack_id == slack_id), None)


def episode_status(stage: str | None, answered_fields: set[str]) -> str:
    """One cell of the grid."""
    if stage is None:
        return "not_invited"
    if stage == "consent":
        return "invited"
    if stage in ("submitted", "declined", "withdrawn"):
        return stage
    return "in_progress" if answered_fields else "consented"


def review_progress(review: Review, records: dict[str, MemberRecord], required: set[str]) -> ReviewProgress:
    """The grid for every member of the case group. `required` is the set of required step keys:
    an episode is left to do until all of them are answered (and the reflection submitted)."""
    members = []
    for member in review.members:
        record = records.get(member.slack_id) or MemberRecord()
        statuses = {key: episode_status(record.stage, record.answered.get(key, set()))
                    for key in member.episodes}
        if record.stage in ("submitted", "declined", "withdrawn"):
            left = 0
        else:
            left = sum(1 for key in member.episodes if not required <= record.answered.get(key, set()))
        members.append(MemberProgress(member, record.stage, statuses, left, record.reminders_sent,
                                      record.last_reminder_at))
    return ReviewProgress(review, members)
