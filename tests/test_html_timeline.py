"""The HTML export's timeline: episodes placed on a date axis at their dates and spans, with their coverage beside
them, so that a six-month gap looks six times as long as a one-month gap (it used to be equal bars, no dates)."""
from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET

import pytest

from bot.cli import main
from bot.core.review import parse_review_file
from bot.digest_builder import build_digest
from bot.render.digest_text import html
from tests.stories import FIELDS, submit_directly
from tests.synthetic import synthetic_review

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "Strategy <script>alert('x')</script> & a home visit"
LONG = "Child protection conference, then a core group meeting every six weeks with the school and GP"

# A review with a one-month gap (1 Jan to 1 Feb: 31 days), then a six-month gap (1 Feb to 1 Aug: 181 days), a
# span of a fortnight and one of five months.
REVIEW = f"""
[review]
key = "gap-t"
title = "Child T"
kind = "children"
board = "Testshire Safeguarding Children Partnership"
leads = ["U0TLEAD1"]

[[episodes]]
key = "KPE1"
title = "Referral from the school"
start = 2025-01-01

[[episodes]]
key = "KPE2"
title = {json.dumps(HOSTILE)}
start = 2025-02-01

[[episodes]]
key = "KPE3"
title = "Section 47 enquiry"
start = 2025-08-01
end = 2025-08-14

[[episodes]]
key = "KPE4"
title = {json.dumps(LONG)}
start = 2025-08-20
end = 2026-01-19

[[members]]
slack_id = "U0THV001"
role = "Health visitor"
agency = "Testshire Community Health"
episodes = ["KPE1", "KPE2", "KPE3", "KPE4"]

[[members]]
slack_id = "U0TSW001"
role = "Social worker"
agency = "Testshire Children's Social Care"
episodes = ["KPE2", "KPE3", "KPE4"]
"""


def reflection(member: str, episode: str) -> dict:
    answers = {name: f"What I did in {episode}." for name in FIELDS}
    return {**answers, "member": member, "episode": episode, "knowledge_source": "My own memory",
            "factors": ["conditions of work: a duty queue of 45 concerns"]}


@pytest.fixture
def exported(tmp_path, monkeypatch, db_path, store, prompts):
    """The review imported with `casegroup review import`, three accounts submitted, and the HTML export's page."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    review_file = tmp_path / "review.toml"
    review_file.write_text(REVIEW)
    assert main(["review", "import", str(review_file)]) == 0
    review = parse_review_file(review_file)
    submit_directly(store, review, [reflection("U0THV001", "KPE1"), reflection("U0THV001", "KPE3"),
                                    reflection("U0TSW001", "KPE3")], prompts)
    out = tmp_path / "digest.html"
    assert main(["export", "gap-t", "--format", "html", "--out", str(out)]) == 0
    return out.read_text()


def timeline(page: str) -> ET.Element:
    """The timeline's SVG, read as the XML it has to be (a bare `&` or `<` from a title would not parse)."""
    return ET.fromstring(page[page.index('<svg class="chart timeline"'):page.index("</svg>") + len("</svg>")])


def rows(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("id").removeprefix("timeline-"): g for g in svg.iter(f"{SVG}g") if g.get("class") == "episode"}


def placed(row: ET.Element) -> tuple[float, float]:
    """Where an episode is on the axis: a span's bar from its left to its right edge; one day's mark, its centre."""
    bar = next((r for r in row.iter(f"{SVG}rect") if r.get("class") == "span"), None)
    if bar is not None:
        return float(bar.get("x")), float(bar.get("x")) + float(bar.get("width"))
    mark = row.find(f"{SVG}circle")
    return float(mark.get("cx")), float(mark.get("cx"))


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def test_episodes_sit_on_a_date_axis_so_a_six_month_gap_looks_six_times_a_one_month_gap(exported):
    episodes = rows(timeline(exported))
    assert list(episodes) == ["KPE1", "KPE2", "KPE3", "KPE4"]
    kpe1, kpe2, kpe3, kpe4 = (placed(episodes[key]) for key in episodes)
    one_month, six_months = kpe2[0] - kpe1[0], kpe3[0] - kpe2[0]
    assert one_month > 0
    assert six_months / one_month == pytest.approx(181 / 31, rel=0.02)   # 5.8: "about six times"
    # Single days are marks (a circle, no bar); spans are bars as long as their days (14 and 153).
    assert [episodes[k].find(f"{SVG}circle") is not None for k in episodes] == [True, True, False, False]
    fortnight, five_months = kpe3[1] - kpe3[0], kpe4[1] - kpe4[0]
    assert five_months / fortnight == pytest.approx(153 / 14, rel=0.03)
    assert kpe4[0] > kpe3[1]   # the six days between them show as a gap


