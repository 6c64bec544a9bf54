"""Thanks and feedback at the end (issue 17, part 3): closing a review thanks, on behalf of the board, each member
who took part, once; they may answer two optional questions, by button or by typing; the review team sees the
answers only in aggregate, without names."""
from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from bot.core.feedback import feedback_summary, read_rating
from bot.lead_actions import LeadActions
from bot.render.feedback_blocks import rating_labels
from tests.runningkit import clock, home_of, open_home, posts_to, said_to, store, wait_until  # noqa: F401
from tests.slackdriver import action_payload, dm_event
from tests.stories import submit_directly

LEAD = "U0LEAD01"
HV, PC, SW, TM, HO, NK, GP = "U0HV0001", "U0PC0001", "U0SW0001", "U0TM0001", "U0HO0001", "U0NK0001", "U0GP0001"
TOOK_PART = [HV, PC, SW, TM]                 # consented and submitted
THANKS = "On behalf of *Brackenshire Safeguarding Children Partnership*, thank you for taking part"
CLOSED = "The *Child D* review is now closed, so nothing more can be written or changed"   # the notice


@pytest.fixture
def analysed(fake, slack, lazy, store, invited, prompts, sample_reflections):
    """Child D at analysis: four members submitted; the housing officer submitted and then withdrew, the nursery
    key person declined, the GP agreed but never submitted."""
    submit_directly(store, invited, [r for r in sample_reflections if r["member"] in (*TOOK_PART, HO)], prompts)
    slack.dm(HO, "withdraw")
    slack.dm(HO, "yes")
    slack.dm(NK, "no")
    slack.dm(GP, "yes")
    stages = store.conversations.stages("child-d")
    assert (stages[HO], stages[NK], stages[GP]) == ("withdrawn", "declined", "asking")
    for runs, stage in ((2, "meeting"), (3, "analysis")):   # after the invitations' run: each move, and what it sends
        slack.command(LEAD, "/review", f"stage child-d {stage}", fake.response_url)
        lazy.wait_for(runs)
    assert store.reviews.get("child-d").stage == "analysis"
    return invited


def close(fake, slack, store):
    """The lead asks to close, is asked to confirm, and confirms with the button."""
    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    question = wait_until(lambda: [c for c in fake.calls("response_url") if "Close *Child D*" in c.get("text", "")],
                          what="the confirmation")[-1]
    button = question["blocks"][-1]["elements"][0]
    assert button["value"] == "child-d|analysis>closed"
    slack.click(LEAD, button["action_id"], button["value"])
    said_to(fake, LEAD, "been thanked on behalf of")
    wait_until(lambda: all(thanks_to(fake, m) for m in TOOK_PART), what="the thanks")


def stage_answers(fake) -> list[str]:
    """What the lead was told of each move asked for: moved, or why not."""
    return [p for p in posts_to(fake, LEAD) if "moved from" in p or "already in its closed stage" in p
            or "has just moved" in p]


def thanks_to(fake, user: str) -> list[str]:
    return [p for p in posts_to(fake, user) if THANKS in p]


def last_to(fake, user: str) -> dict:
    return [c for c in fake.calls("chat.postMessage") if c.get("channel") in (user, "D" + user[1:])][-1]


def said(message: dict) -> str:
    return " ".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")


