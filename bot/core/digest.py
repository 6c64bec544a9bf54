"""The digest: a review's submitted reflections, organised the way Learning Together reads them.

    digest = compile_digest(review, store.submitted.latest(key), store.conversations.stages(key), prompts)
    digest.episode("KPE3").coverage        # '2 of 2'
    digest.patterns[0].factor              # 'information sharing'

For each key practice episode: who contributed and who has not; how it looked
at the time (with where the knowledge came from, and what was learned later
kept apart); the contributory factors tallied by heading, with statements that
say the same thing grouped; what went well; suggested changes; hindsight flags;
and where two agencies' accounts differ. Across the review: a timeline with
coverage, and the emerging patterns, mapped to the typology of underlying
patterns and phrased as questions.

Which answers are the account, the knowledge, the factors, what went well and the changes,
and every word the digest adds (labels, statuses, the rules it prints), come from
prompts/digest.toml through `prompts.digest` (bot.core.digest_rules), checked at start-up.

Pure: no Slack, no SQL. Every piece of free text has been through redaction
(bot.core.redaction) before it reaches a dataclass here, so a renderer cannot
show a real name by mistake.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

from bot.core.analysis_digest import TeamAnalysis
from bot.core.digest_headings import HeadingGrid, heading_grid, recurring_headings
from bot.core.digest_rules import DigestRules, DigestSteps, DigestWording, Pattern, Theme
from bot.core.follow_ups import FollowUp, FollowUpShown
from bot.core.matching import named, without_prefix
from bot.core.prompts import chosen_values
from bot.core.redaction import NAME_THRESHOLD, Redactor
from bot.core.review import Episode, Member, Review

# A theme's word must be found in a factor statement with rapidfuzz fuzz.partial_ratio >= 90
# (lower-cased, punctuation removed): "my caseload was huge" contains "caseload" (100).
THEME_THRESHOLD = 90
# Theme words this short ("IT", "DSL", "flag") must appear as whole words: inside longer words they are noise.
WHOLE_WORD_MAX = 5
# ... and those of this many letters or fewer written in capitals (acronyms) only in capitals, as typed.
ACRONYM_MAX = 3
_WORD = re.compile(r"\w+")
# Statements no theme fits are grouped with each other, under the same heading, when rapidfuzz
# fuzz.token_set_ratio >= 80: the same words in any order, or one statement's words inside the other's.
WORDING_THRESHOLD = 80
# Episode look-up (`/summary police incident`): each typed word scores its closest word in the episode's
# key and title (rapidfuzz ratio; partial_ratio too for a word of 4+ letters typed as part of a longer
# one, "bruis" in "bruising"), and the episode scores their average. The best must reach this, and
# beat the runner-up by EPISODE_MARGIN, or the candidates are offered.
EPISODE_THRESHOLD = 75
EPISODE_MARGIN = 10
# The "episode" a reflection's answers for the whole review (its `once` steps) are stored under.
WHOLE = ""

# A case group member who has not contributed to an episode, by their conversation stage: the key of the
# words for it in prompts/digest.toml [status]. "checking" is someone revising a submitted reflection;
# "submitted", someone who submitted before the episode was given to them.
STATUS_OF_STAGE = {None: "not_started", "consent": "not_started", "asking": "in_progress", "checking": "in_progress",
                   "declined": "declined", "submitted": "submitted_earlier", "withdrawn": "withdrawn"}


# ----- the digest --------------------------------------------------------------


@dataclass
class Account:
    """One practitioner's view of one episode: how it looked to them."""
    who: str                 # "Health visitor (Northshire Community Health)"
    agency: str
    knowledge: list[str]     # option values of the knowledge step, one or several: memory, records, learned_later
    knowledge_label: str     # "from memory", "mixed: from memory and learned later"
    answers: dict[str, str]  # the account step's label (prompts/digest.toml [account]) -> what they wrote
    mixed: bool = False      # partly learned later: shown with the views held at the time, and marked
    # The review team's follow-up questions to them about this episode, and their answers (bot.core.follow_ups).
    follow_ups: list[FollowUpShown] = field(default_factory=list)
    # Their Slack ID, for the team's *Ask a follow-up* button in Slack; never in an export (to_dict drops it).
    member: str = field(default="", repr=False)


@dataclass
class Statement:
    """A contributory factor as one practitioner put it."""
    episode: str
    who: str
    agency: str
    heading: str
    words: str


@dataclass
class FactorGroup:
    """Statements that say the same thing: shown once, with its count and its sources."""
    name: str
    grouped_by: str          # "theme", "wording" or "heading" (the heading alone was chosen)
    statements: list[Statement]

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys(s.agency for s in self.statements))


@dataclass
class HeadingTally:
    heading: str
    groups: list[FactorGroup]

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys(a for g in self.groups for a in g.agencies))


@dataclass
class Remark:
    who: str
    text: str


@dataclass
class HindsightFlag:
    """A statement that reads as today's view. Quoted whole, never changed."""
    who: str
    field: str
    statement: str
    phrases: list[str]


@dataclass
class Difference:
    first: str
    second: str
    rule: str                # "knowledge" or "factors"
    detail: str


@dataclass
class NameToCheck:
    """A family member's name that is also an everyday word ("Will", "Rose") started a sentence: the bot could not
    tell which was meant, took it for the name, and says so (bot.core.redaction, Redactor.doubts)."""
    who: str
    field: str
    label: str               # what it was replaced with
    words: str               # the sentence from there on, as the digest shows it


@dataclass
class Missing:
    who: str
    status: str              # not started, in progress, declined (prompts/digest.toml [status])


