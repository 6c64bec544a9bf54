"""Two reviews with overlapping people: nothing of one appears in any output about the other."""
import json

from bot.cli import main
from bot.core.review import parse_review
from tests.conftest import SAMPLE
from tests.stories import answer_everything, reflections_by_member

import tomllib

SECOND_NAMES = ["Ruby Walsh", "Ruby", "Dean Walsh"]


def second_review():
    """Child E: the same health visitor and leads in other roles, another family, other words."""
    data = tomllib.loads((SAMPLE / "review.toml").read_text())
    data["review"].update(key="child-e", title="Child E", channel="C0REVIEWE",
                          leads=["U0TEAM01"], team=["U0LEAD02"])  # child-d's team member leads child-e
    data["members"] = [m for m in data["members"] if m["slack_id"] in ("U0HV0001", "U0GP0001")]
    for member in data["members"]:
        member["episodes"] = ["KPE1"]
    data["people"] = [{"label": "Child E", "names": ["Ruby Walsh", "Ruby"]},
                      {"label": "Father", "names": ["Dean Walsh"]}]
    return parse_review(data)


def e_answer(n: int) -> str:
    return f"Child-E-only account number {n}: Ruby Walsh and Dean Walsh at the clinic."


def test_nothing_of_one_review_appears_in_outputs_about_the_other(
        fake, slack, lazy, store, imported, prompts, sample_reflections, tmp_path, db_path, monkeypatch, capsys):
    store.reviews.save(second_review(), actor="test")
    for key, lead in (("child-d", "U0LEAD01"), ("child-e", "U0TEAM01")):
        slack.command(lead, "/review", f"invite {key}", fake.response_url)
        fake.wait_for("response_url", 1 if key == "child-d" else 2)

    by_member = reflections_by_member(sample_reflections, imported)
    for member, reflections in by_member.items():  # everyone answers Child D first
        answer_everything(slack, member, reflections, prompts)
    # The health visitor and the GP then answer Child E (its consent button names the review).
    for member in ("U0HV0001", "U0GP0001"):
        slack.click(member, "reflect_consent_yes", "child-e|consent|yes")
        for n, step in enumerate(prompts.steps):
            slack.dm(member, {"knowledge_source": "memory", "factors": "workload"}.get(step.key, e_answer(n)))
        slack.dm(member, "submit")
    assert set(store.submitted.latest("child-e")) == {"U0HV0001", "U0GP0001"}
    assert store.submitted.latest("child-d")["U0HV0001"]["KPE1"]["involvement"].startswith("I did the one-year")

    fake.clear()
    slack.command("U0LEAD01", "/summary", "child-d", fake.response_url)
    slack.command("U0LEAD01", "/summary", "child-d KPE1", fake.response_url)
    fake.wait_for("file.upload", 2)
    about_d = json.dumps([fake.calls(m) for m in ("response_url", "file.upload", "chat.postMessage")])
    fake.clear()
    slack.command("U0TEAM01", "/summary", "child-e", fake.response_url)
    slack.command("U0TEAM01", "/summary", "child-e KPE1", fake.response_url)
    fake.wait_for("file.upload", 2)
    about_e = json.dumps([fake.calls(m) for m in ("response_url", "file.upload", "chat.postMessage")])

    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    exports = {}
    for key in ("child-d", "child-e"):
        out = tmp_path / f"{key}.md"
        assert main(["export", key, "--out", str(out)]) == 0
        exports[key] = out.read_text()

    e_texts = ["Child-E-only account", "Child E", *SECOND_NAMES]
    d_texts = ["I did the one-year review", "Child D", "Lennon", "Kirsty", "Brackenshire Police",
               "Hollybush Day Nursery"]
    for output in (about_d, exports["child-d"]):
        assert [t for t in e_texts if t in output] == []
    for output in (about_e, exports["child-e"]):
        assert [t for t in d_texts if t in output] == []
        assert "Child-E-only account" in output  # the check can fail: B's own words are there
    # A lead of one review is no one in the other: child-d's lead can't read child-e. It isn't one of their
    # reviews, so to them `child-e` is words for one of child-d's episodes, as any unknown word would be.
    lazy.wait_for(lazy.started())
    fake.clear()
    started = lazy.started()
    response = slack.command("U0LEAD01", "/summary", "child-e", fake.response_url)
    # Words that match no episode are answered at once, with child-d's episodes: nothing follows.
    lazy.wait_for(started)
    told = json.dumps([response.body, fake.calls("response_url")])
    assert [t for t in e_texts if t in told] == [] and "KPE1" in told and fake.calls("response_url") == []
