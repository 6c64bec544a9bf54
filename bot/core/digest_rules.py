"""The data behind digests: hindsight phrases and the typology of underlying patterns.

Both live in `prompts/` (`hindsight.toml`, `typology.toml`) so that a lead
reviewer can change them without touching Python. `load_prompts()` calls
`parse_digest_rules()` at start-up, so a mistake stops the bot with the file,
the line and the key.

>>> from bot.core.prompts import load_prompts
>>> rules = load_prompts().digest
>>> rules.pattern_for_heading("the family").short
'Family–professional interaction'
>>> "should have" in rules.hindsight_phrases
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import PromptsError

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
PATTERN_TEXTS = ("label", "short", "question")


@dataclass(frozen=True)
class Pattern:
    """One of the six kinds of underlying pattern (SCIE Guide 24, appendix 6)."""
    key: str
    label: str
    short: str
    question: str              # with a {factor} placeholder
    headings: tuple[str, ...]  # factor headings that map here when no theme fits


@dataclass(frozen=True)
class Theme:
    """Words that mean the same contributory factor, and the pattern it belongs to."""
    name: str
    pattern: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class DigestRules:
    hindsight_phrases: tuple[str, ...]
    hindsight_threshold: int
    patterns: tuple[Pattern, ...]
    themes: tuple[Theme, ...]

    def pattern(self, key: str) -> Pattern:
        return next(p for p in self.patterns if p.key == key)

    def pattern_for_heading(self, heading: str) -> Pattern | None:
        return next((p for p in self.patterns if heading in p.headings), None)


def _where(path: Path, source: str, needle: str) -> str:
    """'path:line' of the first line holding `needle`, or just the path."""
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return f"{path}:{number}"
    return str(path)


def _entry(path: Path, source: str, table: str, field: str, index: int, raw) -> tuple[str, object]:
    """Where one [[table]] entry is, for messages ('typology.toml:20: [[patterns]] 'tools''), and its `field`."""
    value = raw.get(field) if isinstance(raw, dict) else None
    if isinstance(value, str):
        needle = f'{field} = "{value}"'
        where = f"{_where(path, source, needle)}: [[{table}]] {value!r}"
    else:
        where = f"{path}: [[{table}]] #{index}"
    if not isinstance(raw, dict):
        raise PromptsError(f"{where}: must be a table")
    return where, value


def _text(table: dict, name: str, where: str) -> str:
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PromptsError(f"{where}: {name} must be a non-empty string")
    return value.strip()


def _words(table: dict, name: str, where: str, allow_empty: bool = False) -> tuple[str, ...]:
    value = table.get(name)
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value) \
            or (not value and not allow_empty):
        raise PromptsError(f"{where}: {name} must be a list of {'' if allow_empty else 'one or more '}words")
    return tuple(w.strip() for w in value)


def parse_hindsight(path: Path, data: dict, source: str) -> tuple[tuple[str, ...], int]:
    phrases = _words(data, "phrases", _where(path, source, "phrases ="))
    threshold = data.get("threshold", 90)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 50 <= threshold <= 100:
        raise PromptsError(f"{_where(path, source, 'threshold =')}: threshold must be a whole number from 50 to 100")
    return phrases, threshold


def parse_typology(path: Path, data: dict, source: str, headings: list[str]) -> tuple[tuple[Pattern, ...],
                                                                                     tuple[Theme, ...]]:
    raw_patterns = data.get("patterns")
    if not isinstance(raw_patterns, list) or not raw_patterns:
        raise PromptsError(f"{path}: no [[patterns]]: the typology needs its six underlying patterns")
    patterns: list[Pattern] = []
    owner: dict[str, str] = {}
    for index, raw in enumerate(raw_patterns, start=1):
        where, key = _entry(path, source, "patterns", "key", index, raw)
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise PromptsError(f"{where}: key must be lower-case letters, digits and _ (like \"tools\")")
        if any(p.key == key for p in patterns):
            raise PromptsError(f"{where}: duplicate key")
        texts = {name: _text(raw, name, where) for name in PATTERN_TEXTS}
        try:
            texts["question"].format(factor="x")
        except (KeyError, IndexError, ValueError):
            raise PromptsError(f"{where}: question may use {{factor}} and no other placeholder") from None
        pattern_headings = _words(raw, "headings", where, allow_empty=True)
        for heading in pattern_headings:
            if heading not in headings:
                raise PromptsError(f"{where}: headings: {heading!r} is not a heading in prompts/framework.toml")
            if heading in owner:
                raise PromptsError(f"{where}: headings: {heading!r} already belongs to pattern {owner[heading]!r}")
            owner[heading] = key
        patterns.append(Pattern(key, texts["label"], texts["short"], texts["question"], pattern_headings))

    themes: list[Theme] = []
    raw_themes = data.get("themes", [])
    if not isinstance(raw_themes, list):
        raise PromptsError(f"{path}: themes must be an array of tables ([[themes]])")
    for index, raw in enumerate(raw_themes, start=1):
        where, _ = _entry(path, source, "themes", "name", index, raw)
        name = _text(raw, "name", where)
        if any(t.name == name for t in themes):
            raise PromptsError(f"{where}: duplicate name")
        pattern = raw.get("pattern")
        if not any(p.key == pattern for p in patterns):
            known = ", ".join(p.key for p in patterns)
            raise PromptsError(f"{where}: pattern must be the key of one of the [[patterns]] ({known}), "
                               f"not {pattern!r}")
        themes.append(Theme(name, pattern, _words(raw, "words", where)))
    return tuple(patterns), tuple(themes)


def parse_digest_rules(directory: Path, documents: dict[str, tuple[dict, str]], headings: list[str]) -> DigestRules:
    """Validate hindsight.toml and typology.toml, given as {stem: (parsed, source)}."""
    for stem in ("hindsight", "typology"):
        if stem not in documents:
            raise PromptsError(f"{directory / (stem + '.toml')}: file not found (digests need it)")
    phrases, threshold = parse_hindsight(directory / "hindsight.toml", *documents["hindsight"])
    patterns, themes = parse_typology(directory / "typology.toml", *documents["typology"], headings)
    return DigestRules(phrases, threshold, patterns, themes)