@dataclass
class EpisodeDigest:
    key: str
    title: str
    dates: str
    description: str
    expected: int
    contributors: list[str]
    missing: list[Missing]
    at_the_time: list[Account]
    learned_later: list[Account]
    factors: list[HeadingTally]
    went_well: list[Remark]
    changes: list[Remark]
    hindsight: list[HindsightFlag]
    differences: list[Difference]
    names_to_check: list[NameToCheck] = field(default_factory=list)   # the redaction report, for the lead
    # Follow-up questions to members with no submitted account of this episode yet (theirs are under accounts).
    other_follow_ups: list[FollowUpShown] = field(default_factory=list)

    @property
    def coverage(self) -> str:
        return f"{len(self.contributors)} of {self.expected}"


@dataclass
class Evidence:
    episode: str
    who: str
    words: str
    group: str = ""          # of a heading's pattern: the factor group the statement is in, as the episode shows it


@dataclass
class EmergingPattern:
    factor: str
    headings: list[str]
    pattern: str             # the typology label, or "" when the factor's heading maps to none
    pattern_short: str
    question: str
    evidence: list[Evidence]
    episodes: list[str]
    agencies: list[str]
    # "group": a factor group (a theme, the same words) recurs; "heading": a framework heading recurs, whatever the
    # wording (`factor` is the heading, and each statement of its evidence names its group).
    level: str = "group"


@dataclass
class TimelineEntry:
    key: str
    title: str
    dates: str
    contributed: int
    expected: int
    hindsight: int
    differences: int
    # Where the episode sits on the HTML export's date axis (the review file's start and end): `dates` is
    # how it is written. No start: the timeline lists it apart from the axis.
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def coverage(self) -> str:
        return f"{self.contributed} of {self.expected}"


@dataclass
class Method:
    """The rules the digest followed, as it prints them (prompts/digest.toml [method], with the numbers filled in)."""
    grouping: str
    differences: str
    emerging: str
    pseudonyms: str
    hindsight: str


@dataclass
class Digest:
    review_key: str
    title: str
    board: str
    generated_at: str
    members: int              # case group members, less any who withdrew
    contributors: int         # members with a submitted reflection
    reflections: int          # episode accounts submitted
    timeline: list[TimelineEntry]
    patterns: list[EmergingPattern]
    episodes: list[EpisodeDigest]
    method: Method
    # The words the renderers put around the digest's data (prompts/digest.toml): the digest carries them, so that
    # every output of it says what the prompt files say. Not part of its data (to_dict leaves them out).
    wording: DigestWording = field(compare=False, repr=False)
    # What each member added for the whole reflection (the `once` steps: "anything else?"), by role and agency.
    # The whole digest only: an episode's digest leaves it out, as it leaves out the other episodes.
    anything_else: list[Remark] = field(default_factory=list)
    # Which agencies named which factor heading in which episode (an episode's digest: that episode's column).
    grid: HeadingGrid = field(default_factory=lambda: HeadingGrid([]))
    # The review team's appraisals and findings (bot.core.analysis_digest): their words, not the case group's,
    # shown after it (last, here too). bot/digest_builder.py reads them fresh for every digest (nothing is kept).
    analysis: TeamAnalysis = field(default_factory=TeamAnalysis)

    @property
    def has_reflections(self) -> bool:
        return self.reflections > 0

    def episode(self, key: str) -> EpisodeDigest | None:
        return next((e for e in self.episodes if e.key == key), None)

    def to_dict(self, episode: str | None = None) -> dict:
        """Plain data for JSON; with `episode`, only that episode (and the patterns it is evidence for)."""
        data = dataclasses.asdict(dataclasses.replace(self, wording=None))
        del data["wording"]
        for entry, source in zip(data["timeline"], self.timeline):
            entry["coverage"] = source.coverage
            entry["start"], entry["end"] = (day.isoformat() if day else None for day in (source.start, source.end))
        for entry, source in zip(data["episodes"], self.episodes):
            entry["coverage"] = source.coverage
            for account in (*entry["at_the_time"], *entry["learned_later"]):
                del account["member"]   # a Slack ID: the export names people by role and agency only
            for tally, tally_source in zip(entry["factors"], source.factors):
                tally["count"], tally["agencies"] = tally_source.count, tally_source.agencies
                for group, group_source in zip(tally["groups"], tally_source.groups):
                    group["count"], group["agencies"] = group_source.count, group_source.agencies
        if episode:
            data["episodes"] = [e for e in data["episodes"] if e["key"] == episode]
            data["timeline"] = [t for t in data["timeline"] if t["key"] == episode]
            data["patterns"] = [p for p in data["patterns"] if episode in p["episodes"]]
            data["analysis"] = dataclasses.asdict(self.analysis.only(episode))
            data["grid"] = {"episodes": [k for k in data["grid"]["episodes"] if k == episode],
                            "rows": [{"heading": row["heading"], "cells": {episode: row["cells"][episode]}}
                                     for row in data["grid"]["rows"] if episode in row["cells"]]}
        return data


# ----- fuzzy helpers -----------------------------------------------------------


# From this many (text, word) pairs, one cdist batch on every core. Below it (one answer's hindsight check, on
# the answer path) a plain loop gives the same scores in a third of the time: cdist's set-up, and its thread
# pool, cost about 0.2 ms, four times the scoring itself.
BATCH_FROM = 2_000


