"""Fuzzy matching of typed choices and contributory factors (rapidfuzz).

A typed choice can be its number or (roughly) its name. When two options score
too close to call, the caller asks instead of guessing.

>>> match_choice("learned later", [["memory", "My own memory"], ["records"], ["learned_later", "Something I learned later"]]).index
2
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from rapidfuzz.utils import default_process

# A name must score this well (0-100) to count as a match at all ...
MATCH_THRESHOLD = 80
# ... and beat the runner-up by this much, or we ask which was meant.
CLEAR_MARGIN = 6
# Keywords this short (IT, DSL) only match as whole words: fuzzy matching would find them everywhere.
SHORT_KEYWORD = 3
# A typed word this long that is one edit (an adjacent swap counts as one) from a word of the options' names is
# that word: "memroy" is "memory". Shorter words are left alone: "fine" is one edit from "file".
TYPO_MIN_LETTERS = 5
# Between options typed together, whatever the step's joiners: "memory, the records", "notes / later".
_JOIN_MARKS = r"[,;/&+\n]"


@dataclass
class ChoiceMatch:
    index: int | None = None                          # the option chosen, when clear
    candidates: list[int] = field(default_factory=list)  # close options, when ambiguous

    @property
    def ambiguous(self) -> bool:
        return self.index is None and len(self.candidates) > 1


def picked(text: str, count: int) -> int | None:
    """The 0-based index a typed number picks from `count` choices ("2", "2.", "2)"), or None.

    ASCII digits only: str.isdigit() is also true of "¹" and "٣", which int() may refuse.
    """
    stripped = text.strip().rstrip(".)")
    if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= count:
        return int(stripped) - 1
    return None


@functools.lru_cache(maxsize=4096)
def _processed(name: str) -> str:
    """default_process of an option's or heading's name: the same few dozen names on every answer."""
    return default_process(name)


def _score(typed_p: str, typed_words: set[str], name: str) -> float:
    """How well the typed words (through default_process, and split into words) fit `name`, 0-100."""
    name_p = _processed(name)
    if not typed_p or not name_p:
        return 0.0
    if len(name_p) <= SHORT_KEYWORD:
        return 100.0 if name_p in typed_words else 0.0
    if typed_p == name_p:
        return 100.0
    if len(typed_p) >= len(name_p):
        # The typed words contain the name somewhere ("my caseload was huge" ~ "caseload").
        return fuzz.partial_ratio(name_p, typed_p) * (0.95 if len(name_p) >= 5 else 0.85)
    # The typed words are shorter: they may abbreviate the name ("memory" ~ "my own memory").
    return max(fuzz.ratio(typed_p, name_p), fuzz.partial_ratio(typed_p, name_p) * 0.9)


def rank(typed: str, names_per_option: list[list[str]]) -> list[tuple[float, int]]:
    """Best score per option, best first."""
    typed_p = default_process(typed)
    typed_words = set(typed_p.split())
    scores = [(max((_score(typed_p, typed_words, n) for n in names), default=0.0), i)
              for i, names in enumerate(names_per_option)]
    return sorted(scores, key=lambda s: (-s[0], s[1]))


def match_choice(typed: str, names_per_option: list[list[str]]) -> ChoiceMatch:
    """Which option `typed` means: by number (1-based) or by any of its names."""
    number = picked(typed, len(names_per_option))
    if number is not None:
        return ChoiceMatch(index=number)
    ranked = rank(typed, names_per_option)
    best_score, best = ranked[0]
    if best_score < MATCH_THRESHOLD:
        return ChoiceMatch()
    close = [i for score, i in ranked if score >= MATCH_THRESHOLD and best_score - score < CLEAR_MARGIN]
    if len(close) > 1:
        return ChoiceMatch(candidates=close)
    return ChoiceMatch(index=best)


@dataclass
class ChoicesMatch:
    """What a typed answer chose at a choice step: one option, or several at a `multiple` step."""
    chosen: list[int] = field(default_factory=list)      # the options chosen, in the options' order
    candidates: list[int] = field(default_factory=list)  # close options, when one could not be told from another

    @property
    def ambiguous(self) -> bool:
        return not self.chosen and len(self.candidates) > 1


def _spelled_as_named(typed_p: str, vocabulary: frozenset[str]) -> str:
    """`typed_p` (through default_process) with each word one typo from exactly one word of `vocabulary` put right."""
    words = []
    for word in typed_p.split():
        if len(word) >= TYPO_MIN_LETTERS and word not in vocabulary:
            close = [known for known in vocabulary if OSA.distance(word, known, score_cutoff=1) <= 1]
            word = close[0] if len(close) == 1 else word
        words.append(word)
    return " ".join(words)


def match_choices(typed: str, names_per_option: list[list[str]], together: list[tuple[list[str], list[int]]] = (),
                  joiners: list[str] = (), multiple: bool = False) -> ChoicesMatch:
    """Which option(s) `typed` means, by number, by any of their names, or with one typo in a word of them.

    With `multiple`, several: numbers or names separated by commas, semicolons, "/", "&", "+", new lines or one of
    `joiners`, each of which must name an option; or words of `together` ("both"), each with the options it gives.

    >>> names = [["memory", "My own memory"], ["records", "The records"], ["later", "Something I learned later"]]
    >>> match_choices("memroy", names).chosen
    [0]
    >>> match_choices("mostly memory, some learned later", names, joiners=["and"], multiple=True).chosen
    [0, 2]
    """
    number = picked(typed, len(names_per_option))
    if number is not None:
        return ChoicesMatch([number])
    names = [*(n for option in names_per_option for n in option), *(w for words, _ in together for w in words)]
    vocabulary = frozenset(word for name in names for word in _processed(name).split())

    def read(part: str) -> ChoiceMatch:
        return match_choice(_spelled_as_named(default_process(part), vocabulary), names_per_option)

    if multiple:
        whole = _spelled_as_named(default_process(typed), vocabulary)
        for words, indexes in together:
            if whole in {_processed(w) for w in words}:
                return ChoicesMatch(sorted(set(indexes)))
        joined = "|".join(re.escape(j.strip()) for j in sorted(joiners, key=len, reverse=True))
        pattern = _JOIN_MARKS + (rf"|\b(?:{joined})\b" if joined else "")
        parts = [part for part in re.split(pattern, typed, flags=re.IGNORECASE) if default_process(part)]
        if len(parts) > 1:
            found = [read(part) for part in parts]
            if all(f.index is not None for f in found):
                return ChoicesMatch(sorted({f.index for f in found}))
    found = read(typed)
    return ChoicesMatch([found.index] if found.index is not None else [], found.candidates)


@dataclass
class Factor:
    """One contributory factor as the practitioner gave it: their words, and the heading it sits under."""
    text: str
    heading: str

    def as_dict(self) -> dict:
        return {"text": self.text, "heading": self.heading}


@dataclass
class FactorsMatch:
    resolved: list[Factor]
    # The first item that needs a question, with its candidate headings.
    unclear_item: str | None = None
    unclear_candidates: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)  # items after the unclear one, not yet matched


def split_items(typed: str) -> list[str]:
    """Split typed factors into items: on new lines or semicolons if there are any, else on commas."""
    separator = r"[;\n]" if re.search(r"[;\n]", typed) else ","
    items = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", part).strip() for part in re.split(separator, typed)]
    return [item for item in items if item]


def _heading_names(heading) -> list[str]:
    return [heading.name, *heading.keywords]


def match_factor(item: str, headings) -> tuple[str | None, list[str]]:
    """(heading, []) when clear, (None, candidates) when ambiguous; 'other' when nothing fits."""
    number = picked(item, len(headings))
    if number is not None:
        return headings[number].name, []
    names = [_heading_names(h) for h in headings]
    prefix, colon, _ = item.partition(":")
    if colon and prefix.strip():
        # "conditions of work: 480 families" names its heading before the colon.
        found = match_choice(prefix, names)
        if found.index is not None:
            return headings[found.index].name, []
    found = match_choice(item, names)
    if found.index is not None:
        return headings[found.index].name, []
    if found.ambiguous:
        return None, [headings[i].name for i in found.candidates]
    return headings[-1].name if headings[-1].name == "other" else "other", []


def match_factors(typed: str, headings, resolved: list[Factor] | None = None) -> FactorsMatch:
    """Match every item in `typed`; stop at the first that needs a question."""
    resolved = list(resolved or [])
    items = split_items(typed)
    for position, item in enumerate(items):
        heading, candidates = match_factor(item, headings)
        if heading is None:
            return FactorsMatch(resolved, item, candidates, items[position + 1:])
        text = heading if picked(item, len(headings)) is not None else item
        resolved.append(Factor(text, heading))
    return FactorsMatch(resolved)
