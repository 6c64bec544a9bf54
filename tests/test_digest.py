"""The digest compiler on its own: plain data in, dataclasses out, no Slack and no database."""
from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import shutil

import pytest

import bot.core.digest
import bot.core.digest_rules
from bot.core.digest import compile_digest, group_by_wording, match_episode
from bot.core.prompts import load_prompts
from bot.core.review import Episode, Member, Person, Review
from bot.errors import PromptsError
from bot.render.digest_blocks import episode_blocks
from bot.render.digest_text import markdown
from prompts import PROMPTS_DIR

EPISODES = [Episode("KPE1", "Home visit", dt.date(2025, 1, 6)), Episode("KPE2", "School meeting", dt.date(2025, 2, 3)),
            Episode("KPE3", "Strategy discussion", dt.date(2025, 3, 3))]
MEMBERS = [Member("U0A", "Health visitor", "Health", ("KPE1", "KPE2")),
           Member("U0B", "Teacher", "School", ("KPE1", "KPE2")),
           Member("U0C", "Social worker", "Social Care", ("KPE1", "KPE3")),
           Member("U0D", "Police officer", "Police", ("KPE3",)),
           Member("U0E", "Housing officer", "Housing", ("KPE3",))]


def review() -> Review:
    return Review("r", "Adult F", "adults", "Board", ("U0LEAD",), episodes=EPISODES, members=MEMBERS,
                  people=[Person("Adult F", ("Jo Bloggs",))])


def answers(factors: list[tuple[str, str]], knowledge: str = "memory", **texts) -> dict:
    base = {"involvement": "I visited.", "at_the_time": "It looked fine.", "front_of_mind": "Other families.",
            "options": "Visit again.", "hoped_to_achieve": "Support.", "went_well": "", "changes": "More time."}
    base.update(texts)
    return {**base, "knowledge_source": knowledge,
            "factors": [{"heading": heading, "text": text} for heading, text in factors]}


@pytest.fixture(scope="module")
def prompts():
    return load_prompts()


def test_the_module_examples_hold():
    assert doctest.testmod(bot.core.digest).failed == 0
    assert doctest.testmod(bot.core.digest_rules).failed == 0


def test_statements_that_say_the_same_thing_are_grouped_across_agencies_and_recur_as_a_pattern(prompts):
    reflections = {
        "U0A": {"KPE1": answers([("conditions of work", "workload")])},
        "U0B": {"KPE1": answers([("conditions of work", "conditions of work: my caseload was huge")])},
        "U0C": {"KPE1": answers([("conditions of work", "caseload pressures")])},
    }
    digest = compile_digest(review(), reflections, {}, prompts)
    kpe1 = digest.episode("KPE1")
    [tally] = kpe1.factors
    [group] = tally.groups
    assert (group.name, group.grouped_by, group.count) == ("workload", "theme", 3)
    assert group.agencies == ["Health", "School", "Social Care"]
    assert [s.words for s in group.statements] == ["workload", "conditions of work: my caseload was huge",
                                                   "caseload pressures"]
    # Three agencies in one episode make it an emerging pattern, mapped to the typology, as a question.
    [pattern] = digest.patterns
    assert pattern.factor == "workload" and pattern.pattern_short == "Management systems"
    assert pattern.question.startswith("Is there a mismatch between demand and resources behind “workload”")
    assert [(e.episode, e.who) for e in pattern.evidence] == [
        ("KPE1", "Health visitor (Health)"), ("KPE1", "Teacher (School)"), ("KPE1", "Social worker (Social Care)")]


def test_a_factor_named_by_two_agencies_in_one_episode_is_not_yet_a_pattern(prompts):
    reflections = {"U0A": {"KPE1": answers([("the family", "the family: engagement")])},
                   "U0B": {"KPE1": answers([("the family", "engagement")])}}
    assert compile_digest(review(), reflections, {}, prompts).patterns == []
    reflections["U0A"]["KPE2"] = answers([("the family", "missed appointments")])
    [pattern] = compile_digest(review(), reflections, {}, prompts).patterns
    assert (pattern.factor, pattern.episodes) == ("the family's engagement", ["KPE1", "KPE2"])