def buttons(message: dict) -> list[tuple[str, str, str]]:
    return [(e["text"]["text"], e["action_id"], e["value"]) for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"]]


def stored_tables(store) -> dict[str, list[tuple]]:
    db = store.db
    return {table: db.execute(f"select * from {table}").fetchall()
            for table in ("feedback_asked", "feedback_ratings", "feedback_comments")}


# ----- the thanks --------------------------------------------------------------------------------------------

def test_closing_thanks_each_member_who_took_part_once_and_nobody_else(fake, slack, store, analysed):
    close(fake, slack, store)
    for member in TOOK_PART:
        (message,) = thanks_to(fake, member)
        assert "The *Child D* review is now closed. On behalf of" in message
        assert "How did you find taking part?" in message
        assert CLOSED not in "".join(posts_to(fake, member))   # the thanks says it: one message, not two
    thank_you = last_to(fake, HV)
    assert [label for label, _, _ in buttons(thank_you)] == ["1. Very hard", "2. Hard", "3. OK", "4. Easy",
                                                             "5. Very easy", "Skip"]
    assert buttons(thank_you)[3][1:] == ("feedback_rating", "child-d|4")
    # The GP agreed but never submitted: told the review closed, not thanked for taking part.
    assert said_to(fake, GP, CLOSED) and not thanks_to(fake, GP)
    # Whoever declined or withdrew hears nothing.
    for member in (NK, HO):
        assert not [p for p in posts_to(fake, member) if THANKS in p or CLOSED in p]
    lead_said = [p for p in posts_to(fake, LEAD) if "moved from" in p][-1]
    assert ("4 case group members who took part have been thanked on behalf of Brackenshire Safeguarding "
            "Children Partnership, and asked two optional questions.") in lead_said
    assert [(m, r, c) for _, m, _, r, c in stored_tables(store)["feedback_asked"]] == \
        [(m, 1, 1) for m in TOOK_PART]
    assert [a["detail"] for a in store.audit.trail("child-d") if a["action"] == "feedback.thanked"] == \
        ["4 members who took part"]


def test_a_confirmation_pressed_twice_at_once_or_a_close_asked_again_thanks_nobody_twice(fake, slack, store,
                                                                                          analysed):
    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "Close *Child D*" in c.get("text", "")])
    # Two clicks of the one confirmation, dispatched together: their lazy listeners race to close the review.
    clicks = [threading.Thread(target=slack.click, args=(LEAD, "review_confirm_stage", "child-d|analysis>closed"))
              for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    # One closes it; the other is told nothing more has changed (it found the review closed, or it lost the race
    # inside the transaction, which then rolls back).
    wait_until(lambda: len(stage_answers(fake)) == 2, what="both clicks answered")
    assert len([p for p in stage_answers(fake) if "moved from analysis to closed" in p]) == 1
    # The lead tries again, by command and with the old button: the review is closed, nobody is thanked again.
    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "already in its closed stage" in c.get("text", "")])
    slack.click(LEAD, "review_confirm_stage", "child-d|analysis>closed")
    wait_until(lambda: len(stage_answers(fake)) == 3, what="the old button answered")
    for member in TOOK_PART:
        assert len(thanks_to(fake, member)) == 1
    closes = [a for a in store.audit.trail("child-d") if a["action"] == "review.stage" and "closed" in a["detail"]]
    assert len(closes) == 1
    assert len(stored_tables(store)["feedback_asked"]) == 4


def test_a_thank_you_slack_refuses_is_told_to_the_leads_and_not_sent_again(fake, slack, store, analysed):
    fake.fail("chat.postMessage", error="channel_not_found")   # the first of the thanks: the health visitor's
    close(fake, slack, store)
    report = said_to(fake, LEAD, "I couldn't deliver some messages for *Child D*")[-1]
    assert "to Health visitor (Brackenshire Community Health): Slack said `channel_not_found`" in report
    # Asking again to close can't send it twice: the review is closed, and the thanks recorded with it.
    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "already in its closed stage" in c.get("text", "")])
    for member in TOOK_PART:
        assert len(thanks_to(fake, member)) == 1   # the health visitor's is the call Slack refused


# ----- the answers -------------------------------------------------------------------------------------------

def test_answers_by_button_and_by_typing_labels_numbers_and_typos(fake, slack, store, analysed):
    close(fake, slack, store)
    # The health visitor clicks "4. Easy", then types what would have made it easier.
    slack.click(HV, "feedback_rating", "child-d|4")
    reply = last_to(fake, HV)
    assert said(reply).startswith("Noted: 4. Easy. *Is there anything that would have made taking part easier?*")
    assert buttons(reply) == [("Skip", "feedback_skip", "child-d|comment")]
    slack.dm(HV, "Being asked in my own time, not in a meeting with a manager.")
    assert said(last_to(fake, HV)) == ("Thank you for your feedback. It goes to the board only in aggregate, "
                                       "without your name, role or agency.")
    # The police officer types the words, with a typo, then skips.
    slack.dm(PC, "very esay")
    assert said(last_to(fake, PC)).startswith("Noted: 5. Very easy.")
    slack.dm(PC, "skip")
    assert said(last_to(fake, PC)) == "That's everything: there's nothing more to answer. Thank you again for taking part."
    # The social worker writes the comment first: kept, and asked the rating again; then types a number.
    slack.dm(SW, "thanks")
    assert said(last_to(fake, SW)).startswith("I didn't catch a rating there. *How did you find taking part?*")
    slack.dm(SW, "It was hard to find the time between visits")
    assert said(last_to(fake, SW)).startswith("I've kept that as your answer to what would have made taking part "
                                              "easier. *How did you find taking part?*")
    slack.dm(SW, "3.")
    assert said(last_to(fake, SW)) == ("Noted: 3. OK. Thank you for your feedback. It goes to the board only in "
                                       "aggregate, without your name, role or agency.")
    # The team manager types a label with its letters swapped, then clicks Skip on the comment.
    slack.dm(TM, "hrad")
    assert said(last_to(fake, TM)).startswith("Noted: 2. Hard.")
    slack.click(TM, "feedback_skip", "child-d|comment")
    assert said(last_to(fake, TM)).startswith("That's everything")

    tables = stored_tables(store)
    assert sorted(tables["feedback_ratings"]) == [("child-d", 2, 1), ("child-d", 3, 1), ("child-d", 4, 1),
                                                  ("child-d", 5, 1)]
    comments = tables["feedback_comments"]
    assert sorted(c for _, _, c in comments) == ["Being asked in my own time, not in a meeting with a manager.",
                                                 "It was hard to find the time between visits"]
    # Kept without the member, and without a time: nothing in a comment's row says whose it is.
    assert not [cell for row in comments for cell in row if cell in TOOK_PART or "2024" in str(cell)]
    assert [(r, c) for _, _, _, r, c in tables["feedback_asked"]] == [(0, 0)] * 4
    # The questions are over: the closed review takes nothing else, and a late button changes nothing.
    slack.dm(HV, "One more thing about the hostel")
    assert "is closed, so reflections can no longer be changed" in said(last_to(fake, HV))
    slack.click(HV, "feedback_rating", "child-d|1")
    assert "There's no feedback question waiting for you in *Child D*" in said(last_to(fake, HV))
    assert stored_tables(store)["feedback_ratings"] == tables["feedback_ratings"]
    assert len(stored_tables(store)["feedback_comments"]) == 2


