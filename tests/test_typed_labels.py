"""Issue 13, items 1, 5 and 6: a button's words, typed, are that button; before consent, the invitation again;
numbers always work. Typed through the real App against the fake Web API, and a real SQLite file."""
from __future__ import annotations

import datetime as dt
import json
import random

from bot.core.buttons import pressed
from bot.core.conversation import CheckItem, Reply, Slot
from bot.offline import DEMO_REVIEW
from bot.offline.session import TrySession
from bot.core.review import parse_review_file
from bot.reminding import Reminders
from bot.render.blocks import View, messages, offered
from bot.render.home_blocks import reminder_message
from storage import Store
from tests.runningkit import clock, store  # noqa: F401  (the store, and so the App, use the moving clock)
from tests.runningkit import said_to

LEAD = "U0LEAD01"
HV, PC, SW, TM, NK, GP, HO = "U0HV0001", "U0PC0001", "U0SW0001", "U0TM0001", "U0NK0001", "U0GP0001", "U0HO0001"
THURSDAY_MORNING = dt.datetime(2024, 1, 11, 10, 0, tzinfo=dt.timezone.utc)   # in London's working hours


def last_post(fake, user: str) -> str:
    posts = [c for c in fake.calls("chat.postMessage") if c["channel"] in (user, "D" + user[1:])]
    return json.dumps(posts[-1], ensure_ascii=False) if posts else ""


def stage_of(store, user: str) -> str:
    return store.conversations.state("child-d", user).stage


def test_typing_a_buttons_words_in_any_case_without_punctuation_or_with_a_typo_is_clicking_it(
        fake, slack, store, invited):
    # Consent: the button's own words, loosely typed, and the synonyms in prompts/conversation.toml [commands].
    for user, typed in ((HV, "Yes, I agree"), (PC, "yes i agree!"), (SW, "Yes, I agre"), (TM, "yes please"),
                        (GP, "sure"), (HO, "Happy to.")):
        slack.dm(user, typed)
        assert stage_of(store, user) == "asking", typed
        assert "Looking back at this episode" in last_post(fake, user)
    slack.dm(NK, "no, not now")
    assert stage_of(store, NK) == "declined"

    # The police officer's one episode: a choice by its label with a typo, Skip and Keep by their words.
    for answer in ("I attended the call.", "A row between adults.", "The next call.", "Leave or arrest.", "Calm for everyone."):
        slack.dm(PC, answer)
    slack.dm(PC, "something i learned latr")
    slack.dm(PC, "workload")
    slack.dm(PC, "skp")                                    # "Skip" at the optional question, one letter short
    assert "What changes would you suggest" in last_post(fake, PC)
    slack.dm(PC, "back")
    slack.dm(PC, "Keep my anwser")                        # its words, two letters swapped
    slack.dm(PC, "More time on each call.")
    answers = store.conversations.answers("child-d", PC)
    assert answers[("KPE2", "knowledge_source")] == ["learned_later"]
    assert answers[("KPE2", "went_well")] == ""
    assert "anything else you'd like the review team to know" in last_post(fake, PC)
    slack.dm(PC, "SKIP!")                                  # the closing question's Skip button, shouted
    assert "Check your answers" in last_post(fake, PC)

    # Check your answers: an entry of the change menu by its words, then Submit by its words, misspelt.
    slack.dm(PC, "options i felt i had")                   # the change menu's option, by its words
    assert "What options did you feel you had" in last_post(fake, PC)
    slack.dm(PC, "Leave, arrest, or refer.")
    slack.dm(PC, "submit my reflecton")
    assert stage_of(store, PC) == "submitted" and store.conversations.state("child-d", PC).version == 1

    # Withdrawing asks first; its confirm button's words (a letter short) are the yes.
    slack.dm(SW, "withdraw")
    slack.dm(SW, "Yes, withdraw and delet")
    assert stage_of(store, SW) == "withdrawn"


