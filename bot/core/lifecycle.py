"""The review's lifecycle: setup → conversations → case group meeting → analysis → closed.

Pure rules over a stage name, so that the flows, the Home tab and the command line
all give the same answer:

    next_stage("conversations")      # 'meeting'
    parse_stage("case group meeting")  # 'meeting'
    can_invite("setup")              # False: invitations and reminders only in conversations
    is_preparing("setup")            # True: nobody answers anything, even those invited earlier
    can_revise("analysis")           # False: reflections are fixed once analysis starts
    needs_confirmation("analysis", "closed")   # True: irreversible, so the lead is asked first
    retention_date(closed_at, 365)   # when `casegroup purge` may delete the conversations

A review imported from a file starts in *conversations*, so that a lead can invite the
case group straight away (that is how reviews were imported before stages existed);
a lead who wants to prepare first moves it back to *setup*.
"""
from __future__ import annotations

import datetime as dt

STAGES = ("setup", "conversations", "meeting", "analysis", "closed")
IMPORTED_STAGE = "conversations"
DEFAULT_RETENTION_DAYS = 365

# Words a lead may type for a stage, besides its key: `/review stage child-d case group meeting`.
_ALIASES = {"case group meeting": "meeting", "case-group-meeting": "meeting", "case_group_meeting": "meeting",
            "case group": "meeting", "conversation": "conversations", "close": "closed"}


def parse_stage(text: str) -> str | None:
    """The stage key a lead meant, or None."""
    word = " ".join(text.strip().lower().split())
    if word in STAGES:
        return word
    return _ALIASES.get(word)


def next_stage(stage: str) -> str | None:
    """The stage after `stage`, or None once closed."""
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def can_invite(stage: str) -> bool:
    """Invitations and reminders go out only while conversations are being held."""
    return stage == "conversations"


def is_preparing(stage: str) -> bool:
    """In setup the case group has nothing to answer: a lead may have stepped back to it after inviting them."""
    return stage == "setup"


def can_revise(stage: str) -> bool:
    """Practitioners may change a submitted reflection until the review team starts its analysis."""
    return STAGES.index(stage) < STAGES.index("analysis")


def can_withdraw(stage: str) -> bool:
    """Consent can be withdrawn until analysis: after that the material is in the analysis."""
    return can_revise(stage)


def is_read_only(stage: str) -> bool:
    """A closed review keeps its reflections as they are until they are purged."""
    return stage == "closed"


def stage_change_problem(current: str, wanted: str) -> str | None:
    """Why a review can't move from `current` to `wanted`, or None if it can.

    Any move is allowed (a lead may step back to let a late contributor finish),
    except out of *closed*: closing fixes the retention date and makes everything read-only.
    """
    if wanted == current:
        return f"The review is already in its {current} stage."
    if current == "closed":
        return "The review is closed, and a closed review can't be reopened."
    return None


def needs_confirmation(current: str, wanted: str) -> bool:
    """Whether a lead is asked to confirm the move first: closing can't be undone (and sets the purge date),
    and a step back reopens what a later stage had closed (revisions, withdrawals, invitations)."""
    return wanted == "closed" or STAGES.index(wanted) < STAGES.index(current)


def retention_date(closed_at: dt.datetime, retention_days: int) -> dt.datetime:
    """When the conversational material of a review closed at `closed_at` may be purged."""
    return closed_at + dt.timedelta(days=retention_days)