def test_a_retried_event_and_a_double_click_count_once(fake, slack, store, analysed):
    close(fake, slack, store)
    payload = action_payload(HV, "feedback_rating", "child-d|5")
    slack.action(payload)
    slack.action(payload)   # the same action_ts: a double click
    event = dm_event(PC, "2")
    slack.event(event)
    slack.event(event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert sorted(stored_tables(store)["feedback_ratings"]) == [("child-d", 2, 1), ("child-d", 5, 1)]
    assert len([p for p in posts_to(fake, HV) if "Noted: 5. Very easy" in p]) == 1
    assert len([p for p in posts_to(fake, PC) if "Noted: 2. Hard" in p]) == 1
    comment = dm_event(HV, "A quiet room would have helped a lot")
    slack.event(comment)
    slack.event(comment, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert len(stored_tables(store)["feedback_comments"]) == 1


def test_a_reflection_in_progress_in_another_review_is_never_taken_for_feedback(fake, slack, store, analysed,
                                                                               sample_review, prompts):
    close(fake, slack, store)
    # The health visitor is also in Adult F's case group, and mid-way through its first question.
    store.reviews.save(replace(sample_review, key="adult-f", title="Adult F", kind="adults"), actor="test")
    slack.command(LEAD, "/review", f"invite adult-f {HV}", fake.response_url)
    wait_until(lambda: [p for p in posts_to(fake, HV) if "Adult F" in p and "Do you agree" in p])
    slack.dm(HV, "yes")   # Adult F's consent: an invitation to answer, not a rating
    assert store.conversations.stages("adult-f")[HV] == "asking"
    slack.dm(HV, "4")
    slack.dm(HV, "It was hard to find the time between visits")
    answers = store.conversations.answers("adult-f", HV)
    assert "It was hard to find the time between visits" in json.dumps(list(answers.stored.values()))
    assert stored_tables(store)["feedback_ratings"] == [] and stored_tables(store)["feedback_comments"] == []
    # The feedback's buttons still work, and `answers` is the reflection's own.
    slack.click(HV, "feedback_rating", "child-d|4")
    assert said(last_to(fake, HV)).startswith("Noted: 4. Easy.")
    assert stored_tables(store)["feedback_ratings"] == [("child-d", 4, 1)]


def test_someone_who_was_not_thanked_has_nothing_to_answer(fake, slack, store, analysed):
    close(fake, slack, store)
    slack.click(GP, "feedback_rating", "child-d|5")
    assert "There's no feedback question waiting for you in *Child D*" in said(last_to(fake, GP))
    slack.dm(GP, "5")
    assert "is closed, so reflections can no longer be changed" in said(last_to(fake, GP))
    assert stored_tables(store)["feedback_ratings"] == []


# ----- what the review team sees -------------------------------------------------------------------------------

def test_the_aggregate_in_home_and_status_names_nobody(fake, slack, store, analysed):
    close(fake, slack, store)
    slack.dm(HV, "4")
    slack.dm(HV, "Being asked in my own time, not in a meeting with a manager.")
    # One answer: counted, and neither the rating nor the comment is shown.
    open_home(slack, LEAD)
    line = "*Feedback* from the case group: 1 of 4 rated taking part (the counts show once 3 have answered, so " \
           "that nobody's answer can be told); 1 person said what would have made it easier."
    assert line in json.dumps(home_of(fake, LEAD), ensure_ascii=False)
    slack.command(LEAD, "/review", "status child-d", fake.response_url)
    status = wait_until(lambda: [c for c in fake.calls("response_url") if "Feedback" in c.get("text", "")])
    assert "1 comment held back until there are 3, so that nobody's can be told by its words" in \
        json.dumps(status, ensure_ascii=False)
    assert "in my own time" not in json.dumps(fake.calls("response_url"), ensure_ascii=False)

    for member, rating, comment in ((PC, "5", "skip"),
                                    (SW, "easy", "Zebra crossings of ideas: more time between the questions."),
                                    (TM, "2", "A call from the lead before the questions started.")):
        slack.dm(member, rating)
        slack.dm(member, comment)
    open_home(slack, LEAD)
    home = json.dumps(home_of(fake, LEAD), ensure_ascii=False)
    assert ("*Feedback* from the case group: 4 of 4 rated taking part (1. Very hard: 0 · 2. Hard: 1 · 3. OK: 0 · "
            "4. Easy: 2 · 5. Very easy: 1); 3 people said what would have made it easier.") in home
    assert "in my own time" not in home   # the Home tab has the one line, never the comments
    slack.command(LEAD, "/review", "status child-d", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "alphabetical" in json.dumps(c)])
    status = [c for c in fake.calls("response_url") if "alphabetical" in json.dumps(c)][-1]
    texts = [b["text"]["text"] for b in status["blocks"] if b["type"] == "section"]
    start = next(i for i, t in enumerate(texts) if "alphabetical" in t)
    # Sorted by their words, not by who wrote them or when; nothing beside them.
    assert texts[start + 1:] == ["> A call from the lead before the questions started.",
                                 "> Being asked in my own time, not in a meeting with a manager.",
                                 "> Zebra crossings of ideas: more time between the questions."]
    # No member's role or agency stands beside a comment.
    attributions = {word for m in analysed.members for word in (m.role, m.agency)}
    assert not [a for a in attributions if a in "".join(texts[start:])]
    # The team reads it too; `/review status` alone has the line as well.
    slack.command("U0TEAM01", "/review", "status", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "4 of 4 rated" in c.get("text", "")
                        and "Child D" in c.get("text", "")])


