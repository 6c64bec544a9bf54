"""Factual-accuracy comments in Slack (issue 16): a lead drops an agency's commented draft into the bot's DM, says
which agency it is from, reads the comments with `/review comments`, and resolves one in its modal; a practitioner's
file is not downloaded; bad files get one line. The real App, signed requests, the fake Web API serving files.info
and the file's private URL. The drafts are the real report: sent by `/review report` in the story, else written
by `casegroup report` from the same database."""
from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import docx
import pytest

from bot.cli import main
from tests.fakeslack import BOT_USER, TEAM
from tests.wordcomments import comment_on, runs_of, saved
from tests.runningkit import (body_of, clock, home_of, posts_to, said_to, store, submit_view,  # noqa: F401
                              wait_until)
from tests.slackdriver import dm_event

LEAD, TEAM_MEMBER, PRACTITIONER, OUTSIDER = "U0LEAD01", "U0TEAM01", "U0HV0001", "U0OUT001"
_files = itertools.count(1)
DATA = Path(__file__).parent / "data"


@pytest.fixture
def analysed(imported, db_path):
    """Child D with the team's analysis imported from its file (`casegroup analysis import`): two draft findings."""
    assert main(["analysis", "import", "child-d", str(DATA / "sample-review" / "analysis.toml"),
                 "--db", str(db_path)]) == 0
    return imported


@pytest.fixture
def drafts(db_path, tmp_path):
    """The draft report of a review in the test's database, as `casegroup report KEY` writes it."""
    def draft(review_key: str = "child-d") -> docx.Document:
        out = tmp_path / f"{review_key}-draft.docx"
        if not out.exists():
            assert main(["report", review_key, "--db", str(db_path), "--out", str(out)]) == 0
        return docx.Document(str(out))
    return draft


def police_comment_on(document) -> bytes:
    """The police's reviewer comments in Word: on the KPE2 row of the chronology, a finding's heading, a question."""
    comment_on(document, runs_of(document, "999", table_row="KPE2", column=3),
               "The call came at 01:05. Kirsty Ashby rang first.", author="Jo Tait", initials="JT")
    comment_on(document, runs_of(document, "Finding 1: Forms ask about the adults", style="Heading 2"),
               "The title overstates it.", author="Jo Tait", initials="JT")
    comment_on(document, runs_of(document, "What does the board expect when a family"), "Word it for all agencies.",
               author="Sam Okafor", initials="SO")
    return saved(document)


@pytest.fixture
def police_draft(analysed, drafts) -> bytes:
    return police_comment_on(drafts())


def drop(slack, fake, user: str, name: str, content: bytes, also_file_shared: bool = False, **info) -> str:
    """`user` drops a file into the bot's DM, as Slack tells the app: a `file_share` message (and `file_shared`)."""
    file_id = f"F0DOC{next(_files):04d}"
    fake.share_file(file_id, name, content, **info)
    event = dm_event(user, "")
    event["event"].update(subtype="file_share", upload=True,
                          files=[{"id": file_id, "mode": "file_access", "file_access": "check_file_info"}])
    slack.event(event)
    if also_file_shared:
        slack.event(file_shared(user, file_id))
    return file_id


def file_shared(user: str, file_id: str) -> dict:
    n = next(_files)
    return {"token": "verification_token", "team_id": TEAM, "api_app_id": "A0CASE001", "type": "event_callback",
            "event_id": f"EvFile{n:06d}", "event_time": 1_700_400_000 + n,
            "event": {"type": "file_shared", "channel_id": "D" + user[1:], "file_id": file_id, "user_id": user,
                      "file": {"id": file_id}, "event_ts": f"{1_700_400_000 + n}.000100"},
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}