def containment_scores(texts: list[str], words: list[str], partial_from: int = 1,
                       score_cutoff: float = 0) -> np.ndarray:
    """How well each word appears in each text (0-100): rapidfuzz partial_ratio in one cdist batch.

    partial_ratio finds the best-matching stretch of the longer string, so when a text is
    shorter than the word ("If" against "if only"), or the word is shorter than `partial_from`,
    plain ratio is used instead: a fragment of a phrase is not the phrase. A score under
    `score_cutoff` is 0 (rapidfuzz then stops scoring early: half the time for hindsight phrases).
    """
    processed_texts = [default_process(t) for t in texts]
    processed_words = [default_process(w) for w in words]
    if not processed_texts or not processed_words:
        return np.zeros((len(texts), len(words)))
    if len(texts) * len(words) < BATCH_FROM:
        scorer = {True: fuzz.ratio, False: fuzz.partial_ratio}
        return np.array([[scorer[len(t) < len(w) or len(w) < partial_from](t, w, score_cutoff=score_cutoff)
                          for w in processed_words] for t in processed_texts], dtype=np.float32)   # as cdist gives
    scores = process.cdist(processed_texts, processed_words, scorer=fuzz.partial_ratio, workers=-1,
                           score_cutoff=score_cutoff)
    text_lengths = np.array([len(t) for t in processed_texts])[:, None]
    word_lengths = np.array([len(w) for w in processed_words])[None, :]
    whole_needed = (text_lengths < word_lengths) | (word_lengths < partial_from)
    rows = np.nonzero(whole_needed.any(axis=1))[0]  # usually a few short texts: score only those again
    if rows.size:
        whole = process.cdist([processed_texts[r] for r in rows], processed_words, scorer=fuzz.ratio, workers=-1,
                              score_cutoff=score_cutoff)
        scores[rows] = np.where(whole_needed[rows], whole, scores[rows])
    return scores


def _whole_word_scores(texts: list[str], words: list[str]) -> np.ndarray:
    """100 where a short word (or its plural) is one of a text's words, else 0. A theme's acronym of
    ACRONYM_MAX letters or fewer, in capitals ("IT", "DSL"), counts only in capitals: "I never saw it" is no
    statement about IT."""
    scores = np.zeros((len(texts), len(words)))
    acronyms = {i for i, w in enumerate(words) if len(w) <= ACRONYM_MAX and w.isupper()}
    wanted = [w if i in acronyms else default_process(w) for i, w in enumerate(words)]
    for row, text in enumerate(texts):
        tokens = set(default_process(text).split())
        typed = set(_WORD.findall(text)) if acronyms else set()
        for column, word in enumerate(wanted):
            found_in = typed if column in acronyms else tokens
            if word in found_in or word + "s" in found_in:
                scores[row, column] = 100
    return scores


def assign_themes(statements: list[str], themes: tuple[Theme, ...]) -> list[Theme | None]:
    """The theme each statement belongs to, or None. Ties go to the theme listed first."""
    if not statements or not themes:
        return [None] * len(statements)
    # Statements repeat ("workload", "no time"): each wording is scored once.
    wordings = list(dict.fromkeys(default_process(s) for s in statements))
    if len(wordings) < len(statements):
        found = dict(zip(wordings, assign_themes(wordings, themes)))
        return [found[default_process(s)] for s in statements]
    owners = [i for i, t in enumerate(themes) for _ in t.words]
    words = [w for t in themes for w in t.words]
    short = [i for i, w in enumerate(words) if len(default_process(w)) <= WHOLE_WORD_MAX]
    long = [i for i, w in enumerate(words) if len(default_process(w)) > WHOLE_WORD_MAX]
    scores = np.zeros((len(statements), len(words)))
    if long:
        scores[:, long] = containment_scores(statements, [words[i] for i in long])
    if short:
        scores[:, short] = _whole_word_scores(statements, [words[i] for i in short])
    found = []
    for row in scores:
        best = int(np.argmax(row))  # first of equal maxima: the theme listed first
        found.append(themes[owners[best]] if row[best] >= THEME_THRESHOLD else None)
    return found


def group_by_wording(statements: list[str]) -> list[int]:
    """A group number per statement: average-linkage groups of token_set_ratio >= WORDING_THRESHOLD.

    Two groups join while the mean score between their statements (ignoring case and punctuation)
    reaches the threshold, the closest pair of groups first. Single-link (any one pair is enough)
    would chain: token_set_ratio scores 100 whenever one statement's words are all in the other's,
    so a short statement bridges every longer one that shares its words ("time" would join all three
    below; here "time off sick" stays apart).

    >>> group_by_wording(["no flag on the GP record", "the GP record has no flag", "time",
    ...                   "no time between visits", "time off sick"])
    [0, 0, 2, 2, 4]
    """
    processed = [default_process(s) for s in statements]
    unique = list(dict.fromkeys(processed))
    joined_to = list(range(len(unique)))              # a group merged into another points to it
    if len(unique) > 1:
        link = process.cdist(unique, unique, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1)
        np.fill_diagonal(link, -1)
        size = np.ones(len(unique), dtype=np.float32)
        best = link.argmax(axis=1)                       # each group's closest group
        top = link[np.arange(len(unique)), best]
        while True:
            i = int(top.argmax())
            if top[i] < WORDING_THRESHOLD:
                break
            j = int(best[i])
            i, j = min(i, j), max(i, j)                  # the group listed first keeps its number
            merged = (link[i] * size[i] + link[j] * size[j]) / (size[i] + size[j])
            merged[[i, j]] = -1
            link[i], link[:, i] = merged, merged
            link[j], link[:, j] = -1, -1
            size[i] += size[j]
            top[j] = -1
            joined_to[j] = i
            # A mean is never above the larger of the two scores it replaces: only the groups whose
            # closest group was i or j need looking at again, and each may now be closer to i.
            stale = np.nonzero((best == i) | (best == j))[0]
            stale = stale[top[stale] >= 0]
            best[stale] = link[stale].argmax(axis=1)
            top[stale] = link[stale, best[stale]]
            closer = (link[:, i] > top) & (top >= 0)
            best[closer], top[closer] = i, link[closer, i]
            best[i] = int(link[i].argmax())
            top[i] = link[i, best[i]]
    for k, parent in enumerate(joined_to):            # groups only merge into lower numbers: one pass
        joined_to[k] = joined_to[parent] if parent < k else parent
    index = dict(zip(unique, joined_to))
    return [index[p] for p in processed]


