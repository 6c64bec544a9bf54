"""The review team reads the digest: the sample case group reflects in Slack, then a lead runs `/summary`."""
from __future__ import annotations

import json
import re
import time

import pytest

from bot.cli import main
from bot.core.redaction import HONORIFICS, Redactor
from tests.blockkit import assert_within_limits
from tests.runningkit import wait_until
from tests.stories import answer_everything, reflections_by_member

HEALTH_VISITOR = "Health visitor (Brackenshire Community Health)"
EXPECTED = {  # episode -> who contributed (the whole case group for that episode)
    "KPE1": {HEALTH_VISITOR, "Housing officer (Brackenshire Housing)"},
    "KPE2": {"Response police officer (Brackenshire Police)"},
    "KPE3": {"Social worker (Brackenshire Children's Social Care)",
             "Team manager, front door (Brackenshire Children's Social Care)"},
    "KPE4": {HEALTH_VISITOR, "Nursery key worker (Hollybush Day Nursery)", "GP (Millbrook Surgery)"},
    "KPE5": {HEALTH_VISITOR, "Housing officer (Brackenshire Housing)"},
}


def real_names(review) -> set[str]:
    """Every name and part of a name in [[people]], except honorifics."""
    return {word for person in review.people for name in person.names for word in re.findall(r"[^\W\d_]+", name)
            if word.lower() not in HONORIFICS}


def assert_no_real_name(text: str, review, where: str) -> None:
    for name in real_names(review):
        assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), f"{name!r} appears in {where}"


def section_texts(messages: list[dict]) -> list[str]:
    return [block["text"]["text"] for message in messages for block in message["blocks"]
            if block["type"] == "section"]


def ack_text(response) -> str:
    """What the acknowledgement said: Bolt answers plain text, or JSON when there is more than text."""
    body = response.body or ""
    return json.loads(body)["text"] if body.startswith("{") else body


def summary(slack, fake, user: str, text: str = "") -> tuple[str, list[dict]]:
    """Run /summary; return the acknowledgement and the messages posted to the response_url."""
    before = len(fake.calls("response_url"))
    uploads = len(fake.calls("files.completeUploadExternal"))
    started = time.monotonic()
    response = slack.command(user, "/summary", text, fake.response_url)
    assert time.monotonic() - started < 3, "Slack must be acknowledged within 3 seconds"
    assert response.status == 200
    ack = ack_text(response)
    fake.wait_for("files.completeUploadExternal", uploads + 1)
    return ack, fake.calls("response_url")[before:]


