"""Load and validate the prompt files in prompts/.

>>> prompts = load_prompts()
>>> prompts.steps[0].key
'involvement'
>>> prompts.say("replies.thanks")
'Thanks, saved.'
"""
from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.digest_rules import DigestRules, parse_digest_rules
from bot.core.plurals import Plurals
from bot.core.review import KINDS
from bot.errors import PromptsError
from prompts import PROMPTS_DIR

STEP_KINDS = ("text", "choice", "factors")
COMMANDS = ("help", "back", "skip", "pause", "resume", "answers", "submit", "revise", "yes", "no", "withdraw",
            "snooze")
# Every text the code asks for by name: a missing one is a start-up error, not a KeyError mid-conversation.
REQUIRED_TEXTS = {
    "intro": ["header", "subject_label_children", "subject_label_adults", "greeting", "purpose", "how_used", "outline", "consent_question", "consent_yes_button",
              "consent_no_button", "again", "consented", "declined", "declined_reminder"],
    "episode": ["header", "context"],
    "check": ["header", "intro", "episode_header", "unanswered", "skipped", "truncated", "submit_button",
              "change_placeholder", "outstanding"],
    "replies": ["thanks", "skip_button", "keep_button", "required", "cannot_skip", "choice_unknown", "choice_ambiguous",
                "choice_ambiguous_footer", "choice_understood", "choice_joined",
                "factors_which_one", "factors_which_many", "factors_which_line",
                "factors_which_more", "factors_perhaps", "factors_perhaps_or", "factors_which_footer_one",
                "factors_which_footer_many", "factors_pick_again", "factors_saved", "factors_saved_line",
                "factors_saved_heading",
                "current_answer", "paused", "resumed", "at_start", "editing_done", "submitted",
                "already_submitted", "revising", "nothing_to_show", "check_prompt", "stale_button",
                "not_in_review", "runs_reviews", "unknown_review", "error"],
    "help": ["text"],
    "guide": ["episode_done", "whole_review", "thin_nudge", "hindsight_check", "hindsight_keep_button",
              "hindsight_rephrase_button", "hindsight_kept"],
}
# Texts in other prompt files, checked the same way and then said like the others: say("home.outsider").
REQUIRED_FILE_TEXTS = {
    "running.toml": {
        "stages": ["setup", "conversations", "meeting", "analysis", "closed"],
        "status": ["not_invited", "invited", "consented", "in_progress", "submitted", "declined", "withdrawn"],
        "lifecycle": ["not_started", "in_setup", "read_only", "revise_too_late", "nothing_to_withdraw", "withdraw_confirm",
                      "withdraw_yes_button", "withdraw_no_button", "withdraw_cancelled", "withdraw_too_late",
                      "withdrawn", "withdrawn_reminder", "revisions_closed", "review_closed"],
        "reminders": ["nudge_invited", "nudge", "nudge_ready", "continue_button", "snooze_button", "snoozed"],
        "home": ["outsider", "practitioner_header", "practitioner_review", "practitioner_done", "lead_header",
                 "legend", "last_reminder", "never_reminded", "more_members", "more_reviews", "nudge_all_button",
                 "nudge_one_placeholder", "summary_button", "next_stage_button", "summary_hint"],
        "leads": ["submitted", "delivery_failed", "delivery_failed_line", "delivery_failed_channel", "no_such_review",
                  "not_in_case_group", "not_in_case_group_list", "you_not_in_case_group",
                  "invitations_need_conversations", "confirm_close", "confirm_back", "confirm_button"],
        "access": ["refused", "not_yours", "either", "lead", "team", "member"],
        "team_analysis": ["appraisal_button", "appraisal_title", "save", "appraisal_intro", "appraisal_reminder",
                          "what_happened_label", "what_happened_hint", "appraisal_label", "appraisal_hint",
                          "explanation_label", "explanation_hint", "factors_label", "factors_placeholder",
                          "appraisal_saved", "appraisal_unchanged", "add_finding_button", "edit_finding_placeholder",
                          "pattern_button", "finding_title_new", "finding_title_edit", "finding_intro",
                          "title_label", "title_hint", "pattern_label", "pattern_placeholder", "episodes_label",
                          "episodes_placeholder", "in_this_case_label", "in_this_case_hint", "how_widespread_label",
                          "how_widespread_hint", "why_it_matters_label", "why_it_matters_hint", "questions_label",
                          "recommendations_label", "status_label", "status_draft", "status_agreed", "status_dropped",
                          "order_label", "order_hint", "order_not_number", "evidence_heading", "evidence_more",
                          "groups_label", "groups_placeholder", "groups_hint",
                          "finding_saved", "finding_unchanged", "pattern_gone", "pattern_not_found",
                          "finding_not_found", "findings_header", "finding_line", "no_findings", "findings_footer"],
        "accuracy": ["file_empty", "file_too_big", "not_docx", "not_this_review", "no_comments", "cant_read",
                     "no_agency", "agency_too_long", "read_only", "not_yours", "not_a_review_draft", "download_failed",
                     "which_agency",
                     "replaced", "cancelled", "nothing_waiting", "imported", "imported_some",
                     "imported_none", "landed_line", "nowhere", "agency_unknown", "header", "none_yet",
                     "place_header", "comment_line", "no_initials", "no_anchor", "status_open", "status_accepted",
                     "status_not_accepted", "reason_line", "resolve_button", "more", "footer", "resolve_title",
                     "resolve_save", "resolve_intro", "resolution_label", "accepted_option", "not_accepted_option",
                     "reason_label", "reason_hint", "resolution_needed", "reason_needed", "resolved",
                     "no_such_comment", "home_open"],
        # The case group checks the findings (issue 17): bot/finding_check.py, bot/render/finding_check_blocks.py.
        "finding_check": ["share_intro", "share_again_intro", "finding_heading", "in_this_case", "why_it_matters",
                          "evidence", "evidence_more", "withdrawn", "fits_button", "doesnt_fit_button",
                          "comment_button", "type_hint", "your_answer", "kind_fits", "kind_doesnt_fit",
                          "kind_comment", "saved", "changed", "same", "with_words", "unreadable", "not_shared",
                          "needs_words", "closed", "not_taking_part", "modal_title_doesnt_fit", "modal_title_comment",
                          "modal_submit", "modal_intro", "modal_doesnt_fit_label", "modal_comment_label",
                          "modal_needs_words", "shared", "shared_again_note", "nothing_new", "no_findings",
                          "nobody_took_part", "wrong_stage", "team_counts", "team_warning", "team_response",
                          "team_kind_fits", "team_kind_doesnt_fit", "team_kind_comment", "team_more",
                          "which_finding"],
    },
    # The thanks at close and the case group's feedback (bot/feedback.py).
    "feedback.toml": {
        "feedback": ["thank_you", "rating_question", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5",
                     "skip_button", "comment_question", "rating_noted", "rating_skipped", "comment_first",
                     "rating_again", "rating_already", "done", "done_nothing", "nothing_open", "thanked", "line",
                     "line_ratings", "line_held", "comments_header", "comments_held"],
    },
    # The review team's follow-up questions (bot/follow_ups.py).
    "follow_ups.toml": {
        "follow_ups": ["unknown_number", "ask_button", "modal_title", "modal_submit", "modal_intro", "about_label", "question_label",
                       "question_hint", "question_empty", "asked", "not_delivered", "usage", "unknown_episode",
                       "unknown_member", "wrong_stage", "not_in_case_group", "not_their_episode", "not_taking_part",
                       "dm_question", "dm_on_answer", "dm_how", "answered", "added", "declined", "already", "closed",
                       "which", "which_line", "which_footer", "which_button", "statuses", "asked_status",
                       "answered_status", "declined_status", "status_header", "status_line", "status_open",
                       "status_settled",
                       "reminder_intro", "reminder_line"],
    },
    # The report (`casegroup report KEY`, `/review report KEY`): its fixed words, limitations and Slack answers.
    "report.toml": {
        "report": [
            "confidential", "header", "page", "of", "kind_children", "kind_adults", "model", "model_named",
            "version", "draft", "contents", "title_page", "toc_placeholder", "introduction", "reason", "no_reason", "method",
            "method_text", "who_took_part", "took_part", "agency_took_part", "nobody_yet", "limitations",
            "no_limitations",
            "case_in_brief", "no_episodes", "appraisal_of_practice", "not_appraised", "findings", "no_findings",
            "finding", "finding_short", "finding_draft", "category", "in_this_case", "evidence", "how_widespread",
            "why_it_matters",
            "questions", "recommendations", "none_written", "appendix_a", "no_case_group", "appendix_b",
            "no_comments", "comments_intro", "column_episode", "column_dates", "column_title", "column_description",
            "column_what_happened", "column_appraisal", "column_explanation", "column_agency", "column_role",
            "column_episodes", "column_took_part", "column_number", "column_section", "column_comment",
            "column_resolution", "member_submitted", "member_declined", "member_withdrawn", "member_not_yet",
            "resolution_open", "resolution_accepted", "resolution_not_accepted", "on_text",
            # Issue 17's parts: the case group's response, the follow-ups' counts, Appendix C's feedback.
            "responses", "responses_counts", "responses_challenged", "response_fits", "response_doesnt_fit",
            "response_comment", "not_shared", "no_responses", "follow_ups", "no_follow_ups", "appendix_c",
            "feedback_not_yet", "feedback_nobody", "feedback_asked", "feedback_rated", "feedback_ratings_held",
            "feedback_comments", "feedback_comments_held", "feedback_no_comments", "column_rating",
            "column_answers"],
        "report_limits": [
            "nothing_submitted", "not_taken_part", "low_coverage", "learned_later"],
        "report_slack": [
            "working", "sent", "comment", "failed"],
    },
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    synonyms: tuple[str, ...] = ()   # other words that mean it when typed ("case notes" for the records)


@dataclass(frozen=True)
class Together:
    """Words that give several options of a `multiple` step at once ("both")."""
    words: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    key: str
    kind: str
    required: bool
    question: str
    label: str = ""
    hint: str = ""
    options: tuple[Option, ...] = ()
    once: bool = False    # asked once, after the last episode, for the whole reflection
    multiple: bool = False             # a choice that takes several options, typed together
    together: tuple[Together, ...] = ()
    joiners: tuple[str, ...] = ()      # words that join options typed together ("and")

    # A hint worded for one kind of review ("adults": `hint_adults`), where its examples would not fit the other.
    hints: tuple[tuple[str, str], ...] = ()

    def hint_for(self, kind: str) -> str:
        """The hint for a review of `kind` ("children", "adults"): its own wording if it has one, else `hint`."""
        return dict(self.hints).get(kind, self.hint)


def chosen_values(stored) -> list[str]:
    """The option values a stored choice answer holds: a list for a `multiple` step, one string from before
    a step became one (or from a single choice), nothing when unanswered.

    >>> chosen_values(["memory", "records"]), chosen_values("records"), chosen_values(None)
    (['memory', 'records'], ['records'], [])
    """
    if stored is None or stored == "":
        return []
    return [str(value) for value in stored] if isinstance(stored, list) else [str(stored)]


@dataclass(frozen=True)
class Heading:
    name: str
    keywords: tuple[str, ...]


@dataclass
class Prompts:
    texts: dict
    steps: list[Step]
    commands: dict[str, tuple[str, ...]]
    headings: list[Heading]
    extra: dict = field(default_factory=dict)  # other prompt files (hindsight phrases, typology, ...)
    digest: DigestRules | None = None  # hindsight.toml, typology.toml and digest.toml, validated
    closing: list[Step] = field(default_factory=list)  # the `once` steps, asked after the last episode
    plurals: Plurals = Plurals()  # [plurals]: the forms of each counted word

    def say(self, dotted: str, **values) -> str:
        """The text at `section.key`, with {placeholders} filled in ({count:episode}: see bot/core/plurals.py)."""
        section, key = dotted.split(".", 1)
        text = self.texts[section][key]
        return self.plurals.format(text, **values) if values else text

    def counted(self, noun: str, count: int) -> str:
        """`count` and the word for `noun` that fits it, from [plurals]: counted("member", 1) is "1 member"."""
        return self.plurals.counted(noun, count)

    @property
    def required_keys(self) -> set[str]:
        """The questions every episode needs answered before a reflection can be submitted."""
        return {step.key for step in self.steps if step.required}

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def command_for(self, text: str) -> str | None:
        """Which typed command `text` is, if any: 'pause', 'back', ..., or None."""
        word = command_words(text)
        for name, words in self.commands.items():
            if word in words:
                return name
        return None


def command_words(text: str) -> str:
    """`text` as [commands] words are compared: lower case, single spaces, no final full stop or "!"."""
    return " ".join(text.strip().lower().split()).rstrip(".!")


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _where(path: Path, source: str, key: str, needle: str | None = None) -> str:
    line = _line_of(source, needle or key.rsplit(".", 1)[-1])
    return f"{path}:{line}" if line else str(path)


def _read(path: Path) -> tuple[dict, str]:
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptsError(f"{path}: file not found") from None
    try:
        return tomllib.loads(source), source
    except tomllib.TOMLDecodeError as error:
        raise PromptsError(f"{path}: {error}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise PromptsError(f"{path}: arrays or tables are nested too deeply") from None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_texts(path: Path, data: dict, source: str, required: dict[str, list[str]],
                 plurals: Plurals) -> None:
    """Every text the code asks for is there, non-empty, with well-formed placeholders, each counted word
    ({count:episode}) one that [plurals] has."""
    for section, keys in required.items():
        table = data.get(section)
        if not isinstance(table, dict):
            raise PromptsError(f"{path}: missing table [{section}]")
        for key in keys:
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                raise PromptsError(f"{_where(path, source, f'{section}.{key}')}: "
                                   f"[{section}] {key} must be a non-empty string")
            try:
                _placeholders(value)
                noun = plurals.unknown_noun(value)
            except ValueError as error:
                raise PromptsError(f"{_where(path, source, key)}: [{section}] {key}: "
                                   f"bad placeholder ({error})") from None
            if noun is not None:
                raise PromptsError(f"{_where(path, source, key)}: [{section}] {key}: {{…:{noun}}} counts a "
                                   f"word that [plurals] in conversation.toml does not have")


def _several(where: str, label: str, raw: dict, kind: str, values: list[str]):
    """A step's `multiple`, `together` and `joiners`: how several options are typed at once."""
    multiple = raw.get("multiple", False)
    if not isinstance(multiple, bool) or (multiple and kind != "choice"):
        raise PromptsError(f"{where}: {label}: multiple must be true or false, and only a choice takes several")
    joiners = raw.get("joiners", [])
    if not isinstance(joiners, list) or not all(isinstance(w, str) and w.strip() for w in joiners):
        raise PromptsError(f"{where}: {label}: joiners must be a list of words")
    raw_together, together = raw.get("together", []), []
    if not isinstance(raw_together, list):
        raise PromptsError(f"{where}: {label}: together must be a list of {{ words = [...], values = [...] }}")
    for entry in raw_together:
        words, chosen = (entry.get("words"), entry.get("values")) if isinstance(entry, dict) else (None, None)
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise PromptsError(f"{where}: {label}: each of together needs words, a list of words")
        if not isinstance(chosen, list) or len(chosen) < 2 or any(v not in values for v in chosen):
            raise PromptsError(f"{where}: {label}: each of together needs values, two or more of the options' values")
        together.append(Together(tuple(words), tuple(chosen)))
    if (together or joiners) and not multiple:
        raise PromptsError(f"{where}: {label}: together and joiners need multiple = true")
    return multiple, tuple(together), tuple(joiners)


def load_prompts(directory: Path | str | None = None) -> Prompts:
    """Read conversation.toml and framework.toml (and any other *.toml) from `directory`.

    Raises PromptsError naming the file, key and line of the first mistake, including a step
    that digest.toml names and conversation.toml does not have.
    """
    directory = Path(directory) if directory else PROMPTS_DIR
    conversation_path = directory / "conversation.toml"
    data, source = _read(conversation_path)

    plurals = _plurals(conversation_path, data, source)
    _check_texts(conversation_path, data, source, REQUIRED_TEXTS, plurals)
    texts = {section: data[section] for section in REQUIRED_TEXTS}
    for name, required in REQUIRED_FILE_TEXTS.items():
        other_data, other_source = _read(directory / name)
        _check_texts(directory / name, other_data, other_source, required, plurals)
        texts.update({section: other_data[section] for section in required})

    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise PromptsError(f"{conversation_path}: no [[steps]]: the conversation needs at least one question")
    steps: list[Step] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps, start=1):
        key = raw.get("key")
        label = f"[[steps]] #{index}" + (f" (key {key!r})" if key else "")
        where = _where(conversation_path, source, str(key), f'key = "{key}"')
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise PromptsError(f"{where}: {label}: key must be lower_snake_case")
        if key in seen:
            raise PromptsError(f"{where}: {label}: duplicate step key")
        seen.add(key)
        kind = raw.get("kind", "text")
        if kind not in STEP_KINDS:
            raise PromptsError(f"{where}: {label}: kind must be one of {', '.join(STEP_KINDS)}, not {kind!r}")
        question = raw.get("question")
        if not isinstance(question, str) or not question.strip():
            raise PromptsError(f"{where}: {label}: question must be a non-empty string")
        if not isinstance(raw.get("required", True), bool):
            raise PromptsError(f"{where}: {label}: required must be true or false")
        once = raw.get("once", False)
        if not isinstance(once, bool):
            raise PromptsError(f"{where}: {label}: once must be true or false")
        if once and (kind != "text" or raw.get("required", True)):
            # Asked after every episode is done, so it may hold nothing back: optional free text only.
            raise PromptsError(f"{where}: {label}: a once step must be kind \"text\" with required = false")
        options = []
        if kind == "choice":
            raw_options = raw.get("options")
            if not isinstance(raw_options, list) or len(raw_options) < 2:
                raise PromptsError(f"{where}: {label}: a choice needs at least two options")
            for option in raw_options:
                if not isinstance(option, dict) or not option.get("value") or not option.get("label"):
                    raise PromptsError(f"{where}: {label}: each option needs a value and a label")
                # Slack caps a button's text at 75 characters.
                if len(option["label"]) > 75:
                    raise PromptsError(f"{where}: {label}: option label longer than 75 characters")
                synonyms = option.get("synonyms", [])
                if not isinstance(synonyms, list) or not all(isinstance(w, str) and w.strip() for w in synonyms):
                    raise PromptsError(f"{where}: {label}: an option's synonyms must be a list of words")
                options.append(Option(str(option["value"]), str(option["label"]), tuple(synonyms)))
        multiple, together, joiners = _several(where, label, raw, kind, [o.value for o in options])
        label_text = raw.get("label", key.replace("_", " ").capitalize())
        if not isinstance(label_text, str) or not label_text.strip() or len(label_text) > 75:
            raise PromptsError(f"{where}: {label}: label must be text of at most 75 characters")
        hints = tuple((kind_of_review, raw[f"hint_{kind_of_review}"]) for kind_of_review in KINDS
                      if f"hint_{kind_of_review}" in raw)
        if not all(isinstance(hint, str) and hint.strip() for _, hint in hints):
            raise PromptsError(f"{where}: {label}: hint_children and hint_adults must be non-empty text")
        steps.append(Step(key=key, kind=kind, required=raw.get("required", True), question=question,
                          label=label_text, hint=raw.get("hint", ""), options=tuple(options), once=once,
                          multiple=multiple, together=together, joiners=joiners, hints=hints))

    raw_commands = data.get("commands")
    if not isinstance(raw_commands, dict):
        raise PromptsError(f"{conversation_path}: missing table [commands]")
    commands: dict[str, tuple[str, ...]] = {}
    for name in COMMANDS:
        words = raw_commands.get(name)
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise PromptsError(f"{_where(conversation_path, source, name, f'{name} =')}: "
                               f"[commands] {name} must be a list of words")
        commands[name] = tuple(" ".join(w.lower().split()) for w in words)

    framework_path = directory / "framework.toml"
    framework, framework_source = _read(framework_path)
    headings = []
    for index, raw in enumerate(framework.get("headings", []), start=1):
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PromptsError(f"{framework_path}: [[headings]] #{index}: name must be a non-empty string")
        keywords = raw.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise PromptsError(f"{_where(framework_path, framework_source, name)}: "
                               f"[[headings]] {name!r}: keywords must be a list of strings")
        headings.append(Heading(name=name, keywords=tuple(keywords)))
    if not headings:
        raise PromptsError(f"{framework_path}: no [[headings]]")

    documents = {other.stem: _read(other) for other in sorted(directory.glob("*.toml"))
                 if other.name not in ("conversation.toml", "framework.toml", *REQUIRED_FILE_TEXTS)}
    digest = parse_digest_rules(directory, documents, [h.name for h in headings], {s.key: s for s in steps},
                                plurals)
    return Prompts(texts=texts, steps=[s for s in steps if not s.once], commands=commands, headings=headings,
                   extra={stem: parsed for stem, (parsed, _) in documents.items()}, digest=digest,
                   closing=[s for s in steps if s.once], plurals=plurals)


def _plurals(path: Path, data: dict, source: str) -> Plurals:
    """[plurals]: each counted word's two forms, for one and for any other number."""
    table = data.get("plurals")
    if not isinstance(table, dict):
        raise PromptsError(f"{path}: missing table [plurals]")
    for noun, forms in table.items():
        if not (isinstance(forms, list) and len(forms) == 2 and all(isinstance(f, str) and f.strip() for f in forms)):
            raise PromptsError(f"{_where(path, source, noun, f'{noun} =')}: [plurals] {noun} must be two words, "
                               f"for one and for more: [\"agency\", \"agencies\"]")
    return Plurals.of(table)
