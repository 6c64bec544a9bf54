"""The data behind digests: hindsight phrases, the typology of underlying patterns, and the digest's words.

All three live in `prompts/` (`hindsight.toml`, `typology.toml`, `digest.toml`) so that a
lead reviewer can change them without touching Python. `digest.toml` also says which
conversation steps the digest reads, and for what, by their keys in `conversation.toml`.
`load_prompts()` calls `parse_digest_rules()` at start-up, so a mistake (a step named there
that the conversation does not have, a missing text, an unknown placeholder) stops the bot
with the file, the line and the key.

>>> from bot.core.prompts import load_prompts
>>> rules = load_prompts().digest
>>> rules.pattern_for_heading("the family").short
'Family–professional interaction'
>>> "should have" in rules.hindsight_phrases
True
>>> rules.steps.knowledge, rules.steps.knowledge_labels["learned_later"]
('knowledge_source', 'learned later')
>>> rules.wording.say("headings.review", title="Child D")
"Child D: digest of the case group's reflections"
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.plurals import Plurals
from bot.errors import PromptsError

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
PATTERN_TEXTS = ("label", "short", "question")
# Every text of digest.toml the digest asks for by name, with the placeholders it may use: a missing text
# or an unknown placeholder is a start-up error, not a KeyError in the middle of a /summary.
_COUNT = ("count",)
DIGEST_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "status": dict.fromkeys(("not_started", "in_progress", "declined", "submitted_earlier", "withdrawn"), ()),
    "differences": {"knowledge": ("knew", "sources", "learned"),
                    "factors": ("first", "first_headings", "second", "second_headings")},
    "method": {"pseudonyms": ("name_threshold",),
               "grouping": ("theme_threshold", "whole_word_max", "wording_threshold"),
               "hindsight": ("threshold",), "differences": (),
               "emerging": ("episodes", "agencies", "heading_episodes", "heading_agencies")},
    "headings": {"review": ("title",), "episode_file": ("title", "key"), "episode": ("key", "title"),
                 **dict.fromkeys(("timeline", "timeline_table", "patterns", "patterns_of_episode", "contributors",
                                  "at_the_time", "learned_later", "hindsight", "differences", "method", "names",
                                  "names_to_check", "anything_else", "grid", "side_by_side"), ())},
    "names_to_check": {"note": ()},
    "words": {"none_yet": (), "none_found": (), "no_differences": (), "not_mapped": (), "mentions": _COUNT,
              "heading_pattern": ()},
    "slack": {"overview_context": ("board", "contributors", "members", "reflections", "generated_at"),
              "timeline_flags": _COUNT, "pattern_recurs": ("episodes", "count", "evidence"),
              "episode_context": ("dates", "coverage", "count", "title"), "and_more": _COUNT,
              "overview_footer": ("first",), "grid_row": ("episodes", "count"),
              **dict.fromkeys(("patterns_note", "no_patterns", "not_yet", "grid_note", "no_account",
                               "learned_later_note", "factors_note", "hindsight_note", "episode_footer",
                               "too_long"), ())},
    "slack.more": dict.fromkeys(("patterns", "contributors", "people", "accounts", "groups", "remarks", "flags",
                                 "differences", "names"), _COUNT),
    "file": {"meta": ("board", "generated_at", "contributors", "members", "reflections"),
             "named_by": ("count", "agencies"),
             "episode_meta": ("dates", "coverage"), "matched": ("phrases",),
             **dict.fromkeys(("intro", "chart", "no_patterns", "question", "typology", "recurs_in", "evidence",
                              "not_yet", "learned_later_note", "hindsight_note", "undated", "grid_note",
                              "side_by_side_note"), ())},
    # The review team's analysis (bot.core.analysis_digest), in every output after the case group's material.
    "analysis": {"appraisal_of": ("key", "title"), "version": ("version",), "withdrawn": _COUNT,
                 "slack_appraisals": ("count", "episodes"), "slack_more": _COUNT,
                 "responses_warning": _COUNT,   # the case group's response to each finding (issue 17)
                 **dict.fromkeys(("responses", "response_fits", "response_doesnt_fit", "response_comment"), ()),
                 **dict.fromkeys(("heading", "note", "appraisals", "appraisal_of_episode", "what_happened",
                                  "appraisal", "explanation", "factors", "findings", "findings_of_episode",
                                  "no_appraisal", "no_findings", "category", "episodes", "evidence", "in_this_case",
                                  "how_widespread", "why_it_matters", "questions", "recommendations", "draft",
                                  "agreed"), ())},
    # The review team's follow-up questions, under the account they are about (bot/render/follow_up_text.py).
    "follow_ups": {"label": ("follow_up",), "about": ("field",), "asked": ("when",), "answered": ("when",),
                   "declined": ("when",), **dict.fromkeys(("question", "answer", "waiting", "others"), ())},
    "file.columns": dict.fromkeys(("episode", "dates", "coverage", "hindsight", "differences", "heading", "mentions",
                                   "agencies", "factor", "count", "sources", "contributor", "account",
                                   "question"), ()),
}


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
class DigestSteps:
    """Which conversation steps the digest reads, by their keys in conversation.toml, and its names for them."""
    account: dict[str, str]             # the steps of an account of the time -> label, in the order shown
    knowledge: str                      # a choice: where the account's knowledge comes from
    knowledge_labels: dict[str, str]    # each of its option values -> label ("from memory")
    known_at_the_time: tuple[str, ...]  # option values that count as knowing at the time
    learned_later: str                  # the option value whose accounts are kept apart (when it is their only one)
    mixed: str                          # the label of an account partly learned later, {sources}
    joined: str                         # several sources' labels, {first} and {last}
    factors: str                        # the contributory factors step
    factors_label: str
    went_well: str
    changes: str
    remarks: dict[str, str]             # went_well and changes -> label, in that order


@dataclass(frozen=True)
class DigestWording:
    """The digest's texts from digest.toml, by dotted name: what the digest core and its renderers say."""
    texts: dict[str, str]
    plurals: Plurals = Plurals()   # {count:agency}: the word that fits the number (bot/core/plurals.py)

    def say(self, name: str, /, **values) -> str:
        """The text called `name` ("headings.review", "slack.more.accounts"), with its {placeholders} filled in."""
        return self.plurals.format(self.texts[name], **values)

    def say_in(self, escape: Callable[[str], str], name: str, /, **values) -> str:
        """say() for an output that escapes text (HTML): the text's own words escaped, `values` put in as given."""
        return self.plurals.format(escape(self.texts[name]), **values)

    def template(self, name: str) -> Callable[..., str]:
        """The text's `format`, for a loop that says it for every item (say() looks it up each time)."""
        text, plurals = self.texts[name], self.plurals
        return lambda **values: plurals.format(text, **values)