def test_a_lead_sends_the_draft_drops_the_police_comments_names_the_agency_reads_and_resolves_them(
        fake, slack, lazy, store, analysed):
    # The lead asks for the draft in Slack and sends it to the agencies; the police send it back commented.
    slack.command(LEAD, "/review", "report child-d", fake.response_url)
    [upload] = wait_until(lambda: fake.calls("file.upload"), what="the draft uploaded")
    sent = docx.Document(io.BytesIO(fake.uploaded(upload["path"])))
    drop(slack, fake, LEAD, "police-comments.docx", police_comment_on(sent), also_file_shared=True)
    asked = said_to(fake, LEAD, "Which agency are the comments from?")
    assert len(asked) == 1   # the file_share message and the file_shared event: one file, read once
    question = json.loads(asked[0])
    assert "I read *police-comments.docx*, a draft of *Child D* (`child-d`), with 3 comments." in question["text"]
    buttons = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == [
        "Brackenshire Children's Social Care", "Brackenshire Community Health", "Brackenshire Housing",
        "Brackenshire Police", "Hollybush Day Nursery", "Millbrook Surgery"]
    assert len(fake.calls("files.info")) == 1
    assert [c["token"] for c in fake.calls("file.download")] == ["xoxb-test"]   # the bot token, as Slack needs
    assert store.accuracy.comments("child-d") == []   # nothing until the agency is named

    slack.dm(LEAD, "brackenshire police")
    said = said_to(fake, LEAD, "Imported 3 comments from Brackenshire Police")[0]
    assert "1 in 2 The case in brief, KPE2; 1 in 4 Findings, F1; 1 in 4 Findings, F2" in said
    assert [(c.section, c.episode, c.finding, c.agency, c.initials) for c in store.accuracy.comments("child-d")] == [
        ("2 The case in brief", "KPE2", "", "Brackenshire Police", "JT"),
        ("4 Findings", "", "F1", "Brackenshire Police", "JT"),
        ("4 Findings", "", "F2", "Brackenshire Police", "SO")]
    # The next words in the DM are the DM's again: nothing waits for an agency now.
    slack.dm(LEAD, "hello")
    said_to(fake, LEAD, "I take typed answers only from the case group")

    # `/review comments`: by place, pseudonymised, a Resolve button on each open one (for a lead).
    slack.command(LEAD, "/review", "comments child-d", fake.response_url)
    listed = wait_until(lambda: [c for c in fake.calls("response_url") if "Factual-accuracy comments" in c["text"]])
    listing = json.dumps(listed[0], ensure_ascii=False)
    assert "Kirsty" not in listing and "Mother rang first" in listing
    assert "3 open of 3" in listing and "*2 The case in brief, KPE2*" in listing
    resolve = [b["accessory"] for b in listed[0]["blocks"] if b.get("accessory")]
    assert [(b["text"]["text"], b["value"]) for b in resolve] == [
        ("Resolve 1", "child-d|1"), ("Resolve 2", "child-d|2"), ("Resolve 3", "child-d|3")]

    # The resolve modal: not accepted needs a reason; with one, it is kept and the Home tab's count goes down.
    slack.click(LEAD, "accuracy_resolve", "child-d|2")
    opened = fake.wait_for("views.open")[0]["view"]
    assert opened["callback_id"] == "accuracy_resolve_form" and opened["private_metadata"] == "child-d|2"
    assert "The title overstates it." in json.dumps(opened)
    response = submit_view(slack, LEAD, "accuracy_resolve_form", "child-d|2", {"status": "not-accepted",
                                                                                "reason": ""})
    assert body_of(response) == {"response_action": "errors", "errors": {
        "reason": "Say why it is not accepted: Appendix B of the next draft gives the reason."}}
    assert store.accuracy.comment("child-d", 2).open
    submit_view(slack, LEAD, "accuracy_resolve_form", "child-d|2",
                {"status": "not-accepted", "reason": "The appraisal supports the title."})
    said_to(fake, LEAD, "Comment 2 of `child-d` is now not accepted.")
    resolved = store.accuracy.comment("child-d", 2)
    assert (resolved.status, resolved.reason) == ("not-accepted", "The appraisal supports the title.")
    assert "2 open factual-accuracy comments" in json.dumps(home_of(fake, LEAD))
    assert [a["action"] for a in store.audit.trail("child-d") if a["action"].startswith("accuracy.")] == [
        "accuracy.file_received", "accuracy.imported", "accuracy.resolved"]


