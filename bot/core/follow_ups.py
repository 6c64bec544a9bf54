"""The review team's follow-up questions to a case group member about one of their episodes (Guide 24's
"reviewer queries"): who may be asked what, and where a practitioner's typed reply goes. Pure: no Slack, no SQL.

    ask_problem(review, "U0PC0001", "KPE2", member_stage="submitted")   # None: they may be asked; or why not
    route("Q2 we rang the GP", "", open_ones, None, waiting=True, is_command=False)
                                                                         # Route("answer", Q2, "we rang the GP")

The question is the review team's, never a named person's: who asked is in the audit trail only.

Where a reply goes, the rule the question's own message states:
- a reply in the thread of a question's message is always for that question (`skip` there declines it);
- in the DM itself, a message that starts with the question's number (`Q2 …`, `skip Q2`) is for it;
- any other message in the DM goes to the open follow-up only when no reflection is waiting for an answer
  (every reflection of theirs is submitted) and it is not one of the bot's commands (`revise`, `help`, …);
  with two or more open, the bot asks which one, and keeps the words meanwhile.
Everything else is the reflection's, unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

STATUSES = ("asked", "answered", "declined")
# A follow-up can be asked, and answered, while the conversations and the case group meeting go on; once the
# review team starts its analysis the accounts are fixed (as revisions and withdrawals are: lifecycle.can_revise).
ASKING_STAGES = ("conversations", "meeting")
# A member who has agreed to take part and not withdrawn: the only ones whose words may be stored.
TAKING_PART = ("asking", "checking", "submitted")
# A reflection in these stages is waiting for the practitioner's next message: it must not be taken from it.
WAITING_STAGES = ("consent", "asking", "checking")
LONGEST_QUESTION = 3000   # a modal's plain_text_input holds at most 3000 characters

_NUMBERED = re.compile(r"^\s*(skip\s+)?q(?:uestion)?\s*(\d{1,4})\b[\s:.,;-]*(.*)$", re.IGNORECASE | re.DOTALL)
_SKIP_AFTER = re.compile(r"^\s*skip\s*[.!]?\s*$", re.IGNORECASE)
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


@dataclass(frozen=True)
class FollowUp:
    review_key: str
    member: str              # the practitioner's Slack ID
    episode: str
    question: str
    number: int = 0          # Q1, Q2, … for this practitioner, across their reviews: what they type
    field: str = ""          # the label of the answer it refers to, when asked from their account
    quoted: str = ""         # that answer as the digest showed it (pseudonymised)
    status: str = "asked"
    asked_at: str = ""
    answered_at: str = ""
    answer: str = ""
    id: int = 0
    channel: str = ""        # the DM it was posted in, and the message's ts: a reply in its thread is for it
    message_ts: str = ""

    @property
    def name(self) -> str:
        return f"Q{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == "asked"


@dataclass(frozen=True)
class Route:
    """Where a typed message goes. kind: "answer", "skip", "which" (several open: ask which; with no text, asked
    again, the words kept meanwhile), "chosen" (one the bot listed, named: the words kept meanwhile answer it), "add" (more words for one already answered),
    "already" (`skip` for one already answered or declined), "unknown" (a number, `text`, that is none of the open
    ones, `choices`), or "closed" (a reply to a question of a review past
    its meeting stage)."""
    kind: str
    follow_up: FollowUp | None = None
    text: str = ""
    choices: tuple[FollowUp, ...] = field(default_factory=tuple)


def can_ask(review_stage: str) -> bool:
    return review_stage in ASKING_STAGES


def ask_problem(review, member: str, episode: str, member_stage: str | None) -> str | None:
    """Why `member` can't be asked about `episode` now, as a key of [follow_ups] in prompts/follow_ups.toml, or
    None. Nobody is asked about an episode that isn't theirs, nor before they have agreed to take part."""
    if not can_ask(review.stage):
        return "wrong_stage"
    person = next((m for m in review.members if m.slack_id == member), None)
    if person is None:
        return "not_in_case_group"
    if episode not in person.episodes:
        return "not_their_episode"
    if member_stage not in TAKING_PART:
        return "not_taking_part"
    return None


def next_number(numbers) -> int:
    return max(numbers, default=0) + 1


