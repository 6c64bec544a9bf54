"""The review team's analysis in Block Kit: the appraisal and finding modals, their buttons, and the list of findings.

    appraisal_modal(prompts, review, episode, headings, appraisal)   # "Write the appraisal"
    finding_modal(prompts, review, finding, metadata)                # "Add a finding", "Edit", "Make this a finding"
    finding_lines(prompts, review, findings)                         # `/review findings`; finding_card: the App Home

Every text the team wrote is shown through the digest's pseudonymisation (Redactor.for_review), here,
so that a family name typed into a finding reaches nobody, its writer included, as anything but its label.
Each input's block_id is the field's name and its action_id "value", as in bot/render/review_modals.py.
"""
from __future__ import annotations

from collections.abc import Sequence

from bot.core.analysis import LONGEST_TEXT, LONGEST_TITLE, STATUSES, Appraisal, Finding
from bot.core.prompts import Prompts
from bot.core.redaction import Redactor
from bot.core.review import Episode, Review
from bot.core.text import neutralise, one_line, shorten
from bot.render.blocks import (MAX_OPTION_TEXT, MAX_OPTION_VALUE, MAX_SELECT_OPTIONS, actions, button, context,
                               input_block, modal, option, plain_text, section, static_select, text_input)

# Action and callback ids (bot/listeners/actions/analysis.py, bot/listeners/views/analysis.py).
WRITE_APPRAISAL = "analysis_write_appraisal"
ADD_FINDING = "analysis_add_finding"
EDIT_FINDING = "analysis_edit_finding"
MAKE_FINDING = "analysis_make_finding"
APPRAISAL_FORM = "analysis_appraisal"
FINDING_FORM = "analysis_finding"

EVIDENCE_SHOWN = 12     # statements shown in the finding modal; the rest stay with the finding
EVIDENCE_CHARS = 300
PATTERN_BUTTONS = 8     # as many as the overview shows (bot/render/digest_blocks.py SHOWN["patterns"])


def _say(prompts: Prompts, name: str, /, **values) -> str:
    return prompts.say(f"team_analysis.{name}", **values)


def _text(block_id: str, label: str, value: str, max_length: int, hint: str = "", multiline: bool = True) -> dict:
    element = text_input("value", max_length, multiline=multiline)
    if value:
        element["initial_value"] = value[:max_length]
    return input_block(block_id, label, element, optional=block_id != "title", hint=hint)


def _select(block_id: str, label: str, placeholder: str, options: list[dict], chosen: list[str], multi: bool,
            optional: bool = True) -> dict:
    element = static_select("value", placeholder, options, multi=multi)
    initial = [o for o in element["options"] if o["value"] in chosen]
    if initial:
        if multi:
            element["initial_options"] = initial
        else:
            element["initial_option"] = initial[0]
    return input_block(block_id, label, element, optional=optional)


def appraisal_modal(prompts: Prompts, review: Review, episode: Episode, headings: list[str],
                    appraisal: Appraisal | None) -> dict:
    """The appraisal of one episode: prefilled with its latest version, when it has one."""
    appraisal = appraisal or Appraisal(episode.key)
    title, *texts = Redactor.for_review(review).clean_many(
        [episode.title, appraisal.what_happened, appraisal.appraisal, appraisal.explanation])
    blocks = [section(_say(prompts, "appraisal_intro", key=episode.key, title=neutralise(title))),
              context(_say(prompts, "appraisal_reminder"))]
    for name, text in zip(Appraisal.TEXTS, texts):
        blocks.append(_text(name, _say(prompts, f"{name}_label"), text, LONGEST_TEXT, _say(prompts, f"{name}_hint")))
    blocks.append(_select("factors", _say(prompts, "factors_label"), _say(prompts, "factors_placeholder"),
                          [option(h, h) for h in headings], list(appraisal.factors), multi=True))
    return modal(APPRAISAL_FORM, _say(prompts, "appraisal_title", key=episode.key), _say(prompts, "save"), blocks,
                 private_metadata=f"{review.key}|{episode.key}")


def asks_label(prompts: Prompts, review: Review) -> str:
    """Questions for the board, or recommendations: the review file chooses (`[review] asks`)."""
    return _say(prompts, "recommendations_label" if getattr(review, "asks", "questions") == "recommendations"
                else "questions_label")


