"""A Slack modal at the terminal: each input block asked in turn, the answers sent back as Slack's
view_submission would carry them, so every form of the bot can be tried offline.

    form = TerminalForm(view)                  # the view the bot passed to views.open
    form.field.label                           # 'Key': the question being asked
    form.answer("KPE6")                        # '' when taken, else what is wrong ('Start is required ...')
    form.done                                  # every field answered
    form.state()                               # {"values": {"key": {"value": {"type": ..., "value": "KPE6"}}}, ...}
    form.ask_again({"end": "End is before start."})   # the bot's field errors: ask those fields again

Slack's own client checks some things before a form is sent (a required field, a date from the
picker, a length, a real option); the terminal checks the same, and the bot checks the rest.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.core.review import SLACK_ID_PATTERN
from bot.render.terminal import plain, wrap

SINGLE_CHOICE = ("static_select", "radio_buttons")
MANY_CHOICES = ("multi_static_select", "checkboxes")
MENTION = re.compile(r"<?@?([UW][A-Z0-9]+)(?:\|[^>]*)?>?")
_SEPARATORS = re.compile(r"[\s,;]+")


def _words(text_object) -> str:
    if not isinstance(text_object, dict):
        return ""
    text = str(text_object.get("text") or "")
    return plain(text) if text_object.get("type") == "mrkdwn" else text


@dataclass
class FormField:
    """One input block: what it asks, and how a typed line becomes what Slack's element would send."""
    block_id: str
    element: dict
    label: str
    hint: str = ""
    optional: bool = False

    @property
    def kind(self) -> str:
        return str(self.element.get("type") or "")

    @property
    def options(self) -> list[dict]:
        return list(self.element.get("options") or [])

    def lines(self, width: int) -> list[str]:
        """The question as printed: the label, whether it may stay empty, the hint, and any choices."""
        how = {"datepicker": "a date, like 2025-03-04", "users_select": "a Slack user ID, like U0NEW001",
               **{kind: "type its number" for kind in SINGLE_CHOICE},
               **{kind: "one or more: type their numbers, like 1 3" for kind in MANY_CHOICES}}.get(self.kind)
        said = "; ".join(filter(None, ["optional: an empty line leaves it empty" if self.optional else "required",
                                       how]))
        lines = wrap(f"{self.label} ({said})", "  ", width)
        if self.hint:
            lines += wrap(self.hint, "    ", width)
        for number, option in enumerate(self.options, start=1):
            lines += wrap(f"[{number}] {_words(option.get('text'))}", "    ", width)
        return lines

    def parse(self, typed: str) -> tuple[dict | None, str]:
        """(the element's state, '') for a typed line, or (None, what is wrong)."""
        typed = typed.strip()
        if not typed:
            if not self.optional:
                return None, f"{self.label} is required: Slack doesn't send the form without it."
            return self._empty(), ""
        if self.kind == "datepicker":
            try:
                dt.date.fromisoformat(typed)
            except ValueError:
                return None, f"{self.label} should be a date like 2025-03-04, not {typed[:40]!r}."
            return {"type": self.kind, "selected_date": typed}, ""
        if self.kind in ("users_select", "multi_users_select"):
            found = MENTION.fullmatch(typed)
            if not found or not SLACK_ID_PATTERN.fullmatch(found[1]):
                return None, (f"{self.label} should be a Slack user ID, like U0NEW001 (in Slack you'd pick a "
                              f"person), not {typed[:40]!r}.")
            return {"type": self.kind, "selected_user": found[1]}, ""
        if self.kind in SINGLE_CHOICE + MANY_CHOICES:
            return self._choose(typed)
        limit = self.element.get("max_length")
        if limit and len(typed) > limit:
            return None, f"{self.label} can be at most {limit} characters; that was {len(typed)}."
        return {"type": self.kind or "plain_text_input", "value": typed}, ""

    def _empty(self) -> dict:
        if self.kind in MANY_CHOICES:
            return {"type": self.kind, "selected_options": []}
        if self.kind in SINGLE_CHOICE:
            return {"type": self.kind, "selected_option": None}
        key = {"datepicker": "selected_date", "users_select": "selected_user"}.get(self.kind, "value")
        return {"type": self.kind, key: None}

    def _choose(self, typed: str) -> tuple[dict | None, str]:
        chosen = []
        for word in filter(None, _SEPARATORS.split(typed)):
            option = self._option(word)
            if option is None:
                return None, (f"{word[:40]!r} isn't one of the choices for {self.label}: type numbers from 1 to "
                              f"{len(self.options)}.")
            if option not in chosen:
                chosen.append(option)
        if self.kind in SINGLE_CHOICE:
            if len(chosen) > 1:
                return None, f"{self.label} takes one choice."
            return {"type": self.kind, "selected_option": chosen[0]}, ""
        return {"type": self.kind, "selected_options": chosen}, ""

    def _option(self, word: str) -> dict | None:
        """A choice by its number, or by its value (KPE2, a Slack ID), as typed."""
        if word.isascii() and word.isdigit():
            number = int(word)
            return self.options[number - 1] if 1 <= number <= len(self.options) else None
        return next((o for o in self.options if str(o.get("value", "")).lower() == word.lower()), None)


@dataclass
class TerminalForm:
    view: dict
    fields: list[FormField] = field(default_factory=list)
    answers: dict[str, dict] = field(default_factory=dict)   # block id -> the element's state
    waiting: list[int] = field(default_factory=list)         # the fields still to ask, in order

    def __post_init__(self):
        for block in self.view.get("blocks") or []:
            if block.get("type") == "input" and isinstance(block.get("element"), dict):
                self.fields.append(FormField(block.get("block_id") or f"b{len(self.fields)}", block["element"],
                                             _words(block.get("label")) or "Answer", _words(block.get("hint")),
                                             bool(block.get("optional"))))
        self.waiting = list(range(len(self.fields)))

    @property
    def title(self) -> str:
        return _words(self.view.get("title")) or "a form"

    @property
    def submit_label(self) -> str:
        return _words(self.view.get("submit")) or "Submit"

    @property
    def done(self) -> bool:
        return not self.waiting

    @property
    def field(self) -> FormField:
        return self.fields[self.waiting[0]]

    def answer(self, typed: str) -> str:
        """Fill the field being asked. Returns '' when taken, or what is wrong (it is asked again)."""
        state, problem = self.field.parse(typed)
        if problem:
            return problem
        self.answers[self.field.block_id] = state
        self.waiting.pop(0)
        return ""

    def ask_again(self, errors: dict[str, str]) -> bool:
        """The bot kept the form open with these fields' errors: ask those again, in the form's order.
        False when no field of the form has an error (nothing typed again could mend it)."""
        self.waiting = [i for i, f in enumerate(self.fields) if f.block_id in errors]
        return bool(self.waiting)

    def state(self) -> dict:
        return {"values": {f.block_id: {str(f.element.get("action_id") or "value"): self.answers[f.block_id]}
                           for f in self.fields if f.block_id in self.answers}}
