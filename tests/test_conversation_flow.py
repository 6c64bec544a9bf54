"""The practitioner's side, step by step, through the real App and a real SQLite file."""
import dataclasses
import datetime as dt
import json

from bot.reflect import Reflections
from tests.conftest import make_app, SIGNING_SECRET
from tests.slackdriver import SlackDriver

HV = "U0HV0001"


def last_post(fake, channel=HV):
    # Replies go to the DM channel the message came from; invitations to the user id.
    posts = [c for c in fake.calls("chat.postMessage") if c["channel"] in (channel, "D" + channel[1:])]
    return json.dumps(posts[-1], ensure_ascii=False) if posts else ""


def test_nothing_is_stored_before_consent_and_declining_is_recorded(fake, slack, store, imported):
    slack.dm(HV, "Lennon was fine when I saw him")  # before any invitation
    assert "Do you agree" in last_post(fake)
    slack.dm(HV, "I'd rather tell you about Lennon first")
    assert "I haven't stored that message" in last_post(fake)
    assert store.conversations.answers("child-d", HV) == {}
    slack.dm(HV, "no")
    assert "it has been recorded" in last_post(fake)
    assert store.conversations.state("child-d", HV).stage == "declined"
    assert any(row["action"] == "reflection.declined" for row in store.audit.trail("child-d"))
    slack.dm(HV, "some text after declining")
    assert store.conversations.answers("child-d", HV) == {}
    slack.dm(HV, "yes")  # changed their mind
    assert store.conversations.state("child-d", HV).stage == "asking"


def test_a_practitioner_answers_restarts_and_resumes_at_the_same_question(fake, settings, store, prompts, invited):
    slack = SlackDriver(make_app(settings, store, prompts), SIGNING_SECRET)
    slack.dm(HV, "yes")
    for answer in ["first answer", "second answer", "third answer"]:
        slack.dm(HV, answer)
    assert "What options did you feel" in last_post(fake)  # question 4 is next

    # The bot restarts: a new App and a new Store on the same database file.
    from storage import Store
    restarted = SlackDriver(make_app(settings, Store(settings.db_path), prompts), SIGNING_SECRET)
    restarted.dm(HV, "fourth answer")
    answers = store.conversations.answers("child-d", HV)
    assert [answers[("KPE1", k)] for k in ("involvement", "at_the_time", "front_of_mind", "options")] == [
        "first answer", "second answer", "third answer", "fourth answer"]
    assert "hoping to achieve" in last_post(fake)


