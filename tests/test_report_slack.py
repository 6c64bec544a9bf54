"""`/review report KEY` (issue 16, part 1): a lead asks in Slack, and the draft report arrives in their DM as a Word
document, through the real App against the fake Web API; the file is opened with python-docx."""
from __future__ import annotations

import io

import docx

from tests.runningkit import wait_until
from tests.test_digest_story import ack_text
from tests.stories import submit_directly

LEAD = "U0LEAD01"


def test_a_lead_types_review_report_and_the_word_draft_arrives_in_their_dm(
        fake, slack, store, imported, sample_reflections, prompts):
    submit_directly(store, imported, sample_reflections, prompts)
    response = slack.command(LEAD, "/review", "report Child-D", fake.response_url)
    assert response.status == 200 and "Sorry" not in (response.body or "")
    wait_until(lambda: any("is in your DM" in str(c.get("text")) for c in fake.calls("response_url")),
               what="the report sent")
    said = [c["text"] for c in fake.calls("response_url")]
    assert said == ["Putting together the draft report of *Child D*…",
                    "The draft report of *Child D* is in your DM, as a Word document."]
    [asked] = fake.calls("files.getUploadURLExternal")
    assert asked["filename"].startswith("child-d-report-draft-") and asked["filename"].endswith(".docx")
    [complete] = fake.calls("files.completeUploadExternal")
    assert complete["channel_id"] == "D0LEAD01" and "keep it within the review" in complete["initial_comment"]
    [upload] = fake.calls("file.upload")
    document = docx.Document(io.BytesIO(fake.uploaded(upload["path"])))
    assert document.core_properties.identifier == "casegroup:child-d"
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][0] == "1 Introduction"
    assert [a["action"] for a in store.audit.trail("child-d")].count("report.made") == 1


def test_a_failed_upload_says_how_to_make_the_report_from_the_command_line(fake, slack, store, imported):
    fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
    slack.command(LEAD, "/review", "report child-d", fake.response_url)
    wait_until(lambda: len(fake.calls("response_url")) == 2, what="two answers")
    assert fake.calls("response_url")[1]["text"] == (
        "I couldn't put the report in your DM (not_allowed_token_type). `casegroup report child-d` writes it "
        "from the command line.")


def test_review_report_help_says_what_it_does(fake, slack, imported):
    answer = ack_text(slack.command(LEAD, "/review", "report help", fake.response_url))
    assert answer.startswith("`/review report KEY`: the draft report, as a Word document sent to your DM")