def test_statements_no_theme_fits_are_grouped_by_their_wording():
    numbers = group_by_wording(["no flag on the GP record", "the GP record has no flag", "the weather that week"])
    assert numbers[0] == numbers[1] != numbers[2]


def test_the_heading_alone_is_its_own_group(prompts):
    reflections = {"U0A": {"KPE1": answers([("own team", "own team")])},
                   "U0B": {"KPE1": answers([("own team", "own team: nobody to ask")])}}
    [tally] = compile_digest(review(), reflections, {}, prompts).episode("KPE1").factors
    assert [(g.name, g.grouped_by, g.count) for g in tally.groups] == [("nobody to ask", "wording", 1),
                                                                      ("own team", "heading", 1)]


def test_hindsight_is_flagged_in_fuzzy_variants_and_nothing_else(prompts):
    changes = ("I shoud have asked. With hind sight it was different. It was obvius. "
               "I could have visited sooner. Checks should be back first. It was recorded clearly.")
    reflections = {"U0A": {"KPE1": answers([("other", "other")], changes=changes)}}
    flags = compile_digest(review(), reflections, {}, prompts).episode("KPE1").hindsight
    assert [(f.statement, f.field) for f in flags] == [
        ("I shoud have asked.", "Suggested changes"), ("With hind sight it was different.", "Suggested changes"),
        ("It was obvius.", "Suggested changes")]
    assert flags[1].phrases == ["with hindsight"]


def test_coverage_names_who_has_not_contributed_and_why(prompts):
    reflections = {"U0C": {"KPE1": answers([("other", "other")])}}
    stages = {"U0A": "declined", "U0B": "asking", "U0C": "checking"}  # U0C is revising a submitted reflection
    kpe1 = compile_digest(review(), reflections, stages, prompts).episode("KPE1")
    assert kpe1.coverage == "1 of 3"
    assert kpe1.contributors == ["Social worker (Social Care)"]
    assert [(m.who, m.status) for m in kpe1.missing] == [("Health visitor (Health)", "declined"),
                                                         ("Teacher (School)", "in progress")]
    kpe3 = compile_digest(review(), reflections, stages, prompts).episode("KPE3")
    assert [(m.who, m.status) for m in kpe3.missing] == [("Social worker (Social Care)", "in progress"),
                                                         ("Police officer (Police)", "not started"),
                                                         ("Housing officer (Housing)", "not started")]


def test_learned_later_is_kept_apart_and_accounts_that_differ_say_why(prompts):
    reflections = {
        "U0C": {"KPE3": answers([("own team", "supervision")], "records")},
        "U0D": {"KPE3": answers([("inter-agency team", "info sharing")], "learned_later")},
        "U0E": {"KPE3": answers([("own team", "supervision"), ("inter-agency team", "info sharing")], "memory")},
    }
    kpe3 = compile_digest(review(), reflections, {}, prompts).episode("KPE3")
    assert [a.who for a in kpe3.at_the_time] == ["Social worker (Social Care)", "Housing officer (Housing)"]
    assert [(a.who, a.knowledge_label) for a in kpe3.learned_later] == [("Police officer (Police)", "learned later")]
    assert [(d.first, d.second, d.rule) for d in kpe3.differences] == [
        ("Social worker (Social Care)", "Police officer (Police)", "knowledge"),
        ("Social worker (Social Care)", "Police officer (Police)", "factors"),
        ("Housing officer (Housing)", "Police officer (Police)", "knowledge")]
    assert kpe3.differences[1].detail == ("Social worker (Social Care): own team. Police officer (Police): "
                                          "inter-agency team. No contributory factor heading in common.")


def test_reflections_on_episodes_no_longer_assigned_are_left_out(prompts):
    reflections = {"U0D": {"KPE1": answers([("other", "other")]), "KPE9": answers([("other", "other")])}}
    digest = compile_digest(review(), reflections, {}, prompts)
    assert digest.reflections == 0 and not digest.has_reflections