# ----- finding an episode --------------------------------------------------------


@dataclass
class EpisodeMatch:
    episode: Episode | None = None
    candidates: list[Episode] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.episode is None and len(self.candidates) > 1


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def match_episode(query: str, episodes: list[Episode]) -> EpisodeMatch:
    """Which episode `query` means: its key ("KPE2", "kpe 2"), its number ("2"), or words of its title.

    >>> eps = [Episode("KPE1", "New birth visit", dt.date(2025, 3, 4)),
    ...        Episode("KPE2", "Police attend a domestic incident", dt.date(2025, 6, 14))]
    >>> match_episode("police incident", eps).episode.key, match_episode("2", eps).episode.key
    ('KPE2', 'KPE2')
    """
    query = query.strip()
    if not query or not episodes:
        return EpisodeMatch()
    by_key = [e for e in episodes if _compact(e.key) == _compact(query)]
    if by_key:
        return EpisodeMatch(by_key[0])
    if query.isascii() and query.isdigit():
        numbered = [e for e in episodes if (m := re.search(r"(\d+)$", e.key)) and int(m.group(1)) == int(query)]
        if len(numbered) == 1:
            return EpisodeMatch(numbered[0])
        if 1 <= int(query) <= len(episodes):
            return EpisodeMatch(episodes[int(query) - 1])  # the n-th episode of the timeline
        return EpisodeMatch()
    typed = default_process(query).split()
    if not typed:
        return EpisodeMatch()
    titles = [default_process(f"{e.key} {e.title}").split() for e in episodes]
    vocabulary = sorted({word for title in titles for word in title})
    words = containment_scores(vocabulary, typed, partial_from=4).T  # typed word x title word
    column = {word: i for i, word in enumerate(vocabulary)}
    scores = np.array([words[:, [column[w] for w in title]].max(axis=1).mean() for title in titles])
    order = np.argsort(-scores, kind="stable")
    best = scores[order[0]]
    if best < EPISODE_THRESHOLD:
        return EpisodeMatch()
    close = [episodes[i] for i in order if scores[i] >= EPISODE_THRESHOLD and best - scores[i] < EPISODE_MARGIN]
    return EpisodeMatch(close[0]) if len(close) == 1 else EpisodeMatch(candidates=close)


# ----- compiling ---------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item.get("text", "")) if isinstance(item, dict) else str(item) for item in value)
    return str(value).strip()


def _factors(value) -> list[tuple[str, str]]:
    """(heading, words) for each stored factor."""
    if isinstance(value, list):
        return [(str(f.get("heading") or "other"), str(f.get("text") or f.get("heading") or ""))
                if isinstance(f, dict) else ("other", str(f)) for f in value]
    return [("other", str(value))] if value else []


def _core(words: str, heading: str, keywords: dict[str, tuple[str, ...]]) -> str:
    """The statement without its heading: "conditions of work: workload" -> "workload"; the heading alone -> "".
    A label with a typo ("personal factros: tired") goes too: answers stored before the conversation took
    such labels off still carry them."""
    words = without_prefix(words, [heading, *keywords.get(heading, ())])
    return "" if default_process(words) == default_process(heading) else words.strip()


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


@dataclass
class _Reflection:
    """One member's submitted answers on one episode, cleaned, with what the batches found in them."""
    member: Member
    who: str
    agency: str
    episode: str
    answers: dict[str, str]
    knowledge: list[str]                                 # option values (chosen_values)
    factors: list[tuple[str, str]]                       # (heading, words)
    groups: list[tuple[tuple, str, str]] = field(default_factory=list)  # per factor: (key, name, grouped_by)
    flags: list[HindsightFlag] = field(default_factory=list)
    names_to_check: list[NameToCheck] = field(default_factory=list)


@dataclass
class ReviewWide:
    """The part of a digest that needs every episode: each factor statement's group, the emerging
    patterns, and the counts. An episode's digest can reuse it while no reflection has changed."""
    groups: dict[tuple[str, str], tuple[tuple, str, str]]   # (heading, cleaned words) -> (key, name, grouped_by)
    patterns: list[EmergingPattern]
    contributors: int
    reflections: int
    # Episode key -> the (heading, cleaned words) its statements give, each once: what a digest of that
    # episode looks up in `groups`, so that a stored part can be read one episode at a time (bot.core.stored_wide).
    episodes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _used(review: Review, reflections: dict[str, dict], keys: set[str] | None = None):
    """(member, episode key, answers) of each submitted reflection a digest uses (of `keys` only, if given)."""
    episode_keys = {e.key for e in review.episodes}
    for member in review.members:
        for episode_key, answers in (reflections.get(member.slack_id) or {}).items():
            # Left out: an episode removed, or given to someone else, after this was submitted.
            if episode_key in episode_keys and episode_key in member.episodes and (keys is None or episode_key in keys):
                yield member, episode_key, answers


def _expected(case_group: list[Member], stages: dict[str, str]) -> int:
    # Someone who withdrew is listed as such, and is not waited for: their consent, and their words, are gone.
    return sum(1 for m in case_group if stages.get(m.slack_id) != "withdrawn")


@dataclass(frozen=True)
class Coverage:
    """One episode's counts, as its digest counts them: who was expected, who contributed, and how many accounts
    were only learned later (EpisodeDigest.learned_later)."""
    key: str
    title: str               # as the review file has it: not pseudonymised (the caller shows it cleaned)
    expected: int
    contributed: int
    learned_later: int