@pytest.fixture
def reflected(fake, slack, imported, prompts, sample_reflections):
    """The case group is invited, types and submits its reflections; the fake forgets those DMs."""
    slack.command("U0LEAD01", "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    for member, reflections in reflections_by_member(sample_reflections, imported).items():
        answer_everything(slack, member, reflections, prompts)
    fake.clear()
    return imported


def test_a_lead_reads_the_digest_of_the_whole_case_group(fake, slack, store, reflected, sample_reflections,
                                                        tmp_path, monkeypatch, db_path):
    review = reflected
    ack, overview = summary(slack, fake, "U0LEAD01")
    assert ack == "Putting together the digest of *Child D*…"
    for message in overview:
        assert_within_limits(message)
    overview_text = json.dumps(overview, ensure_ascii=False)
    # Every episode is on the timeline with its coverage.
    for key, contributors in EXPECTED.items():
        assert re.search(rf"`{key}`[^\n]*\*{len(contributors)} of {len(contributors)}\*", overview_text), key
    # Workload and information sharing recur across agencies: emerging patterns, with their evidence.
    assert "information sharing*" in overview_text and "workload*" in overview_text
    assert "Recurs in KPE1, KPE3, KPE4, KPE5 · 4 agencies" in overview_text      # information sharing
    assert "Recurs in KPE1, KPE3, KPE4, KPE5 · 3 agencies" in overview_text      # workload
    assert f"KPE1 {HEALTH_VISITOR}; KPE3 Social worker" in overview_text         # workload's evidence

    # One episode at a time, asked for in each of the ways a lead might.
    episodes = {}
    for key, asked in (("KPE1", "KPE1"), ("KPE2", "2"), ("KPE3", "front door triage"), ("KPE4", "nursery GP"),
                       ("KPE5", "child-d KPE5")):
        _, messages = summary(slack, fake, "U0LEAD02", asked)
        for message in messages:
            assert_within_limits(message)
        episodes[key] = json.dumps(messages, ensure_ascii=False)
        assert f"{key}: " in messages[0]["blocks"][0]["text"]["text"], asked
        who = next(text for text in section_texts(messages) if text.startswith("*Who contributed*")).split("\n")
        assert who[0] == f"*Who contributed* ({len(EXPECTED[key])} of {len(EXPECTED[key])})"
        assert {line.removeprefix("• ") for line in who[1:]} == EXPECTED[key]
    assert HEALTH_VISITOR in episodes["KPE4"]
    # The learned-later account is kept apart from the views held at the time.
    assert episodes["KPE4"].index("*Learned later*") < episodes["KPE4"].index(f"*{HEALTH_VISITOR}* · _learned later_")
    # Hindsight is flagged, quoted as written (names pseudonymised), not reworded.
    assert ("In hindsight we should have run Mother's partner's name through our systems before grading it; "
            "it was obvious once I saw his history.") in episodes["KPE2"]
    assert ("I failed to speak to the neighbour who made the call and I should have made time for it."
            in episodes["KPE3"])
    assert "_(should have, it was obvious, in hindsight)_" in episodes["KPE2"]
    assert "_(should have, failed to)_" in episodes["KPE3"]
    # Two agencies who saw KPE4 differently.
    assert "says they learned about it later" in episodes["KPE4"]

    # The full digest came to the lead's DM as a Markdown file, once per run.
    files = [call["content"] for call in fake.calls("file.upload")]
    assert len(files) == 6
    completed = fake.calls("files.completeUploadExternal")
    assert [call["channel_id"] for call in completed] == ["D0LEAD01"] + ["D0LEAD02"] * 5
    full = files[0]
    assert full.startswith("# Child D: digest of the case group's reflections")
    assert "@\u200bchannel there were two cars for the whole of the north division" in full  # its ping defused

    # The same digest from the command line, in every format.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    exports = []
    for fmt in ("md", "json", "html"):
        out = tmp_path / f"digest.{fmt}"
        assert main(["export", "child-d", "--out", str(out)]) == 0
        exports.append(out.read_text())
    patterns = {p["factor"]: p for p in json.loads(exports[1])["patterns"]}
    for factor in ("workload", "information sharing"):
        assert len(patterns[factor]["agencies"]) >= 3
        assert {e["episode"] for e in patterns[factor]["evidence"]} >= {"KPE1", "KPE3", "KPE4", "KPE5"}

    # No real name, and no raw <!channel>, anywhere Slack was sent anything, nor in any file or export.
    everything = {f"{method} call": json.dumps({k: v for k, v in call.items() if k != "token"}, ensure_ascii=False)
                  for method in set(fake.methods()) for call in fake.calls(method)}
    everything.update({f"file {n}": content for n, content in enumerate(files)})
    everything.update({f"export {n}": text for n, text in enumerate(exports)})
    for where, text in everything.items():
        assert_no_real_name(text, review, where)
        assert "<!channel>" not in text, where
    # The sample's statements were all there to be pseudonymised: nothing was dropped.
    redactor = Redactor.for_review(review)
    for reflection in sample_reflections:
        if reflection["changes"]:
            assert redactor.clean(reflection["changes"]) in exports[0]

    # Every run is in the audit trail: who, which review, which episode (written last, by the lazy listener).
    def viewed_rows():
        return [row for row in store.audit.trail("child-d") if row["action"] == "summary.viewed"]
    wait_until(lambda: len(viewed_rows()) >= 1 + len(EXPECTED), what="an audit row for each /summary run")
    viewed = viewed_rows()
    assert [(row["actor"], row["detail"].split(";")[0]) for row in viewed] == [
        ("U0LEAD01", "overview"), *[("U0LEAD02", f"episode {key}") for key in EXPECTED]]
    assert all("file sent to DM" in row["detail"] for row in viewed)
    exported = [row for row in store.audit.trail("child-d") if row["action"] == "digest.exported"]
    assert [(row["actor"], row["detail"]) for row in exported] == [
        ("cli", f"whole review as {fmt}, exported by the CLI") for fmt in ("md", "json", "html")]


def test_a_practitioner_running_summary_is_refused_politely_and_the_attempt_is_audited(fake, slack, lazy, store,
                                                                                       imported):
    response = slack.command("U0HV0001", "/summary", "", fake.response_url)
    text = ack_text(response)
    assert text.startswith("Sorry, only a lead reviewer or a member of the review team of that review can read "
                           "its digest.")
    slack.command("U0STRANGER", "/summary", "child-d KPE2", fake.response_url)
    slack.command("U0NOBODY1", "/summary", "", fake.response_url)
    # A refusal starts no work: the role is checked before the acknowledgement, and no lazy listener is
    # started (Bolt starts them during the request, so none can still be on its way).
    lazy.wait_for(0)
    assert lazy.started() == 0
    assert fake.calls("response_url") == [] and fake.calls("file.upload") == []
    refused = [(row["actor"], row["review_key"]) for row in store.audit.trail() if row["action"] == "access.refused"]
    assert refused == [("U0HV0001", "child-d"), ("U0STRANGER", "child-d"), ("U0NOBODY1", "")]


def test_a_lead_asking_before_anyone_has_submitted_gets_a_helpful_message(fake, slack, lazy, store, imported, prompts,
                                                                       sample_reflections):
    by_member = reflections_by_member(sample_reflections, imported)
    slack.command("U0LEAD01", "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    answer_everything(slack, "U0HV0001", by_member["U0HV0001"], prompts, submit=False)
    fake.clear()
    slack.command("U0TEAM01", "/summary", "", fake.response_url)
    message = fake.wait_for("response_url")[0]
    assert "Nobody has submitted a reflection on *Child D* yet" in message["text"]
    assert "1 are part-way through" in message["text"] and "`/review remind child-d`" in message["text"]
    lazy.wait_for(2)  # the invitation's and the summary's lazy listeners have returned
    assert fake.calls("file.upload") == [] and len(fake.calls("response_url")) == 1
    # The run is audited after the answer is sent (lazy listener).
    assert store.audit.trail("child-d")[-1]["detail"] == "no submitted reflections yet"


def test_an_ambiguous_episode_offers_the_candidates(fake, slack, lazy, store, imported, prompts, sample_reflections):
    from tests.stories import submit_directly
    submit_directly(store, imported, sample_reflections, prompts)
    # Matched first, so the acknowledgement itself offers them: nothing is promised that can't be kept.
    message = ack_text(slack.command("U0LEAD01", "/summary", "the", fake.response_url))
    assert message.startswith("That could be more than one episode. Did you mean:")
    assert "`/summary child-d KPE1`" in message and "`/summary child-d KPE2`" in message
    message = ack_text(slack.command("U0LEAD01", "/summary", "zebra crossing", fake.response_url))
    assert message.startswith("I couldn't match that to an episode. The episodes are:")
    lazy.wait_for(2)  # both runs' lazy listeners have returned: neither sent a file nor said more
    assert fake.calls("file.upload") == [] and fake.calls("response_url") == []
    assert [a["detail"].startswith("episode unclear; offered KPE") for a in store.audit.trail("child-d")[-2:]] == [
        True, True]


def test_summary_help_lists_the_ways_to_ask(fake, slack, lazy, imported):
    assert "`/summary child-d KPE2`" in ack_text(slack.command("U0LEAD01", "/summary", "help", fake.response_url))
    lazy.wait_for(0)  # the help is answered from the words alone: no lazy listener starts
    assert lazy.started() == 0 and fake.calls("response_url") == []  # the help was the whole answer


def test_when_the_file_cannot_be_sent_the_lead_is_told_how_else_to_get_it(fake, slack, store, imported, prompts,
                                                                        sample_reflections):
    from tests.stories import submit_directly
    submit_directly(store, imported, sample_reflections, prompts)
    fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
    slack.command("U0LEAD01", "/summary", "KPE4", fake.response_url)
    wait_until(lambda: store.audit.trail("child-d")[-1]["action"] == "summary.viewed",
               what="the /summary run's audit row")  # the lazy listener audits last
    messages = fake.calls("response_url")
    assert messages[0]["blocks"][0]["text"]["text"].startswith("KPE4: ")
    assert messages[-1]["text"] == ("I couldn't put the full digest in your DM (not_allowed_token_type). "
                                    "`casegroup export child-d` writes it from the command line.")
    assert store.audit.trail("child-d")[-1]["detail"] == "episode KPE4; file not sent: not_allowed_token_type"
