"""The digest's words, and which questions it reads, are prompt data: checked at start-up, and used everywhere.

prompts/digest.toml names the conversation steps the digest reads by their keys in
conversation.toml. A step renamed in one file and not the other stops the bot when it starts,
with the file, line and key, instead of emptying the digest. A lead who rewords a label or a
heading sees the new words in Slack and in every export.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from bot.core.digest import compile_digest
from bot.core.prompts import load_prompts
from bot.digest_builder import build_digest, forget
from bot.errors import PromptsError
from bot.render.digest_blocks import episode_messages, overview_messages
from bot.render.digest_text import render
from prompts import PROMPTS_DIR
from tests.stories import submit_directly
from tests.test_digest import answers, review

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def prompts_with(tmp_path, *edits: tuple[str, str, str]):
    """A copy of prompts/ with each (file, old, new) edit made once; the folder."""
    folder = tmp_path / "prompts"
    folder.mkdir(exist_ok=True)
    for path in PROMPTS_DIR.glob("*.toml"):
        shutil.copy(path, folder / path.name)
    for file, old, new in edits:
        target = folder / file
        text = target.read_text()
        assert old in text, (file, old)
        target.write_text(text.replace(old, new, 1))
    return folder


def line_of(folder, file: str, start: str) -> int:
    """The number of the first line of `file` that starts with `start`."""
    lines = (folder / file).read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(start))


def one_source(folder) -> None:
    """The knowledge step of `folder` as a choice of one: its `together` names options too, and conversation.toml's
    own check of it would come before the digest's."""
    target = folder / "conversation.toml"
    text = re.sub(r"^multiple = true\n|^joiners = .*\n|^together = \[\n(?:  .*\n)*\]\n", "", target.read_text(),
                  flags=re.MULTILINE)
    target.write_text(text)


def load_error(folder) -> str:
    with pytest.raises(PromptsError) as error:
        load_prompts(folder)
    return str(error.value)


@pytest.mark.parametrize("step, named_at, message", [
    ("front_of_mind", "front_of_mind =",
     "[account] names step 'front_of_mind', which is not a [[steps]] key in conversation.toml"),
    ("knowledge_source", 'step = "knowledge_source"',
     "[knowledge] step 'knowledge_source' is not a [[steps]] key in conversation.toml"),
    ("factors", 'step = "factors"', "[factors] step 'factors' is not a [[steps]] key in conversation.toml"),
    ("went_well", 'step = "went_well"', "[went_well] step 'went_well' is not a [[steps]] key in conversation.toml"),
    ("changes", 'step = "changes"', "[changes] step 'changes' is not a [[steps]] key in conversation.toml"),
])
def test_renaming_a_step_the_digest_reads_stops_start_up_naming_the_file_line_and_key(tmp_path, step, named_at,
                                                                                       message):
    folder = prompts_with(tmp_path, ("conversation.toml", f'key = "{step}"', f'key = "{step}_renamed"'))
    assert load_error(folder) == f"{folder / 'digest.toml'}:{line_of(folder, 'digest.toml', named_at)}: {message}"


@pytest.mark.parametrize("file, old, new, message", [
    # The digest keeps "learned later" accounts apart: the option it separates must exist.
    ("conversation.toml", '{ value = "learned_later"', '{ value = "later"',
     "[knowledge] learned_later names option 'learned_later', which step 'knowledge_source' in conversation.toml "
     "does not have (its options are memory, records, later)"),
    ("conversation.toml", '{ value = "records"', '{ value = "files"',
     "[knowledge] known_at_the_time names option 'records', which step 'knowledge_source'"),
    ("conversation.toml", '  { value = "memory"', '  { value = "colleague", label = "A colleague told me" },\n'
                                                  '  { value = "memory"',
     "[knowledge.labels] has no label for option 'colleague' of step 'knowledge_source'"),
    ("conversation.toml", 'kind = "choice"', 'kind = "text"',
     "[knowledge] step 'knowledge_source' is a 'text' step in conversation.toml; the digest needs a 'choice' step"),
    ("digest.toml", 'step = "changes"', 'step = "went_well"',
     "[changes] names step 'went_well', which [went_well] names already"),
    ("digest.toml", 'options = "Options they felt they had"', 'knowledge_source = "Where it came from"',
     "[account] names step 'knowledge_source', which is a 'choice' step in conversation.toml; the digest needs a "
     "'text' step here"),
])
def test_the_steps_and_options_the_digest_relies_on_are_checked_at_start_up(tmp_path, file, old, new, message):
    folder = prompts_with(tmp_path, (file, old, new))
    one_source(folder)
    error = load_error(folder)
    assert message in error
    assert error.startswith(f"{folder / 'digest.toml'}:")  # the file and line that name it


