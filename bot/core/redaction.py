"""Pseudonymisation: the names in a review's [[people]] never leave the bot.

Every output (Slack messages, the Markdown file, JSON and HTML exports) is built
from text cleaned here. Each name, and each part of a name, is replaced by the
person's label; Slack markup is turned into plain, inert text first, so that a
name hidden in a link label is found too and nobody is pinged.

>>> from bot.core.review import Person
>>> redactor = Redactor([Person("Child D", ("Kayden Morris", "Kayden")),
...                      Person("Mother", ("Shannon Morris", "Shannon", "Ms Morris")),
...                      Person("Mother's partner", ("Liam Barker", "Liam", "Mr Barker"))])
>>> redactor.clean("Shanon said Mr. Barker had left; KAYDEN's cot was fine, Morris family")
"Mother said Mother's partner had left; Child D's cot was fine, [name] family"
>>> redactor.clean("<!channel> see <https://records.example/kayden|Kayden's file>")
"@\\u200bchannel see Child D's file (https://records.example/Child D)"

How a word is recognised as a name (`Redactor.matches`):
- the same letters as a name or part of a name, ignoring case and a possessive
  ('s, '): "SHANNON", "shannon's";
- or, for a word written with a capital letter and at least 3 letters long, the
  same first letter and a rapidfuzz `fuzz.ratio` of at least NAME_THRESHOLD (83)
  with a part of a name of 4 letters or more: "Shanon" (92), "Kaden" (91),
  "Kaiden" (83). A capital is required because names are proper nouns: an
  ordinary word in lower case ("banker", "barked") is never changed by fuzzy
  matching. The price: a capitalised word one letter away from a name ("Banker"
  at the start of a sentence, in a review with a Barker) is taken for the name.
- "Mr", "Mrs", "Ms", "Miss", "Mx" and "Dr" before a name are replaced with it.
- without its apostrophe: a possessive or plural written "kaydens", "shannons"; a surname
  such as O'Neill written "ONeill", "Oneill", "O Neill" or "O’Neil".
A word that could be more than one person's name (a shared surname) becomes
"[name]" rather than the wrong label. A name part that is also an everyday word
(bot.core.name_words: "Rose", "Will") is replaced only where it is used as a name
(Redactor._used_as_name); where the bot can't tell, it takes it for the name and
records it in `Redactor.doubts`, which the digest reports to the lead.

Words are matched as they look, not as they are encoded: text is compared in NFKC form
with format characters (a soft hyphen, a zero-width space) left out, so "Kay\u00adden" and
fullwidth "Ｋａｙｄｅｎ" are "Kayden". What is not a name is kept exactly as it was written.

>>> Redactor([Person("Mother", ("Mary O'Neill",))]).clean("Mrs ONeill, Ms Oneill and Mary O Neill: Ｍａｒｙ")
'Mother, Mother and Mother: Mother'
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.core.name_words import EVERYDAY, RELATIONS
from bot.core.review import Person, Review

# fuzz.ratio (normalised Indel similarity, 0-100) a capitalised word needs to count as a misspelt name:
# a letter dropped or doubled scores 90-93 ("Shanon", "Kaden"); a letter changed scores 83-86 in names
# of 6+ letters ("Kaiden"), and less in shorter names, which only tolerate a dropped letter ("Lia").
NAME_THRESHOLD = 83
FUZZY_MIN_TOKEN = 4      # parts of names shorter than this are matched exactly only ("Jo", "Al")
CAPITALISED_ONLY = 3     # exact parts of 3 letters or fewer ("May", "Ray") must be capitalised too
AMBIGUOUS_LABEL = "[name]"
ZERO_WIDTH_SPACE = "\u200b"

# Honorifics, by the group a phrase's honorific may stand in for ("Mrs Morris" for "Ms Morris").
HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "mx": "n", "dr": "n"}

# A word is a run of letters: "Shannon's" is "Shannon" and a possessive, "O'Brien" is "O" and "Brien".
_LETTERS = re.compile(r"[^\W\d_]+")
_GAP = re.compile(r"[^\S\n]+")  # between the words of one name: spaces, not a new line
# Format characters (Unicode category Cf) a name can hide behind and still look the same: the soft hyphen,
# zero-width spaces and joiners, direction marks, the word joiner, invisible operators, the BOM.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# A surname's one-letter prefix and its apostrophe ("O'Neill", "D’Arcy"): a name is matched without it.
_PREFIXED = re.compile(r"(?<![^\W\d_])([^\W\d_])['’‘`´](?=[^\W\d_]{2})")
# Slack markup that pings, mentions or hides a link: <!channel>, <@U1>, <#C1|name>, <https://x|label>.
_MARKUP = re.compile(r"<((?:[!@#]|https?://|mailto:)[^<>\n]{0,1000})>")


def slack_to_plain(text: str, mentions: dict[str, str] | None = None) -> str:
    """Slack's markup turned into inert plain text: pings defused, mentions named by role, links shown.

    >>> slack_to_plain("&lt;b&gt; <@U1> <!here> <#C1|general> <https://x.example|click> fish &amp; chips",
    ...                {"U1": "a lead reviewer"})
    '<b> @a lead reviewer @\\u200bhere #general click (https://x.example) fish & chips'
    """
    mentions = mentions or {}

    def plain(match: re.Match) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("!"):
            if target.startswith("!date"):
                return label or "(a date)"
            # A zero-width space after @ keeps "@channel" from becoming a broadcast anywhere it is pasted.
            return "@" + ZERO_WIDTH_SPACE + (label or target[1:].split("^")[0]).lstrip("@")
        if target.startswith("@"):
            return "@" + mentions.get(target[1:], "someone in Slack")
        if target.startswith("#"):
            return "#" + (label or "a channel")
        return f"{label} ({target})" if label and label != target else target

    # Markup Slack sent, then markup that only appears once the text is unescaped ("&lt;!channel&gt;").
    text = _MARKUP.sub(plain, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _MARKUP.sub(plain, text)


# The word before a name ("son" in "her son, Will"), and what may stand between a sentence's end and its first
# word (spaces, an opening quote or bracket, a bullet).
_PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[^\S\n]*,?[^\S\n]*\Z")
_LEAD_IN = re.compile(r"[\s\"'“‘(\[*_•·>-]*\Z")
DOUBT_CHARS = 60  # how much of the sentence a doubt quotes, from the name on


def _sentence_from(text: str, at: int) -> str:
    """The sentence of `text` from position `at` on, at most DOUBT_CHARS long."""
    sentence = re.split(r"(?<=[.!?])\s|\n", text[at:], maxsplit=1)[0]
    return sentence if len(sentence) <= DOUBT_CHARS else sentence[:DOUBT_CHARS - 1].rstrip() + "…"


def _normal(text: str) -> tuple[str, list[int] | None]:
    """`text` as names are matched in it (NFKC, without format characters), and for each of its characters
    the position in `text` it came from, with len(text) at the end; None when nothing changed (most text).

    >>> _normal("Kay\u00adden")
    ('Kayden', [0, 1, 2, 4, 5, 6, 7])
    """
    if (text.isascii() or unicodedata.is_normalized("NFKC", text)) and not _INVISIBLE.search(text):
        return text, None
    view, origin = [], []
    for position, character in enumerate(text):
        if _INVISIBLE.match(character):
            continue
        for normal in unicodedata.normalize("NFKC", character):
            view.append(normal)
            origin.append(position)
    origin.append(len(text))
    return "".join(view), origin


def _without(text: str, origin: list[int] | None, spans: list[tuple[int, int]]) -> tuple[str, list[int] | None]:
    """`text` (a view from _normal) with the characters of `spans` left out, and where the rest came from."""
    if not spans:
        return text, origin
    origin = origin if origin is not None else list(range(len(text) + 1))
    kept, kept_origin, position = [], [], 0
    for start, end in spans:
        kept.append(text[position:start])
        kept_origin += origin[position:start]
        position = end
    kept.append(text[position:])
    kept_origin += origin[position:]
    return "".join(kept), kept_origin


def _alternation(words: list[str]) -> str:
    """A regex matching any of `words`, as a trie: at each word the regex engine follows its letters
    instead of trying every name in turn. (The finder only accepts a name that is a whole word, so the
    order of the branches cannot change what is found.)

    >>> _alternation(["Kayden", "Kaiden", "Kay"])
    'Ka(?:iden|y(?:den)?)'
    """
    trie: dict = {}
    for word in words:
        node = trie
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(letter) + pattern(child) for letter, child in sorted(node.items()) if letter]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return (body if len(branches) > 1 or len(branches[0]) == 1 else "(?:" + body + ")") + "?"

    return pattern(trie)

class Redactor:
    """Replaces the names of a review's [[people]] with their labels. Decisions are cached per word."""

    def __init__(self, people: Iterable[Person], mentions: dict[str, str] | None = None,
                 threshold: int = NAME_THRESHOLD):
        self.threshold = threshold
        self.mentions = dict(mentions or {})
        self.owners: dict[str, set[str]] = {}        # part of a name (lower case) -> labels
        phrases: list[tuple[tuple[str, ...], str]] = []
        self.prefixes: set[str] = set()              # the one-letter prefixes of listed surnames ("o")
        self.prefixed: set[str] = set()              # those surnames, prefix joined ("oneill")
        for person in people:
            for name in person.names:
                tokens = []
                name = _normal(name)[0]
                for prefixed in _PREFIXED.finditer(name):
                    word = _LETTERS.match(name, prefixed.end())
                    self.prefixes.add(prefixed[1].lower())
                    self.prefixed.add(prefixed[1].lower() + word[0].lower())
                    # The surname without its prefix is theirs too ("Mrs Neill"), but a name only with it.
                    self.owners.setdefault(word[0].lower(), set()).add(person.label)
                for word in (w.lower() for w in _LETTERS.findall(_PREFIXED.sub(r"\1", name))):
                    if word in HONORIFICS:
                        tokens.append("<" + HONORIFICS[word] + ">")
                    elif len(word) >= 2:
                        tokens.append(word)
                        self.owners.setdefault(word, set()).add(person.label)
                if len(tokens) > 1:
                    phrases.append((tuple(tokens), person.label))
        # Longest first, so "Kayden Morris" is one label, not "Child D [name]".
        self.phrases = sorted(set(phrases), key=lambda p: -len(p[0]))
        # The listed full names by their first token, keeping that order: a found word is checked
        # only against the names it can begin ("Kayden Morris" for "Kayden"), not against all of them.
        self._starting: dict[str, list[int]] = {}
        for number, (tokens, _) in enumerate(self.phrases):
            self._starting.setdefault(tokens[0], []).append(number)
        self.tokens = sorted(self.owners)
        self._fuzzy_tokens = [t for t in self.tokens if len(t) >= FUZZY_MIN_TOKEN]
        self._matches: dict[str, frozenset[str]] = {}
        self._s_forms: set[str] = set()              # words that are a name and an "s" ("shannons")
        # Each text in which a name that is also an everyday word started a sentence with no other sign of
        # being a name: it was taken for the name, and the lead is told (label, the words from there on).
        self.doubts: dict[str, list[tuple[str, str]]] = {}
        self._finder: tuple[int, re.Pattern] | None = None
        self._candidates: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = {}

    @classmethod
    def for_review(cls, review: Review) -> "Redactor":
        """A redactor for `review`: its people, and Slack mentions of its members named by role."""
        mentions = {m.slack_id: m.attribution for m in review.members}
        mentions.update({s: "a member of the review team" for s in review.team})
        mentions.update({s: "a lead reviewer" for s in review.leads})
        return cls(review.people, mentions)

    # ----- deciding which words are names ---------------------------------

    def _learn(self, stems: set[str]) -> None:
        """Decide, in one batch, which parts of names each new word matches."""
        new = [s for s in stems if s not in self._matches]
        if not new:
            return
        fuzzy = []
        for stem in new:
            lower = stem.lower()
            if lower not in self.owners and lower.endswith("s") and lower[:-1] in self.owners:
                lower = lower[:-1]               # a possessive or plural without its apostrophe: "kaydens"
                self._s_forms.add(stem)
            exact = lower in self.owners and (len(lower) > CAPITALISED_ONLY or stem[0].isupper())
            self._matches[stem] = frozenset({lower}) if exact else frozenset()
            if not exact and stem[0].isupper() and len(stem) >= 3:
                fuzzy.append(stem)
        if not fuzzy or not self._fuzzy_tokens:
            return
        # One C++ pass over every (word, name part) pair: rapidfuzz's cdist, on all cores.
        scores = process.cdist([s.lower() for s in fuzzy], self._fuzzy_tokens, scorer=fuzz.ratio,
                               score_cutoff=self.threshold, workers=-1)
        for row, stem in zip(scores, fuzzy):
            first = stem[0].lower()
            found = {token for token, score in zip(self._fuzzy_tokens, row)
                     if score >= self.threshold and token[0] == first}
            if found:
                self._matches[stem] = frozenset(found)

    def matches(self, word: str) -> frozenset[str]:
        """The parts of names `word` stands for (empty if it is an ordinary word).

        >>> Redactor([Person("Mother", ("Shannon",))]).matches("Shanon")
        frozenset({'shannon'})
        """
        self._learn({word})
        return self._matches[word]

    def _finder_for_names(self) -> re.Pattern | None:
        """A regex that finds, in one C-level pass, only the words already known to be names, and honorifics."""
        names = sorted((stem for stem, found in self._matches.items() if found), key=lambda n: (-len(n), n))
        if not names:
            return None
        if self._finder is None or self._finder[0] != len(names):
            honorifics = "|".join(sorted(HONORIFICS, key=len, reverse=True))
            self._finder = (len(names), re.compile(
                r"(?<![^\W\d_])(?:(?P<name>" + _alternation(names) + r")(?P<suffix>['’]s|['’])?"
                r"|(?P<honorific>(?i:" + honorifics + r"))\.?)(?![^\W\d_])"))
        return self._finder[1]

    def _starts(self, word: re.Match) -> list[tuple[tuple[str, ...], str]]:
        """The listed full names that could begin with `word`, longest first (as in self.phrases)."""
        if word["name"]:
            key = ("name", word["name"])
            firsts = self._matches[word["name"]]
        else:
            group = HONORIFICS[word["honorific"].lower()]
            key = ("honorific", group)
            # "<f>" fits Ms, Mrs and Miss; Mx and Dr ("<n>") fit any honorific, and any fits "<n>".
            firsts = {"<m>", "<f>", "<n>"} if group == "n" else {"<" + group + ">", "<n>"}
        if key not in self._candidates:
            numbers = sorted(n for first in firsts for n in self._starting.get(first, ()))
            self._candidates[key] = [self.phrases[n] for n in numbers]
        return self._candidates[key]

    def _name_at(self, text: str, found: list[re.Match], i: int) -> tuple[int, str, bool]:
        """How many of the found words, from i, make one name (a listed full name, honorific + name, or one
        word), the label it gets, and whether it could as well be an everyday word (see _used_as_name);
        (0, "", False) when the word at i starts none."""
        def joined(k: int) -> bool:  # word k follows word k-1 on the same line, with nothing else between
            return bool(_GAP.fullmatch(text[found[k - 1].end():found[k].start()])) and not found[k - 1]["suffix"]

        for tokens, label in self._starts(found[i]):
            end = i + len(tokens)
            if end <= len(found) and all(joined(k) and self._fits(token, found[k])
                                         for k, token in zip(range(i + 1, end), tokens[1:])):
                return len(tokens), label, False
        if found[i]["honorific"] and i + 1 < len(found) and found[i + 1]["name"] and joined(i + 1):
            return 2, self._label_of(found[i + 1]), False
        if not found[i]["name"]:
            return 0, "", False
        use = self._used_as_name(text, found, i, joined) if self._everyday(found[i]) else "name"
        return (0, "", False) if use == "word" else (1, self._label_of(found[i]), use == "either")

    def _everyday(self, word: re.Match) -> bool:
        """Is every name part `word` stands for also an everyday word ("Rose", "Will", "Brook")?"""
        return all(token in EVERYDAY for token in self._matches[word["name"]])

    def _used_as_name(self, text: str, found: list[re.Match], i: int, joined) -> str:
        """How an everyday word that is a name part ("Rose", "Will", "Brook"), neither in a listed full name nor
        after an honorific, is used: "word" in lower case ("I hope", "the brook"); "name" with a capital after a
        relationship word ("her son Will"), next to another part of the same person's name, or in the middle of
        a sentence; "either" with a capital at the start of a sentence, where it is taken for the name and the
        lead is told (doubts)."""
        if not found[i]["name"][0].isupper():
            return "word"
        owners = self._owners_of(found[i])
        for k in (i - 1, i + 1):
            if 0 <= k < len(found) and found[k]["name"] and joined(max(i, k)) and owners & self._owners_of(found[k]):
                return "name"
        before = text[max(0, found[i].start() - 40):found[i].start()]
        previous = _PREVIOUS_WORD.search(before)
        if previous and previous[1].lower() in RELATIONS:
            return "name"
        # What is between the word and the sentence before it: spaces, an opening quote, a bullet.
        lead_in = _LEAD_IN.search(before).start()
        starts = before[lead_in - 1] in ".!?…:;\n" if lead_in else found[i].start() <= 40
        return "either" if starts else "name"

    def _owners_of(self, word: re.Match) -> set[str]:
        return set().union(*(self.owners[t] for t in self._matches[word["name"]]))

    def _fits(self, token: str, word: re.Match) -> bool:
        """Does a found word fit one token of a listed full name ("<f>" stands for Ms, Mrs or Miss)?"""
        if token.startswith("<"):
            group = HONORIFICS.get((word["honorific"] or "").lower())
            return group is not None and (group == token[1] or "n" in (group, token[1]))
        return bool(word["name"]) and token in self._matches[word["name"]]

    def _label_of(self, word: re.Match) -> str:
        """The label of the one person a name (not part of a listed full name) fits; [name] if several."""
        owners = self._owners_of(word)
        return next(iter(owners)) if len(owners) == 1 else AMBIGUOUS_LABEL

    # ----- replacing ---------------------------------------------------------

    def _view(self, text: str) -> tuple[str, list[int] | None]:
        """`text` as its names are matched (_normal), with listed surnames' prefixes joined to them: "O'Neill",
        "O’Neill" and, for a listed O'Neill, "O Neill" are all "ONeill"."""
        view, origin = _normal(text)
        if not self.prefixes:
            return view, origin
        spans = [(m.end(1), m.end()) for m in _PREFIXED.finditer(view) if m[1].lower() in self.prefixes]
        spans += [(m.end(1), m.end()) for m in re.finditer(r"(?<![^\W\d_])([^\W\d_]) (?=([^\W\d_]+))", view)
                  if (m[1] + m[2]).lower() in self.prefixed]
        return _without(view, origin, sorted(spans))

    def redact_many(self, texts: list[str]) -> list[str]:
        """`texts` with every name replaced by its label. One fuzzy-matching batch for all of them."""
        views = [self._view(text) for text in texts]
        self._learn(set(_LETTERS.findall("\n".join(view for view, _ in views))))
        finder = self._finder_for_names()
        return [self._replace(text, view, origin, finder) if finder else text
                for text, (view, origin) in zip(texts, views)]

    def redact(self, text: str) -> str:
        return self.redact_many([text])[0]

    def _replace(self, text: str, view: str, origin: list[int] | None, finder: re.Pattern) -> str:
        """`text` with its names replaced: they are found in its `view`, and `origin` maps them back (so
        that everything else is kept exactly as written)."""
        found = list(finder.finditer(view))
        out, position, i, written, doubted = [], 0, 0, 0, []
        while i < len(found):
            used, label, doubtful = self._name_at(view, found, i)
            if not used:
                i += 1
                continue
            words = found[i:i + used]
            start, end = words[0].start(), words[-1].end()
            if origin is not None:
                start, end = origin[start], origin[end - 1] + 1
            suffix = words[-1]["suffix"] or ("'s" if words[-1]["name"] in self._s_forms else "")
            out.append(text[position:start] + label + suffix)
            written += len(out[-1])
            if doubtful:
                doubted.append((label, written - len(label + suffix)))
            position = end
            i += used
        out.append(text[position:])
        replaced = "".join(out)
        if doubted:
            self.doubts[text] = [(label, _sentence_from(replaced, at)) for label, at in doubted]
        return replaced

    def clean(self, text: str) -> str:
        """Slack markup made inert, then names replaced: what every output shows of free text."""
        return self.redact(slack_to_plain(text, self.mentions))

    def clean_many(self, texts: list[str]) -> list[str]:
        plain = [slack_to_plain(t, self.mentions) for t in texts]
        cleaned = self.redact_many(plain)
        for text, was in zip(texts, plain):  # doubts by the text as it was given
            if was in self.doubts:
                self.doubts[text] = self.doubts[was]
        return cleaned
