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

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.core.buttons import LONGEST_LABEL_TYPED, number_of, pressed
from bot.core.digest import WHOLE, hindsight_in
from bot.core.lifecycle import can_revise, can_withdraw, is_preparing, is_read_only
from bot.core.matching import ChoicesMatch, Factor, headings_picked, match_choices, match_factors, picked
from bot.core.prompts import Prompts, Step, chosen_values, command_words
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


# Where the `once` steps' answers are kept (prompts/conversation.toml): under no episode, for the whole reflection.
WHOLE_REFLECTION = Episode(WHOLE, "", dt.date.min)
# An answer of this many words or fewer to a required free-text question gets one gentle nudge ("no", "n/a").
THIN_WORDS = 1


class Slot(NamedTuple):
    """One question about one episode (or, for a `once` step, about the whole reflection)."""
    episode: Episode
    step: Step

    @property
    def token(self) -> str:
        return f"{self.episode.key}/{self.step.key}"


class Slots(Sequence):
    """Every question of the conversation in order (each step of each of the member's episodes, then the
    `closing` steps, asked once), made when asked for: a member of a 60-episode review has 541, and one
    message needs two."""

    def __init__(self, episodes: Sequence[Episode], steps: Sequence[Step], closing: Sequence[Step] = ()):
        self.episodes, self.steps = episodes, steps
        self.closing = closing if episodes else ()   # nothing to add to when there is nothing to reflect on
        self.per_episode = len(episodes) * len(steps)

    def __len__(self) -> int:
        return self.per_episode + len(self.closing)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index >= self.per_episode:
            return Slot(WHOLE_REFLECTION, self.closing[index - self.per_episode])
        return Slot(self.episodes[index // len(self.steps)], self.steps[index % len(self.steps)])


@dataclass
class Reply:
    """Something to say. `kind` tells the renderer how: text, intro, intro_again (its short form), ask, clarify,
    confirm, offer, check, answers, help."""
    kind: str
    text: str = ""
    slot: Slot | None = None
    number: int = 0            # question n ...
    total: int = 0             # ... of total, within the episode
    current: object = None     # the stored answer, when asking again
    candidates: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)   # kind "offer": what each candidate's button types
    footer: str = ""
    items: list["CheckItem"] = field(default_factory=list)

    @property
    def asks(self) -> bool:
        """Whether it puts a question on screen: its buttons (or none) are then what typing a label or a number
        clicks. A remark (saved, paused, help, a refusal) leaves the last question's buttons as they were."""
        return self.kind in ("intro", "intro_again", "ask", "clarify", "confirm", "offer", "check")


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
    back, each lands under the same heading); a choice by its label (several chosen at a `multiple` step,
    stored as a list of values, joined with semicolons too)."""
    chosen = isinstance(value, list) and all(isinstance(item, str) for item in value)
    if (step is not None and step.kind == "choice") or (value and chosen):
        labels = {o.value: o.label for o in step.options} if step is not None else {}
        return "; ".join(labels.get(v, v) for v in chosen_values(value))
    if isinstance(value, list):
        return "; ".join(item["text"] if item["text"] == item["heading"] else f"{item['heading']}: {item['text']}"
                         for item in value)
    return "" if value is None else str(value)


def _mid_sentence(label: str) -> str:
    """An option's label as it reads after "Got it:": "My own memory" is "my own memory", but an acronym ("NHS
    notes") and "I" keep their capitals."""
    first = (label.split() or [""])[0]
    if first == "I" or (len(first) > 1 and first.isupper()):
        return label
    return label[:1].lower() + label[1:]


