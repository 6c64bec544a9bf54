"""Stories of the review team's follow-up questions (issue 17, part 1): asked from the digest's *Ask a follow-up*
button and with `/review ask`, answered in the practitioner's DM (in the question's thread, or by its number)
without the reflection in progress being touched, shown in the digest, the status and the Home tab."""
import json

import pytest

from bot.digest_builder import build_digest
from bot.render.digest_text import render
from bot.render.follow_up_blocks import ASK, ASK_FORM, WHICH
from tests.runningkit import clock, open_home, home_of, posts_to, said_to, store, submit_view, wait_until  # noqa: F401
from tests.slackdriver import dm_event
from tests.stories import submit_directly
from tests.test_analysis_slack import summary_messages   # the digest's messages for one /summary

LEAD, TEAM, HV = "U0LEAD01", "U0TEAM01", "U0HV0001"


@pytest.fixture
def submitted(store, imported, prompts, sample_reflections):
    submit_directly(store, imported, sample_reflections, prompts)
    return imported


def reply(slack, user: str, text: str, thread_ts: str = ""):
    """A message in the bot's DM; with `thread_ts`, in the thread of that message."""
    event = dm_event(user, text)
    if thread_ts:
        event["event"]["thread_ts"] = thread_ts
    return slack.event(event)


def last_said(fake, user: str) -> str:
    """The text (every block's) of the latest message to `user`."""
    calls = [c for c in fake.calls("chat.postMessage") if c.get("channel") in (user, "D" + user[1:])]
    return "\n".join(b.get("text", {}).get("text", "") for b in calls[-1]["blocks"] if isinstance(b.get("text"), dict)) \
        + "".join(e.get("text", "") for b in calls[-1]["blocks"] if b.get("type") == "context" for e in b["elements"])


def ask_buttons(messages: list[dict]) -> dict[str, dict]:
    """{member: their account's *Ask a follow-up* button} in the digest's messages."""
    found = [b["accessory"] for m in messages for b in m["blocks"] if b.get("accessory", {}).get("action_id") == ASK]
    return {json.loads(button["value"])["m"]: button for button in found}


def opened(fake, callback_id: str) -> dict:
    return wait_until(lambda: [c["view"] for c in fake.calls("views.open") if c["view"]["callback_id"] == callback_id],
                      what=f"modal {callback_id}")[-1]


def reflection_of(store, member: str = HV):
    """The reflection as stored: its state (where they are, what they are changing) and every answer."""
    return vars(store.conversations.state("child-d", member)), store.conversations.answers("child-d", member).stored


def ask_from_digest(fake, slack, store, asker: str, episode: str, member: str, about: str, question: str) -> dict:
    """The asker opens the episode's digest, clicks *Ask a follow-up* on the member's account, and sends."""
    [button] = [b for m, b in ask_buttons(summary_messages(fake, slack, store, asker, f"child-d {episode}")).items()
                if m == member]
    assert button["text"]["text"] == "Ask a follow-up"
    slack.click(asker, ASK, button["value"])
    view = opened(fake, ASK_FORM)
    response = submit_view(slack, asker, ASK_FORM, view["private_metadata"], {"about": about, "question": question})
    assert response.status == 200 and "errors" not in (response.body or "")
    return view


