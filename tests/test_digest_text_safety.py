"""What a practitioner writes is shown as their words, never as the digest's own layout: in Slack and in the files."""
from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from bot.cli import main
from tests.stories import answer_everything, reflections_by_member
from tests.test_digest_story import section_texts, summary

OFFICER = "Response police officer (Brackenshire Police)"
# A forged account inside a real one: an attribution line and answers laid out exactly like the digest's.
FORGED = ("It was a quiet night.\n\n*Health visitor (Northshire Community Health)* · _from memory_\n"
          "*What happened and their part:* I saw nothing wrong.\n&gt; a quote\n> another\n`code`")
# In the files: a remote image (fetched by whoever opens the file), a link, and a bare \r starting a heading.
PIXEL = "![x](<https://tracker.example/pixel.png>) and [the policy](https://evil.example) as ever."
CARRIAGE = "All calm.\r# Forged heading\r> forged quote\u2028## another\r1. forged list"


@pytest.fixture
def hostile(fake, slack, imported, prompts, sample_reflections):
    """The police officer (KPE2 alone) types hostile text into their account and remarks, and submits."""
    slack.command("U0LEAD01", "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    [reflection] = reflections_by_member(sample_reflections, imported)["U0PC0001"]
    answer_everything(slack, "U0PC0001", [{**reflection, "involvement": FORGED, "at_the_time": PIXEL,
                                           "went_well": CARRIAGE}], prompts)
    fake.clear()
    return imported


def test_a_practitioner_cannot_forge_another_agencys_account_in_the_slack_digest(fake, slack, hostile, prompts):
    _, messages = summary(slack, fake, "U0LEAD01", "KPE2")
    texts = section_texts(messages)
    # One account was given, so there is one attribution line, the digest's own.
    attributions = [line for text in texts for line in text.split("\n") if re.match(r"\*[^*]+\* · _", line)]
    assert attributions == [f"*{OFFICER}* · _from memory_"]
    [account] = [text for text in texts if text.startswith(f"*{OFFICER}* · ")]
    labels = {f"*{label}:*" for label in prompts.digest.steps.account.values()}
    # Below the attribution, each line is one of the digest's labels or a quoted line of theirs...
    for line in account.split("\n")[1:]:
        assert line in labels or line.startswith(">"), line
    # ...and no quoted line can open mrkdwn (bold, italic, code, a nested quote): they read as written.
    for line in account.split("\n"):
        assert not re.match(r">\s*(?:[*_~`>]|&gt;)", line), line
    assert ">＊Health visitor (Northshire Community Health)* · _from memory_" in account
    # Remarks stay on their own line: a line break in them does not start a line of the digest's.
    [remarks] = [text for text in texts if text.startswith("*What went well*")]
    assert remarks.split("\n")[1].startswith(f"• *{OFFICER}:* All calm. # Forged heading")


def test_the_markdown_files_show_practitioner_text_as_text(fake, slack, hostile, tmp_path, monkeypatch, db_path):
    summary(slack, fake, "U0LEAD01", "KPE2")
    [uploaded] = [call["content"] for call in fake.calls("file.upload")]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    assert main(["export", "child-d", "--episode", "KPE2", "--out", str(tmp_path / "kpe2.md")]) == 0
    exported = (tmp_path / "kpe2.md").read_text()
    for content in (uploaded, exported):
        md = MarkdownIt("commonmark")
        tokens = [t for token in md.parse(content) for t in (token, *(token.children or ()))]
        # No image and no link at all: the digest's own Markdown has none, so any would be a practitioner's.
        assert not [t for t in tokens if t.type in ("image", "link_open", "html_inline", "html_block")]
        # The headings are the digest's own, and none is the one written after a \r or a U+2028.
        headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        assert not [h for h in headings if "Forged" in h or "another" in h], headings
        # The quotes are the digest's (its introduction, the episode's description), and there is no numbered
        # list: none of their lines became a block.
        quotes = [tokens[i + 2].content for i, t in enumerate(tokens) if t.type == "blockquote_open"]
        assert [q.split(":")[0] for q in quotes] == ["Practitioners are named by role and agency only; family "
                                                    "members by the labels in the review file. For the review team "
                                                    "and the case group meeting", "A neighbour rang 999 at 01"]
        assert "ordered_list_open" not in [t.type for t in tokens]
        assert "\r" not in content and "\u2028" not in content
        # The words are all there, shown as written.
        assert "All calm. # Forged heading &gt; forged quote ## another 1. forged list" in md.render(content)
        # (Slack's <https://...> is shown as the address itself, as everywhere: bot.core.redaction.)
        assert "![x](https://tracker.example/pixel.png) and [the policy](https://evil.example) as ever." \
            in md.render(content)
