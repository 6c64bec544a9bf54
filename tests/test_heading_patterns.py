"""Patterns the team can trust (issue 15, item 1): a framework heading named across episodes by several agencies,
each in their own words, is an emerging pattern; forms, apps and systems are the tools pattern; the heading ×
episode grid and the accounts side by side are in every output. A lead runs `/summary` through the real App."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from bot.core.digest import compile_digest
from bot.core.matching import match_factor
from bot.core.prompts import load_prompts
from bot.core.review import Episode, Member, Review, parse_review_file
from bot.render.digest_blocks import overview_messages
from bot.render.digest_text import render
from tests.stories import submit_directly
from tests.test_digest_story import summary

NOW = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.timezone.utc)
EPISODES = [Episode(f"KPE{n}", title, dt.date(2025, n, 3)) for n, title in
            enumerate(("A fall at home", "A missed GP review", "Carers cut a call short", "A hospital discharge",
                       "A safeguarding concern"), start=1)]
AGENCIES = {"U0ASC": ("Social worker", "Adult Social Care"), "U0GP": ("GP", "Eastmoor Surgery"),
            "U0CARE": ("Care worker", "HomeCare Ltd"), "U0WARD": ("Ward nurse", "Eastmoor Hospital"),
            "U0POL": ("Police officer", "Eastmoor Police")}
# Conditions of work, in four agencies' own words: no theme and no wording groups them.
OWN_WORDS = {"U0ASC": ("KPE1", "duty queue of 45 concerns"), "U0GP": ("KPE2", "38 patients booked that afternoon"),
             "U0CARE": ("KPE3", "15 minute calls"), "U0WARD": ("KPE4", "one nurse for the bay overnight")}


@pytest.fixture(scope="module")
def prompts():
    return load_prompts()


def review(members: dict[str, tuple[str, ...]]) -> Review:
    return Review("adult-h", "Adult H", "adults", "Eastmoor Safeguarding Adults Board", ("U0LEAD",),
                  episodes=EPISODES,
                  members=[Member(slack_id, *AGENCIES[slack_id], episodes) for slack_id, episodes in members.items()])


def answers(factors: list[tuple[str, str]], at_the_time: str = "It looked like a one-off.", **texts) -> dict:
    base = {"involvement": "I was there.", "at_the_time": at_the_time, "front_of_mind": "Other people waiting.",
            "options": "Few.", "hoped_to_achieve": "Keep her safe at home.", "went_well": "", "changes": "",
            "knowledge_source": "memory"}
    return {**base, **texts, "factors": [{"heading": heading, "text": text} for heading, text in factors]}


def own_words_digest(prompts, given: dict[str, tuple[str, str]]):
    """Each member names *conditions of work* in their own words in one episode; the police name *the family*."""
    reflections = {slack_id: {episode: answers([("conditions of work", words)])}
                   for slack_id, (episode, words) in given.items()}
    reflections["U0POL"] = {"KPE5": answers([("the family", "she would not let us in")])}
    members = {slack_id: (episode,) for slack_id, (episode, _) in given.items()} | {"U0POL": ("KPE5",)}
    return compile_digest(review(members), reflections, {}, prompts, NOW)


def test_a_heading_named_in_four_episodes_by_four_agencies_in_their_own_words_is_an_emerging_pattern(prompts):
    digest = own_words_digest(prompts, OWN_WORDS)
    [pattern] = digest.patterns   # no group recurs: each agency's words are their own
    assert (pattern.factor, pattern.level, pattern.pattern_short) == ("conditions of work", "heading",
                                                                      "Management systems")
    assert pattern.episodes == ["KPE1", "KPE2", "KPE3", "KPE4"]
    assert pattern.agencies == ["Adult Social Care", "Eastmoor Surgery", "HomeCare Ltd", "Eastmoor Hospital"]
    # Its statements are the evidence, each in the wording group it has in its episode (the groups stay as they are).
    assert [(e.episode, e.who, e.words, e.group) for e in pattern.evidence] == [
        ("KPE1", "Social worker (Adult Social Care)", "duty queue of 45 concerns", "duty queue of 45 concerns"),
        ("KPE2", "GP (Eastmoor Surgery)", "38 patients booked that afternoon", "38 patients booked that afternoon"),
        ("KPE3", "Care worker (HomeCare Ltd)", "15 minute calls", "15 minute calls"),
        ("KPE4", "Ward nurse (Eastmoor Hospital)", "one nurse for the bay overnight",
         "one nurse for the bay overnight")]
    assert [g.grouped_by for e in digest.episodes for t in e.factors for g in t.groups] == ["wording"] * 5
    assert "a framework heading, whatever the wording, when it is named in 2 or more episodes by 3 or more " \
           "agencies" in digest.method.emerging


@pytest.mark.parametrize("given", [
    # Three agencies, but all in one episode.
    {slack_id: ("KPE1", words) for slack_id, (_, words) in list(OWN_WORDS.items())[:3]},
    # Three episodes, but two agencies.
    {"U0ASC": ("KPE1", "duty queue of 45 concerns"), "U0GP": ("KPE2", "38 patients booked that afternoon")},
], ids=["one episode", "two agencies"])
def test_a_heading_not_named_across_episodes_and_agencies_is_not_a_pattern(prompts, given):
    digest = own_words_digest(prompts, given)
    assert digest.patterns == []
    # And the catch-all is never a heading pattern, however widely it is chosen.
    elsewhere = iter(("the snow that week", "a bus strike", "the car broke down", "the lift was out"))
    reflections = {slack_id: {episode: answers([("other", next(elsewhere))])}
                   for slack_id, (episode, _) in OWN_WORDS.items()}
    members = {slack_id: (episode,) for slack_id, (episode, _) in OWN_WORDS.items()}
    assert compile_digest(review(members), reflections, {}, prompts, NOW).patterns == []


def test_a_heading_whose_statements_are_all_one_recurring_group_is_said_once(prompts):
    given = {slack_id: (episode, "workload") for slack_id, (episode, _) in OWN_WORDS.items()}
    [pattern] = own_words_digest(prompts, given).patterns
    assert (pattern.factor, pattern.level) == ("workload", "group")


def test_the_thresholds_are_data(prompts, tmp_path):
    import shutil
    from prompts import PROMPTS_DIR
    shutil.copytree(PROMPTS_DIR, tmp_path / "prompts")
    path = tmp_path / "prompts" / "digest.toml"
    path.write_text(path.read_text().replace("heading_agencies = 3", "heading_agencies = 5"))
    assert own_words_digest(load_prompts(tmp_path / "prompts"), OWN_WORDS).patterns == []
    path.write_text(path.read_text().replace("heading_agencies = 5", "heading_agencies = 0"))
    from bot.errors import PromptsError
    with pytest.raises(PromptsError, match=r"digest.toml:\d+: \[emerging\] heading_agencies must be a whole number"):
        load_prompts(tmp_path / "prompts")


TOOLS = [("U0ASC", "KPE1", "the referral form had no option for self-neglect"),
         ("U0GP", "KPE2", "the repeat prescriptions app never showed the missed review"),
         ("U0WARD", "KPE4", "the records system kept the old address"),
         ("U0CARE", "KPE3", "the roster gave us four calls in an hour"),
         ("U0GP", "KPE2", "no alert came through from the hospital"),
         ("U0ASC", "KPE1", "there was no flag on her file"),
         ("U0POL", "KPE5", "tools: no option for self-neglect on the referral")]


def test_forms_apps_systems_rosters_alerts_flags_and_a_tools_label_are_the_tools_pattern(prompts):
    # A `tools:` label lands under the framework's heading for tools, with the practitioner's words as typed.
    found = match_factor(TOOLS[-1][2], prompts.headings)
    assert (found.heading, found.text) == ("conditions of work", TOOLS[-1][2])
    reflections: dict[str, dict] = {}
    for slack_id, episode, words in TOOLS:
        given = reflections.setdefault(slack_id, {}).setdefault(episode, answers([]))
        given["factors"].append({"heading": "conditions of work", "text": words})
    # "it" is a pronoun, not IT: a statement that ends with it is no statement about the records.
    reflections["U0CARE"]["KPE3"]["factors"].append({"heading": "own team", "text": "nobody told me, I found it"})
    members = {slack_id: tuple(episodes) for slack_id, episodes in reflections.items()}
    digest = compile_digest(review(members), reflections, {}, prompts, NOW)
    pattern_of = {theme.name: theme.pattern for theme in prompts.digest.themes}
    grouped = {s.words: group for e in digest.episodes for t in e.factors for group in t.groups for s in group.statements}
    for _, _, words in TOOLS:
        assert pattern_of.get(grouped[words].name) == "tools", (words, grouped[words].name)
    assert grouped["nobody told me, I found it"].grouped_by == "wording"
    tools = [p for p in digest.patterns if p.pattern_short == "Tools"]
    assert {e.words for p in tools for e in p.evidence} == {words for _, _, words in TOOLS}
    assert all(p.pattern == "Human–tool operation" for p in tools)


def test_the_grid_and_the_accounts_side_by_side_are_in_every_output(prompts):
    digest = own_words_digest(prompts, OWN_WORDS)
    data = json.loads(render(digest, "json"))
    assert data["grid"]["episodes"] == ["KPE1", "KPE2", "KPE3", "KPE4", "KPE5"]
    assert data["grid"]["rows"] == [
        {"heading": "the family", "cells": {"KPE5": ["Eastmoor Police"]}},
        {"heading": "conditions of work", "cells": {"KPE1": ["Adult Social Care"], "KPE2": ["Eastmoor Surgery"],
                                                    "KPE3": ["HomeCare Ltd"], "KPE4": ["Eastmoor Hospital"]}}]
    assert [p["level"] for p in data["patterns"]] == ["heading"]
    markdown = render(digest, "md")
    assert ("| Heading | KPE1 | KPE2 | KPE3 | KPE4 | KPE5 |\n| --- | --- | --- | --- | --- | --- |\n"
            "| the family |  |  |  |  | Eastmoor Police |\n"
            "| conditions of work | Adult Social Care | Eastmoor Surgery | HomeCare Ltd | Eastmoor Hospital |  |"
            ) in markdown
    html = render(digest, "html")
    assert '<table class="grid"><tr><th>Heading</th><th>KPE1</th>' in html
    assert "<tr><td><strong>conditions of work</strong></td><td class=\"named\">Adult Social Care</td>" in html
    slack = json.dumps(overview_messages(digest), ensure_ascii=False)
    assert "• *conditions of work* · KPE1 (1), KPE2 (1), KPE3 (1), KPE4 (1) · 4 agencies in all" in slack
    assert "No contributory factor recurs" not in slack

    # Two agencies' accounts of one episode, question by question.
    reflections = {"U0GP": {"KPE2": answers([("conditions of work", "38 patients booked")],
                                            at_the_time="A routine review she had missed.")},
                   "U0CARE": {"KPE2": answers([("the family", "her son answered for her")],
                                              at_the_time="She was not eating.", knowledge_source="records")}}
    two = compile_digest(review({"U0GP": ("KPE2",), "U0CARE": ("KPE2",)}), reflections, {}, prompts, NOW)
    markdown = render(two, "md", "KPE2")
    side = markdown[markdown.index("### Accounts side by side"):markdown.index("### Where accounts differ")]
    assert ("| Question | GP (Eastmoor Surgery), from memory | Care worker (HomeCare Ltd), from the records |"
            in side)
    assert "| What they thought was going on | A routine review she had missed. | She was not eating. |" in side
    html = render(two, "html", "KPE2")
    side = html[html.index("<h3>Accounts side by side</h3>"):html.index("<h3>Where accounts differ</h3>")]
    assert ("<tr><th>What they thought was going on</th><td>A routine review she had missed.</td>"
            "<td>She was not eating.</td></tr>") in side
    # One account has nothing to be set beside.
    one = compile_digest(review({"U0GP": ("KPE2",)}), {"U0GP": reflections["U0GP"]}, {}, prompts, NOW)
    assert "Accounts side by side" not in render(one, "md") + render(one, "html")


REVIEW_FILE = """
[review]
key = "adult-h"
title = "Adult H"
kind = "adults"
board = "Eastmoor Safeguarding Adults Board"
leads = ["U0LEAD01"]
{episodes}
{members}
[[people]]
label = "Adult H"
names = ["Ivy Marsh", "Ivy"]
"""


def test_a_lead_reads_the_heading_pattern_the_wording_hid(fake, slack, store, prompts, tmp_path):
    episodes = "".join(f'\n[[episodes]]\nkey = "{e.key}"\ntitle = "{e.title}"\nstart = "{e.start}"\n' for e in EPISODES)
    given = {**{slack_id: episode for slack_id, (episode, _) in OWN_WORDS.items()}, "U0POL": "KPE5"}
    members = "".join(f'\n[[members]]\nslack_id = "{slack_id}"\nrole = "{AGENCIES[slack_id][0]}"\n'
                      f'agency = "{AGENCIES[slack_id][1]}"\nepisodes = ["{episode}"]\n'
                      for slack_id, episode in given.items())
    path = tmp_path / "review.toml"
    path.write_text(REVIEW_FILE.format(episodes=episodes, members=members))
    adult_h = parse_review_file(path)
    store.reviews.save(adult_h, actor="test")
    typed = {**{slack_id: f"conditions of work: {words}" for slack_id, (_, words) in OWN_WORDS.items()},
             "U0POL": "tools: Ivy's flag was on the old address"}
    submit_directly(store, adult_h, [
        {"member": slack_id, "episode": episode, "involvement": "I saw Ivy that day.", "at_the_time": "Managing.",
         "front_of_mind": "The next visit.", "options": "Few.", "hoped_to_achieve": "Keep her at home.",
         "knowledge_source": "memory", "factors": [typed[slack_id]], "went_well": "", "changes": ""}
        for slack_id, episode in given.items()], prompts)

    _, overview = summary(slack, fake, "U0LEAD01")
    text = json.dumps(overview, ensure_ascii=False)
    assert "No contributory factor recurs" not in text
    assert ("*1. conditions of work* · Management systems · _a framework heading, whatever the wording_" in text)
    # The police's `tools:` statement is under conditions of work too: five episodes, five agencies.
    assert "Recurs in KPE1, KPE2, KPE3, KPE4, KPE5 · 5 agencies" in text
    assert "• *conditions of work* · KPE1 (1), KPE2 (1), KPE3 (1), KPE4 (1), KPE5 (1) · 5 agencies in all" in text
    assert "• *tools* " not in text and "Ivy" not in text
    # The Markdown file in the lead's DM lists the heading's statements in their groups, and the grid.
    markdown = fake.calls("file.upload")[-1]["content"]
    evidence = markdown[markdown.index("### 1. conditions of work"):]
    assert re.search(r"  - \*\*15 minute calls\*\* \(1\):\n    - KPE3, Care worker \(HomeCare Ltd\): “15 minute calls”",
                     evidence)
    assert ("| conditions of work | Adult Social Care | Eastmoor Surgery | HomeCare Ltd | Eastmoor Hospital "
            "| Eastmoor Police |") in markdown
    # The police's `tools:` statement is the tools theme, pseudonymised.
    assert ("- **forms, apps and IT systems** (1): Police officer (Eastmoor Police): "
            "“tools: Adult H's flag was on the old address”") in markdown


def test_the_module_examples_hold():
    import doctest

    import bot.core.digest_headings
    assert doctest.testmod(bot.core.digest_headings).failed == 0