def test_an_episode_is_found_by_key_number_or_title_words(sample_review):
    episodes = sample_review.episodes
    assert match_episode("kpe 2", episodes).episode.key == "KPE2"
    assert match_episode("2", episodes).episode.key == "KPE2"
    assert match_episode("police disturbance", episodes).episode.key == "KPE2"
    assert match_episode("polise disturbence", episodes).episode.key == "KPE2"
    assert match_episode("scald", episodes).episode.key == "KPE4"        # part of "scalded"
    assert match_episode("nursery GP", episodes).episode.key == "KPE4"
    assert match_episode("the maisonette", episodes).episode.key == "KPE2"
    assert match_episode("records sent", episodes).episode.key == "KPE5"
    found = match_episode("the", episodes)
    assert found.ambiguous and [e.key for e in found.candidates] == ["KPE1", "KPE2", "KPE3"]
    assert match_episode("zebra crossing", episodes).episode is None
    assert match_episode("99", episodes).episode is None


@pytest.fixture
def prompts_copy(tmp_path):
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


@pytest.mark.parametrize("file, old, new, message", [
    ("typology.toml", 'headings = ["the family"]', 'headings = ["the familly"]',
     "typology.toml:47: [[patterns]] 'family': headings: 'the familly' is not a heading in prompts/framework.toml"),
    ("typology.toml", 'pattern = "reasoning"', 'pattern = "reason"',
     "[[themes]] 'mindset': pattern must be the key of one of the [[patterns]]"),
    ("typology.toml", 'headings = ["personal factors"]', 'headings = ["personal factors", "the family"]',
     "headings: 'the family' already belongs to pattern 'family'"),
    ("typology.toml", "“{factor}” likely", "{factr} likely", "question may use {factor} and no other placeholder"),
    ("hindsight.toml", "threshold = 90", "threshold = 9", "hindsight.toml:17: threshold must be a whole number"),
    ("hindsight.toml", '  "should have",', '  "should have", 3,', "hindsight.toml:19: phrases must be a list"),
])
def test_a_mistake_in_the_digest_data_stops_start_up_naming_the_file_and_key(prompts_copy, file, old, new, message):
    path = prompts_copy / file
    source = path.read_text()
    assert old in source
    path.write_text(source.replace(old, new, 1))
    with pytest.raises(PromptsError) as error:
        load_prompts(prompts_copy)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_a_missing_digest_file_is_named(prompts_copy):
    (prompts_copy / "hindsight.toml").unlink()
    with pytest.raises(PromptsError, match="hindsight.toml: file not found"):
        load_prompts(prompts_copy)


def test_the_lead_is_told_where_a_name_that_is_an_everyday_word_could_not_be_told_from_the_word(prompts):
    family = dataclasses.replace(review(), people=[*review().people, Person("Son", ("Will Barker", "Will"))])
    reflections = {"U0A": {"KPE1": answers([("the family", "Will was never seen alone")],
                                           involvement="I will visit again. Will you call her? I asked her son Will.")},
                   "U0B": {"KPE1": answers([])}}
    digest = compile_digest(family, reflections, {}, prompts)
    kpe1 = digest.episode("KPE1")
    [account] = [a for a in kpe1.at_the_time if a.who == "Health visitor (Health)"]
    assert account.answers["What happened and their part"] == \
        "I will visit again. Son you call her? I asked her son Son."
    assert [(n.who, n.field, n.label, n.words) for n in kpe1.names_to_check] == [
        ("Health visitor (Health)", "What happened and their part", "Son", "Son you call her?"),
        ("Health visitor (Health)", "Contributory factors", "Son", "Son was never seen alone")]
    assert digest.episode("KPE2").names_to_check == []
    # The report is in every output: Slack, the Markdown file (and the JSON and HTML made from the same data).
    slack = "\n".join(b["text"]["text"] for b in episode_blocks(digest, "KPE1") if b["type"] == "section")
    assert "*Names to check*: A family member's name that is also an everyday word" in slack
    assert "• *Health visitor (Health)*, What happened and their part: “Son you call her?” (*Son*)" in slack
    file = markdown(digest, "KPE1")
    assert "### Names to check" in file
    assert "- **Health visitor (Health)**, Contributory factors: “Son was never seen alone” (**Son**)" in file
    assert "### Names to check" not in markdown(compile_digest(review(), reflections, {}, prompts), "KPE1")
