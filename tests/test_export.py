"""`casegroup export`: the same digest from the command line, as Markdown, JSON or a printable HTML page."""
from __future__ import annotations

import json
import os
import re
import stat

import pytest

from tests.stories import submit_directly


@pytest.fixture
def submitted(store, imported, sample_reflections, prompts):
    submit_directly(store, imported, sample_reflections, prompts)
    return imported


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_markdown_goes_to_standard_output_and_the_export_is_audited(cli, submitted, store, capsys):
    assert cli(["export", "child-d", "--episode", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Child D: KPE3 digest\n")
    assert "## KPE3: Triage at the front door and a short assessment" in out
    assert "## KPE2" not in out
    assert "- **Social worker (Brackenshire Children's Social Care)**, Suggested changes: “I failed to speak to " \
           "the neighbour who made the call and I should have made time for it.” " \
           "(matched: should have, failed to)" in out
    [row] = [r for r in store.audit.trail("child-d") if r["action"] == "digest.exported"]
    assert (row["actor"], row["detail"]) == ("cli", "episode KPE3 as md, exported by the CLI")


def test_json_export_is_the_digest_as_data(cli, submitted, tmp_path):
    out = tmp_path / "digest.json"
    assert cli(["export", "child-d", "--out", str(out)]) == 0  # the format follows the extension
    assert mode(out) == 0o600
    data = json.loads(out.read_text())
    assert (data["format"], data["version"], data["review_key"]) == ("casegroup-digest", 3, "child-d")
    assert data["analysis"] == {"asks": "questions", "appraisals": [], "findings": [],   # none written yet
                                "responses": []}
    assert [e["key"] for e in data["episodes"]] == ["KPE1", "KPE2", "KPE3", "KPE4", "KPE5"]
    assert [t["coverage"] for t in data["timeline"]] == ["2 of 2", "1 of 1", "2 of 2", "3 of 3", "2 of 2"]
    kpe4 = data["episodes"][3]
    assert [a["who"] for a in kpe4["learned_later"]] == ["Health visitor (Brackenshire Community Health)"]
    assert {p["factor"] for p in data["patterns"]} >= {"workload", "information sharing"}
    assert "fuzz.token_set_ratio >= 80" in data["method"]["grouping"]
    assert "Lennon" not in out.read_text() and "Kirsty" not in out.read_text()


def test_html_export_is_one_self_contained_printable_page(cli, submitted, tmp_path):
    out = tmp_path / "digest.out"
    out.write_text("an older export")
    os.chmod(out, 0o644)
    assert cli(["export", "child-d", "--format", "html", "--out", str(out)]) == 0
    assert mode(out) == 0o600  # tightened, not left as it was
    page = out.read_text()
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    # No scripts and nothing fetched from anywhere: styles and the chart are inline.
    assert "<script" not in page and "<link" not in page and "<img" not in page and "@import" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<style>" in page and "@media print" in page and "break-before: page" in page
    # The timeline: each episode at its dates, with its coverage (tests/test_html_timeline.py has the axis).
    chart = page[page.index("<svg"):page.index("</svg>")]
    assert chart.count('class="done"') == 5
    assert "<title>KPE4: Nursery logs a scalded hand; GP visit · 15 Sep 2025 to 19 Sep 2025 · 3 of 3</title>" in chart
    for key in ("KPE1", "KPE2", "KPE3", "KPE4", "KPE5"):
        assert f'<section class="episode" id="{key}">' in page
    assert "&lt;!channel&gt;" not in page and "<!channel>" not in page  # the ping was defused before escaping
    assert "@\u200bchannel there were two cars" in page
    assert "Lennon" not in page and "Tanner" not in page


def test_bad_exports_say_what_is_wrong(cli, imported, capsys, tmp_path):
    assert cli(["export", "nope"]) == 2
    assert "there is no review with the key 'nope'" in capsys.readouterr().err
    assert cli(["export", "child-d"]) == 1
    assert "Nobody has submitted a reflection on 'child-d' yet" in capsys.readouterr().err
    assert cli(["export", "child-d", "--out", str(tmp_path / "missing" / "d.md")]) == 1  # nothing submitted yet
    with pytest.raises(SystemExit):
        cli(["export", "child-d", "--format", "pdf"])


def test_an_unclear_episode_lists_the_choices(cli, submitted, capsys, tmp_path):
    assert cli(["export", "child-d", "--episode", "the"]) == 2
    assert "several episodes match 'the'; use one of: KPE1, KPE2, KPE3" in capsys.readouterr().err
    assert cli(["export", "child-d", "--out", str(tmp_path / "missing" / "d.md")]) == 2
    assert "can't write" in capsys.readouterr().err
