"""The case group's response to the review team's findings: does each finding fit their experience?

    parse_responses("F1 fits; F2 doesn’t fit: we did call the GP that day")
    # Parsed([Typed("F1", "fits", ""), Typed("F2", "doesnt_fit", "we did call the GP that day")], [])
    looks_like_responses("F3 comment: …")        # True: the DM's text is for the findings, not the reflection
    to_share(findings, shared)                   # the findings a share round sends someone: new or changed
    responses_by_finding(review, responses)      # {"F2": FindingResponses(...)}: by role and agency, pseudonymised

In Learning Together the review team brings its emerging findings back to the case group to check and
challenge. Their answers are the case group's words, kept apart from the team's (their own table,
storage/finding_responses.py, and their own part under each finding in every output). Pure: no SQL, no Slack.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from bot.core.analysis import Finding, shown
from bot.core.redaction import Redactor
from bot.core.review import Review

KINDS = ("fits", "doesnt_fit", "comment")
# The review stages in which the case group may answer: a response can change until the analysis stage.
OPEN_STAGES = ("conversations", "meeting")
# What a member may type after a finding's key, for each kind (lower case, apostrophes taken out). One small
# typo is forgiven in a phrase of four letters or more ("dosent fit", "coment").
# The buttons' own words (prompts/running.toml [finding_check] *_button), typed after a key, are among them.
PHRASES = {
    "fits": ("fits", "fit", "fits my experience", "fits me", "it fits", "yes fits", "agree", "agreed",
             "this fits", "this fits my experience"),
    "doesnt_fit": ("doesnt fit", "does not fit", "dont fit", "do not fit", "not fit", "doesnt", "no fit",
                   "doesnt fit my experience", "does not fit my experience", "disagree", "it doesnt fit",
                   "this doesnt fit", "this does not fit", "this doesnt fit my experience"),
    "comment": ("comment", "comments", "note", "remark"),
}
TYPOS = 1
SHORTEST_FUZZY = 4
# A response starts with a finding's key ("F2", "f 2", "F2."), at the start of the text or after a line break,
# a semicolon, a comma, a full stop or "and", when a kind follows it; elsewhere "F2" is just words of a comment.
_KEY = r"[Ff]\s?(\d{1,4})\b[.):]?"
_START = re.compile(rf"(?:^|[\n;,.]|\band\b)\s*{_KEY}", re.MULTILINE)
_FIRST = re.compile(rf"^\s*{_KEY}")
_APOSTROPHES = str.maketrans({"’": "", "‘": "", "'": "", "`": "", "´": ""})
_WORD = re.compile(r"[a-z]+")
LONGEST_VERB_WORDS = 5


@dataclass(frozen=True)
class Response:
    """A member's current response to one finding. `member` is kept to show them their own and to take it out if
    they withdraw; outputs name them by role and agency only."""
    finding: str
    member: str
    kind: str                # fits, doesnt_fit or comment
    text: str = ""
    at: str = ""


@dataclass(frozen=True)
class Typed:
    """One response read from a DM: the finding's key, the kind, and the words after it."""
    finding: str
    kind: str
    text: str = ""


@dataclass(frozen=True)
class Parsed:
    responses: list[Typed] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)   # the parts that said no kind we know (their key first)


def looks_like_responses(text: str) -> bool:
    """Whether a DM starts with a finding's key: only then is it read as responses (else it is a reflection's)."""
    return bool(_FIRST.match(text or ""))


def kind_alone(text: str) -> str | None:
    """The kind a DM names with no finding's key ("This fits my experience", a button's words typed): the member
    is asked which finding; None for anything else."""
    words = _WORD.findall((text or "").lower().translate(_APOSTROPHES))
    return _kind(words) if 0 < len(words) <= LONGEST_VERB_WORDS else None


def _kind(words: list[str]) -> str | None:
    phrase = " ".join(words)
    for kind, phrases in PHRASES.items():
        if phrase in phrases:
            return kind
    if len(phrase.replace(" ", "")) < SHORTEST_FUZZY:
        return None
    close = [(OSA.distance(phrase, p), kind) for kind, phrases in PHRASES.items() for p in phrases
             if len(p.replace(" ", "")) >= SHORTEST_FUZZY]
    best = min(close, default=(TYPOS + 1, None))
    return best[1] if best[0] <= TYPOS else None