def test_a_lead_and_a_team_member_ask_and_the_practitioner_mid_revision_answers_both_untouched(
        fake, slack, store, submitted, prompts):
    # The health visitor has submitted, and is now revising: changing their KPE4 "front of mind" answer.
    reply(slack, HV, "revise")
    reply(slack, HV, "12")
    assert "Your answer so far: Still two lists and the same caseload." in last_said(fake, HV)
    before = reflection_of(store)
    assert before[0]["stage"] == "asking" and before[0]["editing"] and before[0]["cursor"] == "KPE4/front_of_mind"

    # The lead asks from the KPE1 digest, about the health visitor's "How it looked at the time".
    view = ask_from_digest(fake, slack, store, LEAD, "KPE1", HV, "at_the_time",
                           "When you put the weight down to a cold, what did the growth chart show you?")
    assert "Health visitor (Brackenshire Community Health)" in view["blocks"][0]["text"]["text"]
    assert [o["text"]["text"] for o in view["blocks"][1]["element"]["options"]][:2] == [
        "What happened and their part", "What they thought was going on"]
    question = said_to(fake, HV, "The review team has a follow-up question for you")[-1]
    assert "(Q1), about episode *KPE1: One-year review" in question and "your answer to *How it looked at the time*" \
        in question and "I put the weight down to a bad cold" in question and "what did the growth chart" in question
    assert "Reply in this message" in question and LEAD not in question   # the review team asks, not a named lead
    said_to(fake, LEAD, "Sent *Q1* to the Health visitor (Brackenshire Community Health) about KPE1")

    # A team member asks with /review ask, about KPE5.
    slack.command(TEAM, "/review", "ask child-d kpe5 <@U0HV0001|hv> Who did you expect to tell Wrenmouth?",
                  fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "Sent *Q2*" in c.get("text", "")], what="Q2 sent")
    q2 = said_to(fake, HV, "(Q2), about episode *KPE5")[-1]
    assert "Who did you expect to tell Wrenmouth?" in q2 and "your answer to" not in q2

    # Mid-revision, they answer Q1 in its thread and Q2 by its number in the DM.
    q1 = store.follow_ups.of_review("child-d", "KPE1")[0]
    reply(slack, HV, "It showed the drop, but I read it as the cold.", thread_ts=q1.message_ts)
    assert "Thank you: saved as your answer to *Q1* (KPE1)" in last_said(fake, HV)
    reply(slack, HV, "Q2: housing, when they placed the family.")
    assert "saved as your answer to *Q2* (KPE5)" in last_said(fake, HV)
    assert reflection_of(store) == before   # the reflection, state and answers, untouched

    # The answer to the question they were on still goes to the reflection.
    reply(slack, HV, "Two lists, and a new record system.")
    state, answers = reflection_of(store)
    assert json.loads(answers[("KPE4", "front_of_mind")]) == "Two lists, and a new record system."
    assert [(f.name, f.status, f.answer) for f in store.follow_ups.of_review("child-d")] == [
        ("Q1", "answered", "It showed the drop, but I read it as the cold."),
        ("Q2", "answered", "housing, when they placed the family.")]

    # The digest shows both, under the health visitor's account, marked as follow-ups: in Slack and every export.
    kpe1 = json.dumps(summary_messages(fake, slack, store, LEAD, "child-d KPE1"), ensure_ascii=False)
    assert "Follow-up Q1 from the review team about their answer to “What they thought was going on”" in kpe1
    assert "It showed the drop, but I read it as the cold." in kpe1
    digest = build_digest(store, submitted, prompts, "KPE5")
    [account] = [a for a in digest.episode("KPE5").at_the_time if a.who.startswith("Health visitor")]
    assert [(f.name, f.status, f.answer) for f in account.follow_ups] == [
        ("Q2", "answered", "housing, when they placed the family.")]
    for fmt in ("md", "html", "json"):
        text = render(digest, fmt, "KPE5")
        assert "Follow-up Q2 from the review team" in text or '"name": "Q2"' in text
        assert "housing, when they placed the family." in text and HV not in text


def ask_by_command(fake, slack, asker: str, text: str) -> str:
    """`/review ask …`: what the asker is told."""
    before = len(fake.calls("response_url"))
    slack.command(asker, "/review", f"ask {text}", fake.response_url)
    return wait_until(lambda: fake.calls("response_url")[before:], what="the answer to /review ask")[0]["text"]


def test_a_question_asked_with_the_command_keeps_its_line_breaks(fake, slack, store, submitted):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001>  Two things:\n1. Who booked the visit?\n2. When?")
    [asked] = store.follow_ups.of_review("child-d")
    assert asked.question == "Two things:\n1. Who booked the visit?\n2. When?"


