"""The case group checks the findings, in Block Kit: the findings shared in a member's DM, the form for words, and
the lines the team reads under each finding (the App Home, `/review findings`).

    share_messages(prompts, review, findings, own, again=False)   # one message per finding, after an intro
    answer_form(prompts, review_key, finding, kind)                # *This doesn't fit* / *Comment*: a modal
    team_lines(prompts, responses, detail=False)                   # "⚠ 1 member ...", "case group: 2 fit · ..."

One message per finding: a finding with its evidence quotes is a handful of blocks and a few thousand
characters, so any number of findings stays within Slack's 50 blocks and ~13k characters a message.
"""
from __future__ import annotations

from bot.core.analysis_digest import FindingShown
from bot.core.finding_responses import FindingResponses, Response
from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.core.text import neutralise, one_line, shorten
from bot.render.blocks import (MAX_INPUT_LENGTH, actions, button, context, input_block, modal, section,
                               split_messages, text_input)

# Action and callback ids (bot/listeners/actions/finding_check.py).
ANSWER = "finding_check_answer"          # a button's value: "review|F1|fits"
ANSWER_FORM = "finding_check_form"       # the modal's private_metadata: "review|F1|kind"
KINDS_ASKING_WORDS = ("doesnt_fit", "comment")

SHOWN_EVIDENCE = 6      # quotes shown per finding in the DM; the count of the rest is said
QUOTE_CHARS = 300
TEXT_CHARS = 1000   # two of them and the heading stay within a section's 3,000 characters
WORDS_SHOWN = 300       # a response's words where the team reads many of them (Slack); the files keep them whole
# The responses listed under each finding in `/review findings`, one Slack message for every finding: 40 members
# answering 12 findings would pass Slack's 40,000 characters. The counts above them count every one.
MOST_LISTED = 5


def _say(prompts: Prompts, name: str, /, **values) -> str:
    return prompts.say(f"finding_check.{name}", **values)


def _safe(text: str, limit: int) -> str:
    """Neutralised first, then shortened (never inside an &entity;): a text of `<!channel>`s stays within limit."""
    return shorten(one_line(neutralise(text)), limit)


def kind_said(prompts: Prompts, kind: str) -> str:
    """"it fits your experience", ...: how a member's own answer is said back to them."""
    return _say(prompts, f"kind_{kind}")


def answer_said(prompts: Prompts, response: Response) -> str:
    said = kind_said(prompts, response.kind)
    return f"{said}: “{_safe(response.text, WORDS_SHOWN)}”" if response.text else said


def finding_blocks(prompts: Prompts, review: Review, finding: FindingShown, own: Response | None) -> list[dict]:
    """One finding as a member sees it: what the team wrote, the evidence by role and agency, the member's own
    answer so far, and the three buttons."""
    status = prompts.say(f"team_analysis.status_{finding.status}")
    lines = [_say(prompts, "finding_heading", key=finding.key, title=_safe(finding.title, 150), status=status,
                  category=neutralise(finding.category), episodes=", ".join(finding.episodes) or "–")]
    lines += [_say(prompts, name, text=_safe(getattr(finding, name), TEXT_CHARS))
              for name in ("in_this_case", "why_it_matters") if getattr(finding, name).strip()]
    blocks = [section("\n".join(lines))]
    if finding.evidence or finding.withdrawn:
        quotes = [_say(prompts, "evidence")]
        quotes += [f"• {e.episode} *{neutralise(e.who)}*: “{_safe(e.text, QUOTE_CHARS)}”"
                   for e in finding.evidence[:SHOWN_EVIDENCE]]
        if len(finding.evidence) > SHOWN_EVIDENCE:
            quotes.append(_say(prompts, "evidence_more", count=len(finding.evidence) - SHOWN_EVIDENCE))
        if finding.withdrawn:
            quotes.append(_say(prompts, "withdrawn", count=finding.withdrawn))
        blocks.append(section("\n".join(quotes)))
    value = f"{review.key}|{finding.key}"
    blocks.append(actions(button(_say(prompts, "fits_button"), ANSWER, f"{value}|fits", "primary"),
                          button(_say(prompts, "doesnt_fit_button"), ANSWER, f"{value}|doesnt_fit"),
                          button(_say(prompts, "comment_button"), ANSWER, f"{value}|comment")))
    hints = [_say(prompts, "type_hint", key=finding.key)]
    if own is not None:
        hints.insert(0, _say(prompts, "your_answer", answer=answer_said(prompts, own)))
    blocks.append(context(" ".join(hints)))
    return blocks


def share_messages(prompts: Prompts, review: Review, findings: list[FindingShown], own: dict[str, Response],
                   again: bool = False) -> list[dict]:
    """What a share round sends one member: an introduction, then one message per finding."""
    title = neutralise(review.title)
    intro = (_say(prompts, "share_again_intro", title=title, count=len(findings)) if again
             else _say(prompts, "share_intro", title=title))
    payloads = split_messages([section(intro)])
    for finding in findings:
        payloads += split_messages(finding_blocks(prompts, review, finding, own.get(finding.key)))
    return payloads


def answer_form(prompts: Prompts, review_key: str, finding: FindingShown, kind: str) -> dict:
    """*This doesn't fit* and *Comment*: a form for the member's words (a comment needs some)."""
    label = _say(prompts, "modal_doesnt_fit_label" if kind == "doesnt_fit" else "modal_comment_label")
    blocks = [section(_say(prompts, "modal_intro", key=finding.key, title=_safe(finding.title, 150))),
              input_block("words", label, text_input("value", MAX_INPUT_LENGTH, multiline=True),
                          optional=kind == "doesnt_fit")]
    title = _say(prompts, "modal_title_doesnt_fit" if kind == "doesnt_fit" else "modal_title_comment",
                 key=finding.key)
    return modal(ANSWER_FORM, title, _say(prompts, "modal_submit"), blocks,
                 private_metadata=f"{review_key}|{finding.key}|{kind}")


def team_lines(prompts: Prompts, responses: FindingResponses, detail: bool = False) -> list[str]:
    """What the team reads under a finding: a ⚠ line first when someone said it doesn't fit, the counts, and
    (with `detail`) each response by role and agency. No lines when nobody has answered."""
    if not responses.responses:
        return []
    lines = []
    if responses.challenged:
        lines.append(_say(prompts, "team_warning", count=responses.count("doesnt_fit")))
    lines.append(_say(prompts, "team_counts", fits=responses.count("fits"), doesnt_fit=responses.count("doesnt_fit"),
                      comments=responses.count("comment")))
    if detail:   # those that don't fit first, then the comments (bot.core.finding_responses.responses_by_finding)
        for r in responses.responses[:MOST_LISTED]:
            said = _say(prompts, "team_response", who=neutralise(r.who), kind=_say(prompts, f"team_kind_{r.kind}"))
            lines.append(f"{said}: “{_safe(r.text, WORDS_SHOWN)}”" if r.text else said)
        if len(responses.responses) > MOST_LISTED:
            lines.append(_say(prompts, "team_more", count=len(responses.responses) - MOST_LISTED))
    return lines


def with_responses(prompts: Prompts, line: str, responses: FindingResponses | None, detail: bool = False) -> str:
    """A finding's line (bot.render.analysis_blocks.finding_lines) with the case group's response under it."""
    lines = team_lines(prompts, responses, detail) if responses else []
    if not lines:
        return line
    if detail:
        return "\n".join([line, *(f"      {text}" for text in lines)])
    return f"{line}\n      {' · '.join(lines)}"