def finding_modal(prompts: Prompts, review: Review, finding: Finding, metadata: str,
                  groups: Sequence[str] = ()) -> dict:
    """A finding's modal: new (no key), drafted from an emerging pattern, or the latest version to edit.
    `groups`: the digest's emerging patterns, whose evidence can be added (a finding may merge several)."""
    redactor = Redactor.for_review(review)
    title, in_this_case, how_widespread, why_it_matters, *asks = redactor.clean_many(
        [finding.title, finding.in_this_case, finding.how_widespread, finding.why_it_matters, *finding.asks])
    patterns = [option(p.label, p.key) for p in prompts.digest.patterns]
    episodes = [option(f"{e.key}: {t}", e.key)
                for e, t in zip(review.episodes, redactor.clean_many([e.title for e in review.episodes]))]
    statuses = [option(_say(prompts, f"status_{s}"), s) for s in STATUSES]
    blocks = [context(_say(prompts, "finding_intro")),
              _text("title", _say(prompts, "title_label"), title, LONGEST_TITLE, _say(prompts, "title_hint"),
                    multiline=False),
              _select("pattern", _say(prompts, "pattern_label"), _say(prompts, "pattern_placeholder"), patterns,
                      [finding.pattern], multi=False, optional=False),
              _select("episodes", _say(prompts, "episodes_label"), _say(prompts, "episodes_placeholder"),
                      episodes[:MAX_SELECT_OPTIONS], list(finding.episodes), multi=True)]
    for name, text in (("in_this_case", in_this_case), ("how_widespread", how_widespread),
                       ("why_it_matters", why_it_matters)):
        blocks.append(_text(name, _say(prompts, f"{name}_label"), text, LONGEST_TEXT, _say(prompts, f"{name}_hint")))
    blocks.append(_text("questions", asks_label(prompts, review), "\n".join(asks), LONGEST_TEXT))
    blocks.append(_select("status", _say(prompts, "status_label"), _say(prompts, "status_label"), statuses,
                          [finding.status], multi=False, optional=False))
    blocks.append(_text("order", _say(prompts, "order_label"), str(finding.order) if finding.order else "", 6,
                        _say(prompts, "order_hint"), multiline=False))
    if groups:
        # A pattern is named by its factor group's words; an option's value holds 150 characters (Slack).
        choices = [option(shorten(one_line(neutralise(g)), MAX_OPTION_TEXT), g[:MAX_OPTION_VALUE]) for g in groups]
        block = _select("groups", _say(prompts, "groups_label"), _say(prompts, "groups_placeholder"),
                        choices[:MAX_SELECT_OPTIONS], [], multi=True)
        block["hint"] = plain_text(_say(prompts, "groups_hint"), 2000)
        blocks.append(block)
    if finding.evidence:
        shown = finding.evidence[:EVIDENCE_SHOWN]
        lines = [_say(prompts, "evidence_heading")]
        lines += [f"• {e.episode} *{neutralise(e.who)}*: “{shorten(one_line(neutralise(text)), EVIDENCE_CHARS)}”"
                  for e, text in zip(shown, redactor.clean_many([e.text for e in shown]))]
        if len(finding.evidence) > len(shown):
            lines.append(_say(prompts, "evidence_more", count=len(finding.evidence) - len(shown)))
        blocks.append(section("\n".join(lines), verbatim=True))
    heading = _say(prompts, "finding_title_edit", key=finding.key) if finding.key else _say(prompts,
                                                                                          "finding_title_new")
    return modal(FINDING_FORM, heading, _say(prompts, "save"), blocks, private_metadata=metadata)


def _titles(review: Review, findings: list[Finding]) -> list[str]:
    """The findings' titles as everyone sees them: pseudonymised (a redactor learns the review's names on its first
    text, several milliseconds, so a Home card cleans its titles once for its lines and its menu)."""
    return Redactor.for_review(review).clean_many([f.title for f in findings]) if findings else []


def _lines(prompts: Prompts, findings: list[Finding], titles: list[str]) -> list[str]:
    labels = {p.key: p.short or p.label for p in prompts.digest.patterns}
    return [_say(prompts, "finding_line", key=f.key, title=neutralise(shorten(one_line(title), 120)),
                 status=_say(prompts, f"status_{f.status}"), pattern=labels.get(f.pattern, f.pattern),
                 episodes=", ".join(f.episodes) or "–")
            for f, title in zip(findings, titles)]


def finding_lines(prompts: Prompts, review: Review, findings: list[Finding]) -> list[str]:
    """One line per finding, in the team's order: key, title (pseudonymised), status, category, episodes."""
    return _lines(prompts, findings, _titles(review, findings))


def finding_card(prompts: Prompts, review: Review, findings: list[Finding]) -> tuple[list[str], list[dict]]:
    """The Home tab's findings of a review: their lines (as finding_lines), then *Add a finding*, and *Edit a
    finding…* once there are any."""
    titles = _titles(review, findings)
    elements = [button(_say(prompts, "add_finding_button"), ADD_FINDING, f"{review.key}|new")]
    if findings:
        elements.append(static_select(EDIT_FINDING, _say(prompts, "edit_finding_placeholder"),
                                      [option(f"{f.key}: {one_line(title)}", f"{review.key}|{f.key}")
                                       for f, title in zip(findings, titles)]))
    return _lines(prompts, findings, titles), elements


def appraisal_button(prompts: Prompts, review_key: str, episode: str) -> dict:
    """*Write the appraisal*, on an episode's digest."""
    return actions(button(_say(prompts, "appraisal_button"), WRITE_APPRAISAL, f"{review_key}|{episode}", "primary"))


def pattern_buttons(prompts: Prompts, review_key: str, factors: list[str]) -> dict:
    """*Make 1 a finding*, ..., one for each emerging pattern the overview shows, by its number there."""
    return actions(*(button(_say(prompts, "pattern_button", number=number), MAKE_FINDING, f"{review_key}|{factor}")
                     for number, factor in enumerate(factors[:PATTERN_BUTTONS], start=1)))