def test_two_questions_open_and_one_typed_answer_the_bot_asks_which(fake, slack, store, submitted):
    assert "Sent *Q1*" in ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001|hv> Did you see the hostel log?")
    assert "Sent *Q2*" in ask_by_command(fake, slack, TEAM, "child-d KPE4 <@U0HV0001> Who tells you of an injury?")
    before = reflection_of(store)

    reply(slack, HV, "Nobody did; the nursery form went to the social worker.")
    which = last_said(fake, HV)
    assert "You have 2 follow-up questions open. Which one is this an answer to?" in which
    assert "• *Q1* (KPE1): Did you see the hostel log?" in which and "• *Q2* (KPE4)" in which
    assert "Click one, or type its name, like `Q1`." in which
    calls = [c for c in fake.calls("chat.postMessage") if c["channel"] == "D0HV0001"]
    buttons = [e for b in calls[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["action_id"]) for b in buttons] == [("Q1 (KPE1)", WHICH), ("Q2 (KPE4)", WHICH)]
    assert [f.status for f in store.follow_ups.of_review("child-d")] == ["asked", "asked"]   # nothing guessed

    reply(slack, HV, "2")
    assert "saved as your answer to *Q2* (KPE4)" in last_said(fake, HV)
    assert [(f.name, f.status, f.answer) for f in store.follow_ups.of_review("child-d")] == [
        ("Q1", "asked", ""), ("Q2", "answered", "Nobody did; the nursery form went to the social worker.")]
    assert reflection_of(store) == before

    # One open now: what they type next (their reflection being submitted) answers it, and says which.
    reply(slack, HV, "No, it stays in the hostel office.")
    assert "saved as your answer to *Q1* (KPE1)" in last_said(fake, HV)
    assert reflection_of(store) == before


def test_which_question_is_chosen_by_its_name_never_by_its_place_in_the_list(fake, slack, store, submitted):
    """Q2 and Q3 open (Q1 answered): a typed 2 is Q2, though Q2 is listed first; `Q3 (KPE5)`, the button's own
    words, is Q3; a number that is neither asks again and keeps the words typed first."""
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> First question?")
    reply(slack, HV, "The first answer.")
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Second question?")
    ask_by_command(fake, slack, TEAM, "child-d KPE5 <@U0HV0001> Third question?")
    before = reflection_of(store)

    reply(slack, HV, "An answer for the second.")
    assert "• *Q2* (KPE1): Second question?" in last_said(fake, HV)
    reply(slack, HV, "7")
    assert "Which one is this an answer to?" in last_said(fake, HV)
    reply(slack, HV, "2")
    assert "saved as your answer to *Q2* (KPE1)" in last_said(fake, HV)

    ask_by_command(fake, slack, LEAD, "child-d KPE4 <@U0HV0001> Fourth question?")
    reply(slack, HV, "An answer for the third.")
    reply(slack, HV, "Q3 (KPE5)")
    assert "saved as your answer to *Q3* (KPE5)" in last_said(fake, HV)
    reply(slack, HV, "Q9 the heating was off")   # no Q9: said so, and the open one named
    assert "*Q9* isn't one of your open follow-up questions, so nothing was saved. Open now: *Q4* (KPE4)." in \
        last_said(fake, HV)
    reply(slack, HV, "Q3: and the heating was off")   # Q3 answered already: more words for it, as in its thread
    assert "Added to your answer to *Q3* (KPE5)." in last_said(fake, HV)
    assert [(f.name, f.answer) for f in store.follow_ups.of_review("child-d")] == [
        ("Q1", "The first answer."), ("Q2", "An answer for the second."),
        ("Q3", "An answer for the third.\n\nand the heating was off"), ("Q4", "")]
    assert reflection_of(store) == before


def test_the_which_buttons_and_a_stale_click(fake, slack, store, submitted):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> First question?")
    ask_by_command(fake, slack, LEAD, "child-d KPE5 <@U0HV0001> Second question?")
    reply(slack, HV, "An answer for the second.")
    second = store.follow_ups.of_review("child-d", "KPE5")[0]
    slack.click(HV, WHICH, str(second.id))
    wait_until(lambda: "saved as your answer to *Q2* (KPE5)" in last_said(fake, HV), what="the answer saved")
    slack.click(HV, WHICH, str(second.id))   # clicked again: the words have gone to Q2, nothing is kept to place
    said_to(fake, HV, "That button belongs to an earlier question")
    assert store.follow_ups.get(second.id).answer == "An answer for the second."


def test_skip_declines_politely_and_is_recorded_without_the_text(fake, slack, store, submitted):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> What did Gemma say about the hostel?")
    q1 = store.follow_ups.of_review("child-d")[0]
    reply(slack, HV, "skip", thread_ts=q1.message_ts)
    assert "That's fine: *Q1* (KPE1) is marked as declined" in last_said(fake, HV)
    assert store.follow_ups.get(q1.id).status == "declined"
    reply(slack, HV, "skip", thread_ts=q1.message_ts)
    assert "*Q1* (KPE1) is already declined" in last_said(fake, HV)
    trail = [(a["action"], a["actor"], a["detail"]) for a in store.audit.trail("child-d") if "follow_up" in a["action"]]
    assert trail == [("follow_up.asked", LEAD, "Q1 to U0HV0001 about KPE1"),
                     ("follow_up.declined", HV, "Q1 about KPE1")]
    assert "Gemma" not in json.dumps(store.audit.trail("child-d"))   # no question or answer text in the audit
    # A reply in its thread later still answers it (they changed their mind): nothing they write is lost.
    reply(slack, HV, "She said the hostel was noisy.", thread_ts=q1.message_ts)
    assert store.follow_ups.get(q1.id).status == "answered"
    status = ask_status(fake, slack, LEAD)
    assert "*Follow-up questions*" in status and "• *Q1* · KPE1 · Health visitor (Brackenshire Community Health) · " \
        "answered 8 Jan 2024 (asked 8 Jan 2024)" in status