def test_the_report_annex_is_built_from_a_pure_summary(imported):
    """`feedback_summary` is what the report's annex is built from: counts per rating, how many answered, and the
    comments pseudonymised, sorted, with nothing beside them; none below three."""
    summary = feedback_summary(imported, asked=5, ratings={4: 2, 2: 1},
                               comments=["Kirsty's case was hard to talk about", "More time", "  ", "a quiet room"])
    assert (summary.asked, summary.rated, summary.ratings) == (5, 3, {1: 0, 2: 1, 3: 0, 4: 2, 5: 0})
    assert summary.ratings_shown and summary.commented == 3
    # Pseudonymised (Kirsty is the child's mother), then sorted by the words shown.
    assert summary.comments == ("a quiet room", "More time", "Mother's case was hard to talk about")
    few = feedback_summary(imported, asked=5, ratings={4: 2}, comments=["More time", "a quiet room"])
    assert not few.ratings_shown and few.comments == () and few.comments_held == 2
    counted = feedback_summary(imported, asked=5, ratings={4: 2, 2: 1}, comments=["a", "b", "c"], read_comments=False)
    assert (counted.commented, counted.comments, counted.comments_held) == (3, (), 0)


def test_ratings_are_read_from_numbers_labels_and_small_typos(prompts):
    labels = rating_labels(prompts)
    typed = {"1": 1, "4.": 4, "5)": 5, "Very hard": 1, "very esay": 5, "EASY": 4, "ok": 3, "hrad": 2, "6": None,
             "0": None, "skip": None, "it was fine": None, "five": None}
    assert {t: read_rating(t, labels) for t in typed} == typed


# ----- purge -----------------------------------------------------------------------------------------------------

def test_purge_deletes_the_comments_and_keeps_the_counts(fake, slack, store, analysed, clock, prompts, settings,
                                                        db_path):
    close(fake, slack, store)
    slack.dm(HV, "4")
    slack.dm(HV, "A quiet room would have helped a lot")
    clock.advance(days=400)
    counts = LeadActions(store, prompts, settings).purge("child-d", actor="cli")
    assert counts["feedback_comments"] == 1
    tables = stored_tables(store)
    assert tables["feedback_comments"] == [] and tables["feedback_ratings"] == [("child-d", 4, 1)]
    assert [a["detail"] for a in store.audit.trail("child-d") if a["action"] == "purge.deleted"
            and "feedback" in a["detail"]] == ["a feedback comment, unattributed"]
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert b"A quiet room" not in raw
    # A purged review's feedback has closed: the question still open (the police officer's) takes nothing.
    slack.dm(PC, "5")
    wait_until(lambda: posts_to(fake, PC)[-1:] and "Noted" not in posts_to(fake, PC)[-1])
    assert stored_tables(store)["feedback_ratings"] == [("child-d", 4, 1)]