def match_step_choice(step: Step, typed: str) -> ChoicesMatch:
    """What `typed` chooses at a choice step: an option by its number, label, value (what its button types) or
    one of its synonyms, a typo allowed; at a `multiple` step, several, or the words that give several at once.

        match_step_choice(prompts.step("knowledge_source"), "both").chosen   # [0, 1]: memory and the records
    """
    values = [o.value for o in step.options]
    return match_choices(typed, [[o.value, o.label, *o.synonyms] for o in step.options],
                         [(list(t.words), [values.index(v) for v in t.values]) for t in step.together],
                         list(step.joiners), step.multiple)


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
    if {_command(prompts, text), _command(prompts, pressed(text, state.offered) or "")} & {"answers", "submit"}:
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
        self.slots = Slots(assignment.episodes, prompts.steps, prompts.closing)
        # Where a slot token ("KPE2/options") is in self.slots: episode by episode, the steps in order.
        self._episode_at = assignment.positions
        self._step_at = {step.key: i for i, step in enumerate(prompts.steps)}

    # ----- where we are -------------------------------------------------

    def _index(self, token: str) -> int | None:
        episode, _, step = token.partition("/")
        closing = [s.key for s in self.slots.closing]
        if episode == WHOLE_REFLECTION.key and step in closing:
            return self.slots.per_episode + closing.index(step)
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
        current = self.answers.get((slot.episode.key, slot.step.key))
        if index >= self.slots.per_episode:   # a question for the whole reflection: no episode, no counter
            return Reply("ask", slot=slot, current=current)
        return Reply("ask", slot=slot, number=index % per_episode + 1, total=per_episode, current=current)

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
            return [Reply("intro_again")]
        if stage == "declined":
            return [self._say("intro.declined_reminder", title=self.review.title)]
        if stage == "withdrawn":
            return [self._say("lifecycle.withdrawn_reminder", title=self.review.title)]
        if stage == "checking":
            return [Reply("check", items=self.check_items())]
        if stage == "submitted":
            return [self._say("replies.already_submitted", title=self.review.title)]
        return [self._on_screen(self.current_index())]

    def _on_screen(self, index: int) -> Reply:
        """The question waiting for an answer at `index`: a "which heading?" still open there (its statements
        kept in the state, so that a `skip`, a pause or a resume loses none of them), else the question itself."""
        pending = self.state.pending or {}
        if pending.get("kind") == "factors" and pending.get("statements") and pending.get("slot") == \
                self.slots[index].token:
            return self._which_heading(pending["statements"])
        return self._ask(index)

    def handle(self, text: str, clicked: bool = False) -> Outcome:
        """What the practitioner typed, or (`clicked`) what a button they clicked types for them.

        Typed words that are a button's label or number are first read as that button (`_pressed`); what it
        types is then taken like any typed text, so the command words in prompts/conversation.toml [commands]
        (`yes`, `sure`, `skip`, ...) are the one way each word is understood, and a label is only a shortcut
        to its button's word."""
        if not clicked:
            text = self._pressed(text)
        typed, text = text, text.strip()
        command = self._unless_a_choice(text, _command(self.prompts, text))
        stage = self.state.stage
        if stage == "withdrawn":
            return self._outcome(*self.where_we_are())
        if command == "snooze":
            # The reminders' "Snooze a week", typed: the service snoozes them (bot/reminding.py); nothing else.
            return self._outcome(events=["snoozed"])
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

    def _own_numbers(self) -> int:
        """How long a numbered list of its own the question on screen has (choice options, factor headings, the
        answers to check, the candidates of a clarifying question), 0 when none: its numbers pick from it."""
        pending = self.state.pending or {}
        if pending.get("kind") == "withdraw":
            return 0
        if pending.get("candidates"):
            return len(pending["candidates"])
        if self.state.stage == "checking":
            return len(self.slots)
        slot = self.current_slot() if self.state.stage == "asking" else None
        if slot is None:
            return 0
        return {"choice": len(slot.step.options), "factors": len(self.prompts.headings)}.get(slot.step.kind, 0)

    def _pressed(self, text: str) -> str:
        """Typed text that names an offered button (its label, roughly, or its number; bot/core/buttons.py) is
        what clicking that button types; anything else is itself. A number in the question's own list is left
        to the question (`3` at the factor headings is the third heading, even after a reminder)."""
        number = number_of(text)
        if number is None and len(text) > LONGEST_LABEL_TYPED:
            return text   # nearly every message: an answer, too long to be a label
        own = self._own_numbers()
        if number is not None and 1 <= number <= own:
            return text
        # The factor headings are listed as text, so the question's buttons (Keep my answer) follow them: 10.
        slot = self.current_slot() if self.state.stage == "asking" and not self.state.pending else None
        listed = own if slot is not None and slot.step.kind == "factors" else 0
        found = pressed(text, self.state.offered, listed)
        return text if found is None else found

    def _unless_a_choice(self, text: str, command: str | None) -> str | None:
        """The command `text` is, unless it names an option of the choice being asked.

        The rule: a command's own word (the first of its words in [commands]: `pause`) always commands; any other
        of its words that clearly names an option at a choice step is that option. So `later` at "Where does
        what you've told me come from?" is "Something I learned later", and pauses at every other question.
        """
        if command is None or self.state.stage != "asking" or command_words(text) == self.prompts.commands[command][0]:
            return command
        slot = self.current_slot()
        if slot is None or slot.step.kind != "choice" or not match_step_choice(slot.step, text).chosen:
            return command
        return None

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
        # Nothing is stored before consent: whatever they wrote (`resume`, `help`, a question, an answer) is
        # dropped, and they get the short invitation again, with how their words will be used and the buttons.
        return self._outcome(Reply("intro_again"))

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
        if command == "back" and self.slots:
            # Back from "check your answers" is the last question, as from any question the one before it.
            index = len(self.slots) - 1
            self.state.stage, self.state.cursor, self.state.editing = "asking", self.slots[index].token, False
            return self._outcome(self._ask(index))
        if command == "resume":
            return self._outcome(Reply("check", items=self.check_items()))
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
            return self._outcome(*before, *self._between_episodes(index), self._ask(index + 1), writes=writes)
        self.state.stage = "checking"
        return self._outcome(*before, Reply("check", items=self.check_items()), writes=writes)

    def _asking(self, text: str, command: str | None, typed: str) -> Outcome:
        index = self.current_index()
        slot = self.slots[index]
        self.state.cursor = slot.token
        if (self.state.pending or {}).get("kind") == "hindsight":
            answered = self._hindsight_answered(index, text, command)
            if answered is not None:
                return answered
        if command == "resume" or (self.state.paused and not text):
            self.state.paused = False
            return self._outcome(self._say("replies.resumed"), self._on_screen(index))
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
                return self._outcome(self._say("replies.cannot_skip"), self._on_screen(index))
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
        # Stored exactly as typed (whitespace too): what the practitioner wrote is theirs. Stored before any
        # gentle check, so a check never holds an answer back.
        self._store(slot, typed)
        writes = [(slot.episode.key, slot.step.key, typed)]
        if self._is_thin(slot, text):
            return self._outcome(self._say("guide.thin_nudge"), writes=writes)
        checked = self._hindsight_check(slot, text)
        outcome = self._advance(index, *checked, writes=writes)
        if checked and self.state.stage == "asking":
            # Open while the next question is answered (_advance clears what was pending before).
            self.state.pending = {"kind": "hindsight", "slot": slot.token}
        return outcome

    def _store(self, slot: Slot, value) -> None:
        self.answers.give((slot.episode.key, slot.step.key), value)

    # ----- along the way: between episodes, and the gentle checks, each made once -------------

    def _between_episodes(self, index: int) -> list[Reply]:
        """"Episode 1 of 2 done. Next:", when the question after `index` starts another episode (whose heading
        follows, naming it)."""
        done, after = self.slots[index], self.slots[index + 1]
        if self.state.editing or after.episode is WHOLE_REFLECTION or after.episode.key == done.episode.key:
            return []
        return [self._say("guide.episode_done", n=self._episode_at[done.episode.key] + 1,
                          total=len(self.slots.episodes), episode_key=after.episode.key,
                          episode_title=after.episode.title)]

    def _once(self, check: str) -> bool:
        """True the first time `check` ("thin:KPE1/options") is made; it is noted, so never made again."""
        if check in self.state.noted:
            return False
        self.state.noted = [*self.state.noted, check]
        return True

    def _is_thin(self, slot: Slot, text: str) -> bool:
        """A one-word answer ("no", "n/a") to a required free-text question, the first time for this question.
        Not while editing from "check your answers": that is a second look at the whole reflection, and the
        nudge would keep them from the page they return to."""
        if slot.step.kind != "text" or not slot.step.required or self.state.editing:
            return False
        worded = (word for word in text.split() if any(ch.isalnum() for ch in word))
        return len(list(itertools.islice(worded, THIN_WORDS + 1))) <= THIN_WORDS and self._once(f"thin:{slot.token}")

    def _hindsight_check(self, slot: Slot, text: str) -> list[Reply]:
        """Learning Together guards against hindsight bias: an account of the time (digest.toml [account]) that
        has a phrase from hindsight.toml is asked about once per episode. The answer is already stored as typed,
        and the next question follows: the check never blocks, and the digest still flags the sentence if kept.
        Not while editing from "check your answers", where the words have been read back and chosen again."""
        rules = self.prompts.digest
        if (rules is None or slot.step.key not in rules.steps.account or self.state.editing
                or f"hindsight:{slot.episode.key}" in self.state.noted or not hindsight_in([text], rules)):
            return []
        self._once(f"hindsight:{slot.episode.key}")
        offer = Reply("offer", self.prompts.say("guide.hindsight_check"),
                      candidates=[self.prompts.say("guide.hindsight_keep_button"),
                                  self.prompts.say("guide.hindsight_rephrase_button")],
                      typed=["keep", "rephrase"])
        return [offer]

    def _hindsight_answered(self, index: int, text: str, command: str | None) -> Outcome | None:
        """The reply to the hindsight check, if `text` is one: *Let me rephrase* asks that question again with
        the answer shown (the next answer replaces it); *Keep as it is* (or `keep`, `skip`) keeps it. Anything
        else is the answer to the question now asked, and the check is let go."""
        pending, self.state.pending = self.state.pending, None
        # Its buttons' labels, typed, arrive here as what the buttons type (`_pressed`): `rephrase` and `keep`.
        word = " ".join(text.lower().split()).rstrip(".!")
        target = self._index(pending.get("slot", ""))
        if word == "rephrase" and target is not None:
            self.state.cursor = self.slots[target].token
            return self._outcome(self._ask(target))
        if command == "skip":
            return self._outcome(self._say("guide.hindsight_kept"), self._ask(index))
        return None

    # ----- choices and factors -----------------------------------------

    def _answer_choice(self, index: int, slot: Slot, text: str) -> Outcome:
        options = slot.step.options
        found = match_step_choice(slot.step, text)
        if found.chosen:
            return self._chose(index, slot, [options[i].value for i in found.chosen])
        if found.ambiguous:
            self.state.pending = {"kind": "choice", "slot": slot.token,
                                  "candidates": [options[i].value for i in found.candidates]}
            return self._outcome(Reply("clarify", self.prompts.say("replies.choice_ambiguous"),
                                       candidates=[options[i].label for i in found.candidates],
                                       footer=self.prompts.say("replies.choice_ambiguous_footer")))
        return self._outcome(Reply("clarify", self.prompts.say("replies.choice_unknown"),
                                   candidates=[o.label for o in options]))

    def _chose(self, index: int, slot: Slot, values: list[str]) -> Outcome:
        """Store the option(s) chosen, and say what was understood, typed or clicked ("Got it: something I learned
        later"): a typed answer read wrongly is seen at once, and `back` puts it right."""
        value = values if slot.step.multiple else values[0]
        self._store(slot, value)
        labels = {o.value: o.label for o in slot.step.options}
        words = [_mid_sentence(labels[v]) for v in values]
        choice = words[0] if len(words) == 1 else self.prompts.say("replies.choice_joined",
                                                                    first=", ".join(words[:-1]), last=words[-1])
        return self._advance(index, self._say("replies.choice_understood", choice=choice),
                             writes=[(slot.episode.key, slot.step.key, value)])

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
            return self._chose(index, slot, [chosen])
        return None