@dataclass(frozen=True)
class Emerging:
    """When recurring factors are an emerging pattern (digest.toml [emerging]): Learning Together looks for
    patterns, not one-offs. A factor group is one when it recurs in `episodes` episodes OR is named by `agencies`
    agencies; a framework heading, whatever the wording, when it is named in `heading_episodes` episodes AND by
    `heading_agencies` agencies (a heading is broad: one episode, or two agencies, is not yet a pattern)."""
    episodes: int = 2
    agencies: int = 3
    heading_episodes: int = 2
    heading_agencies: int = 3


@dataclass(frozen=True)
class DigestRules:
    """All the digest's prompt data. bot/digest_builder.py keys a stored review-wide part by its repr, so a
    change to any of it (the unmapped question, the factors step, ...) makes that part be computed again:
    keep what the digest reads from the prompts in here."""
    hindsight_phrases: tuple[str, ...]
    hindsight_threshold: int
    patterns: tuple[Pattern, ...]
    themes: tuple[Theme, ...]
    unmapped_question: str
    steps: DigestSteps
    wording: DigestWording
    emerging: Emerging = Emerging()

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


_TABLE_HEADER = re.compile(r"\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _line_in_table(source: str, table: str, key: str | None = None) -> int | None:
    """The line of `key = ...` in [table] (of the table's header, without `key` or if `key` isn't there), or None."""
    current, header = None, None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            found = _TABLE_HEADER.fullmatch(stripped)
            current = found.group(1) if found else None   # None: an array of tables, [[...]]
            if current == table and header is None:
                header = number
        elif current == table and key is not None and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return header


def _at(path: Path, source: str, table: str, key: str | None = None) -> str:
    """'path:line' of `key` in [table], or of [table], or just the path."""
    line = _line_in_table(source, table, key)
    return f"{path}:{line}" if line else str(path)


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


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _template(path: Path, source: str, section: str, key: str, value, allowed: tuple[str, ...],
              plurals: Plurals = Plurals()) -> str:
    """A non-empty text whose placeholders are all among `allowed`, each counted word ({count:agency}) one that
    `plurals` has."""
    where = f"{_at(path, source, section, key)}: [{section}] {key}"
    if not isinstance(value, str) or not value.strip():
        raise PromptsError(f"{where} must be a non-empty string")
    try:
        unknown = _placeholders(value) - set(allowed)
        noun = plurals.unknown_noun(value)
    except ValueError as error:
        raise PromptsError(f"{where}: bad placeholder ({error}); write {{{{ or }}}} for a brace") from None
    if noun is not None:
        raise PromptsError(f"{where}: {{…:{noun}}} counts a word that [plurals] in conversation.toml does not have")
    if unknown:
        may = f"may use {', '.join('{' + name + '}' for name in allowed)}" if allowed else "takes no placeholder"
        raise PromptsError(f"{where}: unknown placeholder {{{sorted(unknown)[0]}}}: this text {may}")
    return value


def _table(path: Path, data: dict, section: str) -> dict:
    table = data
    for part in section.split("."):
        table = table.get(part) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise PromptsError(f"{path}: missing table [{section}]")
    return table


def _step_named(path: Path, source: str, section: str, field: str | None, key, steps: dict, kind: str,
                conversation: str) -> str:
    """`key`, checked to be the key of a [[steps]] entry of the right kind in conversation.toml.

    `field` is where digest.toml names it ("step"), or None in [account], whose keys are step keys."""
    if field:
        where, what = _at(path, source, section, field), f"[{section}] {field} {key!r}"
    else:
        where, what = _at(path, source, section, key), f"[{section}] names step {key!r}, which"
    if not isinstance(key, str) or key not in steps:
        raise PromptsError(f"{where}: {what} is not a [[steps]] key in {conversation}")
    if steps[key].kind != kind:
        raise PromptsError(f"{where}: {what} is a {steps[key].kind!r} step in {conversation}; "
                           f"the digest needs a {kind!r} step here")
    return key


def parse_digest_steps(path: Path, data: dict, source: str, steps: dict, conversation: str) -> DigestSteps:
    """The [account], [knowledge], [factors], [went_well] and [changes] tables of digest.toml.

    `steps` is {key: step} from conversation.toml (each with .kind and .options).
    """
    named: dict[str, str] = {}   # step key -> the table that names it: each step has one part in the digest

    def once(section: str, key: str) -> str:
        if key in named:
            raise PromptsError(f"{_at(path, source, section, 'step' if section != 'account' else key)}: "
                               f"[{section}] names step {key!r}, which [{named[key]}] names already")
        named[key] = section
        return key

    raw_account = _table(path, data, "account")
    if not raw_account:
        raise PromptsError(f"{_at(path, source, 'account')}: [account] names no step: an account needs at least one")
    account = {}
    for key, label in raw_account.items():
        once("account", _step_named(path, source, "account", None, key, steps, "text", conversation))
        account[key] = _template(path, source, "account", key, label, ()).format()   # {{ -> {, as in every text

    knowledge_table = _table(path, data, "knowledge")
    knowledge = once("knowledge", _step_named(path, source, "knowledge", "step", knowledge_table.get("step"), steps,
                                              "choice", conversation))
    values = [option.value for option in steps[knowledge].options]
    options = f"its options are {', '.join(values)}"

    def option(field: str, value) -> str:
        if value not in values:
            raise PromptsError(f"{_at(path, source, 'knowledge', field)}: [knowledge] {field} names option {value!r}, "
                               f"which step {knowledge!r} in {conversation} does not have ({options})")
        return value

    learned_later = option("learned_later", knowledge_table.get("learned_later"))
    known = knowledge_table.get("known_at_the_time")
    if not isinstance(known, list):
        raise PromptsError(f"{_at(path, source, 'knowledge', 'known_at_the_time')}: [knowledge] known_at_the_time "
                           f"must be a list of option values ({options})")
    known_at_the_time = tuple(option("known_at_the_time", value) for value in known)
    if learned_later in known_at_the_time:
        raise PromptsError(f"{_at(path, source, 'knowledge', 'known_at_the_time')}: [knowledge] {learned_later!r} "
                           "cannot be both known_at_the_time and learned_later")
    raw_labels = _table(path, data, "knowledge.labels")
    for value in raw_labels:
        if value not in values:
            raise PromptsError(f"{_at(path, source, 'knowledge.labels', value)}: [knowledge.labels] {value!r} is not "
                               f"an option of step {knowledge!r} in {conversation} ({options})")
    labels = {}
    for value in values:
        if value not in raw_labels:
            raise PromptsError(f"{_at(path, source, 'knowledge.labels')}: [knowledge.labels] has no label for option "
                               f"{value!r} of step {knowledge!r}")
        labels[value] = _template(path, source, "knowledge.labels", value, raw_labels[value], ()).format()

    parts = {}
    for section, kind in (("factors", "factors"), ("went_well", "text"), ("changes", "text")):
        table = _table(path, data, section)
        key = once(section, _step_named(path, source, section, "step", table.get("step"), steps, kind, conversation))
        parts[section] = key, _template(path, source, section, "label", table.get("label"), ()).format()
    mixed = _template(path, source, "knowledge", "mixed", knowledge_table.get("mixed"), ("sources",))
    joined = _template(path, source, "knowledge", "joined", knowledge_table.get("joined"), ("first", "last"))
    return DigestSteps(account=account, knowledge=knowledge, knowledge_labels=labels,
                       known_at_the_time=known_at_the_time, learned_later=learned_later, mixed=mixed, joined=joined,
                       factors=parts["factors"][0], factors_label=parts["factors"][1],
                       went_well=parts["went_well"][0], changes=parts["changes"][0],
                       remarks=dict((parts["went_well"], parts["changes"])))


def parse_digest_wording(path: Path, data: dict, source: str, plurals: Plurals = Plurals()) -> DigestWording:
    """The texts of digest.toml the renderers say, checked against DIGEST_TEXTS, by dotted name. With
    them, the labels of [factors], [went_well] and [changes] (checked by parse_digest_steps): the
    headings of those parts of an episode."""
    texts = {f"{section}.label": data[section]["label"] for section in ("factors", "went_well", "changes")}
    for section, allowed in DIGEST_TEXTS.items():
        table = _table(path, data, section)
        for key, names in allowed.items():
            texts[f"{section}.{key}"] = _template(path, source, section, key, table.get(key), names, plurals)
    return DigestWording(texts, plurals)


def parse_emerging(path: Path, data: dict, source: str) -> Emerging:
    """digest.toml [emerging]: each threshold a whole number of 1 or more."""
    table = _table(path, data, "emerging")
    numbers = {}
    for name in ("episodes", "agencies", "heading_episodes", "heading_agencies"):
        value = table.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PromptsError(f"{_at(path, source, 'emerging', name)}: [emerging] {name} must be a whole number, "
                               "1 or more")
        numbers[name] = value
    return Emerging(**numbers)


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


def parse_unmapped(path: Path, data: dict, source: str) -> str:
    return _template(path, source, "unmapped", "question", _table(path, data, "unmapped").get("question"), ("factor",))


def parse_digest_rules(directory: Path, documents: dict[str, tuple[dict, str]], headings: list[str],
                       steps: dict, plurals: Plurals = Plurals()) -> DigestRules:
    """Validate hindsight.toml, typology.toml and digest.toml, given as {stem: (parsed, source)}.

    `steps` is conversation.toml's {key: step}: digest.toml names the steps it reads; `plurals` its [plurals],
    the counted words digest.toml may use.
    """
    for stem in ("hindsight", "typology", "digest"):
        if stem not in documents:
            raise PromptsError(f"{directory / (stem + '.toml')}: file not found (digests need it)")
    phrases, threshold = parse_hindsight(directory / "hindsight.toml", *documents["hindsight"])
    patterns, themes = parse_typology(directory / "typology.toml", *documents["typology"], headings)
    unmapped = parse_unmapped(directory / "typology.toml", *documents["typology"])
    digest_path = directory / "digest.toml"
    digest_steps = parse_digest_steps(digest_path, *documents["digest"], steps, "conversation.toml")
    wording = parse_digest_wording(digest_path, *documents["digest"], plurals)
    emerging = parse_emerging(digest_path, *documents["digest"])
    return DigestRules(phrases, threshold, patterns, themes, unmapped, digest_steps, wording, emerging)
