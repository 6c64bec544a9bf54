"""Say it once, and say it right (issue 13, item 9): each option once, the episode's key once a message, real
plurals wherever the bot counts, and hints whose examples fit the review's kind. A paramedic in an adults'
review types a whole reflection through the real App, and the lead reads the digest."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.prompts import load_prompts
from bot.core.review import parse_review_file
from bot.errors import PromptsError
from prompts import PROMPTS_DIR
from tests.test_digest_story import summary
from tests.test_try_script import after, flat, run_try

ADULTS_REVIEW = Path(__file__).parent / "data" / "adults-review" / "review.toml"
LEAD, PARAMEDIC, SOCIAL_WORKER = "U0GLEAD1", "U0GAMB01", "U0GASC01"
# The paramedic's answers to each episode, in the order the bot asks; the same factor in both episodes makes it
# an emerging pattern named by one agency.
ANSWERS = {
    "KPE1": ["We found Edna on the kitchen floor; she declined hospital, so we raised a concern.",
             "A proud woman who had slipped and wanted to stay at home.", "Two more calls waiting on the board.",
             "Convey her, or leave her with a referral.", "That someone would visit within the week.",
             "My own memory", "workload", "skip",
             "A direct line to the duty social worker."],
    "KPE2": ["Called again; the heating was off and Colin did the talking.", "That the nephew was helping her.",
             "The end of a long night shift.", "Ask to speak to her alone, or leave.", "To see her safe and warm.",
             "The records", "workload; the family: Colin answered for her", "We stayed until the heating was on.",
             "Feedback on what happened to our concern."],
}


@pytest.fixture
def adults_review(store):
    review = parse_review_file(ADULTS_REVIEW)
    store.reviews.save(review, actor="test")
    return review


def visible(blocks: list[dict]) -> list[str]:
    """Every piece of text a message shows: sections, headers, context lines, buttons and menu options."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            text = node.get("text")
            if isinstance(text, str) and node.get("type") in ("mrkdwn", "plain_text"):
                found.append(text)
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def said_to(fake, user: str) -> list[dict]:
    """What the bot posted to `user`: the invitation (to their user ID), then its replies in their DM."""
    return [call for call in fake.calls("chat.postMessage") if call["channel"] in (user, "D" + user[1:])]


def test_a_paramedic_in_an_adults_review_is_told_each_thing_once_and_counted_right(fake, slack, adults_review):
    slack.command(LEAD, "/review", "invite adult-g", fake.response_url)
    assert "Invited 2 members of the case group" in fake.wait_for("response_url")[0]["text"]
    [paramedic_intro] = said_to(fake, PARAMEDIC)
    [social_worker_intro] = said_to(fake, SOCIAL_WORKER)
    assert "I'll ask about 2 key practice episodes you were involved in" in str(paramedic_intro["blocks"])
    assert "I'll ask about 1 key practice episode you were involved in" in str(social_worker_intro["blocks"])

    slack.dm(PARAMEDIC, "yes")
    slack.dm(PARAMEDIC, ANSWERS["KPE1"][0])
    slack.dm(PARAMEDIC, "submit")   # too soon: it says how many questions are left, in words that fit the number
    assert "15 required questions still need an answer" in str(said_to(fake, PARAMEDIC)[-1]["blocks"])
    for answers in ANSWERS.values():
        for answer in answers[1:] if answers is ANSWERS["KPE1"] else answers:
            slack.dm(PARAMEDIC, answer)
    slack.dm(PARAMEDIC, "skip")     # "anything else", after the last episode
    messages = said_to(fake, PARAMEDIC)[1:]
    assert "Check your answers" in str(messages[-1]["blocks"])

    labels = ["My own memory", "The records", "Something I learned later"]
    for message in messages:
        texts = visible(message["blocks"])
        words = " ".join(texts)
        # The episode's key once in each message: in the header at its first question, else in the context line.
        for key in ANSWERS:
            assert words.count(key) <= 1, (key, texts)
        # Each option once: the knowledge question's options are its buttons, and not a list above them too.
        for label in labels:
            assert words.count(label) <= 1, (label, texts)
        # Examples that fit an adults' review: no caseload of families for a paramedic.
        assert "families" not in words, texts
    first = next(m for m in messages if "question 1 of 9" in str(m["blocks"]))
    assert "Episode KPE1: An ambulance crew find Adult G after a fall" in visible(first["blocks"])
    assert "3 Feb 2025 · question 1 of 9" in visible(first["blocks"])
    later = next(m for m in messages if "question 2 of 9" in str(m["blocks"]))
    assert "3 Feb 2025 · question 2 of 9 · KPE1" in visible(later["blocks"])
    knowledge = next(m for m in messages if "mostly come from" in str(m["blocks"]))
    assert [b for b in knowledge["blocks"] if b["type"] == "actions"][0]["elements"][0]["text"]["text"] == labels[0]
    factors = next(m for m in messages if "Which things made the work harder" in str(m["blocks"]))
    assert "six calls still waiting on my shift; the family: her son answered for her" in str(factors["blocks"])
    assert "Saved, under these headings:\\n• *conditions of work*: workload" in str(messages)   # where it went
    # Check your answers names each episode once, above its answers; its menu says each answer by number.
    check = visible(messages[-1]["blocks"])
    assert "1. What happened" in check and "10. What happened" in check


