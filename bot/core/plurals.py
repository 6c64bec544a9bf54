"""Counted words: "1 agency", "2 agencies". The forms are data ([plurals] in prompts/conversation.toml);
the one rule that picks between them is here.

A prompt text says `{count} {count:episode}`: the number, then the word for `episode` that fits it.

>>> words = Plurals.of({"episode": ["key practice episode", "key practice episodes"]})
>>> words.format("I'll ask about {count} {count:episode}.", count=1)
"I'll ask about 1 key practice episode."
>>> words.counted("episode", 2)
'2 key practice episodes'
"""
from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass


# A placeholder with a format spec, `{count:episode}`: only such a text needs the Formatter.
_SPEC = re.compile(r"\{[^{}]*:")


@dataclass(frozen=True)
class Plurals:
    """Each counted noun's two forms, (one, other). Frozen and plain, so that its repr is stable: the digest
    keys what it keeps by the repr of its rules, these included (bot/digest_builder.py)."""
    forms: tuple[tuple[str, tuple[str, str]], ...] = ()

    @classmethod
    def of(cls, table: Mapping[str, list[str] | tuple[str, str]]) -> "Plurals":
        return cls(tuple((noun, (one, other)) for noun, (one, other) in table.items()))

    def __contains__(self, noun: str) -> bool:
        return any(name == noun for name, _ in self.forms)

    def word(self, noun: str, count) -> str:
        """The form of `noun` that fits `count`. English has two: one for exactly 1, the other for the rest."""
        one, other = next(forms for name, forms in self.forms if name == noun)
        return one if count == 1 else other

    def counted(self, noun: str, count: int) -> str:
        return f"{count} {self.word(noun, count)}"

    def format(self, text: str, /, **values) -> str:
        """`text.format(**values)`, where a placeholder `{name:noun}` is the word for `noun` that fits the
        number `name`."""
        if not _SPEC.search(text):   # nearly every text: str.format is 40 times quicker than a Formatter
            return text.format(**values)
        return _Formatter(self).vformat(text, (), values)

    def unknown_noun(self, text: str) -> str | None:
        """The first `{name:spec}` in `text` whose spec is not a noun here, or None: checked at start-up so
        that a typo in a prompt file is named there, not found in the middle of a conversation."""
        for _, name, spec, _ in string.Formatter().parse(text):
            if name is not None and spec and spec not in self:
                return spec
        return None


class _Formatter(string.Formatter):
    def __init__(self, plurals: Plurals):
        self.plurals = plurals

    def format_field(self, value, format_spec: str):
        if format_spec and format_spec in self.plurals:
            return self.plurals.word(format_spec, value)
        return super().format_field(value, format_spec)