def coverage(review: Review, reflections: dict[str, dict], stages: dict[str, str], prompts) -> list[Coverage]:
    """Each episode's Coverage, without compiling (or pseudonymising) a word of the digest: the report's
    limitations need the counts only. The same rules as compile_digest: _used, _expected, and an account only
    learned later when that is its one source."""
    steps = prompts.digest.steps
    contributed: dict[str, set[str]] = {e.key: set() for e in review.episodes}
    later: Counter = Counter()
    for member, key, answers in _used(review, reflections):
        contributed[key].add(member.slack_id)
        if chosen_values(answers.get(steps.knowledge)) == [steps.learned_later]:
            later[key] += 1
    return [Coverage(e.key, e.title, _expected([m for m in review.members if e.key in m.episodes], stages),
                     len(contributed[e.key]), later[e.key]) for e in review.episodes]


def review_wide(review: Review, reflections: dict[str, dict], prompts) -> ReviewWide:
    """What every episode's factors make together. Only the factors of `reflections` are read (a
    Store.latest_for_episode read is enough)."""
    redactor = Redactor.for_review(review)
    factors_step = prompts.digest.steps.factors
    found = [(member, key, _factors(answers.get(factors_step))) for member, key, answers in _used(review, reflections)]
    # Each member's episodes in timeline order, whichever read gave them (the wording groups' numbers, and
    # ties, follow the order statements come in): the same reflections give the same part, stored or not.
    timeline = {e.key: i for i, e in enumerate(review.episodes)}
    rank = {m.slack_id: i for i, m in enumerate(review.members)}
    found.sort(key=lambda f: (rank[f[0].slack_id], timeline[f[1]]))
    raw = [text for member in review.members for text in (member.attribution, member.agency)]
    raw += [words for _, _, factors in found for _, words in factors]
    unique = list(dict.fromkeys(raw))
    clean = dict(zip(unique, redactor.clean_many(unique)))
    submitted = [_Reflection(member, clean[member.attribution], clean[member.agency], key, {}, [],
                             [(heading, clean[words]) for heading, words in factors]) for member, key, factors in found]
    keywords = {h.name: tuple(h.keywords) for h in prompts.headings}
    episodes: dict[str, dict[tuple[str, str], None]] = {}
    for r in submitted:
        episodes.setdefault(r.episode, {}).update(dict.fromkeys(r.factors))
    return ReviewWide(_group_factors(submitted, prompts.digest, keywords),
                      _emerging(submitted, prompts.digest, [e.key for e in review.episodes]),
                      contributors=len({r.member.slack_id for r in submitted}), reflections=len(submitted),
                      episodes={key: list(pairs) for key, pairs in episodes.items()})


def compile_digest(review: Review, reflections: dict[str, dict], stages: dict[str, str], prompts,
                   generated_at: dt.datetime | None = None, episode: str | None = None,
                   wide: ReviewWide | None = None, follow_ups: Sequence[FollowUp] = ()) -> Digest:
    """The digest of `review` from each member's latest submitted reflection.

    `reflections` is {slack_id: {episode_key: {field: value}}} (Store.latest_reflections),
    `stages` is {slack_id: conversation stage} (Store.conversation_stages), and `prompts`
    gives the factor headings and the digest rules (hindsight phrases, typology).

    With `episode` (a key), only that episode's own sections are compiled, with the review's counts
    and the emerging patterns it is evidence for: `digest.episodes` and `digest.timeline` then hold
    that episode alone, and `digest.patterns` only those patterns. The part that needs every episode
    is `wide` (review_wide(review, reflections, prompts), made here when not given); with it,
    `reflections` need only hold the episodes compiled. `follow_ups`: the review team's follow-up questions
    (read fresh by bot/digest_builder.py), shown under each practitioner's account, pseudonymised in the same batch.
    """
    rules: DigestRules = prompts.digest
    steps, wording = rules.steps, rules.wording
    wide = wide or review_wide(review, reflections, prompts)
    redactor = Redactor.for_review(review)
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    shown = [e for e in review.episodes if episode is None or e.key == episode]
    found = [(member, key, answers, _factors(answers.get(steps.factors)))
             for member, key, answers in _used(review, reflections, {e.key for e in shown})]
    read = [*steps.account, *steps.remarks]   # the answers shown as text

    # Every piece of text that can reach an output is cleaned, in one batch.
    raw: list[str] = [review.title, review.board]
    for item in shown:
        raw += [item.title, item.description]
    for member in review.members:
        raw += [member.attribution, member.agency]
    for _, _, answers, factors in found:
        raw += [_text(answers.get(name)) for name in read]
        raw += [words for _, words in factors]
    closing = [step.key for step in prompts.closing] if episode is None else []
    added = [(member, text) for member in review.members for name in closing
             if (text := _text((reflections.get(member.slack_id) or {}).get(WHOLE, {}).get(name)))]
    raw += [text for _, text in added]
    asked = [f for f in follow_ups if f.episode in {e.key for e in shown}]
    raw += [text for f in asked for text in (f.quoted, f.question, f.answer)]
    unique = list(dict.fromkeys(raw))
    clean = dict(zip(unique, redactor.clean_many(unique)))

    by_episode: dict[str, list[_Reflection]] = {e.key: [] for e in shown}
    for member, key, answers, factors in found:
        reflection = _Reflection(
            member, clean[member.attribution], clean[member.agency], key,
            {name: clean[_text(answers.get(name))] for name in read},
            chosen_values(answers.get(steps.knowledge)), [(heading, clean[words]) for heading, words in factors])
        reflection.groups = [wide.groups[pair] for pair in reflection.factors]
        # Where the redactor could not tell a name from an everyday word, the lead is told where.
        given = [(label, _text(answers.get(name))) for name, label in (*steps.account.items(), *steps.remarks.items())]
        given += [(steps.factors_label, words) for _, words in factors]
        reflection.names_to_check = [NameToCheck(reflection.who, label, replaced, words)
                                     for label, text in given for replaced, words in redactor.doubts.get(text, ())]
        by_episode[key].append(reflection)
    _flag_hindsight([r for mine in by_episode.values() for r in mine], rules)
    heading_order = [h.name for h in prompts.headings]
    episodes = [_episode_digest(review, item, by_episode[item.key], stages, clean, heading_order, rules,
                                [f for f in asked if f.episode == item.key])
                for item in shown]
    return Digest(
        review_key=review.key, title=clean[review.title], board=clean[review.board],
        generated_at=generated_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        members=sum(1 for m in review.members if stages.get(m.slack_id) != "withdrawn"), contributors=wide.contributors, reflections=wide.reflections,
        timeline=[TimelineEntry(e.key, e.title, e.dates, len(e.contributors), e.expected, len(e.hindsight),
                                len(e.differences), item.start, item.end) for item, e in zip(shown, episodes)],
        patterns=[p for p in wide.patterns if episode is None or episode in p.episodes],
        episodes=episodes,
        method=Method(
            grouping=wording.say("method.grouping", theme_threshold=THEME_THRESHOLD, whole_word_max=WHOLE_WORD_MAX,
                               wording_threshold=WORDING_THRESHOLD),
            differences=wording.say("method.differences"),
            emerging=wording.say("method.emerging", episodes=rules.emerging.episodes, agencies=rules.emerging.agencies,
                                 heading_episodes=rules.emerging.heading_episodes,
                                 heading_agencies=rules.emerging.heading_agencies),
            pseudonyms=wording.say("method.pseudonyms", name_threshold=NAME_THRESHOLD),
            hindsight=wording.say("method.hindsight", threshold=rules.hindsight_threshold)),
        wording=wording,
        anything_else=[Remark(clean[member.attribution], clean[text]) for member, text in added],
        grid=heading_grid(((e.key, [(t.heading, t.agencies) for t in e.factors]) for e in episodes), heading_order))


