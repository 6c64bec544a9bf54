"""A review's review-wide part (bot.core.digest.ReviewWide) as text to store, read back one episode at a time.

    text = encode(review_wide(review, reflections, prompts))
    decode(text, "KPE3")      # what a digest of KPE3 uses: its statements' groups, the patterns it is evidence for
    decode(text)              # all of it, equal to what was encoded

JSON with arrays, not pickle (stored text can't run code). Each episode's groups, and each
pattern's evidence, are JSON strings inside the document, decoded only when a digest needs them:
one episode's digest decodes the groups of its own statements, and the patterns it is evidence
for (with all their evidence, which its Markdown file lists), not every statement's group or
every pattern. Pure: no SQL.

    {"contributors": 9, "reflections": 12,
     "groups": [[["theme", "workload"], "workload", "theme"], ...],          # (key, name, grouped_by)
     "episodes": {"KPE1": "[[heading, words, group number], ...]", ...},
     "patterns": [{"factor": ..., "episodes": [...], ...,
                   "evidence": "[[who, ...], [words, ...], [group, ...], [[episode, who, words, group], ...]]"},
                  ...]}

In the evidence, each item's episode, who, words and group are positions in the pattern's episodes and in
the three lists before the items: a pattern's evidence repeats the same few names and words. (A group is
named in a heading's pattern only; a group's own pattern has the one name "".)
"""
from __future__ import annotations

import json

from bot.core.digest import EmergingPattern, Evidence, ReviewWide

# Change it with the shape below: bot/digest_builder.py keys a stored part by it, so one stored in another
# shape is computed again.
FORMAT = 2
_PATTERN_FIELDS = ("factor", "headings", "pattern", "pattern_short", "question", "episodes", "agencies", "level")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _key(key: tuple) -> list:
    # A wording group's number comes from numpy (bot.core.digest.group_by_wording): JSON wants an int.
    return [part if isinstance(part, str) else int(part) for part in key]


def _evidence(pattern: EmergingPattern) -> str:
    episodes = {key: i for i, key in enumerate(pattern.episodes)}
    who = {name: None for name in (e.who for e in pattern.evidence)}
    words = {text: None for text in (e.words for e in pattern.evidence)}
    groups = {name: None for name in (e.group for e in pattern.evidence)}
    who_at, words_at = {name: i for i, name in enumerate(who)}, {text: i for i, text in enumerate(words)}
    groups_at = {name: i for i, name in enumerate(groups)}
    return _dumps([list(who), list(words), list(groups),
                   [[episodes[e.episode], who_at[e.who], words_at[e.words], groups_at[e.group]]
                    for e in pattern.evidence]])


def encode(wide: ReviewWide) -> str:
    groups: dict[tuple, int] = {}   # each distinct (key, name, grouped_by), numbered in order of appearance
    for group in wide.groups.values():
        groups.setdefault(group, len(groups))
    return _dumps({
        "contributors": wide.contributors, "reflections": wide.reflections,
        "groups": [[_key(key), name, grouped_by] for key, name, grouped_by in groups],
        "episodes": {episode: _dumps([[heading, words, groups[wide.groups[heading, words]]] for heading, words in pairs])
                     for episode, pairs in wide.episodes.items()},
        "patterns": [{**{name: getattr(p, name) for name in _PATTERN_FIELDS}, "evidence": _evidence(p)}
                     for p in wide.patterns],
    })


def _pattern(stored: dict) -> EmergingPattern:
    who, words, groups, items = json.loads(stored["evidence"])
    episodes = stored["episodes"]
    return EmergingPattern(**{name: stored[name] for name in _PATTERN_FIELDS},
                           evidence=[Evidence(episodes[e], who[w], words[x], groups[g]) for e, w, x, g in items])


def decode(text: str, episode: str | None = None) -> ReviewWide:
    """The part `encode` made; with `episode`, only what that episode's digest uses."""
    stored = json.loads(text)
    groups = [(tuple(key), name, grouped_by) for key, name, grouped_by in stored["groups"]]
    episodes = {key: json.loads(pairs) for key, pairs in stored["episodes"].items()
                if episode is None or key == episode}
    return ReviewWide(
        groups={(heading, words): groups[number] for pairs in episodes.values() for heading, words, number in pairs},
        patterns=[_pattern(p) for p in stored["patterns"] if episode is None or episode in p["episodes"]],
        contributors=stored["contributors"], reflections=stored["reflections"],
        episodes={key: [(heading, words) for heading, words, _ in pairs] for key, pairs in episodes.items()})