def ask_status(fake, slack, user: str) -> str:
    before = len(fake.calls("response_url"))
    slack.command(user, "/review", "status child-d", fake.response_url)
    return json.dumps(wait_until(lambda: fake.calls("response_url")[before:], what="the status"), ensure_ascii=False)


def test_while_a_reflection_waits_for_an_answer_only_the_thread_or_the_number_reach_a_question(
        fake, slack, store, imported, prompts, sample_reflections):
    # The police officer (KPE2) submitted; the health visitor is half-way through their first reflection.
    submit_directly(store, imported, [r for r in sample_reflections if r["member"] == "U0PC0001"], prompts)
    slack.command(LEAD, "/review", f"invite child-d {HV}", fake.response_url)
    said_to(fake, HV, "Do you agree")
    reply(slack, HV, "yes")
    reply(slack, HV, "I did the one-year review at the hostel.")
    assert "Sent *Q1*" in ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Who else was in the room?")
    before = reflection_of(store)
    reply(slack, HV, "I thought it was a cold.")     # the reflection's question, not Q1
    state, answers = reflection_of(store)
    assert json.loads(answers[("KPE1", "at_the_time")]) == "I thought it was a cold." and state != before[0]
    assert store.follow_ups.of_review("child-d")[0].status == "asked"
    before = reflection_of(store)
    reply(slack, HV, "q1 Her sister Gemma.")
    assert "saved as your answer to *Q1*" in last_said(fake, HV)
    assert reflection_of(store) == before
    assert store.follow_ups.of_review("child-d")[0].answer == "Her sister Gemma."


def test_nobody_asks_about_an_episode_that_is_not_theirs_nor_after_the_meeting(fake, slack, store, submitted):
    said = ask_by_command(fake, slack, LEAD, "child-d KPE2 <@U0HV0001> Why weren't you called?")
    assert said == ("The Health visitor (Brackenshire Community Health) isn't involved in KPE2, so they can't be "
                    "asked about it. Their episodes: KPE1, KPE4, KPE5.")
    assert "isn't in the case group" in ask_by_command(fake, slack, LEAD, "child-d KPE2 <@U0LEAD02> Why?")
    assert "couldn't find the episode `KPE9`" in ask_by_command(fake, slack, LEAD, "child-d KPE9 <@U0HV0001> Why?")
    assert "/review ask KEY EPISODE @member" in ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001>  ")
    assert "/review ask KEY EPISODE @member" in ask_by_command(fake, slack, LEAD, "child-d KPE1")
    assert store.follow_ups.of_review("child-d") == []

    # The modal too: the error under the question, the modal kept open.
    [button] = [b for m, b in ask_buttons(summary_messages(fake, slack, store, TEAM, "child-d KPE1")).items() if m == HV]
    slack.click(TEAM, ASK, button["value"])
    view = opened(fake, ASK_FORM)
    store.reviews.set_stage("child-d", "analysis", actor="test")
    response = submit_view(slack, TEAM, ASK_FORM, view["private_metadata"], {"about": "involvement", "question": "Why?"})
    assert json.loads(response.body)["errors"] == {"question": (
        "Follow-up questions can be asked only in the conversations and case group meeting stages, and `child-d` is "
        "in its analysis stage.")}
    assert "can be asked only in the conversations" in ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Why?")
    # ...and from analysis on, the digest offers no button.
    assert ask_buttons(summary_messages(fake, slack, store, TEAM, "child-d KPE1")) == {}
    assert store.follow_ups.of_review("child-d") == []


