"""Typing a button's words, or its number, is clicking it.

The service records what the latest conversation message offered (`State.offered`: [label, what clicking
it types] for each button and menu option, read out of the Block Kit it sent). `pressed` maps what a
practitioner typed to one of them: its number, its label in any case with or without punctuation, or its
label with one small typo. A long text is an answer, never a label. Kept apart from bot/core/matching.py,
which reads choices and factors: a label is matched strictly, an answer generously.

>>> offered = [["Yes, I agree", "yes"], ["No, not now", "no"]]
>>> pressed("yes i agree!", offered), pressed("Yes, I agre", offered), pressed("2", offered)
('yes', 'yes', 'no')
>>> pressed("Yes, I agree to tell you about the family first", offered) is None
True
"""
from __future__ import annotations

import re

from rapidfuzz.distance import OSA
from rapidfuzz.utils import default_process

# The bot numbers some labels itself ("3. KPE1 · What happened", "1. conditions of work"): each keeps its number.
NUMBERED_LABEL = re.compile(r"^(\d+)[.)]\s+(.*)$", re.DOTALL)
# A typed text longer than its label by more than this is an answer that merely starts like one.
LONGEST_LABEL_TYPED = 80
# One small typo: one letter left out, added, changed, or two swapped (optimal string alignment distance).
TYPOS = 1
# Labels this short (after processing) must be typed exactly: one letter off "no" is another word.
SHORTEST_FUZZY_LABEL = 4


def numbered(labels: list[str], listed: int = 0) -> list[tuple[int, str]]:
    """The number each label is clicked by, and the label as shown beside it: 1, 2, ... in order, except where
    the bot numbered a list itself (check your answers, "did you mean"), whose labels keep their numbers and
    the others follow them. `listed`: how many things the message lists by number as text (the factor
    headings), which the buttons follow too, so that `1` is never both a heading and a button. The terminal
    numbers its choices the same way, so `3` means the same in both.

    >>> numbered(["Submit my reflection", "1. KPE1 · What happened", "2. KPE1 · Options"])
    [(3, 'Submit my reflection'), (1, 'KPE1 · What happened'), (2, 'KPE1 · Options')]
    >>> numbered(["Keep my answer"], listed=9)
    [(10, 'Keep my answer')]
    """
    explicit = [NUMBERED_LABEL.match(label) for label in labels]
    numbers = [int(m.group(1)) for m in explicit if m]
    if not numbers or len(set(numbers)) != len(numbers):
        return list(enumerate(labels, start=listed + 1))
    following, result = max(numbers + [listed]), []
    for label, match in zip(labels, explicit):
        if match:
            result.append((int(match.group(1)), match.group(2)))
        else:
            following += 1
            result.append((following, label))
    return result


def number_of(text: str) -> int | None:
    """A typed number ("2", "2.", "2)"), ASCII digits only, or None."""
    stripped = text.strip().rstrip(".)")
    return int(stripped) if stripped.isascii() and stripped.isdigit() else None


def pressed(typed: str, offered: list[list[str]] | None, listed: int = 0) -> str | None:
    """What clicking the offered button that `typed` names would type, or None when it names none (or two).

    A number is the button with that number (see `numbered`; `listed` as there); words are a label, exactly
    once processed (case, punctuation and spacing ignored), else within one typo of exactly one label."""
    if not offered:
        return None
    number = number_of(typed)
    if number is not None:
        numbers = numbered([label for label, _ in offered], listed)
        return next((value for (n, _), (_, value) in zip(numbers, offered) if n == number), None)
    if len(typed) > LONGEST_LABEL_TYPED:   # first: nearly every message is a longer answer
        return None
    words = default_process(typed)
    if not words:
        return None
    names = [({default_process(label), default_process(shown)}, value)
             for (label, value), (_, shown) in zip(offered, numbered([label for label, _ in offered]))]
    exact = {value for processed, value in names if words in processed}
    if exact:
        return exact.pop() if len(exact) == 1 else None
    close = {value for processed, value in names for name in processed
             if len(name) >= SHORTEST_FUZZY_LABEL and OSA.distance(words, name, score_cutoff=TYPOS) <= TYPOS}
    return close.pop() if len(close) == 1 else None
