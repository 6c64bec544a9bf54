"""Issue 13, items 2 and 3: at a choice step a choice beats a command word, and the knowledge question takes
several sources, typos and synonyms; the digest places a mixed account with the time's, marked as mixed."""
from __future__ import annotations

import json

import pytest

from bot.core.conversation import Answers, Conversation, State, display, match_step_choice
from bot.core.digest import compile_digest
from bot.core.prompts import load_prompts
from bot.errors import PromptsError
from bot.render.digest_blocks import episode_blocks
from bot.render.digest_text import as_json, markdown
from tests.test_digest import answers as digest_answers, review as digest_review
from tests.test_digest_prompts import prompts_with

HV = "U0HV0001"
SOURCES = ["involvement", "at_the_time", "front_of_mind", "options", "hoped_to_achieve"]  # the questions before it


def last_post(fake, channel=HV) -> str:
    posts = [c for c in fake.calls("chat.postMessage") if c["channel"] in (channel, "D" + channel[1:])]
    return json.dumps(posts[-1], ensure_ascii=False) if posts else ""


def stored(store, field="knowledge_source", episode="KPE1"):
    return store.conversations.answers("child-d", HV).get((episode, field))


def to_the_knowledge_question(slack):
    slack.dm(HV, "yes")
    for answer in SOURCES:
        slack.dm(HV, f"my answer about {answer}")


# ----- the matcher, as pure functions -------------------------------------------------------------------


@pytest.mark.parametrize("typed, values", [
    ("memory", ["memory"]), ("My own memory", ["memory"]), ("MEMORY!!!", ["memory"]), ("🧠 memory", ["memory"]),
    ("memroy", ["memory"]), ("memmory", ["memory"]), ("I remember it", ["memory"]),
    ("records", ["records"]), ("recrods", ["records"]), ("the records", ["records"]), ("notes", ["records"]),
    ("case notes", ["records"]), ("the file", ["records"]), ("case nots", ["records"]),
    ("later", ["learned_later"]), ("found out later", ["learned_later"]), ("afterwards", ["learned_later"]),
    ("aftrwards", ["learned_later"]), ("Something I learned later", ["learned_later"]),
    ("learned_later", ["learned_later"]),            # what its button types
    ("1", ["memory"]), ("2.", ["records"]), ("3)", ["learned_later"]),
    ("both", ["memory", "records"]), ("Both!", ["memory", "records"]), ("a bit of both", ["memory", "records"]),
    ("all of them", ["memory", "records", "learned_later"]), ("all three", ["memory", "records", "learned_later"]),
    ("memory and the records", ["memory", "records"]), ("the records and memory", ["memory", "records"]),
    ("mostly memory, some learned later", ["memory", "learned_later"]),
    ("memory + case notes", ["memory", "records"]), ("notes / found out later", ["records", "learned_later"]),
    ("memroy & recrods", ["memory", "records"]), ("1 and 3", ["memory", "learned_later"]),
    ("memory\nthe file\nafterwards", ["memory", "records", "learned_later"]),
])
def test_the_knowledge_question_reads_many_phrasings(prompts, typed, values):
    step = prompts.step("knowledge_source")
    found = match_step_choice(step, typed)
    assert [step.options[i].value for i in found.chosen] == values


@pytest.mark.parametrize("typed", ["", "   ", "👍", "banana", "x" * 5000, "no idea really " * 300, "4", "0"])
def test_what_names_no_source_chooses_nothing(prompts, typed):
    assert match_step_choice(prompts.step("knowledge_source"), typed).chosen == []


def test_a_step_that_takes_one_option_never_splits(prompts):
    """Only a step marked `multiple` reads several: elsewhere "memory and the records" is one answer to ask about."""
    step = prompts.step("knowledge_source")
    single = type(step)(**{**vars(step), "multiple": False})
    assert match_step_choice(single, "memory and the records").chosen == []
    assert match_step_choice(single, "memroy").chosen == [0]


def talk_at_knowledge(prompts, sample_review) -> Conversation:
    assignment = sample_review.assignment(HV)
    state = State(sample_review.key, HV, stage="asking", cursor="KPE1/knowledge_source")
    return Conversation(prompts, assignment, state, Answers({}))


def test_later_at_a_choice_is_the_option_and_pause_typed_exactly_still_pauses(prompts, sample_review):
    outcome = talk_at_knowledge(prompts, sample_review).handle("later")
    assert outcome.writes == [("KPE1", "knowledge_source", ["learned_later"])]
    assert not outcome.state.paused
    assert outcome.replies[0].text == "Got it: something I learned later."
    paused = talk_at_knowledge(prompts, sample_review).handle("pause")
    assert (paused.state.paused, paused.writes) == (True, [])
    # At a question with no option called "later", it still pauses.
    assignment = sample_review.assignment(HV)
    at_text = Conversation(prompts, assignment, State(sample_review.key, HV, stage="asking", cursor="KPE1/options"),
                           Answers({})).handle("later")
    assert (at_text.state.paused, at_text.writes) == (True, [])


