"""Gentle checks along the way (issue 13, items 7, 8 and 9): a one-word answer is nudged once, an account of
the time with a hindsight phrase is asked about once, the end of an episode is marked, and the conversation ends
with "anything else?". Typed through the real App against the fake Slack Web API, with a real SQLite file."""
import json

import pytest

from bot.core.digest import hindsight_in
from bot.digest_builder import build_digest
from bot.render.blocks import ACTION_PREFIX
from bot.render.digest_text import markdown

HV = "U0HV0001"          # Health visitor: KPE1, KPE4, KPE5
HOUSING = "U0HO0001"     # Housing officer: KPE1, KPE5

NUDGE = "Could you say a little more? Or type `next` to keep it as it is."
HINDSIGHT = "Is that how it looked at the time, or what you know now?"
ANYTHING_ELSE = "Is there anything else you'd like the review team to know?"


def posts_to(fake, user: str) -> list[dict]:
    return [c for c in fake.calls("chat.postMessage") if c["channel"] in (user, "D" + user[1:])]


def reply(slack, fake, user: str, text: str) -> str:
    """Type `text` in the DM; what the bot said back, as one string."""
    before = len(posts_to(fake, user))
    slack.dm(user, text)
    return json.dumps(posts_to(fake, user)[before:], ensure_ascii=False)


def click(slack, fake, user: str, label: str) -> str:
    """Click the button called `label` in the bot's latest message that has it; what the bot said back."""
    before = len(posts_to(fake, user))
    for post in reversed(posts_to(fake, user)):
        for block in post["blocks"]:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element.get("text", {}).get("text") == label:
                    slack.click(user, element["action_id"], element["value"])
                    return json.dumps(posts_to(fake, user)[before:], ensure_ascii=False)
    raise AssertionError(f"no button {label!r} was shown")


def stored(store, user: str, episode: str, field: str):
    return store.conversations.answers("child-d", user).get((episode, field))


def test_a_one_word_answer_is_kept_at_once_and_nudged_once_for_that_question(fake, slack, store, invited):
    reply(slack, fake, HV, "yes")
    # "ok": stored at once (nothing lost), and one gentle nudge, on the same question.
    said = reply(slack, fake, HV, "ok")
    assert NUDGE in said and "front of your mind" not in said
    assert stored(store, HV, "KPE1", "involvement") == "ok"
    # `next` keeps it as it is and moves on.
    said = reply(slack, fake, HV, "next")
    assert "*At the time*, what did you think was going on?" in said and NUDGE not in said
    assert stored(store, HV, "KPE1", "involvement") == "ok"

    # "n/a", nudged; a fuller answer replaces it and moves on.
    assert NUDGE in reply(slack, fake, HV, "n/a")
    said = reply(slack, fake, HV, "I thought mum was coping with the baby.")
    assert "front of your mind" in said and NUDGE not in said
    assert stored(store, HV, "KPE1", "at_the_time") == "I thought mum was coping with the baby."

    # A second one-word answer to the same question is kept without a second nudge.
    assert NUDGE in reply(slack, fake, HV, "no")
    said = reply(slack, fake, HV, "nothing")
    assert "What options did you feel you had" in said and NUDGE not in said
    assert stored(store, HV, "KPE1", "front_of_mind") == "nothing"
    assert "thin:KPE1/front_of_mind" in store.conversations.state("child-d", HV).noted

    # Never at a choice step, nor at an optional one.
    reply(slack, fake, HV, "To get the visits going again, she had missed two.")
    reply(slack, fake, HV, "I wanted to see the baby weighed.")
    said = reply(slack, fake, HV, "memory")
    assert NUDGE not in said and "Which things made the work harder" in said
    reply(slack, fake, HV, "workload")
    said = reply(slack, fake, HV, "no")                                   # what went well: optional
    assert NUDGE not in said and "What changes would you suggest" in said
    assert stored(store, HV, "KPE1", "went_well") == "no"