def test_the_agency_button_imports_and_the_team_reads_without_resolving(fake, slack, lazy, store, police_draft):
    drop(slack, fake, TEAM_MEMBER, "health.docx", police_draft)
    said_to(fake, TEAM_MEMBER, "Which agency are the comments from?")
    slack.click(TEAM_MEMBER, "accuracy_agency", "child-d|Brackenshire Community Health")
    said_to(fake, TEAM_MEMBER, "Imported 3 comments from Brackenshire Community Health")
    slack.click(TEAM_MEMBER, "accuracy_agency", "child-d|Brackenshire Community Health")   # a second click
    said_to(fake, TEAM_MEMBER, "There is no file waiting for its agency now")
    assert len(store.accuracy.comments("child-d")) == 3
    slack.command(TEAM_MEMBER, "/review", "comments child-d", fake.response_url)
    listed = wait_until(lambda: [c for c in fake.calls("response_url") if "Factual-accuracy comments" in c["text"]])
    assert not [b for b in listed[0]["blocks"] if b.get("accessory")]   # reading, not resolving
    slack.click(TEAM_MEMBER, "accuracy_resolve", "child-d|1")
    said_to(fake, TEAM_MEMBER, "Sorry, only a lead reviewer of that review can resolve the agencies' comments.")
    assert not fake.calls("views.open")


def test_cancel_sets_the_file_aside_and_the_same_file_again_adds_nothing(fake, slack, lazy, store, police_draft):
    data = police_draft
    drop(slack, fake, LEAD, "police.docx", data)
    said_to(fake, LEAD, "Which agency")
    slack.dm(LEAD, "cancel")
    said_to(fake, LEAD, "Set police.docx aside: nothing was imported.")
    assert store.accuracy.comments("child-d") == []
    drop(slack, fake, LEAD, "police.docx", data)
    wait_until(lambda: len([p for p in posts_to(fake, LEAD) if "Which agency" in p]) == 2)
    slack.dm(LEAD, "Brackenshire Police")
    said_to(fake, LEAD, "Imported 3 comments")
    drop(slack, fake, LEAD, "police-again.docx", data)
    wait_until(lambda: len([p for p in posts_to(fake, LEAD) if "Which agency" in p]) == 3)
    slack.dm(LEAD, "Brackenshire Police")
    said_to(fake, LEAD, "Nothing new: the 3 comments in police-again.docx from Brackenshire Police had been imported")
    assert len(store.accuracy.comments("child-d")) == 3


def test_a_practitioner_who_drops_a_file_is_told_kindly_and_nothing_is_downloaded(fake, slack, lazy, store,
                                                                                 police_draft):
    for user in (PRACTITIONER, OUTSIDER):
        drop(slack, fake, user, "my-notes.docx", police_draft, also_file_shared=True)
        said = said_to(fake, user, "I can only take files from a review's lead reviewers and review team")
        assert len(said) == 1 and "Nothing was downloaded" in said[0]
    assert not fake.calls("files.info") and not fake.calls("file.download")
    assert store.accuracy.comments("child-d") == []


def test_the_bots_own_upload_is_not_a_drop(fake, slack, lazy, store, imported):
    fake.share_file("F0BOTUP1", "child-d-digest.md", b"# digest")
    slack.event(file_shared(BOT_USER, "F0BOTUP1"))
    slack.dm(LEAD, "hello")   # something the bot does answer, so that an absence below is real
    said_to(fake, LEAD, "I take typed answers only from the case group")
    assert not fake.calls("files.info") and not posts_to(fake, BOT_USER)


