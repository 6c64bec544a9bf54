"""The agencies' factual-accuracy comments in Block Kit: which agency a dropped file is from, `/review comments`,
and the resolve modal. Built from bot/accuracy_review.py's ShownComment (already pseudonymised); neutralised here.
"""
from __future__ import annotations

from bot.accuracy_review import AccuracyReview, ShownComment
from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.core.text import neutralise, one_line, shorten
from bot.render.blocks import (MAX_ACTIONS_ELEMENTS, MAX_BLOCKS, MAX_INPUT_LENGTH, actions, button, context,
                               input_block, modal, option, section, split_messages, static_select, text_input)

# Action and callback ids (bot/listeners/actions/accuracy.py, bot/listeners/views/accuracy.py).
AGENCY = "accuracy_agency"
RESOLVE = "accuracy_resolve"
RESOLVE_FORM = "accuracy_resolve_form"
ANCHOR_SHOWN = 120   # the anchor is a quote of the report: enough of it to find the place


def agency_question(prompts: Prompts, review: Review, agencies: list[str], name: str, count: int,
                    replaced: str = "") -> dict:
    """'Which agency are the comments from?', with a button for each of the case group's agencies."""
    text = prompts.say("accuracy.which_agency", name=neutralise(name), title=neutralise(review.title), key=review.key,
                       count=count)
    if replaced:
        text += " " + prompts.say("accuracy.replaced", name=neutralise(replaced))
    buttons = [button(agency, AGENCY, f"{review.key}|{agency}") for agency in agencies[:MAX_ACTIONS_ELEMENTS]]
    return split_messages([section(text), *([actions(*buttons)] if buttons else [])])[0]


def _line(accuracy: AccuracyReview, item: ShownComment) -> str:
    comment = item.comment
    text = accuracy.prompts.say("accuracy.comment_line", id=comment.id, agency=neutralise(comment.agency),
                                initials=neutralise(comment.initials) or accuracy.prompts.say("accuracy.no_initials"),
                                status=accuracy.status(comment),
                                anchor=neutralise(shorten(one_line(item.anchor), ANCHOR_SHOWN))
                                or accuracy.prompts.say("accuracy.no_anchor"),
                                text=neutralise(item.text))
    if item.reason:
        text += "\n" + accuracy.prompts.say("accuracy.reason_line", reason=neutralise(item.reason))
    return text


def comments_message(accuracy: AccuracyReview, review: Review, shown: list[ShownComment], can_resolve: bool) -> dict:
    """`/review comments KEY`: by place in the report, each comment with its agency, anchor, text and status; for
    leads, a Resolve button on each open one. One message: what doesn't fit in it is counted, and the command line
    lists everything."""
    say = accuracy.prompts.say
    if not shown:
        return split_messages([section(say("accuracy.none_yet", key=review.key))])[0]
    blocks = [section(say("accuracy.header", title=neutralise(review.title), key=review.key, count=len(shown),
                          open=sum(item.comment.open for item in shown)))]
    room = MAX_BLOCKS - 3   # the header, a "more" line, the footer
    place, left = None, 0
    for index, item in enumerate(shown):
        new_place = item.where != place
        if len(blocks) + (2 if new_place else 1) > room:
            left = len(shown) - index
            break
        if new_place:
            place = item.where
            blocks.append(context(say("accuracy.place_header", where=neutralise(place or say("accuracy.nowhere")))))
        block = section(_line(accuracy, item))
        if can_resolve and item.comment.open:
            block["accessory"] = button(say("accuracy.resolve_button", id=item.comment.id), RESOLVE,
                                        f"{review.key}|{item.comment.id}")
        blocks.append(block)
    if left:
        blocks.append(context(say("accuracy.more", count=left, key=review.key)))
    blocks.append(context(say("accuracy.footer", key=review.key)))
    return split_messages(blocks)[0]


def resolve_modal(accuracy: AccuracyReview, review: Review, item: ShownComment) -> dict:
    """Accepted (the text is changed) or not accepted, with a reason (needed when not accepted)."""
    say, comment = accuracy.prompts.say, item.comment
    intro = say("accuracy.resolve_intro", id=comment.id, agency=neutralise(comment.agency),
                where=neutralise(item.where or say("accuracy.nowhere")),
                anchor=neutralise(shorten(one_line(item.anchor), ANCHOR_SHOWN)) or say("accuracy.no_anchor"),
                text=neutralise(item.text))
    choices = [option(say("accuracy.accepted_option"), "accepted"),
               option(say("accuracy.not_accepted_option"), "not-accepted")]
    choose = static_select("value", say("accuracy.resolution_label"), choices)
    if not comment.open:
        choose["initial_option"] = choices[0 if comment.status == "accepted" else 1]
    reason = text_input("value", MAX_INPUT_LENGTH, multiline=True)
    if comment.reason:
        reason["initial_value"] = comment.reason[:MAX_INPUT_LENGTH]
    blocks = [section(intro),
              input_block("status", say("accuracy.resolution_label"), choose),
              input_block("reason", say("accuracy.reason_label"), reason, optional=True,
                          hint=say("accuracy.reason_hint"))]
    return modal(RESOLVE_FORM, say("accuracy.resolve_title", id=comment.id), say("accuracy.resolve_save"), blocks,
                 private_metadata=f"{review.key}|{comment.id}")