def _one(key: str, rest: str) -> Typed | None:
    """A response from what follows its key: the kind in its first words (up to a colon, when there is one), and
    the words after it. `F2 doesn't fit: we called` and `F2 doesn't fit we called` read the same."""
    rest = rest.strip().lstrip("-–—:.").strip()
    head, colon, tail = rest.partition(":")
    words = _WORD.findall(head.lower().translate(_APOSTROPHES))
    if colon and len(words) <= LONGEST_VERB_WORDS:
        kind = _kind(words)
        return Typed(key, kind, tail.strip()) if kind else None
    # No colon: the longest run of first words that names a kind; what follows is the text.
    lowered = rest.lower().translate(_APOSTROPHES)
    for n in range(min(LONGEST_VERB_WORDS, len(_WORD.findall(lowered))), 0, -1):
        kind = _kind(_WORD.findall(lowered)[:n])
        if kind:
            return Typed(key, kind, _after_words(rest, n).strip(" \t-–—,.;"))
    return None


def _after_words(text: str, n: int) -> str:
    """`text` after its first `n` words (apostrophes count as part of a word, as the kinds are read)."""
    found = list(re.finditer(r"[A-Za-z’‘'`´]+", text))
    return text[found[n - 1].end():] if len(found) >= n else ""


def parse_responses(text: str) -> Parsed:
    """Every response in a DM: several on a line (`F1 fits, F2 doesn't fit: …`) or a line each.

    >>> parse_responses("f1 FITS\\nF2 does not fit: we called the GP; F3 coment: the form is long").responses
    [Typed(finding='F1', kind='fits', text=''), Typed(finding='F2', kind='doesnt_fit', text='we called the GP'), \
Typed(finding='F3', kind='comment', text='the form is long')]
    >>> parse_responses("F1 maybe").unreadable
    ['F1 maybe']
    """
    text = text or ""
    starts = list(_START.finditer(text))

    def rest(i: int, among: list) -> str:
        return text[among[i].end():among[i + 1].start() if i + 1 < len(among) else len(text)]

    # A key later on starts a response only if a kind follows it: "F3 comment: unlike F2, ..." is one comment.
    starts = [s for i, s in enumerate(starts) if i == 0 or _one(f"F{int(s.group(1))}", rest(i, starts))]
    parsed = Parsed()
    for i, start in enumerate(starts):
        key, words = f"F{int(start.group(1))}", rest(i, starts)
        one = _one(key, words)
        if one is None:
            parsed.unreadable.append(f"{key} {words.strip()}".strip())
        else:
            parsed.responses.append(one)
    return parsed


def to_share(findings: Iterable[Finding], shared: dict[str, int]) -> list[Finding]:
    """What a share round sends one member: the findings shown (draft or agreed) that they have not been sent,
    or whose content changed (a new version) since. A second share without changes sends nothing.

    >>> [f.key for f in to_share([Finding("F1", "a", "t", version=2), Finding("F2", "b", "t", version=1)],
    ...                          {"F1": 1, "F2": 1})]
    ['F1']
    """
    return [f for f in shown(findings) if shared.get(f.key, 0) < f.version]


@dataclass(frozen=True)
class ResponseShown:
    """A response as the team sees it: by role and agency, the words pseudonymised."""
    who: str
    kind: str
    text: str


@dataclass(frozen=True)
class FindingResponses:
    """The case group's response to one finding."""
    finding: str
    responses: tuple[ResponseShown, ...] = ()

    def count(self, kind: str) -> int:
        return sum(1 for r in self.responses if r.kind == kind)

    @property
    def challenged(self) -> bool:
        """Someone said it doesn't fit their experience: the team sees the finding flagged."""
        return self.count("doesnt_fit") > 0


def responses_by_finding(review: Review, responses: Iterable[Response]) -> dict[str, FindingResponses]:
    """{finding key: the case group's response to it}, each by role and agency (never a name or Slack ID), the
    ones that don't fit first, then the comments, then those that fit; the words pseudonymised in one batch.
    What the report's "The case group's response" under each finding shows.

    Members no longer in the case group (dropped by a re-import, or unknown) are left out: who they were can't
    be said by role and agency."""
    attribution = {m.slack_id: m.attribution for m in review.members}
    kept = sorted((r for r in responses if r.member in attribution),
                  key=lambda r: (KINDS.index(r.kind) if r.kind != "fits" else len(KINDS), attribution[r.member]))
    texts = list(dict.fromkeys(r.text for r in kept if r.text))
    clean = dict(zip(texts, Redactor.for_review(review).clean_many(texts))) if texts else {}
    grouped: dict[str, list[ResponseShown]] = {}
    for r in kept:
        grouped.setdefault(r.finding, []).append(ResponseShown(attribution[r.member], r.kind, clean.get(r.text, "")))
    return {key: FindingResponses(key, tuple(shown_)) for key, shown_ in grouped.items()}