def route(text: str, thread_ts: str, open_ones: list[FollowUp], in_thread: FollowUp | None, waiting: bool,
          is_command: bool, draft_choices: tuple[FollowUp, ...] = (), thread_closed: bool = False) -> Route | None:
    """Where `text` goes (None: to the reflection, unchanged). `open_ones`: the practitioner's open follow-ups in
    reviews that still take answers; `in_thread`: the follow-up whose message `thread_ts` is a reply to, if any;
    `waiting`: a reflection of theirs waits for an answer; `is_command`: the text is one of the bot's commands;
    `draft_choices`: the follow-ups the bot last asked them to choose between, in the order listed;
    `thread_closed`: `in_thread`'s review is past its meeting stage, so the reply can't be stored."""
    if in_thread is not None:
        if thread_closed:
            return Route("closed", in_thread)
        if _SKIP_AFTER.match(text):
            return Route("skip", in_thread) if in_thread.is_open else Route("already", in_thread)
        return Route("add" if in_thread.status == "answered" else "answer", in_thread, text)
    if thread_ts:
        return None   # a thread the bot doesn't know as a question's: the reflection's, as any message is
    if draft_choices and not waiting:
        chosen = _named_choice(text, draft_choices)
        if chosen is not None:
            return Route("chosen", chosen)
        if _CHOICE.match(text):   # a number that is none of them: asked again, the words kept meanwhile
            return Route("which", None, "", draft_choices)
    numbered = _NUMBERED.match(text)
    if numbered:
        skip, number, rest = numbered[1], int(numbered[2]), numbered[3].strip()
        found = next((f for f in open_ones if f.number == number), None)
        if found is None:
            # `Q4 ...` with no Q4 open: said so, unless a reflection waits for its answer (it may be that).
            return None if waiting or not open_ones else Route("unknown", None, f"Q{number}", tuple(open_ones))
        if skip or _SKIP_AFTER.match(rest):
            return Route("skip", found)
        return Route("answer", found, rest) if rest else None
    if waiting or is_command and not _SKIP_AFTER.match(text) or not open_ones:
        return None
    if len(open_ones) == 1:
        return Route("skip", open_ones[0]) if _SKIP_AFTER.match(text) else Route("answer", open_ones[0], text)
    return Route("which", None, text, tuple(open_ones))


def named(text: str) -> tuple[int, str] | None:
    """(2, "housing, when they placed the family") for `Q2: housing, when they placed the family`: a message that
    names one of the practitioner's questions and says something to it; None otherwise (`skip Q2` included)."""
    found = _NUMBERED.match(text)
    return (int(found[2]), found[3].strip()) if found and not found[1] and found[3].strip() else None


def _named_choice(text: str, choices: tuple[FollowUp, ...]) -> FollowUp | None:
    """The one of `choices` ("which question is this?") that `text` names: its number (`2`), its name (`Q2`,
    `question 2`) or its button's words (`Q2 (KPE4)`). The list shows the names, never positions, so that a
    typed 2 can only mean Q2."""
    bare, numbered = _CHOICE.match(text), _NUMBERED.match(text)
    if bare:
        number = int(bare[1])
    elif numbered and not numbered[1]:
        number, rest = int(numbered[2]), numbered[3].strip(" ()").lower()
        if rest and not any(rest == f.episode.lower() for f in choices if f.number == number):
            return None   # `Q2 we rang the GP`: an answer to Q2, taken as one below
    else:
        return None
    return next((f for f in choices if f.number == number), None)


def counts(follow_ups: list[FollowUp]) -> dict[str, int]:
    """{status: how many}, in STATUSES order, the statuses that have any."""
    found = {status: sum(1 for f in follow_ups if f.status == status) for status in STATUSES}
    return {status: n for status, n in found.items() if n}


@dataclass
class FollowUpShown:
    """A follow-up as a digest shows it, under the practitioner's account of the episode: pseudonymised with the
    rest of the digest, and marked as the review team's question, not part of their reflection."""
    name: str                # Q1
    who: str                 # the practitioner, by role and agency
    field: str               # the label of the answer it refers to, or ""
    quoted: str
    question: str
    status: str
    asked_at: str
    answered_at: str
    answer: str