def _labelled(words: str, heading: str, core: str) -> str:
    """The label a statement was typed with before its colon, when it is a keyword rather than the heading's own
    name ("tools: the app logs me out" -> "tools"), or ""."""
    label = words.partition(":")[0]
    if not core or core == words.strip() or named(label, [[heading]]).index is not None:
        return ""
    return label


def _group_factors(submitted: list[_Reflection], rules: DigestRules,
                   keywords: dict[str, tuple[str, ...]]) -> dict[tuple[str, str], tuple[tuple, str, str]]:
    """Give every factor statement its group: a theme, its wording, or its heading alone.
    Each distinct (heading, statement) is decided once: the same words are often given many times."""
    given = Counter(pair for r in submitted for pair in r.factors)   # (heading, words) -> how many times
    found = list(given)
    cores = [_core(words, heading, keywords) for heading, words in found]
    worded = [i for i, core in enumerate(cores) if core]
    themes = dict(zip(worded, assign_themes([cores[i] for i in worded], rules.themes)))
    # A label the practitioner typed says what the statement is about ("tools: no option for self-neglect on the
    # referral"): when it is a theme's word, and the words' own theme is of another pattern (or none), the label's
    # theme wins. Where both agree ("tools: DASH form"), the words' theme is the closer one and stays.
    labels = {i: label for i in worded if (label := _labelled(found[i][1], found[i][0], cores[i]))}
    for i, theme in zip(labels, assign_themes(list(labels.values()), rules.themes)):
        if theme is not None and (themes[i] is None or themes[i].pattern != theme.pattern):
            themes[i] = theme
    groups: list[tuple[tuple, str, str] | None] = [None] * len(found)
    unthemed: dict[str, list[int]] = {}
    for i, (heading, _) in enumerate(found):
        theme = themes.get(i)
        if theme is not None:
            groups[i] = (("theme", theme.name), theme.name, "theme")
        elif not cores[i]:
            groups[i] = (("heading", heading), heading, "heading")
        else:
            unthemed.setdefault(heading, []).append(i)
    for heading, indexes in unthemed.items():
        numbers = group_by_wording([cores[i] for i in indexes])
        members: dict[int, list[int]] = {}
        for i, number in zip(indexes, numbers):
            members.setdefault(number, []).append(i)
        for number, group in members.items():
            # A group is named by its most common wording; the shortest of equals.
            counts = Counter()
            for i in group:
                counts[cores[i]] += given[found[i]]
            name = min(counts, key=lambda c: (-counts[c], len(c), c))
            for i in group:
                groups[i] = (("wording", heading, number), name, "wording")
    group_of = dict(zip(found, groups))
    for reflection in submitted:
        reflection.groups = [group_of[pair] for pair in reflection.factors]
    return group_of


def hindsight_in(statements: list[str], rules: DigestRules) -> dict[str, list[str]]:
    """{statement: the hindsight phrases it contains}, for each of `statements` that contains any, scored in one
    batch. The digest's flags and the conversation's gentle check at the source both ask this.

    >>> from bot.core.prompts import load_prompts
    >>> hindsight_in(sentences("I saw him. In hindsight I should have rung."), load_prompts().digest)
    {'In hindsight I should have rung.': ['should have', 'in hindsight']}
    """
    unique = list(dict.fromkeys(statements))
    if not unique:
        return {}
    scores = containment_scores(unique, list(rules.hindsight_phrases),
                                score_cutoff=rules.hindsight_threshold) >= rules.hindsight_threshold
    hits = np.nonzero(scores.any(axis=1))[0]
    found = {unique[i]: [p for p, hit in zip(rules.hindsight_phrases, scores[i])
                         if hit and _in_words(unique[i], p, rules.hindsight_threshold)] for i in hits}
    return {statement: phrases for statement, phrases in found.items() if phrases}