def _another_reviews_draft(drafts, db_path) -> bytes:
    """Adult G's real draft, commented: a review this lead doesn't run (nor read)."""
    assert main(["review", "import", str(DATA / "adults-review" / "review.toml"), "--db", str(db_path)]) == 0
    document = drafts("adult-g")
    comment_on(document, runs_of(document, "Why this case was reviewed"), "The date is wrong.")
    return saved(document)


BAD_DROPS = [  # (name, content, files.info extras, what the lead is told)
    ("minutes.pdf", b"%PDF-1.7", {}, "minutes.pdf isn't a Word document (.docx)"),
    ("renamed.docx", b"Dear team, our comments are below", {}, "renamed.docx isn't a Word document (.docx)"),
    ("empty.docx", b"", {}, "empty.docx is empty"),
    ("adult-g.docx", "another review's", {}, "adult-g.docx isn't a draft report of a review you run or read"),
    ("clean.docx", "uncommented", {}, "clean.docx has no comments in it"),
    ("huge.docx", b"PK", {"size": 50 * 1024 * 1024}, "huge.docx is larger than 20 MB"),
]


@pytest.mark.parametrize("name, content, info, told", BAD_DROPS, ids=[b[0] for b in BAD_DROPS])
def test_a_bad_file_dropped_gets_one_line_and_nothing_is_stored(name, content, info, told, fake, slack, lazy, store,
                                                               imported, drafts, db_path):
    if content == "another review's":
        content = _another_reviews_draft(drafts, db_path)
    elif content == "uncommented":
        content = saved(drafts("child-d"))
    drop(slack, fake, LEAD, name, content, also_file_shared=True, **info)
    said = said_to(fake, LEAD, told)
    assert len(said) == 1 and "Nothing was stored." in said[0]
    assert not [p for p in posts_to(fake, LEAD) if "Which agency" in p]
    slack.dm(LEAD, "Brackenshire Police")   # nothing waits for an agency: the DM is the DM's
    said_to(fake, LEAD, "I take typed answers only from the case group")
    assert store.accuracy.comments("child-d") == []
    # Not a Word file by its name or size: not even downloaded.
    if name in ("minutes.pdf", "huge.docx"):
        assert not fake.calls("file.download")


def test_slack_refusing_the_file_is_said_and_nothing_is_stored(fake, slack, lazy, store, police_draft):
    fake.fail("files.info", error="file_not_found")
    drop(slack, fake, LEAD, "police.docx", police_draft)
    said_to(fake, LEAD, "I couldn't fetch F0DOC")
    assert store.accuracy.comments("child-d") == []


def test_a_dropped_file_is_acknowledged_before_it_is_fetched(fake, slack, lazy, store, police_draft):
    """Slack retries an event it hasn't heard back on within 3 seconds: the DM's file_share message and the
    file_shared event are answered at once, and the file fetched after (files.info takes 3 s here)."""
    def questions() -> int:
        return len([p for p in posts_to(fake, LEAD) if "Which agency" in p])

    fake.fail("files.info", delay=3.0)
    drop(slack, fake, LEAD, "police.docx", police_draft)
    assert questions() == 0   # the event answered, the file not read yet
    wait_until(lambda: questions() == 1, what="the agency asked")
    slack.dm(LEAD, "cancel")
    said_to(fake, LEAD, "aside: nothing was imported")

    fake.fail("files.info", delay=3.0)
    fake.share_file("F0SLOW0001", "police-again.docx", police_draft)
    assert slack.event(file_shared(LEAD, "F0SLOW0001")).status == 200
    assert questions() == 1
    wait_until(lambda: questions() == 2, what="the agency asked again")


def test_the_bot_token_goes_to_slacks_file_url_and_never_on_to_where_it_redirects(fake, slack, lazy, store,
                                                                                  police_draft):
    """urllib follows a redirect with the request's headers: the token must stay with the URL Slack gave."""
    elsewhere = f"http://localhost:{fake.port}/files/F0ELSEWHERE/police.docx"   # another host name
    drop(slack, fake, LEAD, "police.docx", police_draft, redirect_to=elsewhere)
    said_to(fake, LEAD, "I couldn't fetch police.docx")
    first, then = fake.calls("file.download")
    assert first["path"].startswith("/files/F0DOC") and first["token"] == "xoxb-test"
    assert then["path"] == "/files/F0ELSEWHERE/police.docx" and then["token"] == ""
    assert store.accuracy.comments("child-d") == []