def test_a_stored_single_source_from_before_still_reads(prompts):
    step = prompts.step("knowledge_source")
    assert display("records", step) == "The records"
    assert display(["memory", "learned_later"], step) == "My own memory; Something I learned later"
    assert display(["memory", "learned_later"]) == "memory; learned_later"


# ----- stories through the real App ------------------------------------------------------------------


def test_typed_later_is_something_learned_later_and_pause_still_pauses(fake, slack, store, invited):
    to_the_knowledge_question(slack)
    slack.dm(HV, "later")
    assert stored(store) == ["learned_later"]
    assert "Got it: something I learned later." in last_post(fake)
    assert not store.conversations.state("child-d", HV).paused
    assert "Which things made the work harder or easier?" in last_post(fake)   # the next question
    slack.dm(HV, "back")
    slack.dm(HV, "pause")
    assert "Paused." in last_post(fake) and store.conversations.state("child-d", HV).paused
    assert stored(store) == ["learned_later"]


def test_a_clicked_source_is_confirmed_as_a_typed_one_is(fake, slack, store, invited):
    to_the_knowledge_question(slack)
    slack.click(HV, "reflect_choice_1", "child-d|KPE1/knowledge_source|records")
    assert stored(store) == ["records"]
    assert "Got it: the records." in last_post(fake)


def test_several_sources_with_typos_and_synonyms_are_kept_and_shown_in_check_your_answers(fake, slack, store, invited):
    to_the_knowledge_question(slack)
    slack.dm(HV, "mostly memroy, some found out later")
    assert stored(store) == ["memory", "learned_later"]
    assert "Got it: my own memory and something I learned later." in last_post(fake)
    slack.dm(HV, "back")
    assert "Your answer so far: My own memory; Something I learned later" in last_post(fake)
    slack.dm(HV, "both")
    assert stored(store) == ["memory", "records"]
    assert "Got it: my own memory and the records." in last_post(fake)
    slack.dm(HV, "back")
    slack.dm(HV, "case notes")
    assert stored(store) == ["records"]
    slack.dm(HV, "answers")
    assert "The records" in json.dumps(fake.calls("chat.postMessage")[-1:], ensure_ascii=False)


def test_the_hint_says_how_to_give_several_sources(fake, slack, store, invited):
    to_the_knowledge_question(slack)
    assert "type them all" in last_post(fake) and "a button gives one" in last_post(fake)
    slack.dm(HV, "help")
    assert "where a question takes more than one, type them all" in last_post(fake)


# ----- the digest ---------------------------------------------------------------------------------------


def test_an_account_stays_at_the_time_unless_its_only_source_is_learned_later(prompts):
    reflections = {
        "U0C": {"KPE3": digest_answers([("own team", "supervision")], ["memory", "learned_later"])},   # mixed
        "U0D": {"KPE3": digest_answers([("own team", "supervision")], ["learned_later"])},
        "U0E": {"KPE3": digest_answers([("own team", "supervision")], "records")},                     # from before
    }
    digest = compile_digest(digest_review(), reflections, {}, prompts)
    kpe3 = digest.episode("KPE3")
    assert [(a.who, a.knowledge_label, a.mixed) for a in kpe3.at_the_time] == [
        ("Social worker (Social Care)", "mixed: from memory and learned later", True),
        ("Housing officer (Housing)", "from the records", False)]
    assert [(a.who, a.knowledge_label) for a in kpe3.learned_later] == [("Police officer (Police)", "learned later")]
    # Known at the time in part counts as known at the time: it differs from an account only learned later.
    assert [(d.first, d.second) for d in kpe3.differences if d.rule == "knowledge"] == [
        ("Social worker (Social Care)", "Police officer (Police)"),
        ("Housing officer (Housing)", "Police officer (Police)")]
    text = markdown(digest)
    kpe3_text = text.split("## KPE3: ")[1]
    at_the_time = kpe3_text.split("### How it looked at the time")[1].split("### Learned later")[0]
    assert "Social worker (Social Care), mixed: from memory and learned later" in at_the_time
    assert "Police officer (Police)" not in at_the_time
    assert "mixed: from memory and learned later" in json.dumps(episode_blocks(digest, "KPE3"))
    [episode] = [e for e in json.loads(as_json(digest))["episodes"] if e["key"] == "KPE3"]
    assert [a["knowledge"] for a in episode["at_the_time"]] == [["memory", "learned_later"], ["records"]]


@pytest.mark.parametrize("old, new, message", [
    ('values = ["memory", "records"] }', 'values = ["memory", "colleague"] }',
     "each of together needs values, two or more of the options' values"),
    ("multiple = true", "multiple = false", "together and joiners need multiple = true"),
    ('synonyms = ["records",', 'synonyms = [3, "records",', "an option's synonyms must be a list of words"),
])
def test_a_mistake_in_the_several_sources_data_stops_start_up_naming_the_step(tmp_path, old, new, message):
    folder = prompts_with(tmp_path, ("conversation.toml", old, new))
    with pytest.raises(PromptsError) as error:
        load_prompts(folder)
    assert f"{folder / 'conversation.toml'}:" in str(error.value)
    assert f"(key 'knowledge_source'): {message}" in str(error.value)
