"""The review team's follow-up questions in Block Kit: the *Ask a follow-up* button beside an account in the
episode digest, its modal, the question in the practitioner's DM, "which question is this?", and status lines.

    ask_button(prompts, "child-d", "KPE2")(account)       # the button, carrying what its modal shows
    ask_modal(prompts, value)                              # opened at once from the button's value
    question_message(prompts, review, follow_up)           # the practitioner's DM

The button carries who and what the account is in its value, so that its modal opens within the trigger_id's 3
seconds without building a digest.
"""
from __future__ import annotations

import json

from bot.core.follow_ups import LONGEST_QUESTION, FollowUp, counts
from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.core.text import neutralise, quoted, shorten
from bot.render.blocks import (actions, button, context, input_block, modal, option, section, split_messages,
                               static_select, text_input)
from bot.render.follow_up_text import when

# Action and callback ids (bot/listeners/actions/follow_ups.py, bot/listeners/views/follow_ups.py).
ASK = "follow_up_ask"
ASK_FORM = "follow_up_form"
WHICH = "follow_up_which"
WHICH_SHOWN = 10          # open questions listed to choose from
QUESTION_CHARS = 200      # a question, in the list to choose from


def _say(prompts: Prompts, name: str, /, **values) -> str:
    return prompts.say(f"follow_ups.{name}", **values)


def ask_button(prompts: Prompts, review_key: str, episode: str):
    """account -> its *Ask a follow-up* button. The value holds the review, episode, member and their attribution:
    all the modal needs to open at once (a few dozen characters: a digest shows up to 8 accounts per message)."""
    def for_account(account) -> dict:
        value = json.dumps({"r": review_key, "e": episode, "m": account.member, "w": shorten(account.who, 150)},
                           ensure_ascii=False)
        return button(_say(prompts, "ask_button"), ASK, value)
    return for_account


def read_value(value: str) -> dict:
    """The button's value (or the modal's private_metadata) as data; {} for anything else."""
    try:
        found = json.loads(value)
    except ValueError:
        return {}
    return found if isinstance(found, dict) and all(isinstance(found.get(k, ""), str) for k in "remw") else {}


def ask_modal(prompts: Prompts, value: dict) -> dict:
    """Which of the account's answers the question is about (the digest's labels for them: prompts/digest.toml
    [account]), and the question. The answer is quoted from the store when it is sent (FollowUps.ask)."""
    labels = prompts.digest.steps.account
    blocks = [section(_say(prompts, "modal_intro", who=neutralise(value.get("w", "")), key=value.get("e", ""))),
              input_block("about", _say(prompts, "about_label"), {
                  **static_select("value", _say(prompts, "about_label"),
                                  [option(label, step) for step, label in labels.items()]),
                  "initial_option": option(next(iter(labels.values())), next(iter(labels)))}, optional=True),
              input_block("question", _say(prompts, "question_label"),
                          text_input("value", LONGEST_QUESTION, multiline=True), hint=_say(prompts, "question_hint"))]
    return modal(ASK_FORM, _say(prompts, "modal_title"), _say(prompts, "modal_submit"), blocks,
                 private_metadata=json.dumps(value, ensure_ascii=False))


def own_label(prompts: Prompts, digest_label: str) -> str:
    """The question's label as the practitioner's own conversation says it ("How it looked at the time"), for the
    digest's ("What they thought was going on", prompts/digest.toml [account]) that a follow-up refers to."""
    step = next((key for key, label in prompts.digest.steps.account.items() if label == digest_label), None)
    return prompts.step(step).label if step else digest_label


def question_message(prompts: Prompts, review: Review, title: str, follow_up: FollowUp) -> dict:
    """The question in the practitioner's DM: which episode, which of their answers, and that the review team asks."""
    lines = [_say(prompts, "dm_question", name=follow_up.name, key=follow_up.episode, title=neutralise(title),
                  review=neutralise(review.title))]
    if follow_up.field:
        lines.append(_say(prompts, "dm_on_answer", field=neutralise(own_label(prompts, follow_up.field))))
        lines.append(quoted(neutralise(follow_up.quoted)))
    blocks = [section("\n".join(lines)), section(quoted(neutralise(follow_up.question)), verbatim=True),
              context(_say(prompts, "dm_how", name=follow_up.name))]
    return split_messages(blocks)[0]


def which_message(prompts: Prompts, choices: list[FollowUp]) -> dict:
    """Several open: which one the words typed answer. A button for each, named (Q2); typing its name or number
    works too (bot.core.follow_ups: never a position in the list, which a typed 2 could be taken for)."""
    shown = choices[:WHICH_SHOWN]
    lines = [_say(prompts, "which", count=len(choices))]
    lines += [_say(prompts, "which_line", name=f.name, key=f.episode,
                   question=neutralise(shorten(f.question, QUESTION_CHARS))) for f in shown]
    return split_messages([section("\n".join(lines)),
                           actions(*(button(_say(prompts, "which_button", name=f.name, key=f.episode), WHICH, str(f.id))
                                     for f in shown)),
                           context(_say(prompts, "which_footer", example=shown[0].name))])[0]


def counts_line(prompts: Prompts, follow_ups: list[FollowUp]) -> str:
    """'Follow-up questions: 2 asked, 1 answered' (the App Home), or "" when there are none."""
    found = counts(follow_ups)
    if not found:
        return ""
    return _say(prompts, "statuses", counts=", ".join(f"{n} {_say(prompts, status + '_status')}"
                                                       for status, n in found.items()))


def status_lines(prompts: Prompts, review: Review, follow_ups: list[FollowUp]) -> list[str]:
    """`/review status KEY`: each follow-up, its episode, whom it was asked (by role and agency), its status."""
    if not follow_ups:
        return []
    names = {m.slack_id: m.attribution for m in review.members}
    lines = [_say(prompts, "status_header")]
    for f in follow_ups:
        status = (_say(prompts, "status_open", asked=when(f.asked_at)) if f.is_open else
                  _say(prompts, "status_settled", status=_say(prompts, f"{f.status}_status"), when=when(f.answered_at),
                       asked=when(f.asked_at)))
        lines.append(_say(prompts, "status_line", name=f.name, key=f.episode, who=neutralise(names.get(f.member, "")),
                          status=status))
    return lines