def _in_words(statement: str, phrase: str, threshold: int) -> bool:
    """Whether `phrase` is in `statement` as whole words, with at most one slip per (100 - threshold) letters in
    a hundred: a slip in a short phrase is another phrase ("I only heard" is not "if only"), while "shoud have",
    "with hind sight" and "shouldve" are still found. Asked only of the few statements the batch score picked out."""
    words, wanted = default_process(statement).split(), default_process(phrase)
    slips = len(wanted) * (100 - threshold) // 100
    size = len(wanted.split())
    windows = (" ".join(words[start:start + n]) for n in (size - 1, size, size + 1) if n > 0
               for start in range(max(len(words) - n + 1, 0)))
    joined = wanted.replace(" ", "")   # "shouldve" is "should've" (processed: "should ve") run together
    return any(Levenshtein.distance(window, wanted, score_cutoff=slips) <= slips
               or window.replace(" ", "") == joined for window in windows)


def _flag_hindsight(submitted: list[_Reflection], rules: DigestRules) -> None:
    """Find the hindsight statements of every reflection in one batch. Answers repeat (the same words
    in several episodes), so each distinct answer is split and scored once."""
    fields = [*rules.steps.account.items(), *rules.steps.remarks.items()]
    texts = list(dict.fromkeys(r.answers[name] for r in submitted for name, _ in fields))
    split = {text: sentences(text) for text in texts}
    factors = [words for r in submitted for _, words in r.factors]
    found = hindsight_in([s for parts in split.values() for s in parts] + factors, rules)
    if not found:
        return
    flagged = {text: [s for s in sentences if s in found] for text, sentences in split.items()}
    for reflection in submitted:
        for name, label in fields:
            reflection.flags += [HindsightFlag(reflection.who, label, s, found[s])
                                 for s in flagged[reflection.answers[name]]]
        reflection.flags += [HindsightFlag(reflection.who, rules.steps.factors_label, words, found[words])
                             for _, words in reflection.factors if words in found]


def _episode_digest(review: Review, episode: Episode, mine: list[_Reflection], stages: dict[str, str],
                    clean: dict[str, str], heading_order: list[str], rules: DigestRules,
                    follow_ups: Sequence[FollowUp] = ()) -> EpisodeDigest:
    steps, wording = rules.steps, rules.wording
    case_group = [m for m in review.members if episode.key in m.episodes]
    expected = _expected(case_group, stages)
    contributed = {r.member.slack_id for r in mine}
    status = {stage: wording.say(f"status.{key}") for stage, key in STATUS_OF_STAGE.items()}
    missing = [Missing(clean[m.attribution], status.get(stages.get(m.slack_id), status[None]))
               for m in case_group if m.slack_id not in contributed]
    names = {m.slack_id: clean[m.attribution] for m in review.members}
    shown_follow_ups: dict[str, list[FollowUpShown]] = {}
    for f in follow_ups:
        shown_follow_ups.setdefault(f.member, []).append(FollowUpShown(
            f.name, names.get(f.member, ""), f.field, clean[f.quoted], clean[f.question], f.status, f.asked_at,
            f.answered_at, clean[f.answer]))
    accounts = []
    for r in mine:
        knowledge_label, mixed = _knowledge_label(steps, r.knowledge)
        accounts.append(Account(r.who, r.agency, r.knowledge, knowledge_label,
                                {label: r.answers[name] for name, label in steps.account.items()}, mixed,
                                shown_follow_ups.get(r.member.slack_id, []), r.member.slack_id))

    # Factors by heading (in the framework's order), then by group: each group once, with its sources.
    tallies: dict[str, dict[tuple, FactorGroup]] = {}
    for reflection in mine:
        for (heading, words), (key, name, grouped_by) in zip(reflection.factors, reflection.groups):
            group = tallies.setdefault(heading, {}).setdefault(key, FactorGroup(name, grouped_by, []))
            group.statements.append(Statement(episode.key, reflection.who, reflection.agency, heading, words))
    rank = {h: i for i, h in enumerate(heading_order)}
    factors = [HeadingTally(heading, sorted(groups.values(), key=lambda g: (-g.count, g.name)))
               for heading, groups in sorted(tallies.items(), key=lambda t: (rank.get(t[0], len(rank)), t[0]))]
    return EpisodeDigest(
        key=episode.key, title=clean[episode.title], dates=episode.dates, description=clean[episode.description],
        expected=expected, contributors=[r.who for r in mine], missing=missing,
        # Learning Together keeps what was learned later apart from the view at the time; an account that is
        # partly the time's is still a view held at the time, so it stays there, marked mixed.
        at_the_time=[a for a in accounts if a.knowledge != [steps.learned_later]],
        learned_later=[a for a in accounts if a.knowledge == [steps.learned_later]],
        factors=factors,
        went_well=[Remark(r.who, r.answers[steps.went_well]) for r in mine if r.answers[steps.went_well]],
        changes=[Remark(r.who, r.answers[steps.changes]) for r in mine if r.answers[steps.changes]],
        hindsight=[flag for r in mine for flag in r.flags],
        differences=_differences(mine, rules),
        names_to_check=[name for r in mine for name in r.names_to_check],
        other_follow_ups=[f for member, shown in shown_follow_ups.items() if member not in contributed for f in shown])