ROLE_PEOPLE = {"lead": LEAD, "team": TEAM_MEMBER, "member": PRACTITIONER, "outsider": OUTSIDER}


@pytest.fixture
def with_comment(store, imported):
    from bot.core.accuracy import AccuracyComment
    store.accuracy.add("child-d", [AccuracyComment("Brackenshire Police", "JT", "The call came at 01:05.",
                                                   anchor="01:15", section="2 The case in brief",
                                                   episode="KPE2")], actor="test")
    return imported


@pytest.mark.parametrize("role", ROLE_PEOPLE)
def test_roles_resolve_button_and_form(role, fake, slack, lazy, store, with_comment):
    """Only a lead resolves: the button opens the modal for them, and only their submission is kept."""
    user = ROLE_PEOPLE[role]
    slack.click(user, "accuracy_resolve", "child-d|1")
    response = submit_view(slack, user, "accuracy_resolve_form", "child-d|1", {"status": "accepted", "reason": ""})
    refusals = [a for a in store.audit.trail("child-d") if a["action"] == "access.refused" and a["actor"] == user]
    if role == "lead":
        assert [c["view"]["callback_id"] for c in fake.calls("views.open")] == ["accuracy_resolve_form"]
        assert response.status == 200 and store.accuracy.comment("child-d", 1).status == "accepted"
        assert not refusals
    else:
        said_to(fake, user, "I couldn't find that review" if role == "outsider" else "Sorry, only a lead reviewer")
        assert not fake.calls("views.open") and store.accuracy.comment("child-d", 1).open
        assert len(refusals) == 2   # the button and the form, each refused and audited


def test_a_purge_deletes_a_dropped_file_still_waiting_for_its_agency(fake, slack, lazy, store, police_draft):
    drop(slack, fake, LEAD, "police.docx", police_draft)
    said_to(fake, LEAD, "Which agency")
    counts = store.retention.purge("child-d", actor="cli")
    assert counts["accuracy_files"] == 1
    slack.dm(LEAD, "Brackenshire Police")   # nothing waits now: the DM is the DM's again
    said_to(fake, LEAD, "I take typed answers only from the case group")
    assert store.accuracy.comments("child-d") == []
    assert "police.docx" not in str(store.audit.trail("child-d"))   # named by who and when, not by the file


def test_a_practitioners_words_sent_with_a_file_are_still_their_answer(fake, slack, lazy, store, invited):
    file_id = f"F0DOC{next(_files):04d}"
    fake.share_file(file_id, "photo.docx", b"PK")
    event = dm_event(PRACTITIONER, "yes")
    event["event"].update(subtype="file_share", files=[{"id": file_id}])
    slack.event(event)
    said_to(fake, PRACTITIONER, "I can only take files from a review's lead reviewers and review team")
    said_to(fake, PRACTITIONER, "Thank you. Your answers are saved as you go")   # their consent, as typed
    assert store.conversations.state("child-d", PRACTITIONER).stage == "asking"
    assert not fake.calls("files.info")


def test_a_lead_typing_a_long_message_while_a_file_waits_is_asked_for_just_the_name(fake, slack, lazy, store,
                                                                                  police_draft):
    drop(slack, fake, LEAD, "police.docx", police_draft)
    said_to(fake, LEAD, "Which agency")
    slack.dm(LEAD, "These are the comments the police sent back on Friday, after their legal team read it " * 2)
    said_to(fake, LEAD, "An agency's name is at most 80 characters")
    assert store.accuracy.comments("child-d") == []
    slack.dm(LEAD, "Brackenshire Police")   # the file still waits: the next answer imports it
    said_to(fake, LEAD, "Imported 3 comments from Brackenshire Police")