@pytest.mark.parametrize("file, old, new, message", [
    ("digest.toml", "{count} more {count:account}", "{number} more {count:account}",
     "[slack.more] accounts: unknown placeholder {number}: this text may use {count}"),
    ("digest.toml", 'none_found = "None found."', 'none_found = ""', "[words] none_found must be a non-empty string"),
    ("digest.toml", 'timeline = "Timeline and coverage"', 'timeline = "Timeline {and} coverage"',
     "[headings] timeline: unknown placeholder {and}: this text takes no placeholder"),
    ("digest.toml", 'meta = "{board}', 'meta = "{board',
     "[file] meta: bad placeholder"),
    ("typology.toml", "What makes “{factor}” recur", "What makes “{factr}” recur",
     "[unmapped] question: unknown placeholder {factr}: this text may use {factor}"),
])
def test_a_mistake_in_the_digest_wording_names_the_file_line_and_key(tmp_path, file, old, new, message):
    folder = prompts_with(tmp_path, (file, old, new))
    error = load_error(folder)
    assert message in error
    assert error.startswith(f"{folder / file}:")


def test_a_missing_digest_toml_is_named(tmp_path):
    folder = prompts_with(tmp_path)
    (folder / "digest.toml").unlink()
    assert load_error(folder) == f"{folder / 'digest.toml'}: file not found (digests need it)"


REWORDED = [
    ("digest.toml", 'front_of_mind = "Front of mind and other demands"',
     'front_of_mind = "What else had their attention"'),
    ("digest.toml", 'learned_later = "learned later"', 'learned_later = "found out afterwards"'),
    ("digest.toml", 'declined = "declined"', 'declined = "chose not to take part"'),
    ("digest.toml", 'contributors = "Who contributed"', 'contributors = "Contributors"'),
    ("digest.toml", 'label = "What went well"', 'label = "What helped"'),
    ("digest.toml", "No contributory factor heading in common.", "Their headings do not meet."),
    ("digest.toml", "Two agencies' accounts of an episode are listed as differing", "Accounts are said to differ"),
]


def test_a_lead_who_rewords_the_digest_sees_the_new_words_in_slack_and_in_every_export(tmp_path):
    reworded = load_prompts(prompts_with(tmp_path, *REWORDED))
    reflections = {
        "U0C": {"KPE3": answers([("own team", "supervision")], "records", went_well="A quick strategy call.")},
        "U0D": {"KPE3": answers([("inter-agency team", "info sharing")], "learned_later")},
    }
    digest = compile_digest(review(), reflections, {"U0A": "declined"}, reworded, NOW)
    outputs = {fmt: render(digest, fmt) for fmt in ("md", "html", "json")}
    outputs["slack"] = json.dumps([overview_messages(digest), episode_messages(digest, "KPE1"),
                                   episode_messages(digest, "KPE3")], ensure_ascii=False)
    for fmt, shown in outputs.items():
        # What the digest core says (the JSON has it too), then the headings the renderers add around it.
        said = ["What else had their attention", "found out afterwards", "chose not to take part",
                "Their headings do not meet.", "Accounts are said to differ"]
        said += [] if fmt == "json" else ["Contributors", "What helped"]
        for new in said:
            assert new in shown, (fmt, new)
        for old in ("Front of mind and other demands", "learned later", "Who contributed", "What went well",
                    "declined", "No contributory factor heading in common", "Two agencies' accounts"):
            assert old not in shown, (fmt, old)
    assert "### Contributors" in outputs["md"]
    assert "- **What else had their attention:** Other families." in outputs["md"]
    assert "<h3>What helped</h3>" in outputs["html"]
    assert "*Contributors* (0 of 3)" in outputs["slack"] and "_found out afterwards_" in outputs["slack"]
    kpe3 = json.loads(outputs["json"])["episodes"][2]
    assert kpe3["learned_later"][0]["knowledge_label"] == "found out afterwards"
    assert list(kpe3["at_the_time"][0]["answers"])[2] == "What else had their attention"


def test_a_kept_review_wide_part_is_not_shown_once_the_digest_prompts_change(store, imported, sample_reflections,
                                                                             prompts, tmp_path):
    # A factor no pattern of the typology takes, in every episode: an emerging pattern asked the unmapped question,
    # which the review-wide part keeps.
    weather = [{**r, "factors": [*r["factors"], "other: the weather that week"]} for r in sample_reflections]
    submit_directly(store, imported, weather, prompts)
    review_ = store.reviews.get(imported.key)
    forget()
    before = build_digest(store, review_, prompts, None, NOW)
    kept = store.kept.review_wide(review_.key)
    assert kept.part is not None
    assert prompts.digest.unmapped_question.format(factor="the weather that week") in [p.question for p in
                                                                                       before.patterns]
    reworded = load_prompts(prompts_with(tmp_path, ("typology.toml", "What makes “{factor}” recur",
                                                    "Why does “{factor}” recur")))
    after = build_digest(store, review_, reworded, None, NOW)
    assert "Why does “the weather that week” recur across agencies and episodes, and what in the work system " \
           "shapes it?" in [p.question for p in after.patterns]
    assert after == compile_digest(review_, store.submitted.latest(review_.key),
                                   store.conversations.stages(review_.key), reworded, NOW)
    assert store.kept.review_wide(review_.key).computed_for != kept.computed_for