def _knowledge_label(steps: DigestSteps, sources: list[str]) -> tuple[str, bool]:
    """How an account's sources read in the digest ("from memory"), and whether it is mixed: partly learned
    later, partly known at the time. A value no longer among the options (reworded after it was stored) is
    shown as it was stored."""
    labels = [steps.knowledge_labels.get(value, value) for value in sources]
    joined = ", ".join(labels)   # none, or one
    if len(labels) > 1:
        joined = steps.joined.format(first=", ".join(labels[:-1]), last=labels[-1])
    mixed = steps.learned_later in sources and len(sources) > 1
    return (steps.mixed.format(sources=joined) if mixed else joined), mixed


def _differences(mine: list[_Reflection], rules: DigestRules) -> list[Difference]:
    """The rule of prompts/digest.toml [method] differences, applied to each pair of agencies that contributed."""
    steps, wording = rules.steps, rules.wording
    agencies: dict[str, dict] = {}
    for r in mine:
        entry = agencies.setdefault(r.agency, {"who": [], "at_the_time": [], "later": False, "headings": []})
        entry["who"].append(r.who)
        for value in r.knowledge:
            if value in steps.known_at_the_time:
                entry["at_the_time"].append(steps.knowledge_labels[value])
            elif value == steps.learned_later:
                entry["later"] = True
        entry["headings"] = list(dict.fromkeys([*entry["headings"], *(h for h, _ in r.factors)]))
    names = list(agencies)
    found = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            a, b = agencies[first], agencies[second]
            who_a, who_b = " and ".join(dict.fromkeys(a["who"])), " and ".join(dict.fromkeys(b["who"]))
            for knew, learned, knew_who, learned_who in ((a, b, who_a, who_b), (b, a, who_b, who_a)):
                if knew["at_the_time"] and learned["later"] and not learned["at_the_time"]:
                    found.append(Difference(knew_who, learned_who, "knowledge", wording.say(
                        "differences.knowledge", knew=knew_who, learned=learned_who,
                        sources=", ".join(dict.fromkeys(knew["at_the_time"])))))
                    break
            if a["headings"] and b["headings"] and not set(a["headings"]) & set(b["headings"]):
                found.append(Difference(who_a, who_b, "factors", wording.say(
                    "differences.factors", first=who_a, first_headings=", ".join(a["headings"]),
                    second=who_b, second_headings=", ".join(b["headings"]))))
    return found


def _emerging(submitted: list[_Reflection], rules: DigestRules, timeline: list[str]) -> list[EmergingPattern]:
    """Factor groups that recur across episodes or agencies, and framework headings that recur across episodes
    and agencies whatever the wording, mapped to the typology, as questions."""
    order = {key: i for i, key in enumerate(timeline)}
    by_group: dict[tuple, dict] = {}
    for r in submitted:
        for (heading, words), (key, name, grouped_by) in zip(r.factors, r.groups):
            entry = by_group.get(key)
            if entry is None:
                entry = by_group[key] = {"name": name, "evidence": [], "headings": Counter(), "agencies": {}}
            entry["evidence"].append(Evidence(r.episode, r.who, words))
            entry["headings"][heading] += 1
            entry["agencies"][r.agency] = None
    patterns = []
    for key, entry in by_group.items():
        episodes = sorted({e.episode for e in entry["evidence"]}, key=order.get)
        agencies = list(entry["agencies"])
        if len(episodes) < rules.emerging.episodes and len(agencies) < rules.emerging.agencies:
            continue
        headings = [h for h, _ in entry["headings"].most_common()]
        if key[0] == "theme":
            pattern: Pattern | None = rules.pattern(next(t.pattern for t in rules.themes if t.name == key[1]))
        else:
            pattern = rules.pattern_for_heading(headings[0])
        question = (pattern.question if pattern else rules.unmapped_question).format(factor=entry["name"])
        patterns.append(EmergingPattern(
            factor=entry["name"], headings=headings, pattern=pattern.label if pattern else "",
            pattern_short=pattern.short if pattern else "", question=question,
            evidence=sorted(entry["evidence"], key=lambda e: order[e.episode]),
            episodes=episodes, agencies=agencies))
    patterns += _heading_patterns(submitted, rules, timeline, patterns)
    # A heading's pattern before the groups inside it that recur as widely.
    return sorted(patterns, key=lambda p: (-len(p.episodes), -len(p.agencies), p.level != "heading", p.factor))


def _heading_patterns(submitted: list[_Reflection], rules: DigestRules, timeline: list[str],
                      group_patterns: list[EmergingPattern]) -> list[EmergingPattern]:
    """The headings that recur (bot.core.digest_headings), each with its statements as evidence in their groups.
    A heading whose statements are all one group's pattern already is left to that pattern: said once."""
    named = [(heading, r.episode, r.agency) for r in submitted for heading, _ in r.factors]
    recurring = recurring_headings(named, rules.emerging, timeline)
    if not recurring:
        return []
    order = {key: i for i, key in enumerate(timeline)}
    evidence: dict[str, list[Evidence]] = {heading: [] for heading in recurring}
    for r in submitted:
        for (heading, words), (_, name, _) in zip(r.factors, r.groups):
            if heading in evidence:
                evidence[heading].append(Evidence(r.episode, r.who, words, name))
    said = [{(e.episode, e.who, e.words) for e in p.evidence} for p in group_patterns]
    patterns = []
    for heading, (episodes, agencies) in recurring.items():
        items = sorted(evidence[heading], key=lambda e: order[e.episode])
        if {(e.episode, e.who, e.words) for e in items} in said:
            continue
        pattern = rules.pattern_for_heading(heading)
        patterns.append(EmergingPattern(
            factor=heading, headings=[heading], pattern=pattern.label if pattern else "",
            pattern_short=pattern.short if pattern else "",
            question=(pattern.question if pattern else rules.unmapped_question).format(factor=heading),
            evidence=items, episodes=episodes, agencies=agencies, level="heading"))
    return patterns