def test_a_hindsight_phrase_in_an_account_of_the_time_is_asked_about_once_and_never_blocks(fake, slack, store,
                                                                                          invited, prompts):
    reply(slack, fake, HV, "yes")
    reply(slack, fake, HV, "I visited the family at home for the one-year review.")
    typed = "In hindsight I should have seen she was struggling."
    said = reply(slack, fake, HV, typed)
    # Stored as typed, asked once, and the next question follows: nothing waits on the check.
    assert stored(store, HV, "KPE1", "at_the_time") == typed
    assert HINDSIGHT in said and "Keep as it is" in said and "Let me rephrase" in said
    assert "What was at the front of your mind?" in said

    # *Let me rephrase* (typed) asks the same question again with the answer shown; the next answer replaces it.
    said = reply(slack, fake, HV, "Let me rephrase")
    assert "*At the time*, what did you think was going on?" in said and "Your answer so far: " + typed in said
    said = reply(slack, fake, HV, "I thought she was coping with the baby.")
    assert "What was at the front of your mind?" in said and HINDSIGHT not in said
    assert stored(store, HV, "KPE1", "at_the_time") == "I thought she was coping with the baby."

    # Once per episode: another phrase in KPE1 is stored, and not asked about.
    said = reply(slack, fake, HV, "Obviously my caseload was far too big that month.")
    assert "What options did you feel you had" in said and HINDSIGHT not in said
    assert "hindsight:KPE1" in store.conversations.state("child-d", HV).noted

    # Answering the next question instead lets the check go: the answer goes where it was typed.
    for answer in ("I could visit again or refer on.", "To see the baby weighed and well.", "memory",
                   "workload", "skip", "More time for each family."):
        reply(slack, fake, HV, answer)
    said = reply(slack, fake, HV, "I went round after the nursery rang me.")      # KPE4, first question
    said = reply(slack, fake, HV, "It was obvious she had been hurt at home.")
    assert HINDSIGHT in said                                                      # asked again: a new episode
    kept = "It was obvious she had been hurt at home."
    said = click(slack, fake, HV, "Keep as it is")
    assert "Kept as you wrote it." in said and "What was at the front of your mind?" in said
    assert stored(store, HV, "KPE4", "at_the_time") == kept

    # The digest still flags the sentence, kept as typed.
    for answer in ("The scald and the nursery's call.", "To ring social care or wait for the GP.",
                   "To make sure the hand was seen.", "records", "the family: mum was upset", "skip",
                   "Nursery and health visitors sharing one record.",
                   *["My words for KPE5, in a few of them."] * 5, "memory", "workload", "skip",
                   "Records sent with the family when they move.", "skip", "submit"):
        reply(slack, fake, HV, answer)
    assert store.conversations.state("child-d", HV).stage == "submitted"
    digest = build_digest(store, invited, prompts)
    flags = [flag.statement for flag in digest.episode("KPE4").hindsight]
    assert kept in flags


def test_between_episodes_the_bot_says_where_we_are_and_ends_with_anything_else(fake, slack, store, invited,
                                                                                prompts):
    reply(slack, fake, HOUSING, "yes")
    answers = ["We took the tenancy report about the damp flat.", "I thought the family was settled there.",
               "Three hundred tenancies and the damp team's backlog.", "To visit or to send a letter.",
               "To get the repair booked.", "records", "conditions of work: 300 tenancies",
               "We booked the repair quickly.", "A shared flag for families with a baby."]
    for answer in answers[:-1]:
        reply(slack, fake, HOUSING, answer)
    said = reply(slack, fake, HOUSING, answers[-1])
    # Between episodes: which one is done, then the next one's heading (its key, once, and title) and question.
    assert "Episode 1 of 2 done. Next:" in said
    assert said.count("KPE5") == 1 and "Episode KPE5: Emergency move out of area; health records sent late" in said
    assert "Looking back at this episode, what happened" in said
    for answer in answers[:-1]:
        reply(slack, fake, HOUSING, answer)
    # After the last episode: the optional "anything else?", before check your answers.
    said = reply(slack, fake, HOUSING, answers[-1])
    assert ANYTHING_ELSE in said and "Episode 2 of 2 done" not in said and "Check your answers" not in said
    assert "Skip" in said
    said = reply(slack, fake, HOUSING, "Kirsty told me later she had asked us for help twice.")
    assert stored(store, HOUSING, "", "anything_else") == "Kirsty told me later she had asked us for help twice."
    # Check your answers shows it last, for the whole review, and it can be changed like any other answer.
    assert "Check your answers" in said and "For the whole review" in said and "19. Anything else" in said
    said = reply(slack, fake, HOUSING, "19")
    assert ANYTHING_ELSE in said and "Your answer so far: Kirsty told me later" in said
    said = reply(slack, fake, HOUSING, "Kirsty told me later she had asked us for help twice, in writing.")
    assert "Check your answers" in said
    assert "submitted (version 1)" in reply(slack, fake, HOUSING, "submit")

    # The digest shows it in the review-wide part, by role and agency, with the family's names replaced.
    digest = build_digest(store, invited, prompts)
    assert [(r.who, r.text) for r in digest.anything_else] == [
        ("Housing officer (Brackenshire Housing)", "Mother told me later she had asked us for help twice, in writing.")]
    text = markdown(digest)
    assert "## Anything else the case group added" in text and "Kirsty" not in text
    assert "Mother told me later" in text
    assert digest.episode("KPE1") is not None and build_digest(store, invited, prompts, "KPE1").anything_else == []


