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
class ParsedFactor:
    """One typed statement: the practitioner's words (without a heading's name before them) and its heading,
    or no heading yet (None), with the headings it is close between when there are any."""
    text: str
    heading: str | None
    candidates: list[str] = field(default_factory=list)


@dataclass
class FactorsMatch:
    statements: list[ParsedFactor]   # in the order they were typed

    @property
    def resolved(self) -> list[Factor]:
        return [Factor(s.text, s.heading) for s in self.statements if s.heading is not None]

    @property
    def unclear(self) -> list[ParsedFactor]:
        """The statements the practitioner is asked about: none is filed under a heading by guessing."""
        return [s for s in self.statements if s.heading is None]


# The framework's catch-all heading. It is chosen, never guessed: "the other agency" is not about *other*.
CATCH_ALL = "other"
# A list's own marks at the start of a statement: "- workload", "• staffing", "2) supervision".
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# A heading's name or keyword of this length or more may start a statement with a typo in it.
FUZZY_START = 5
START_THRESHOLD = 85


def _heading_names(heading) -> list[str]:
    return [heading.name, *heading.keywords]


def _roughly(typed_p: str, name: str) -> float:
    """How nearly the typed words (through default_process) ARE `name`, 0-100: whole against whole, or an
    abbreviation of it ("conditions" ~ "conditions of work"), never a sentence that merely contains it."""
    name_p = _processed(name)
    if not typed_p or not name_p:
        return 0.0
    if typed_p == name_p:
        return 100.0
    if len(name_p) <= SHORT_KEYWORD or len(typed_p) <= SHORT_KEYWORD:
        return 0.0
    if len(typed_p) < len(name_p):
        return max(fuzz.ratio(typed_p, name_p), fuzz.partial_ratio(typed_p, name_p) * 0.9)
    return fuzz.ratio(typed_p, name_p)


def named(typed: str, names_per_option: list[list[str]]) -> ChoiceMatch:
    """Which option `typed` is the name of, roughly (a typo, an abbreviation): the same margins as match_choice.

    >>> named("conditons of wrok", [["the family"], ["conditions of work", "workload"]]).index
    1
    """
    typed_p = default_process(typed)
    ranked = sorted(((max((_roughly(typed_p, n) for n in names), default=0.0), i)
                     for i, names in enumerate(names_per_option)), key=lambda s: (-s[0], s[1]))
    if not ranked or ranked[0][0] < MATCH_THRESHOLD:
        return ChoiceMatch()
    close = [i for score, i in ranked if score >= MATCH_THRESHOLD and ranked[0][0] - score < CLEAR_MARGIN]
    return ChoiceMatch(candidates=close) if len(close) > 1 else ChoiceMatch(index=ranked[0][1])


@dataclass
class Prefix:
    """A label before a colon that names a heading: "personal factros: tired"."""
    found: ChoiceMatch     # which heading
    words: str             # what follows the colon
    by_name: bool          # the label is the heading's own name (not one of its keywords)


def heading_prefix(statement: str, headings) -> Prefix | None:
    """The heading that `statement` names before a colon, by its name or a keyword, with a typo or not."""
    label, colon, words = statement.partition(":")
    if not colon or not label.strip():
        return None   # ":tired_face: workload" begins with an emoji, not a label
    by_name = named(label, [[h.name] for h in headings])
    if by_name.index is not None or by_name.ambiguous:
        return Prefix(by_name, words, True)
    by_keyword = named(label, [list(h.keywords) for h in headings])
    if by_keyword.index is not None or by_keyword.ambiguous:
        return Prefix(by_keyword, words, False)
    return None


def without_prefix(words: str, names: list[str]) -> str:
    """`words` without a label before its colon that is (roughly) one of `names`.

    >>> without_prefix("personal factros: tired", ["personal factors", "tiredness"])
    ' tired'
    """
    label, colon, rest = words.partition(":")
    if colon and named(label, [list(names)]).index is not None:
        return rest
    return words


def _begins_with_heading(piece: str, headings) -> bool:
    """Whether the words after a comma start a statement of their own: a heading's number, a label naming
    a heading, or a heading's name or keyword as its first words ("workload, info sharing")."""
    piece = piece.strip()
    if not piece:
        return False
    if picked(piece, len(headings)) is not None or heading_prefix(piece, headings) is not None:
        return True
    words = default_process(piece).split()
    first_word = piece.split()[0].strip(".,!?")
    for heading in headings:
        if heading.name == CATCH_ALL:
            continue   # "tired, other things too" is one statement: *other* is chosen, not found
        for name in _heading_names(heading):
            name_words = _processed(name).split()
            start = " ".join(words[:len(name_words)])
            target = " ".join(name_words)
            if len(target) <= SHORT_KEYWORD:
                # "IT" and "DSL" only as typed, in capitals: ", it was late" is a sentence going on.
                found = first_word == name
            elif len(target) < FUZZY_START:
                found = start == target
            else:
                found = fuzz.ratio(start, target) >= START_THRESHOLD
            if found:
                return True
    return False


