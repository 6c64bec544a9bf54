"""Block Kit as terminal text: what `casegroup try` prints must read well in 80 columns."""
from bot.core.conversation import Answers, Conversation, State
from bot.render.blocks import View, actions, button, context, divider, header, messages, section
from bot.render.terminal import WIDTH, render_blocks, render_message
from bot.core.text import neutralise
from tests.stories import typed_value


def _at_check_step(prompts, review, reflection):
    assignment = review.assignment(reflection["member"])
    talk = Conversation(prompts, assignment, State.new(review.key, assignment.member.slack_id), Answers({}))
    talk.handle("yes")
    outcome = None
    for step in prompts.steps:
        outcome = talk.handle(typed_value(reflection, step.key))
    outcome = talk.handle("skip")   # "anything else?", asked once after the last episode
    return View(prompts, assignment), outcome


def test_check_your_answers_fits_80_columns_and_each_choice_keeps_the_bots_number(
        prompts, sample_review, sample_reflections):
    police = next(r for r in sample_reflections if r["member"] == "U0PC0001")
    view, outcome = _at_check_step(prompts, sample_review, police)
    screens = [render_message(payload) for payload in messages(view, outcome.replies)]
    text = "\n".join(screen.text for screen in screens)
    assert text.startswith("Check your answers\n==================")
    assert max(len(line) for line in text.split("\n")) <= WIDTH
    assert "9. Changes I'd suggest" in text and "10. Anything else" in text
    # "Reply with the number of an answer to change it": choice 3 is the menu option for answer 3 ...
    choices = {choice.number: choice for screen in screens for choice in screen.choices}
    assert choices[3].option["value"].endswith("|check|3")
    assert choices[3].label == "Front of mind and other demands"
    # The menu is one line: its options are the numbered answers above it, so they are not listed again.
    assert "Change an answer… type its number, 1 to 10" in text and text.count("Front of mind and other demands") == 1
    # ... and Submit comes after the bot's own numbers.
    assert choices[11].label == "Submit my reflection" and choices[11].option is None
    assert sorted(choices) == list(range(1, 12))


def test_slack_markup_becomes_plain_text_and_what_a_practitioner_typed_shows_as_typed():
    typed = "<!channel> see <https://evil.example|the policy> & ask @here"
    screen = render_blocks([
        section("*Bold*, _italic_ and `code`: see <https://example.org/guide|the guide>, ask <@U0LEAD01>."),
        section(neutralise(typed), verbatim=True),
    ])
    assert screen.text.split("\n") == [
        "Bold, italic and `code`: see the guide (https://example.org/guide), ask",
        "@U0LEAD01.",
        "",
        typed,  # neutralised for Slack (escaped, a zero-width space in @here), shown as it was typed
    ]


def test_headers_context_dividers_fields_and_buttons_each_have_their_own_look():
    blocks = [header("Episode KPE1: a very long episode title " + "that goes on " * 8),
              context("4 Mar 2025", "question 1 of 9"),
              {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Stage*\nconversations"}]},
              divider(),
              actions(button("Yes, I agree", "a_yes", "v|consent|yes"), button("No, not now", "a_no", "v|c|no"))]
    lines = render_blocks(blocks).text.split("\n")
    assert lines[0].startswith("Episode KPE1") and set(lines[2]) == {"="} and len(lines[2]) <= WIDTH
    assert "  4 Mar 2025 · question 1 of 9" in lines
    assert "  Stage" in lines and "  conversations" in lines
    assert "-" * WIDTH in lines
    assert lines[-1] == "  [1] Yes, I agree   [2] No, not now"
    assert all(len(line) <= WIDTH for line in lines)


def test_a_message_without_blocks_shows_its_text_wrapped():
    screen = render_message({"text": "*Your reviews*\n• `adult-f`: Adult F (lead) " + "and more " * 12})
    lines = screen.text.split("\n")
    assert lines[0] == "Your reviews" and lines[1].startswith("• `adult-f`")
    assert lines[2].startswith("  ") and all(len(line) <= WIDTH for line in lines)
    assert screen.choices == []