def test_anything_else_is_optional_and_goes_with_the_rest_when_consent_is_withdrawn(fake, slack, store, invited):
    reply(slack, fake, HOUSING, "yes")
    store_answers = ["We took the tenancy report about the damp flat.", "I thought the family was settled there.",
                     "Three hundred tenancies and the damp team's backlog.", "To visit or to send a letter.",
                     "To get the repair booked.", "records", "conditions of work: 300 tenancies", "skip",
                     "A shared flag for families with a baby."]
    for answer in store_answers * 2:
        reply(slack, fake, HOUSING, answer)
    said = reply(slack, fake, HOUSING, "skip")                       # nothing else: on to check your answers
    assert "Check your answers" in said
    assert stored(store, HOUSING, "", "anything_else") == ""
    said = reply(slack, fake, HOUSING, "19")                         # and back to it, to add something after all
    assert ANYTHING_ELSE in said
    said = reply(slack, fake, HOUSING, "Our repairs team never heard about the baby.")
    assert stored(store, HOUSING, "", "anything_else") == "Our repairs team never heard about the baby."

    reply(slack, fake, HOUSING, "withdraw")
    reply(slack, fake, HOUSING, "yes")
    assert store.conversations.state("child-d", HOUSING).stage == "withdrawn"
    assert store.conversations.answers("child-d", HOUSING) == {}


def test_the_hindsight_buttons_are_ordinary_buttons_that_type_keep_and_rephrase(fake, slack, store, invited):
    reply(slack, fake, HV, "yes")
    reply(slack, fake, HV, "I visited the family at home for the one-year review.")
    reply(slack, fake, HV, "With hindsight the signs were there.")
    buttons = [e for post in posts_to(fake, HV)[-1:] for b in post["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert [(b["text"]["text"], b["value"].rsplit("|", 1)[1]) for b in buttons] == [
        ("Keep as it is", "keep"), ("Let me rephrase", "rephrase")]
    assert all(b["action_id"].startswith(ACTION_PREFIX) for b in buttons)
    said = click(slack, fake, HV, "Let me rephrase")
    assert "Your answer so far: With hindsight the signs were there." in said


@pytest.mark.parametrize("sentence, phrases", [
    ("I only heard about it on the Monday.", []),            # one letter from "if only": another phrase
    ("I knew the family well, if only from the file.", ["if only"]),
    ("I shoud have rung the GP.", ["should have"]),          # one slip in eleven letters
    ("With hind sight, yes.", ["with hindsight"]),
    ("It was obvius to me.", ["it was obvious"]),
    ("I failed to get through.", ["failed to"]),
    ("I fiddled to get through.", []),
])
def test_a_hindsight_phrase_is_found_as_whole_words_and_a_slip_in_a_short_one_is_another_phrase(
        prompts, sentence, phrases):
    assert hindsight_in([sentence], prompts.digest).get(sentence, []) == phrases
