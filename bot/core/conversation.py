"""The guided reflection: a state machine over the prompt script.

Pure: it takes the conversation's state, the practitioner's stored answers and
what they typed, and returns the new state, the answers to store and what to
say. The service (bot/reflect.py) loads the answers the step reads first
(`episodes_needed`), and stores the outcome in one transaction, then sends the replies.

A story in three calls:

    assignment = review.assignment("U0HV0001")
    talk = Conversation(prompts, assignment, State.new(review.key, "U0HV0001"), Answers({}))
    talk.start().replies[0].kind        # 'intro'
    outcome = talk.handle("yes")        # consent first: nothing is stored before it
    outcome.state.stage, outcome.events # ('asking', ['consented'])
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.core.lifecycle import can_revise, can_withdraw, is_preparing, is_read_only
from bot.core.matching import Factor, headings_picked, match_choice, match_factors, picked
from bot.core.prompts import Prompts, Step
from bot.core.review import Assignment, Episode
from bot.core.text import shorten

@dataclass
class State:
    """Where a practitioner is in their reflection on one review. Stored in SQLite."""
    review_key: str
    member: str
    stage: str = "consent"
    cursor: str = ""          # "KPE1/at_the_time": the slot being asked
    paused: bool = False
    editing: bool = False     # changing one answer from the check step; return there after
    pending: dict | None = None  # a clarifying question awaiting its answer
    version: int = 0          # how many times the reflection has been submitted
    # The buttons of the latest conversation message that had any, [label, what clicking it types], so that
    # typing a button's words (or its number) is clicking it. Set by the service from what it rendered.
    offered: list | None = None
    # One-time checks already made, so none is asked twice: "hindsight:KPE1", "thin:KPE1/options".
    noted: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, review_key: str, member: str) -> "State":
        return cls(review_key, member)


class Slot(NamedTuple):
    """One question about one episode."""
    episode: Episode
    step: Step

    @property
    def token(self) -> str:
        return f"{self.episode.key}/{self.step.key}"


class Slots(Sequence):
    """Every question of the conversation in order (each step of each of the member's episodes),
    made when asked for: a member of a 60-episode review has 540, and one message needs two."""

    def __init__(self, episodes: Sequence[Episode], steps: Sequence[Step]):
        self.episodes, self.steps = episodes, steps

    def __len__(self) -> int:
        return len(self.episodes) * len(self.steps)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return Slot(self.episodes[index // len(self.steps)], self.steps[index % len(self.steps)])


@dataclass
class Reply:
    """Something to say. `kind` tells the renderer how: text, intro, ask, clarify, confirm, check, answers,
    help."""
    kind: str
    text: str = ""
    slot: Slot | None = None
    number: int = 0            # question n ...
    total: int = 0             # ... of total, within the episode
    current: object = None     # the stored answer, when asking again
    candidates: list[str] = field(default_factory=list)
    footer: str = ""
    items: list["CheckItem"] = field(default_factory=list)


@dataclass
class CheckItem:
    number: int
    slot: Slot
    value: object            # None when not answered


@dataclass
class Outcome:
    state: State
    writes: list[tuple[str, str, object]] = field(default_factory=list)  # (episode, field, value)
    replies: list[Reply] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # consented, declined, submitted, revising, withdrawn


def display(value, step: Step | None = None) -> str:
    """An answer as one line of text: factors joined with semicolons, each after its heading (so that, typed
    back, each lands under the same heading), a choice by its label."""
    if isinstance(value, list):
        return "; ".join(item["text"] if item["text"] == item["heading"] else f"{item['heading']}: {item['text']}"
                         for item in value)
    if step is not None and step.kind == "choice":
        return next((o.label for o in step.options if o.value == value), str(value))
    return "" if value is None else str(value)


def encode(value) -> str:
    """How an answer is stored: JSON, so that text and factor lists round-trip exactly."""
    return json.dumps(value, ensure_ascii=False)


def decode(stored: str):
    return json.loads(stored)


class Answers(Mapping):
    """A practitioner's answers, {(episode, field): value}, as loaded for one step: those of `episodes` only,
    or all of them (None). `stored` holds them as stored (JSON text, see `encode`), decoded when read: a step
    reads one or two of them at most. Plain data: asking about an episode that was not loaded is a mistake
    in `episodes_needed`, and raises instead of answering wrongly."""

    def __init__(self, stored: dict[tuple[str, str], str], episodes: frozenset[str] | None = None):
        self.stored, self.episodes = stored, episodes
        self.given: dict[tuple[str, str], object] = {}    # answered in this step

    def _loaded(self, key: tuple[str, str]) -> tuple[str, str]:
        if self.episodes is not None and key[0] not in self.episodes:
            raise LookupError(f"the answers of {key[0]} were not loaded for this step")
        return key

    def give(self, key: tuple[str, str], value) -> None:
        self.given[key] = value

    def __contains__(self, key) -> bool:
        return key in self.given or self._loaded(key) in self.stored

    def __getitem__(self, key: tuple[str, str]):
        if key in self.given:
            return self.given[key]
        return decode(self.stored[self._loaded(key)])

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.stored.keys() | self.given.keys())

    def __len__(self) -> int:
        return len(self.stored.keys() | self.given.keys())

    def __repr__(self) -> str:
        return f"Answers({len(self)} answers, episodes={sorted(self.episodes) if self.episodes else 'all'})"


# How many statements "which heading?" quotes; the rest are counted (one number still answers for all).
FACTORS_ASKED_SHOWN = 10
# A reply of numbers only ("12", "3, 4"): an attempt at picking headings, never new factors.
_NUMBERS_ONLY = re.compile(r"(?:\s|\d+[.)]?|[,;&]|and)+", re.IGNORECASE)


def _command(prompts: Prompts, text: str) -> str | None:
    """The typed command `text` is, if any (a long text is an answer, whatever its first words)."""
    text = text.strip()
    return prompts.command_for(text) if len(text) < 40 else None


def episodes_needed(prompts: Prompts, assignment: Assignment, state: State | None, text: str) -> frozenset[str] | None:
    """Whose answers handling `text` reads: while answering question by question (nearly every message), the
    cursor's episode and, at its first or last question, the episode before or after; otherwise all (None)."""
    if state is None or state.stage != "asking" or state.editing:
        return None
    if _command(prompts, text) in ("answers", "submit"):
        return None
    episode, _, step = state.cursor.partition("/")
    place, steps = assignment.positions.get(episode), [s.key for s in prompts.steps]
    if place is None or step not in steps:
        return None   # the first open question is looked for
    first, last = step == steps[0], step == steps[-1]
    if last and place == len(assignment.episodes) - 1:
        return None   # the last question: "check your answers" comes next
    needed = {episode}
    if first and place > 0:
        needed.add(assignment.episodes[place - 1].key)
    if last:
        needed.add(assignment.episodes[place + 1].key)
    return frozenset(needed)


class Candidate(NamedTuple):
    """A review a DM from someone may be about, with their conversation in it."""
    review_key: str
    revision: int              # the review's revision when read
    state: State | None        # None before their invitation
    updated_at: str
    invited_at: str


def which_review(candidates: Sequence[Candidate]) -> Candidate | None:
    """Which review a DM is about, for someone in several case groups (`candidates` in the order they joined):
    first a reflection in progress (the one they last worked on); then an invitation not yet answered (the
    oldest first, so two invitations are answered in the order they came); then one not yet sent; then the
    rest. A typed "yes" never goes to an invitation that arrived after the one they were reading."""
    def rank(candidate: Candidate) -> int:
        stage = candidate.state.stage if candidate.state else None
        return {"asking": 0, "checking": 0, "consent": 1, None: 2}.get(stage, 3)

    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    best = min(map(rank, candidates))
    tied = sorted((c for c in candidates if rank(c) == best), key=lambda c: c.invited_at)
    return max(tied, key=lambda c: c.updated_at) if best == 0 else tied[0]


class Conversation:
    """One practitioner's reflection on one review."""

    def __init__(self, prompts: Prompts, assignment: Assignment, state: State, answers: Answers):
        self.prompts = prompts
        self.review = assignment.review
        self.member = assignment.member
        self.state = State(**vars(state))   # a copy: the caller's is left as it was
        self.answers = Answers(answers.stored, answers.episodes)
        self.slots = Slots(assignment.episodes, prompts.steps)
        # Where a slot token ("KPE2/options") is in self.slots: episode by episode, the steps in order.
        self._episode_at = assignment.positions
        self._step_at = {step.key: i for i, step in enumerate(prompts.steps)}

    # ----- where we are -------------------------------------------------

    def _index(self, token: str) -> int | None:
        episode, _, step = token.partition("/")
        if episode not in self._episode_at or step not in self._step_at:
            return None
        return self._episode_at[episode] * len(self._step_at) + self._step_at[step]

    def _answered(self, slot: Slot) -> bool:
        return (slot.episode.key, slot.step.key) in self.answers

    def _first_open(self, required_only: bool = False) -> int | None:
        for i, slot in enumerate(self.slots):
            if not self._answered(slot) and (slot.step.required or not required_only):
                return i
        return None

    def current_index(self) -> int:
        index = self._index(self.state.cursor)
        if index is None:  # new review or episodes changed on re-import: first open question
            index = self._first_open() or 0
        return index

    def current_slot(self) -> Slot | None:
        return self.slots[self.current_index()] if self.slots else None

    def _say(self, key: str, **values) -> Reply:
        return Reply("text", self.prompts.say(key, **values))

    def _ask(self, index: int) -> Reply:
        slot = self.slots[index]
        per_episode = len(self.prompts.steps)
        return Reply("ask", slot=slot, number=index % per_episode + 1, total=per_episode,
                     current=self.answers.get((slot.episode.key, slot.step.key)))

    def _outcome(self, *replies: Reply, writes=(), events=()) -> Outcome:
        return Outcome(self.state, list(writes), list(replies), list(events))

    def check_items(self) -> list[CheckItem]:
        return [CheckItem(i + 1, slot, self.answers.get((slot.episode.key, slot.step.key)))
                for i, slot in enumerate(self.slots)]

    # ----- entry points -------------------------------------------------

    def start(self) -> Outcome:
        """The invitation: introduction, how words are used, and the consent question."""
        self.state.stage = "consent"
        return self._outcome(Reply("intro"))

    def where_we_are(self) -> list[Reply]:
        """What to show someone coming back: the question they're on, or their answers."""
        stage = self.state.stage
        if stage == "consent":
            return [Reply("intro")]
        if stage == "declined":
            return [self._say("intro.declined_reminder", title=self.review.title)]
        if stage == "withdrawn":
            return [self._say("lifecycle.withdrawn_reminder", title=self.review.title)]
        if stage == "checking":
            return [Reply("check", items=self.check_items())]
        if stage == "submitted":
            return [self._say("replies.already_submitted", title=self.review.title)]
        return [self._ask(self.current_index())]

    def handle(self, text: str) -> Outcome:
        """What the practitioner typed (or a button said for them)."""
        typed, text = text, text.strip()
        command = _command(self.prompts, text)
        stage = self.state.stage
        if stage == "withdrawn":
            return self._outcome(*self.where_we_are())
        if is_read_only(self.review.stage) and command not in ("help", "answers"):
            return self._outcome(self._say("lifecycle.read_only", title=self.review.title))
        if (self.state.pending or {}).get("kind") == "withdraw":
            return self._confirm_withdrawal(command)
        if command == "withdraw":
            return self._withdraw()
        if is_preparing(self.review.stage) and not (command == "answers" and stage not in ("consent", "declined")):
            # Consent included: agreeing is agreeing to answer, and there is nothing to answer yet.
            return self._outcome(self._say("lifecycle.in_setup", title=self.review.title))
        if stage == "consent":
            return self._consent(command)
        if stage == "declined":
            if command == "yes":
                return self._consent("yes")
            return self._outcome(self._say("intro.declined_reminder", title=self.review.title))
        if command == "help":
            return self._outcome(Reply("help", self.prompts.say("help.text")))
        if command == "answers":
            return self._show_answers()
        if stage == "submitted":
            if command == "revise" and not can_revise(self.review.stage):
                return self._outcome(self._say("lifecycle.revise_too_late", title=self.review.title,
                                               stage=self._stage_name()))
            if command == "revise":
                self.state.stage = "checking"
                return self._outcome(self._say("replies.revising"), Reply("check", items=self.check_items()),
                                     events=["revising"])
            return self._outcome(self._say("replies.already_submitted", title=self.review.title))
        if command == "submit":
            return self._submit()
        if stage == "checking":
            return self._checking(text, command)
        return self._asking(text, command, typed)

    # ----- stages -------------------------------------------------------

    def _consent(self, command: str | None) -> Outcome:
        if command == "yes":
            self.state.stage = "asking"
            self.state.cursor = self.slots[self._first_open() or 0].token if self.slots else ""
            return self._outcome(self._say("intro.consented"), self._ask(self.current_index()),
                                 events=["consented"])
        if command == "no":
            self.state.stage = "declined"
            return self._outcome(self._say("intro.declined"), events=["declined"])
        # Nothing is stored before consent: the text is dropped and the question asked again.
        return self._outcome(self._say("intro.consent_needed"))

    def _stage_name(self) -> str:
        return self.prompts.say(f"stages.{self.review.stage}")

    def _withdraw(self) -> Outcome:
        """Withdrawing consent deletes answers, so it is asked twice: `withdraw`, then `yes`."""
        title = self.review.title
        if self.state.stage in ("consent", "declined"):
            return self._outcome(self._say("lifecycle.nothing_to_withdraw", title=title))
        if not can_withdraw(self.review.stage):
            return self._outcome(self._say("lifecycle.withdraw_too_late", title=title, stage=self._stage_name()))
        self.state.pending = {"kind": "withdraw"}
        return self._outcome(Reply("confirm", self.prompts.say("lifecycle.withdraw_confirm", title=title),
                                   candidates=[self.prompts.say("lifecycle.withdraw_yes_button"),
                                               self.prompts.say("lifecycle.withdraw_no_button")]))

    def _confirm_withdrawal(self, command: str | None) -> Outcome:
        self.state.pending = None
        if command != "yes":
            return self._outcome(self._say("lifecycle.withdraw_cancelled"), *self.where_we_are())
        if not can_withdraw(self.review.stage):
            return self._withdraw()
        self.state.stage, self.state.cursor, self.state.editing, self.state.paused = "withdrawn", "", False, False
        self.answers = Answers({})
        return self._outcome(self._say("lifecycle.withdrawn", title=self.review.title), events=["withdrawn"])

    def _show_answers(self) -> Outcome:
        items = [item for item in self.check_items() if item.value is not None]
        if not items:
            replies = [self._say("replies.nothing_to_show")]
        else:
            replies = [Reply("answers", items=items)]
        if self.state.stage == "asking":
            replies.append(self._ask(self.current_index()))
        return self._outcome(*replies)

    def _submit(self) -> Outcome:
        missing = [slot for slot in self.slots if slot.step.required and not self._answered(slot)]
        if missing:
            first = self._index(missing[0].token)
            self.state.stage, self.state.cursor, self.state.editing = "asking", missing[0].token, False
            self.state.paused, self.state.pending = False, None
            return self._outcome(self._say("check.outstanding", count=len(missing)), self._ask(first))
        self.state.stage, self.state.editing, self.state.pending, self.state.paused = "submitted", False, None, False
        self.state.version += 1
        return self._outcome(self._say("replies.submitted", title=self.review.title, version=self.state.version),
                             events=["submitted"])

    def _checking(self, text: str, command: str | None) -> Outcome:
        index = picked(text, len(self.slots))
        if index is not None:
            self.state.stage, self.state.cursor, self.state.editing = "asking", self.slots[index].token, True
            return self._outcome(self._ask(index))
        return self._outcome(self._say("replies.check_prompt"))

    def _advance(self, index: int, *before: Reply, writes=()) -> Outcome:
        """After an answer: the next question, or back to the check step."""
        self.state.pending = None
        if self.state.editing:
            self.state.editing = False
            self.state.stage = "checking"
            return self._outcome(*before, self._say("replies.editing_done"),
                                 Reply("check", items=self.check_items()), writes=writes)
        if index + 1 < len(self.slots):
            self.state.cursor = self.slots[index + 1].token
            return self._outcome(*before, self._ask(index + 1), writes=writes)
        self.state.stage = "checking"
        return self._outcome(*before, Reply("check", items=self.check_items()), writes=writes)

    def _asking(self, text: str, command: str | None, typed: str) -> Outcome:
        index = self.current_index()
        slot = self.slots[index]
        self.state.cursor = slot.token
        if command == "resume" or (self.state.paused and not text):
            self.state.paused = False
            return self._outcome(self._say("replies.resumed"), self._ask(index))
        self.state.paused = False
        if command == "pause":
            self.state.paused = True
            return self._outcome(self._say("replies.paused"))
        if command == "back":
            self.state.pending = None
            if self.state.editing:
                self.state.editing, self.state.stage = False, "checking"
                return self._outcome(Reply("check", items=self.check_items()))
            if index == 0:
                return self._outcome(self._say("replies.at_start"), self._ask(index))
            self.state.cursor = self.slots[index - 1].token
            return self._outcome(self._ask(index - 1))
        if command == "skip":
            if self._answered(slot):
                return self._advance(index)
            if slot.step.required:
                return self._outcome(self._say("replies.cannot_skip"), self._ask(index))
            # An optional question left blank is stored as "", so it reads as skipped, not forgotten.
            self._store(slot, "")
            return self._advance(index, writes=[(slot.episode.key, slot.step.key, "")])
        if self.state.pending:
            resolved = self._resolve_pending(index, slot, text)
            if resolved is not None:
                return resolved
        if not text:
            return self._outcome(self._say("replies.required"), self._ask(index))
        if slot.step.kind == "choice":
            return self._answer_choice(index, slot, text)
        if slot.step.kind == "factors":
            return self._answer_factors(index, slot, text)
        # Stored exactly as typed (whitespace too): what the practitioner wrote is theirs.
        self._store(slot, typed)
        return self._advance(index, writes=[(slot.episode.key, slot.step.key, typed)])

    def _store(self, slot: Slot, value) -> None:
        self.answers.give((slot.episode.key, slot.step.key), value)

    # ----- choices and factors -----------------------------------------

    def _answer_choice(self, index: int, slot: Slot, text: str) -> Outcome:
        options = slot.step.options
        found = match_choice(text, [[o.value, o.label] for o in options])
        if found.index is not None:
            value = options[found.index].value
            self._store(slot, value)
            return self._advance(index, writes=[(slot.episode.key, slot.step.key, value)])
        if found.ambiguous:
            self.state.pending = {"kind": "choice", "slot": slot.token,
                                  "candidates": [options[i].value for i in found.candidates]}
            return self._outcome(Reply("clarify", self.prompts.say("replies.choice_ambiguous"),
                                       candidates=[options[i].label for i in found.candidates],
                                       footer=self.prompts.say("replies.choice_ambiguous_footer")))
        return self._outcome(Reply("clarify", self.prompts.say("replies.choice_unknown"),
                                   candidates=[o.label for o in options]))

    def _answer_factors(self, index: int, slot: Slot, text: str) -> Outcome:
        found = match_factors(text, self.prompts.headings)
        if not found.statements:
            return self._outcome(self._say("replies.required"), self._ask(index))
        if found.unclear:
            # Nothing is filed by guessing: every statement without a clear heading is asked about, in one
            # question, and all of them wait (in the state) for its answer.
            statements = [{"text": s.text, "heading": s.heading, "candidates": s.candidates}
                          for s in found.statements]
            self.state.pending = {"kind": "factors", "slot": slot.token, "statements": statements}
            return self._outcome(self._which_heading(statements))
        return self._save_factors(index, slot, found.resolved)

    def _which_heading(self, statements: list[dict]) -> Reply:
        """"Which heading?" for the statements without one, the headings listed by number (*other* last)."""
        headings = self.prompts.headings
        number = {h.name: i for i, h in enumerate(headings, start=1)}
        unclear = [s for s in statements if s["heading"] is None]
        lines = []
        for statement in unclear[:FACTORS_ASKED_SHOWN]:
            perhaps = ""
            if statement["candidates"]:
                numbers = self.prompts.say("replies.factors_perhaps_or").join(
                    str(number[c]) for c in statement["candidates"] if c in number)
                perhaps = self.prompts.say("replies.factors_perhaps", numbers=numbers)
            lines.append(self.prompts.say("replies.factors_which_line",
                                          statement=shorten(" ".join(statement["text"].split()), 200),
                                          perhaps=perhaps))
        if len(unclear) > FACTORS_ASKED_SHOWN:
            lines.append(self.prompts.say("replies.factors_which_more", count=len(unclear) - FACTORS_ASKED_SHOWN))
        several = "many" if len(unclear) > 1 else "one"
        return Reply("clarify", self.prompts.say(f"replies.factors_which_{several}", statements="\n".join(lines)),
                     candidates=[h.name for h in headings],
                     footer=self.prompts.say(f"replies.factors_which_footer_{several}"))

    def _resolve_factors(self, index: int, slot: Slot, pending: dict, text: str) -> Outcome | None:
        """The answer to "which heading?": a heading (number or name) for each statement asked about, in order,
        or one for all of them. Anything else is the factors typed again (None)."""
        statements = pending.get("statements")
        if statements is None:
            return None   # asked in an older shape: what is typed now is taken as the answer afresh
        headings = self.prompts.headings
        unclear = [s for s in statements if s["heading"] is None]
        chosen = headings_picked(text, headings)
        if chosen is not None and len(chosen) == 1:
            chosen = chosen * len(unclear)
        if chosen is None or len(chosen) != len(unclear):
            if chosen is None and not _NUMBERS_ONLY.fullmatch(text):
                return None
            # Numbers that don't fit (a "12", or two numbers for three statements): asked again, nothing lost.
            self.state.pending = pending
            return self._outcome(self._say("replies.factors_pick_again", last=len(headings)),
                                 self._which_heading(statements))
        headings_of = iter(headings[i].name for i in chosen)
        return self._save_factors(index, slot, [Factor(s["text"], s["heading"] or next(headings_of))
                                                for s in statements])

    def _save_factors(self, index: int, slot: Slot, factors: list[Factor]) -> Outcome:
        """Store the factors, and say where each one went: its heading, then the statements under it."""
        value = [f.as_dict() for f in factors]
        self._store(slot, value)
        by_heading: dict[str, list[str]] = {}
        for factor in factors:
            by_heading.setdefault(factor.heading, []).append(factor.text)
        lines = []
        for heading, texts in by_heading.items():
            words = [t for t in texts if t != heading]   # chosen by its number or name alone: the heading says it
            lines.append(self.prompts.say("replies.factors_saved_line", heading=heading, statements="; ".join(words))
                         if words else self.prompts.say("replies.factors_saved_heading", heading=heading))
        # "quote": the reply repeats the practitioner's own words, so the renderer neutralises it.
        saved = Reply("quote", self.prompts.say("replies.factors_saved", list="\n".join(lines)))
        return self._advance(index, saved, writes=[(slot.episode.key, slot.step.key, value)])

    def _resolve_pending(self, index: int, slot: Slot, text: str) -> Outcome | None:
        """A reply to a clarifying question: a number picks a candidate; anything else starts afresh."""
        pending, self.state.pending = self.state.pending, None
        if pending.get("slot") != slot.token:
            return None
        if pending["kind"] == "factors":
            return self._resolve_factors(index, slot, pending, text)
        candidates = pending["candidates"]
        number = picked(text, len(candidates))
        if number is None:
            return None
        chosen = candidates[number]
        if pending["kind"] == "choice":
            self._store(slot, chosen)
            return self._advance(index, writes=[(slot.episode.key, slot.step.key, chosen)])
        return None