def test_after_a_reminder_typing_its_buttons_words_or_numbers_continues_or_snoozes(
        fake, slack, app, store, clock, invited, prompts, settings):
    for user in (HV, PC, GP):
        slack.dm(user, "yes")
    slack.dm(HV, "I visited the family.")
    clock.set(THURSDAY_MORNING)
    reminders = Reminders(store, prompts, settings.reminder_rules)
    report = reminders.nudge(app.client, "child-d", actor=LEAD, only=[HV, PC, GP])
    assert sorted(report.sent) == sorted([HV, PC, GP])

    slack.dm(HV, "help")                                   # a remark in between leaves the reminder's buttons
    slack.dm(HV, "1")                                      # Continue where I left off
    assert "Welcome back" in last_post(fake, HV) and "*At the time*" in last_post(fake, HV)
    assert store.conversations.answers("child-d", HV)[("KPE1", "involvement")] == "I visited the family."
    assert ("KPE1", "at_the_time") not in store.conversations.answers("child-d", HV)

    slack.dm(PC, "Snooze a week")
    slack.dm(GP, "2")
    for user in (PC, GP):
        assert said_to(fake, user, "No more reminders")
        assert store.reminders.rows("child-d") and {r.member: r.schedule.snoozed_until for r in
                                                    store.reminders.rows("child-d")}[user] is not None
    snoozes = [row for row in store.audit.trail("child-d") if row["action"] == "reminder.snoozed"]
    assert sorted(row["actor"] for row in snoozes) == sorted([PC, GP])   # the button's own code, by each of them
    assert ("KPE2", "involvement") not in store.conversations.answers("child-d", PC)   # not taken as an answer


def test_before_consent_whatever_is_typed_gets_the_short_invitation_again_and_nothing_is_kept(
        fake, slack, store, invited):
    typed = ["resume", "help", "What is this about?", "Lennon seemed well when I saw him on the Tuesday."]
    for text in typed:
        slack.dm(HV, text)
        said = last_post(fake, HV)
        assert "You're invited to take part in the *Child D* case review" in said, text
        assert "How your words will be used" in said and "Do you agree to take part" in said
        assert "Yes, I agree" in said and "No, not now" in said
    assert stage_of(store, HV) == "consent"
    # Nothing they typed is anywhere in the database: not as an answer, not in the audit trail, not in the state.
    dump = "\n".join(store.db.iterdump())
    for text in typed[2:]:
        assert text not in dump
    assert store.conversations.answers("child-d", HV) == {}
    slack.dm(HV, "1")                                      # the first of the invitation's buttons
    assert stage_of(store, HV) == "asking"


def test_numbers_pick_from_the_steps_own_list_and_otherwise_click_the_latest_buttons(
        fake, slack, store, invited, prompts):
    slack.dm(PC, "1")                                      # Yes, I agree
    assert stage_of(store, PC) == "asking"
    for answer in ("I attended.", "A row.", "The next call.", "Leave or arrest.", "Calm things down."):
        slack.dm(PC, answer)
    slack.dm(PC, "2")                                      # the choice's own list: The records
    slack.dm(PC, "3")                                      # the factor headings: the third
    slack.dm(PC, "back")
    slack.dm(PC, "10")                                     # the button after the nine headings: Keep my answer
    assert [f["heading"] for f in store.conversations.answers("child-d", PC)[("KPE2", "factors")]] == [
        prompts.headings[2].name]
    assert "What went well" in last_post(fake, PC)
    slack.dm(PC, "back")
    slack.dm(PC, "1")                                      # the factor headings again, not "Keep my answer"
    slack.dm(PC, "1")                                      # the optional question's one button: Skip
    slack.dm(PC, "A direct line.")
    answers = store.conversations.answers("child-d", PC)
    assert answers[("KPE2", "knowledge_source")] == ["records"]
    assert [f["heading"] for f in answers[("KPE2", "factors")]] == [prompts.headings[0].name]
    assert answers[("KPE2", "went_well")] == ""
    assert "anything else you'd like the review team to know" in last_post(fake, PC)
    slack.dm(PC, "SKIP!")                                  # the closing question's Skip button, shouted
    assert "Check your answers" in last_post(fake, PC)

    slack.dm(PC, "back")                                   # back from check your answers: the last question
    assert "anything else you'd like the review team to know" in last_post(fake, PC)
    assert stage_of(store, PC) == "asking"
    slack.dm(PC, "back")                                   # ... and the one before it
    assert "What changes would you suggest" in last_post(fake, PC)
    slack.dm(PC, "A direct line to the duty social worker.")
    slack.dm(PC, "1")                                      # Skip, at "anything else"
    slack.dm(PC, "4")                                      # at check your answers, a number is the answer to change
    assert "What options did you feel you had" in last_post(fake, PC)
    slack.dm(PC, "Leave, arrest, or refer.")
    slack.dm(PC, "11")                                     # the button after the ten answers: Submit
    assert stage_of(store, PC) == "submitted"


