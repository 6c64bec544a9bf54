"""Typed contributory factors land where the practitioner meant (issue 13, item 4): statement by statement,
each under its own heading, nothing filed by guessing, and the confirmation says where each one went."""
from __future__ import annotations

import time

import pytest

from bot.core import matching
from bot.core.digest import compile_digest
from bot.digest_builder import build_digest
from bot.render.digest_blocks import episode_messages
from bot.render.digest_text import render

HV = "U0HV0001"


@pytest.fixture(scope="module")
def headings():
    from bot.core.prompts import load_prompts
    return load_prompts().headings


def said(fake, since: int, user: str = HV) -> str:
    """Every text the bot posted in `user`'s DM after the first `since` posts, in order."""
    posts = [c for c in fake.calls("chat.postMessage") if c["channel"] in (user, "D" + user[1:])][since:]
    texts = []
    for post in posts:
        for block in post.get("blocks", []):
            if isinstance(block.get("text"), dict):
                texts.append(block["text"]["text"])
            texts += [e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(texts)


def posts(fake, user: str = HV) -> int:
    return len([c for c in fake.calls("chat.postMessage") if c["channel"] in (user, "D" + user[1:])])


def at_the_factors(slack, user: str = HV):
    """A practitioner (the health visitor: KPE1 first) consents and answers up to the contributory factors."""
    slack.dm(user, "yes")
    for answer in ["I visited.", "It looked fine.", "Other families.", "Visit again.", "Support for the family.", "memory"]:
        slack.dm(user, answer)


def typed(slack, fake, text: str, user: str = HV) -> str:
    """What the bot says back to `text`."""
    before = posts(fake, user)
    slack.dm(user, text)
    return said(fake, before, user)


def stored_factors(store, user: str = HV, episode: str = "KPE1"):
    return store.conversations.answers("child-d", user).get((episode, "factors"))


# ----- statements, as pure functions ------------------------------------------------------------

@pytest.mark.parametrize("text, statements", [
    ("personal factors: tired; workload, info sharing", ["personal factors: tired", "workload", "info sharing"]),
    ("family: Darren did all the talking, workload: 300 tenancies",
     ["family: Darren did all the talking", "workload: 300 tenancies"]),
    ("We were short, so visits slipped", ["We were short, so visits slipped"]),  # a comma inside a sentence
    ("tired;;workload", ["tired", "workload"]),                                # an empty statement between
    ("tired; ; workload;", ["tired", "workload"]),
    ("3, 5", ["3", "5"]),
    ("3, tired", ["3", "tired"]),
    ("- workload\n- supervision\n\n2) the family: hostile", ["workload", "supervision", "the family: hostile"]),
    ("tired\r\nworkload", ["tired", "workload"]),
    ("I was tired, it was late", ["I was tired, it was late"]),                # "it" is not IT
    ("workload, IT", ["workload", "IT"]),
    ("tired, other things too", ["tired, other things too"]),                  # *other* is chosen, not found
    ("tired, conditons of wrok: 480 families", ["tired", "conditons of wrok: 480 families"]),  # a typo'd label
    ("tired, wrokload", ["tired", "wrokload"]),                                # a typo'd keyword
    ("😴 exhausted, staffing", ["😴 exhausted", "staffing"]),
    (":tired_face: worn out, :sob:", [":tired_face: worn out, :sob:"]),
    ("<@U1> did the talking, supervision was monthly", ["<@U1> did the talking", "supervision was monthly"]),
    ("<https://example.org/a,b|the policy>, timescales", ["<https://example.org/a,b|the policy>", "timescales"]),
    ("", []), (" ; \n ; ", []), (",,,", [",,,"]),
])
def test_typed_factors_split_into_statements(headings, text, statements):
    assert matching.split_statements(text, headings) == statements


def test_forty_thousand_characters_split_quickly_and_lose_nothing(headings):
    many = "; ".join(f"workload {i}" for i in range(3_500))[:40_000]
    started = time.monotonic()
    statements = matching.split_statements(many, headings)
    assert statements == [s.strip() for s in many.split(";") if s.strip()]
    sentence = ("we visited, " * 3_400)[:40_000]    # 40,000 characters, every comma inside the sentence
    assert matching.split_statements(sentence, headings) == [sentence]
    found = matching.match_factors(many, headings)
    assert len(found.statements) == len(statements) and not found.unclear
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("statement, text, heading", [
    ("personal factors: tired", "tired", "personal factors"),
    ("personal factros: tired", "tired", "personal factors"),                 # a typo'd heading, stripped
    ("conditons of wrok: 480 families", "480 families", "conditions of work"),
    ("Conditions of Work:   480 families ", "480 families", "conditions of work"),
    ("the family:", "the family", "the family"),                             # the heading alone
    ("3", "conditions of work", "conditions of work"),                      # a heading by its number
    ("9.", "other", "other"),
    ("other", "other", "other"),
    ("other: the weather", "the weather", "other"),
    ("workload", "workload", "conditions of work"),
    ("info sharing: no feedback on our referrals", "info sharing: no feedback on our referrals",
     "inter-agency team"),                                                   # a keyword is their own word
    ("We were short of staff.", "We were short of staff.", "conditions of work"),
    ("I was tired, it was late", "I was tired, it was late", "personal factors"),
    ("the family: <@U1> did the talking", "<@U1> did the talking", "the family"),
    ("😴 exhausted", "😴 exhausted", None),
    ("Darren did all the talking", "Darren did all the talking", None),       # fits no heading: asked
    ("the other agency never rang back", "the other agency never rang back", None),  # not *other*
    ("at 10:30 we met the team", "at 10:30 we met the team", "own team"),   # a time is no label
])
def test_each_statement_gets_its_heading_or_none(headings, statement, text, heading):
    found = matching.match_factor(statement, headings)
    assert (found.text, found.heading) == (text, heading)
    if heading is None:
        assert found.candidates == []


def test_a_statement_close_between_two_headings_has_both_as_candidates(headings):
    found = matching.match_factor("workload management", headings)
    assert found.heading is None
    assert found.candidates == ["conditions of work", "organisational culture and management"]


@pytest.mark.parametrize("reply, picked", [
    ("3", [2]), ("3.", [2]), ("3, 9", [2, 8]), ("3 9", [2, 8]), ("3;9", [2, 8]), ("other", [8]),
    ("Other", [8]), ("the family", [0]), ("famly", [0]), ("the family and other", [0, 8]),
    ("organisational culture and management", [6]), ("1 and 9", [0, 8]),
    ("12", None), ("dunno", None), ("the family: Darren did the talking", None), ("", None),
])
def test_a_reply_to_which_heading_picks_headings_by_number_or_name(headings, reply, picked):
    assert matching.headings_picked(reply, headings) == picked


# ----- stories, typed through the real App ------------------------------------------------------

@pytest.mark.parametrize("text, stored, confirmed", [
    # Three statements in one line, under three headings, nothing asked.
    ("personal factors: tired; workload, info sharing",
     [("tired", "personal factors"), ("workload", "conditions of work"), ("info sharing", "inter-agency team")],
     "• *personal factors*: tired\n• *conditions of work*: workload\n• *inter-agency team*: info sharing"),
    # A comma before a keyword starts a new statement. "family" is short for the heading's name, so it goes;
    # "workload" is a keyword, their own word, so it stays.
    ("family: Darren did all the talking, workload: 300 tenancies",
     [("Darren did all the talking", "the family"), ("workload: 300 tenancies", "conditions of work")],
     "• *the family*: Darren did all the talking\n• *conditions of work*: workload: 300 tenancies"),
    # Numbers at the factor headings still choose headings.
    ("3, 5", [("conditions of work", "conditions of work"), ("own team", "own team")],
     "• *conditions of work*\n• *own team*"),
    # No double full stop.
    ("We were short of staff.", [("We were short of staff.", "conditions of work")],
     "• *conditions of work*: We were short of staff.\n"),
])
def test_each_statement_is_stored_under_its_heading_and_the_confirmation_says_where(
        fake, slack, store, invited, text, stored, confirmed):
    at_the_factors(slack)
    reply = typed(slack, fake, text)
    assert "which heading" not in reply.lower()
    assert stored_factors(store) == [{"text": words, "heading": heading} for words, heading in stored]
    assert f"Saved, under these headings:\n{confirmed}" in reply
    assert ".." not in reply


def test_statements_that_fit_no_heading_are_asked_about_once_and_filed_as_answered(fake, slack, store, invited,
                                                                                    prompts):
    at_the_factors(slack)
    reply = typed(slack, fake, "Darren did all the talking; workload; <@U0PC0001> never rang back")
    assert stored_factors(store) is None                 # nothing filed by guessing, nothing stored yet
    assert reply.count("Which heading does each of these belong under?") == 1
    assert "“Darren did all the talking”" in reply and "“&lt;@U0PC0001&gt; never rang back”" in reply
    numbered = "\n".join(f"{i}. {h.name}" for i, h in enumerate(prompts.headings, start=1))
    assert numbered in reply and numbered.endswith("9. other")
    assert "for example `1, 9`" in reply

    reply = typed(slack, fake, "1, 9")
    assert stored_factors(store) == [{"text": "Darren did all the talking", "heading": "the family"},
                                     {"text": "workload", "heading": "conditions of work"},
                                     {"text": "<@U0PC0001> never rang back", "heading": "other"}]
    assert "• *the family*: Darren did all the talking" in reply
    assert "• *other*: &lt;@U0PC0001&gt; never rang back" in reply
    assert "*At the time*" not in reply and "What went well" in reply     # and on to the next question


def test_one_number_or_a_heading_name_answers_for_every_statement_asked_about(fake, slack, store, invited):
    at_the_factors(slack)
    typed(slack, fake, "Darren did all the talking; the flat was cold")
    typed(slack, fake, "other")
    assert [f["heading"] for f in stored_factors(store)] == ["other", "other"]
    slack.dm(HV, "back")
    typed(slack, fake, "Darren did all the talking")
    reply = typed(slack, fake, "the family")
    assert stored_factors(store) == [{"text": "Darren did all the talking", "heading": "the family"}]
    assert "Which heading does this belong under?" not in reply


def test_an_ambiguous_statement_is_asked_in_the_same_question_with_its_close_headings(fake, slack, store, invited):
    at_the_factors(slack)
    reply = typed(slack, fake, "workload management; the flat was cold")
    assert reply.count("Which heading") == 1
    assert "“workload management” (perhaps 3 or 7)" in reply and "“the flat was cold”\n" in reply
    typed(slack, fake, "7 9")
    assert stored_factors(store) == [{"text": "workload management", "heading": "organisational culture and management"},
                                     {"text": "the flat was cold", "heading": "other"}]


def test_numbers_that_do_not_fit_are_asked_again_and_nothing_is_lost(fake, slack, store, invited):
    at_the_factors(slack)
    typed(slack, fake, "Darren did all the talking; the flat was cold")
    reply = typed(slack, fake, "12")
    assert "I couldn't match that to the headings 1 to 9." in reply and "“the flat was cold”" in reply
    reply = typed(slack, fake, "1, 2, 9")                 # three numbers for two statements
    assert "I couldn't match that to the headings 1 to 9." in reply
    assert stored_factors(store) is None
    typed(slack, fake, "1 9")
    assert [f["heading"] for f in stored_factors(store)] == ["the family", "other"]


def test_typing_the_factors_again_instead_of_a_heading_starts_afresh(fake, slack, store, invited):
    at_the_factors(slack)
    typed(slack, fake, "Darren did all the talking")
    typed(slack, fake, "the family: Darren did all the talking")
    assert stored_factors(store) == [{"text": "Darren did all the talking", "heading": "the family"}]


def test_a_typod_heading_is_stripped_and_never_reaches_the_digests_labels(fake, slack, store, invited, prompts):
    police = "U0PC0001"   # one episode (KPE2), so the reflection can be submitted here
    at_the_factors(slack, police)
    reply = typed(slack, fake, "personal factros: tired\nconditons of wrok: 480 families on my caseload", police)
    assert stored_factors(store, police, "KPE2") == [{"text": "tired", "heading": "personal factors"},
                                     {"text": "480 families on my caseload", "heading": "conditions of work"}]
    assert "factros" not in reply and "wrok" not in reply
    for answer in ["skip", "More time.", "submit"]:
        slack.dm(police, answer)
    assert store.conversations.state("child-d", police).stage == "submitted"
    digest = build_digest(store, invited, prompts)
    kpe2 = digest.episode("KPE2")
    assert {(t.heading, g.name) for t in kpe2.factors for g in t.groups} >= {("personal factors", "tired")}
    shown = render(digest, "md") + str(episode_messages(digest, "KPE2"))
    assert "factros" not in shown and "wrok" not in shown and "personal factors: tired" not in shown


def test_a_typod_heading_stored_before_is_not_in_the_digests_labels(sample_review, prompts):
    """Answers stored before the conversation took such labels off still carry them."""
    base = {"involvement": "I visited.", "at_the_time": "It looked fine.", "front_of_mind": "Other families.",
            "options": "Visit again.", "hoped_to_achieve": "Support.", "knowledge_source": "memory",
            "went_well": "", "changes": "More time."}
    factors = [{"text": "personal factros: tired", "heading": "personal factors"},
               {"text": "Conditions of wrok: 480 families", "heading": "conditions of work"}]
    digest = compile_digest(sample_review, {HV: {"KPE1": {**base, "factors": factors}}}, {}, prompts)
    names = [g.name for t in digest.episode("KPE1").factors for g in t.groups]
    assert names == ["480 families", "tired"]     # the framework's order: conditions of work, personal factors


def test_the_answer_so_far_shows_each_heading_and_typed_back_files_each_statement_where_it_was(
        fake, slack, store, invited):
    at_the_factors(slack)
    typed(slack, fake, "personal factros: tired; 3; info sharing: no feedback")
    first = stored_factors(store)
    reply = typed(slack, fake, "back")
    shown = "personal factors: tired; conditions of work; inter-agency team: info sharing: no feedback"
    assert f"Your answer so far: {shown}" in reply
    typed(slack, fake, shown)
    assert stored_factors(store) == first


def test_forty_thousand_characters_no_heading_fits_are_asked_once_and_all_filed(fake, slack, store, invited):
    at_the_factors(slack)
    statements = [f"the flat was cold on visit {i}" for i in range(1_400)]
    text = "; ".join(statements)[:40_000].rsplit(";", 1)[0]
    kept = text.split("; ")
    reply = typed(slack, fake, text)
    assert reply.count("Which heading does each of these belong under?") == 1
    assert f"• … and {len(kept) - 10} more" in reply          # ten quoted; one number still answers for all
    assert stored_factors(store) is None
    typed(slack, fake, "9")
    assert stored_factors(store) == [{"text": words, "heading": "other"} for words in kept]


def test_skip_pause_and_resume_at_which_heading_keep_every_statement_waiting(fake, slack, store, invited):
    at_the_factors(slack)
    asked = typed(slack, fake, "family: Darren did all the talking, workload: 300 patients; the flat was cold")
    assert "the flat was cold" in asked and "Which heading" in asked
    assert "Which heading" in typed(slack, fake, "skip")        # a required question: asked again, not dropped
    assert "paused" in typed(slack, fake, "pause").lower()
    assert "Which heading" in typed(slack, fake, "resume")      # the question that was waiting, not the step
    typed(slack, fake, "9")
    assert stored_factors(store) == [{"text": "Darren did all the talking", "heading": "the family"},
                                     {"text": "workload: 300 patients", "heading": "conditions of work"},
                                     {"text": "the flat was cold", "heading": "other"}]