def split_statements(typed: str, headings) -> list[str]:
    """Typed factors as statements: a semicolon or a new line ends one, and so does a comma followed by a
    heading, a heading's keyword or a heading's number (or after a number). Any other comma is inside a
    sentence and stays there.

    >>> from bot.core.prompts import Heading
    >>> headings = [Heading("personal factors", ("tiredness",)), Heading("conditions of work", ("workload",)),
    ...             Heading("inter-agency team", ("info sharing",))]
    >>> split_statements("personal factors: tired; workload, info sharing", headings)
    ['personal factors: tired', 'workload', 'info sharing']
    >>> split_statements("We were short, so visits slipped", headings)
    ['We were short, so visits slipped']
    """
    statements = []
    for part in re.split(r"[;\n\r]", typed):
        pieces = part.split(",")
        current = pieces[0]
        for piece in pieces[1:]:
            if picked(current, len(headings)) is not None or _begins_with_heading(piece, headings):
                statements.append(current)
                current = piece
            else:
                current += "," + piece
        statements.append(current)
    return [s for s in (_LIST_MARK.sub("", s).strip() for s in statements) if s]


def match_factor(statement: str, headings) -> ParsedFactor:
    """One statement's heading: by its number, a label before a colon, or its words; None when none fits
    clearly (with the close headings as candidates). A heading's name before a colon is not kept in the
    text; a keyword there is ("info sharing: no feedback") because it is the practitioner's own word."""
    number = picked(statement, len(headings))
    if number is not None:
        return ParsedFactor(headings[number].name, headings[number].name)
    prefix = heading_prefix(statement, headings)
    if prefix is not None and prefix.found.index is not None:
        heading = headings[prefix.found.index].name
        return ParsedFactor((prefix.words.strip() or heading) if prefix.by_name else statement, heading)
    if prefix is not None:
        return ParsedFactor(statement, None, [headings[i].name for i in prefix.found.candidates])
    if named(statement, [[CATCH_ALL]]).index is not None and any(h.name == CATCH_ALL for h in headings):
        return ParsedFactor(statement, CATCH_ALL)
    typed_words = {word.strip(".,!?()") for word in statement.split()}
    # A short keyword (IT, DSL) counts in capitals only: "it was late" is no word about IT.
    names = [[] if h.name == CATCH_ALL else
             [n for n in _heading_names(h) if len(_processed(n)) > SHORT_KEYWORD or n in typed_words]
             for h in headings]
    found = match_choice(statement, names)
    if found.index is not None:
        return ParsedFactor(statement, headings[found.index].name)
    return ParsedFactor(statement, None, [headings[i].name for i in found.candidates])


def match_factors(typed: str, headings) -> FactorsMatch:
    """Every statement in `typed`, each with its heading or marked unclear."""
    return FactorsMatch([match_factor(statement, headings) for statement in split_statements(typed, headings)])


def headings_picked(typed: str, headings) -> list[int] | None:
    """The headings a reply to "which heading?" picks, in order, by number or name: "3", "3, 9", "3 9",
    "the family and other"; None when it is something else (new factors, typed again).

    >>> from bot.core.prompts import Heading
    >>> headings_picked("2 and the family", [Heading("the family", ()), Heading("own team", ("supervision",))])
    [1, 0]
    """
    names = [_heading_names(h) for h in headings]

    def one(piece: str) -> int | None:
        number = picked(piece, len(headings))
        return number if number is not None else named(piece, names).index

    chosen: list[int] = []
    for piece in re.split(r"[,;\n]", typed):
        if not piece.strip():
            continue
        # "the family and other" is two headings; "organisational culture and management" is one.
        whole = one(piece)
        parts = [whole] if whole is not None else [one(p) for p in re.split(r"\s+(?:and|&)\s+", piece.strip())]
        if None in parts and len(parts) == 1:
            parts = [one(p) for p in piece.split()]   # "3 9", as typed on a phone
        if None in parts:
            return None
        chosen += parts
    return chosen or None