def test_offline_a_number_where_the_last_message_has_no_buttons_is_sent_as_typed(prompts):
    printed: list[str] = []
    store = Store(":memory:")
    store.reviews.save(parse_review_file(DEMO_REVIEW), actor="test")
    session = TrySession(store, prompts, store.reviews.get("adult-f"), printed.append)
    lines = ["1", "We found her on the floor.", "A frail woman.", "The next call.", "Convey or refer.",
             "A visit soon.", "2", "3", "skip", "A direct line.", "back", "A direct line to the duty team."]
    try:
        session.command("/review", "invite adult-f", user=session.review.leads[0])
        session.switch("1")
        for line in lines:
            printed.append(f"> {line}")
            session.handle(line)
    finally:
        session.close()
    transcript = "\n".join(printed)
    assert "There's nothing to click" not in transcript
    answers = store.conversations.answers("adult-f", session.me.slack_id)
    assert [f["heading"] for f in answers[("KPE2", "factors")]] == [prompts.headings[2].name]
    assert answers[("KPE2", "changes")] == "A direct line to the duty team."
    after_back = transcript.split("> back")[1].split("> A direct line to the duty team.")[0]
    assert "What changes would you suggest" in after_back


# ----- the property: every label the prompts can render, typed back, is its own button ------------------------

def typos(label: str, rng: random.Random) -> list[str]:
    """One letter left out, one changed, and two neighbours swapped, at seeded places among the letters."""
    letters = [i for i, c in enumerate(label) if c.isalpha()]
    if len(letters) < 2:
        return []
    i, j = rng.choice(letters), rng.choice(letters[:-1])
    changed = "x" if label[i].lower() != "x" else "z"
    swapped = label[:j] + label[j + 1] + label[j] + label[j + 2:] if label[j] != label[j + 1] else None
    return [v for v in (label[:i] + label[i + 1:], label[:i] + changed + label[i + 1:], swapped) if v]


def every_rendered_offer(prompts, review) -> list[tuple[str, list[list[str]]]]:
    """What each message the DM can show offers: the invitation (both forms), every step's question with and
    without an answer, the clarifying questions, the withdraw confirmation, check your answers, the reminders."""
    assignment = review.assignment(HV)
    view = View(prompts, assignment)
    shown = [("intro", [Reply("intro")]), ("intro again", [Reply("intro_again")])]
    sample = {"text": "an answer", "choice": "memory", "factors": [{"text": "workload", "heading": "other"}]}
    steps = len(prompts.steps)
    for episode in assignment.episodes:
        for number, step in enumerate(prompts.steps, start=1):
            for current in (None, sample[step.kind]):
                shown.append((f"{episode.key}/{step.key}", [Reply("ask", slot=Slot(episode, step), number=number,
                                                                  total=steps, current=current)]))
    headings = [h.name for h in prompts.headings]
    shown += [("clarify choice", [Reply("clarify", "Did you mean:", candidates=["My own memory", "The records"])]),
              ("clarify factor", [Reply("clarify", "Which heading?", candidates=headings[:3])]),
              ("confirm", [Reply("confirm", "Sure?", candidates=[prompts.say("lifecycle.withdraw_yes_button"),
                                                                 prompts.say("lifecycle.withdraw_no_button")])])]
    slots = [Slot(e, s) for e in assignment.episodes for s in prompts.steps]
    shown.append(("check", [Reply("check", items=[CheckItem(i + 1, slot, "x") for i, slot in enumerate(slots)])]))
    offers = [(name, offered(messages(view, replies))) for name, replies in shown]
    offers += [(f"reminder ({stage})", offered([reminder_message(prompts, review, stage, 2, 3)]))
               for stage in ("consent", "asking")]
    return offers


def test_every_label_the_prompts_can_render_typed_exactly_or_with_one_typo_selects_its_own_button(
        prompts, sample_review, capsys):
    rng = random.Random(13)
    offers = every_rendered_offer(prompts, sample_review)
    labels = tried = correct = undecided = 0
    wrong = []
    for name, offer in offers:
        for label, value in offer:
            labels += 1
            for typed in [label, label.upper(), label.lower().replace(",", "") + "!", *typos(label, rng)]:
                tried += 1
                got = pressed(typed, offer)
                if got == value:
                    correct += 1
                elif got is None and typed not in (label, label.upper()):
                    # One typo away from two labels at once ("KPE1 · Options" and "KPE4 · Options"): it asks.
                    undecided += 1
                else:
                    wrong.append((name, label, typed, got))
    with capsys.disabled():
        print(f"\n  labels: {labels} in {len(offers)} messages; typed {tried} ways; selected its own button: "
              f"{correct}; one typo from two labels, so none: {undecided}; a wrong button: {len(wrong)}")
    assert not wrong, wrong[:10]
    assert labels >= 80 and undecided <= tried // 20 and correct == tried - undecided
