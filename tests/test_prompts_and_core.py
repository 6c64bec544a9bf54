"""The prompt files are data a lead can edit; mistakes are named precisely. The core is pure."""
import doctest
import shutil

import pytest

import bot.config
import bot.core.matching
import bot.core.text
from bot.core.prompts import load_prompts
from bot.errors import PromptsError
from prompts import PROMPTS_DIR


@pytest.mark.parametrize("module", [bot.core.text, bot.core.matching, bot.config])
def test_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def edited_prompts(tmp_path, old: str, new: str, file="conversation.toml"):
    for path in PROMPTS_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / file
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    return tmp_path


def test_a_lead_can_reword_a_question_without_touching_python(tmp_path):
    folder = edited_prompts(tmp_path, "What options did you feel you had at the time?",
                            "Which routes seemed open to you then?")
    assert load_prompts(folder).step("options").question == "Which routes seemed open to you then?"


@pytest.mark.parametrize("old,new,expected", [
    ('kind = "choice"', 'kind = "multiple"', "kind must be one of"),
    ('key = "went_well"', 'key = "changes"', "duplicate step key"),
    ('thanks = "Thanks, saved."', 'thanks = ""', "[replies] thanks must be a non-empty string"),
    ('skip = ["skip", "next", "keep"]', "skip = []", "[commands] skip must be a list of words"),
    ('question = "What were you hoping to achieve?"', 'question = 3', "question must be a non-empty string"),
    ("paused = \"Paused.", "paused = \"Paused {oops.", "bad placeholder"),
])
def test_a_mistake_in_the_prompts_names_the_file_line_and_key(tmp_path, old, new, expected):
    folder = edited_prompts(tmp_path, old, new)
    with pytest.raises(PromptsError) as error:
        load_prompts(folder)
    assert expected in str(error.value)
    assert "conversation.toml:" in str(error.value)  # file and line


def test_broken_toml_in_the_framework_is_named(tmp_path):
    folder = edited_prompts(tmp_path, "[[headings]]", "[[headings", file="framework.toml")
    with pytest.raises(PromptsError, match="framework.toml"):
        load_prompts(folder)


def test_the_shipped_prompts_cover_the_learning_together_conversation(prompts):
    keys = [s.key for s in prompts.steps]
    assert keys == ["involvement", "at_the_time", "front_of_mind", "options", "hoped_to_achieve",
                    "knowledge_source", "factors", "went_well", "changes"]
    assert [h.name for h in prompts.headings][-1] == "other"
    assert len(prompts.headings) == 9
