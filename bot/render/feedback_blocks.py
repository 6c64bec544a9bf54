"""The thanks at close and its two questions, as Block Kit, and the review team's view of the answers.

    rating_message(prompts, review, [thank_you_text])   # the thanks, the rating question and its six buttons
    feedback_lines(prompts, summary)                     # the one line of the App Home's card of a closed review
    comment_blocks(prompts, summary)                     # /review status KEY: the comments, or how many wait
"""
from __future__ import annotations

from bot.core.feedback import MINIMUM_SHOWN, RATINGS, FeedbackSummary
from bot.core.prompts import Prompts
from bot.core.text import neutralise, shorten
from bot.render.blocks import MAX_SECTION_TEXT, actions, button, section, split_messages

# The action ids of the two questions' buttons (bot/listeners/actions/feedback.py). A button's value is the review's
# key and what it answers: "child-d|4" (a rating), "child-d|rating" or "child-d|comment" (skip that question).
FEEDBACK_RATING = "feedback_rating"
FEEDBACK_SKIP = "feedback_skip"


def rating_labels(prompts: Prompts) -> dict[int, str]:
    return {n: prompts.say(f"feedback.rating_{n}") for n in RATINGS}


def rating_message(prompts: Prompts, review_key: str, said: list[str]) -> dict:
    """What was just said, then the rating question with a button per rating and one to skip it."""
    buttons = [button(label, FEEDBACK_RATING, f"{review_key}|{n}") for n, label in rating_labels(prompts).items()]
    buttons.append(button(prompts.say("feedback.skip_button"), FEEDBACK_SKIP, f"{review_key}|rating"))
    return _message([*said, prompts.say("feedback.rating_question")], actions(*buttons))


def comment_message(prompts: Prompts, review_key: str, said: list[str]) -> dict:
    """What was just said, then the comment question (typed) with a button to skip it."""
    return _message([*said, prompts.say("feedback.comment_question")],
                    actions(button(prompts.say("feedback.skip_button"), FEEDBACK_SKIP, f"{review_key}|comment")))


def _message(texts: list[str], buttons: dict) -> dict:
    return split_messages([*(section(text) for text in texts), buttons])[0]


def feedback_lines(prompts: Prompts, summary: FeedbackSummary) -> str:
    """One line: how many of those thanked rated taking part, the counts per rating once enough have (see
    MINIMUM_SHOWN), and how many said what would have made it easier. Names nobody."""
    if summary.ratings_shown:
        labels = rating_labels(prompts)
        counts = prompts.say("feedback.line_ratings",
                             ratings=" · ".join(f"{neutralise(labels[n])}: {summary.ratings[n]}" for n in RATINGS))
    elif summary.rated:
        counts = prompts.say("feedback.line_held", minimum=MINIMUM_SHOWN)
    else:
        counts = ""
    return prompts.say("feedback.line", rated=summary.rated, asked=summary.asked, ratings=counts,
                       commented=summary.commented)


def comment_blocks(prompts: Prompts, summary: FeedbackSummary) -> list[dict]:
    """`/review status KEY` of a closed review, after its grid: the comments, unattributed and sorted (one section
    each, cut to Slack's limit: the report's annex has them whole), or how many are held back."""
    if summary.comments:
        return [section(prompts.say("feedback.comments_header")),
                *(section(shorten("> " + neutralise(comment).replace("\n", "\n> "), MAX_SECTION_TEXT))
                  for comment in summary.comments)]
    if summary.comments_held:
        return [section(prompts.say("feedback.comments_held", count=summary.comments_held, minimum=MINIMUM_SHOWN))]
    return []