def test_the_lead_reads_a_pattern_one_agency_names_as_one_agency(fake, slack, store, adults_review, tmp_path,
                                                                 monkeypatch, db_path, capsys):
    slack.command(LEAD, "/review", "invite adult-g", fake.response_url)
    fake.wait_for("response_url")
    slack.dm(PARAMEDIC, "yes")
    for answers in ANSWERS.values():
        for answer in answers:
            slack.dm(PARAMEDIC, answer)
    slack.dm(PARAMEDIC, "submit")
    assert "has been submitted (version 1)" in str(said_to(fake, PARAMEDIC)[-1])

    _, overview = summary(slack, fake, LEAD)
    slack_words = " ".join(visible([b for m in overview for b in m["blocks"]]))
    assert "_Recurs in KPE1, KPE2 · 1 agency._" in slack_words
    assert "2 episode accounts" in slack_words and "1 of 2 case group members has submitted" in slack_words
    [markdown] = [call["content"] for call in fake.calls("file.upload")]
    assert "named by 1 agency (Westlow Ambulance Service)" in markdown and "1 agencies" not in markdown

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    assert main(["export", "adult-g", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "named by 1 agency (Westlow Ambulance Service)" in page and "1 agencies" not in page


def test_a_counted_word_the_plurals_table_lacks_stops_the_bot_at_start_up(tmp_path):
    copy = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    conversation = copy / "conversation.toml"
    conversation.write_text(conversation.read_text().replace("{count:episode}", "{count:episdoe}"))
    with pytest.raises(PromptsError) as raised:
        load_prompts(copy)
    assert "conversation.toml" in str(raised.value) and "outline" in str(raised.value)
    assert "episdoe" in str(raised.value)


def test_no_prompt_counts_with_a_bracketed_plural():
    for path in PROMPTS_DIR.glob("*.toml"):
        assert "(s)" not in path.read_text(), path


def test_the_terminal_shows_each_option_and_each_answer_number_once(tmp_path):
    """`casegroup try`, the demo adults' review: the paramedic's choices appear once, as the terminal's own
    numbered choices, and "check your answers" does not list its answers again as a menu."""
    lines = ["1", "We found her on the floor.", "Cold and confused.", "Calls waiting.", "Convey or refer.",
             "Keep her safe.", "My own memory", "workload", "skip", "A direct line.", "skip", "/quit"]
    result = run_try(tmp_path, lines)
    transcript = result.stdout
    assert result.returncode == 0, result.stderr
    assert "I'll ask about 1 key practice episode you were involved in" in flat(transcript)
    assert "casegroup sent you 1 message while you were someone else" in flat(transcript)
    knowledge = after(transcript, "Keep her safe.")
    assert knowledge.count("My own memory") == 1 and "[1] My own memory" in knowledge
    factors = after(transcript, "My own memory")
    assert "families" not in factors and "six calls still waiting on my shift" in flat(factors)
    check = after(transcript.split("> A direct line.\n", 1)[1], "skip")    # the second skip: "anything else"
    assert check.count("What happened") == 1 and check.count("KPE2") == 1
    assert "Change an answer… type its number, 1 to 10" in check