def test_a_reply_after_the_meeting_is_not_taken_and_says_so(fake, slack, store, submitted):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Who else was there?")
    q1 = store.follow_ups.of_review("child-d")[0]
    store.reviews.set_stage("child-d", "analysis", actor="test")
    reply(slack, HV, "Her sister.", thread_ts=q1.message_ts)
    assert "moved on to its analysis, so *Q1* can't be answered any more. Nothing was saved." in last_said(fake, HV)
    assert store.follow_ups.get(q1.id).status == "asked"


def test_slack_markup_a_40000_character_answer_and_emoji_are_kept_safely(fake, slack, store, submitted, prompts):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Anything <!here> to add?")
    q1 = store.follow_ups.of_review("child-d")[0]
    hostile = "<!channel> <@U0LEAD01> <https://evil.example|click> *bold* &gt; quote 😬 :+1: " + "x" * 40_000
    reply(slack, HV, hostile, thread_ts=q1.message_ts)
    assert store.follow_ups.get(q1.id).answer == hostile   # kept whole, as typed
    messages = summary_messages(fake, slack, store, LEAD, "child-d KPE1")
    shown = json.dumps(messages, ensure_ascii=False)
    # Pinging nobody, hiding no link (the digest's redaction), the emoji kept; the fake checks every call too.
    assert "😬" in shown and "@\u200bchannel @a lead reviewer click (https://evil.example)" in shown
    digest = build_digest(store, submitted, prompts, "KPE1")
    assert "<!channel" not in render(digest, "md", "KPE1") and "x" * 40_000 in render(digest, "md", "KPE1")
    assert "<!channel" not in render(digest, "html", "KPE1") and "😬" in render(digest, "html", "KPE1")


def test_a_slack_retry_of_an_answer_counts_once(fake, slack, store, submitted):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Who else was there?")
    q1 = store.follow_ups.of_review("child-d")[0]
    event = dm_event(HV, "Her sister.", event_id="EvRetry1")
    event["event"]["thread_ts"] = q1.message_ts
    slack.event(event)
    slack.event(event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert store.follow_ups.get(q1.id).answer == "Her sister."
    assert len([p for p in posts_to(fake, HV) if "saved as your answer" in p]) == 1


def test_withdrawal_and_purge_remove_the_follow_ups(fake, slack, store, submitted, clock):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Who else was there?")
    ask_by_command(fake, slack, LEAD, "child-d KPE2 <@U0PC0001> What did the log show?")
    reply(slack, HV, "Her sister Gemma.")
    reply(slack, HV, "withdraw")
    reply(slack, HV, "yes")
    said_to(fake, HV, "withdrawn")
    assert [f.member for f in store.follow_ups.of_review("child-d")] == ["U0PC0001"]
    withdrawn = [a for a in store.audit.trail("child-d") if a["action"] == "reflection.withdrawn"][0]
    assert "1 follow-up questions deleted" in withdrawn["detail"]

    store.reviews.set_stage("child-d", "closed", actor="test", retain_until=clock.advance(days=1))
    clock.advance(days=2)
    counts = store.retention.purge("child-d", actor="test")
    assert counts["follow_ups"] == 1 and store.follow_ups.of_review("child-d") == []
    assert "follow-up Q1 to U0PC0001 about KPE2" in json.dumps(store.audit.trail("child-d"))


def test_the_home_tab_and_the_reminders_count_open_follow_ups(fake, slack, store, submitted):
    ask_by_command(fake, slack, LEAD, "child-d KPE1 <@U0HV0001> Who else was there?")
    ask_by_command(fake, slack, LEAD, "child-d KPE2 <@U0PC0001> What did the log show?")
    reply(slack, "U0PC0001", "The call came at 01:15.")
    open_home(slack, TEAM)
    home = json.dumps(wait_until(lambda: home_of(fake, TEAM)), ensure_ascii=False)
    assert "Follow-up questions: 1 asked, 1 answered" in home
    # Everyone has submitted; only the health visitor has a question open, so only they are reminded.
    before = len(fake.calls("response_url"))
    slack.command(LEAD, "/review", "remind child-d", fake.response_url)
    said = wait_until(lambda: fake.calls("response_url")[before:], what="the reminders")[0]["text"]
    assert said.startswith("Reminded 1 case group member.")
    reminder = said_to(fake, HV, "A gentle reminder")[-1]
    assert ("thank you for your reflection. The review team is also waiting for your answer to 1 follow-up "
            "question: reply in its thread.") in reminder
    assert not [p for p in posts_to(fake, "U0PC0001") if "A gentle reminder" in p]