def test_a_retried_event_stores_one_answer_and_sends_one_reply(fake, slack, store, invited):
    slack.dm(HV, "yes")
    before = len(fake.calls("chat.postMessage"))
    slack.dm(HV, "The one-year review went well.", event_id="EvRETRY1")
    slack.dm(HV, "The one-year review went well.", event_id="EvRETRY1",
             headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"})
    assert len(fake.calls("chat.postMessage")) == before + 1
    assert store.conversations.answers("child-d", HV)[("KPE1", "involvement")] == "The one-year review went well."
    saved = [r for r in store.audit.trail("child-d") if r["action"] == "answer.saved"]
    assert len(saved) == 1


def test_back_skip_pause_answers_and_help_work_by_typing(fake, slack, store, invited):
    slack.dm(HV, "yes")
    slack.dm(HV, "what happened")
    slack.dm(HV, "back")
    assert "Your answer so far: what happened" in last_post(fake)
    slack.dm(HV, "skip")  # keeps the answer
    assert "*At the time*" in last_post(fake)
    slack.dm(HV, "skip")  # a required question can't be skipped
    assert "can't be skipped" in last_post(fake)
    slack.dm(HV, "pause")
    assert "Paused" in last_post(fake)
    slack.dm(HV, "resume")
    assert "Welcome back" in last_post(fake) and "At the time" in last_post(fake)
    slack.dm(HV, "answers")
    assert "what happened" in last_post(fake) or "what happened" in json.dumps(fake.calls("chat.postMessage")[-2:])
    slack.dm(HV, "help")
    assert "`pause`" in last_post(fake)
    slack.dm(HV, "submit")
    assert "still need an answer" in json.dumps(fake.calls("chat.postMessage")[-1:])
    assert store.conversations.state("child-d", HV).stage == "asking"


def test_typed_choices_and_factors_are_fuzzy_matched_and_ambiguity_is_asked(fake, slack, store, invited):
    slack.dm(HV, "yes")
    for answer in ["answer a", "answer b", "answer c", "answer d", "answer e"]:
        slack.dm(HV, answer)
    slack.dm(HV, "learned it later")
    assert store.conversations.answers("child-d", HV)[("KPE1", "knowledge_source")] == ["learned_later"]
    slack.dm(HV, "workload management")  # fits two headings equally well
    assert "Which heading does this belong under?" in last_post(fake)
    assert "(perhaps 3 or 7)" in last_post(fake)   # the two close headings, by their numbers in the list
    assert ("KPE1", "factors") not in store.conversations.answers("child-d", HV)
    slack.dm(HV, "7")  # organisational culture and management, by its number
    assert store.conversations.answers("child-d", HV)[("KPE1", "factors")] == [
        {"text": "workload management", "heading": "organisational culture and management"}]
    slack.dm(HV, "back")
    slack.dm(HV, "workload, info sharing")
    factors = store.conversations.answers("child-d", HV)[("KPE1", "factors")]
    assert [f["heading"] for f in factors] == ["conditions of work", "inter-agency team"]


def test_buttons_are_shortcuts_and_a_stale_button_is_ignored(fake, slack, store, invited):
    slack.click(HV, "reflect_consent_yes", "child-d|consent|yes")
    assert store.conversations.state("child-d", HV).stage == "asking"
    for answer in ["answer a", "answer b", "answer c", "answer d", "answer e"]:
        slack.dm(HV, answer)
    slack.click(HV, "reflect_choice_1", "child-d|KPE1/knowledge_source|records")
    assert store.conversations.answers("child-d", HV)[("KPE1", "knowledge_source")] == ["records"]
    slack.click(HV, "reflect_choice_0", "child-d|KPE1/knowledge_source|memory")  # clicked again, too late
    assert "earlier question" in last_post(fake)
    assert store.conversations.answers("child-d", HV)[("KPE1", "knowledge_source")] == ["records"]


def test_check_your_answers_change_one_submit_and_revise_keeps_the_old_version(fake, slack, store, invited, prompts):
    slack.dm("U0PC0001", "yes")
    for step in prompts.steps:
        slack.dm("U0PC0001", {"knowledge_source": "memory", "factors": "staffing",
                              "went_well": "skip"}.get(step.key, f"answer to {step.key}"))
    assert "anything else you'd like the review team to know" in last_post(fake, "U0PC0001")
    slack.dm("U0PC0001", "skip")   # optional, asked once after the last episode
    assert "Check your answers" in last_post(fake, "U0PC0001")
    slack.dm("U0PC0001", "2")  # change answer 2
    slack.dm("U0PC0001", "a better answer")
    assert "Updated." in last_post(fake, "U0PC0001")
    slack.click("U0PC0001", "reflect_submit", "child-d|check|submit")
    assert store.conversations.state("child-d", "U0PC0001").stage == "submitted"
    slack.dm("U0PC0001", "revise")
    slack.dm("U0PC0001", "1")
    slack.dm("U0PC0001", "revised involvement")
    slack.dm("U0PC0001", "submit")
    versions = store.submitted.versions("child-d", "U0PC0001")
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["answers"]["KPE2"]["involvement"] == "answer to involvement"
    assert versions[1]["answers"]["KPE2"]["involvement"] == "revised involvement"
    assert versions[1]["answers"]["KPE2"]["at_the_time"] == "a better answer"


def test_the_next_question_is_the_same_for_everyone_until_its_episode_changes(fake, slack, store, prompts, invited):
    """The question after an answer is rendered once per point of a review (bot/render/blocks.py), so:
    two practitioners get the same one, what one delivery's reader does to it reaches no other, and a
    re-import that changes the episode shows at once."""
    HO = "U0HO0001"   # the housing officer, who also has KPE1 first
    slack.dm(HV, "yes")
    slack.dm(HO, "yes")
    reflections = Reflections(store, prompts)
    [to_hv] = reflections.take(HV, "first answer", "D1", "Ev1")
    to_hv.payloads[0]["blocks"].append({"type": "divider"})
    [to_ho] = reflections.take(HO, "first answer", "D2", "Ev2")
    assert to_ho.payloads[0]["blocks"] == to_hv.payloads[0]["blocks"][:-1]
    assert "10 Feb 2025 to 28 Mar 2025" in json.dumps(to_ho.payloads)

    review = store.reviews.get("child-d")
    moved = [dataclasses.replace(e, start=dt.date(2025, 2, 11)) if e.key == "KPE1" else e for e in review.episodes]
    store.reviews.save(dataclasses.replace(review, episodes=tuple(moved)), actor="test")
    slack.dm(HO, "back")     # question 1 again, then question 2 as it is now
    slack.dm(HO, "first answer")
    assert "11 Feb 2025 to 28 Mar 2025" in last_post(fake, HO) and "10 Feb" not in last_post(fake, HO)