def test_the_axis_has_month_ticks_and_years_at_their_dates(exported):
    svg = timeline(exported)
    ticks = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "tick" and t.text]
    labels = [t.text for t in ticks]
    # Jan 2025 to Jan 2026 is too long for a label every month: every other month, and each year once.
    assert [label for label in labels if not label.isdigit()] == ["Jan", "Mar", "May", "Jul", "Sep", "Nov", "Jan"]
    assert [label for label in labels if label.isdigit()] == ["2025", "2026"]
    # A tick's line is where its month begins, and one day's mark sits in the middle of its day: 1 Jan half a
    # day past the January line, 1 Feb 31.5 days past it.
    lines = [float(line.get("x1")) for line in svg.iter(f"{SVG}line")]
    jan, mar = ([float(t.get("x")) - 3 for t in ticks if t.text == month][0] for month in ("Jan", "Mar"))
    assert any(x == pytest.approx(jan) for x in lines) and any(x == pytest.approx(mar) for x in lines)
    kpe1, kpe2 = (placed(rows(svg)[key])[0] for key in ("KPE1", "KPE2"))
    per_day = (mar - jan) / 59   # 1 Jan to 1 Mar 2025
    assert kpe1 == pytest.approx(jan + per_day / 2, abs=0.2) and kpe2 == pytest.approx(jan + 31.5 * per_day, abs=0.2)


def test_each_episode_shows_its_dates_coverage_and_full_title_and_nothing_raw_gets_through(exported):
    episodes = rows(timeline(exported))
    texts = {key: [text_of(t) for t in row.iter(f"{SVG}text")] for key, row in episodes.items()}
    assert texts["KPE1"] == ["KPE1 Referral from the school", "1 Jan 2025", "1 of 1"]
    assert texts["KPE3"] == ["KPE3 Section 47 enquiry", "1 to 14 Aug 2025", "2 of 2"]
    assert texts["KPE4"][1:] == ["20 Aug 2025 to 19 Jan 2026", "0 of 2"]
    # A long title is shortened in the chart; the tooltip has it whole, with its dates and coverage.
    assert texts["KPE4"][0] == "KPE4 Child protection conference, th…"
    assert episodes["KPE4"].find(f"{SVG}title").text == f"KPE4: {LONG} · 20 Aug 2025 to 19 Jan 2026 · 0 of 2"
    # The title with markup in it is text, in the chart as everywhere: escaped, and read back as written.
    assert episodes["KPE2"].find(f"{SVG}title").text == f"KPE2: {HOSTILE} · 1 Feb 2025 · 0 of 2"
    assert "<script" not in exported and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; a home" in exported
    # Coverage beside each: the bar is filled for the accounts received.
    done = {key: float(next(r for r in row.iter(f"{SVG}rect") if r.get("class") == "done").get("width"))
            for key, row in episodes.items()}
    assert done["KPE1"] == done["KPE3"] > 0 and done["KPE2"] == done["KPE4"] == 0


def test_the_json_export_gives_each_episode_its_dates_as_data(tmp_path, exported):
    out = tmp_path / "digest.json"
    assert main(["export", "gap-t", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [(t["start"], t["end"]) for t in data["timeline"]] == [
        ("2025-01-01", None), ("2025-02-01", None), ("2025-08-01", "2025-08-14"), ("2025-08-20", "2026-01-19")]


def test_an_episode_without_a_date_is_listed_apart_with_its_coverage(store, sample_review, sample_reflections,
                                                                        prompts):
    # A review file always dates its episodes; a digest's timeline may still hold an entry without one (made by
    # other code, or kept from before), and it must neither break the axis nor vanish.
    store.reviews.save(sample_review, actor="test")
    submit_directly(store, sample_review, sample_reflections, prompts)
    digest = build_digest(store, sample_review, prompts)
    undated = dataclasses.replace(digest.timeline[2], start=None, end=None)
    digest = dataclasses.replace(digest, timeline=[*digest.timeline[:2], undated, *digest.timeline[3:]])
    page = html(digest)
    assert list(rows(timeline(page))) == ["KPE1", "KPE2", "KPE4", "KPE5"]
    listed = re.search(r'<p class="meta">Without a date:</p><ul class="undated">(.*?)</ul>', page)
    assert listed and listed.group(1) == ("<li><strong>KPE3</strong> Triage at the front door and a short "
                                          "assessment · 2 of 2</li>")


def test_a_long_review_prints_its_timeline_in_pieces_that_fit_a_page_on_one_axis(store, prompts):
    # A browser prints an SVG taller than the page on pages of its own and slices it (60 rows left the heading
    # alone on a page): the timeline is cut into SVGs that fit an A4 page, each with the same axis.
    review = synthetic_review("long", episodes=60, members=3)
    store.reviews.save(review, actor="test")
    submit_directly(store, review, [reflection(review.members[0].slack_id, "KPE1")], prompts)
    page = html(build_digest(store, review, prompts))
    pieces = [ET.fromstring(svg + "</svg>") for svg in re.findall(r'<svg class="chart timeline".*?(?=</svg>)', page)]
    assert [list(rows(svg)) for svg in pieces] == [[f"KPE{n}" for n in range(1, 31)],
                                                   [f"KPE{n}" for n in range(31, 61)]]
    assert all(float(svg.get("viewBox").split()[3]) <= 1000 for svg in pieces)   # 1010px is an A4 page inside its margins
    ticks = [{t.text: t.get("x") for t in svg.iter(f"{SVG}text") if t.get("class") == "tick" and t.text}
             for svg in pieces]
    assert ticks[0] == ticks[1] and ticks[0]["Jan"] and ticks[0]["2025"]   # 1 Jan 2024 to Feb 2025, on one axis
