"""What an outside probe of `casegroup serve` found (issue 14): the HTTP edge, the log, review keys,
review files, and who may answer. Each story is one way in that the rest of the suite didn't try."""
import io
import json
import logging
import shutil
import time

from slack_bolt.middleware.request_verification import RequestVerification
from slack_bolt.request import BoltRequest

from bot.core.prompts import PROMPTS_DIR, load_prompts
from bot.errors import PromptsError
from bot.logs import configure_logging
from tests.conftest import SAMPLE, SIGNING_SECRET
from tests.processes import casegroup_env, run_casegroup
from tests.slackdriver import action_payload, dm_event, sign
from tests.runningkit import said_to
from tests.test_bad_input import ack_text, replies_to
from tests.test_reliability_faults import serve
from tests.test_serve_and_socket_mode import post

HV, PC, LEAD = "U0HV0001", "U0PC0001", "U0LEAD01"
# What a practitioner might write: a real name, and a line that would pass for a log record of its own.
WORDS = "Kayden's mum Jade Morris said he had not eaten\n2025-01-01 00:00:00 ERROR casegroup: forged record"


# ----- 1. no request body in the log -----------------------------------------------------------

def test_a_request_that_fails_its_signature_check_leaves_no_body_in_the_log(tmp_path, fake):
    """A rotated signing secret, or a clock more than 5 minutes off: Slack's real requests are refused,
    and the log says so without a word of what they carried."""
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url, LOG_LEVEL="DEBUG")
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    process, url = serve(tmp_path, env)
    body = json.dumps(dm_event(HV, WORDS))
    try:
        rotated = {"Content-Type": "application/json",
                   **{k: v[0] for k, v in sign("the-secret-before-rotation", body).items()}}
        stale = {"Content-Type": "application/json",
                 **{k: v[0] for k, v in sign(SIGNING_SECRET, body, int(time.time()) - 600).items()}}
        assert post(url, body, rotated)[0] == 401
        assert post(url, body, stale)[0] == 401
    finally:
        process.terminate()
        _, logs = process.communicate(timeout=20)
    assert "Kayden" not in logs and "Jade Morris" not in logs and "forged record" not in logs
    assert logs.count("refused a request") == 2, logs  # both refusals were logged, and why
    assert fake.calls("chat.postMessage") == []


def test_no_library_puts_a_request_body_in_the_log_at_any_level():
    """Whatever a library writes (Bolt's own signature check, its socket mode adapter, a traceback whose
    message quotes a body), the log keeps what happened and drops what was sent."""
    out = io.StringIO()
    configure_logging("DEBUG", logging.StreamHandler(out))
    body = json.dumps(dm_event(HV, WORDS))
    refused = RequestVerification(SIGNING_SECRET).process(
        req=BoltRequest(body=body, headers={"x-slack-request-timestamp": [str(int(time.time()))],
                                            "x-slack-signature": ["v0=" + "0" * 64]}),
        resp=None, next=lambda: None)
    assert refused.status == 401  # Bolt's own check ran, and logged
    logging.getLogger("slack_bolt.adapter.socket_mode.internals").info(
        f"Unsuccessful Bolt execution result (status: 401, body: {body})")
    logging.getLogger("urllib3.connectionpool").debug("sent %s", body)
    try:
        raise ValueError(f"could not parse {body}")
    except ValueError:
        logging.getLogger("slack_sdk.socket_mode.builtin.client").exception("Failed to run a request listener")
    logs = out.getvalue()
    assert "Invalid request signature detected" in logs and "Unsuccessful Bolt execution result" in logs
    assert "Failed to run a request listener" in logs and "ValueError" in logs
    assert "Kayden" not in logs and "Jade" not in logs and "forged record" not in logs, logs


# ----- 2. an unsigned request with a timestamp that isn't a number --------------------------------

def test_an_unsigned_request_whose_timestamp_is_not_a_number_gets_401_and_nobody_hears_from_the_bot(
        fake, slack, store, invited):
    sent_before = len(fake.calls("chat.postMessage"))
    for timestamp in ("now", "", "1e9", "١٢٣"):
        body = json.dumps(dm_event(HV, "yes"))
        response = slack.app.dispatch(BoltRequest(body=body, headers={
            "content-type": ["application/json"], "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": ["v0=" + "0" * 64]}))
        assert response.status == 401, timestamp
    slack.dm(PC, "hello")  # a real request after them, answered: whatever they caused would be sent by now
    assert len(fake.wait_for("chat.postMessage", sent_before + 1)) == sent_before + 1
    assert replies_to(fake, PC) and store.conversations.state("child-d", HV).stage == "consent"


# ----- 10. review keys that differ only by case ---------------------------------------------------

def test_a_review_key_that_differs_from_another_only_by_case_is_refused_at_import(tmp_path, fake, store):
    env = casegroup_env(CASEGROUP_DB=store.path, SLACK_API_URL=fake.url)
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    shouting = tmp_path / "shouting.toml"
    shouting.write_text((SAMPLE / "review.toml").read_text().replace('key = "child-d"', 'key = "Child-D"'))
    result = run_casegroup("review", "import", str(shouting), cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'Child-D'" in result.stderr and "'child-d'" in result.stderr and "case" in result.stderr
    assert store.reviews.keys() == ["child-d"]


def test_a_review_key_typed_in_another_case_means_the_same_review_everywhere(fake, slack, store, invited):
    response = slack.command(LEAD, "/review", "stage CHILD-D", fake.response_url)
    assert response.status == 200 and ack_text(response) == ""
    assert "`child-d` is in its" in fake.wait_for("response_url", 2)[-1]["text"]
    assert not [r for r in store.audit.trail() if r["action"] == "access.refused"]


# ----- 11. outsiders can't tell which review keys exist -------------------------------------------

def test_an_outsider_gets_the_same_answer_for_a_review_that_exists_and_one_that_doesnt(fake, slack, invited):
    for command, words in (("/review", "status {}"), ("/review", "invite {}"), ("/summary", "{} KPE1")):
        answers = {key: slack.command("U0STRANGER", command, words.format(key), fake.response_url)
                   for key in ("child-d", "no-such-review")}
        seen = {key: (a.status, a.body, str(a.headers.get("content-type"))) for key, a in answers.items()}
        assert seen["child-d"] == seen["no-such-review"], (command, seen)
        assert "child-d" not in ack_text(answers["child-d"])
    # A member of the review's case group knows it exists: they are told what only a lead may do.
    assert "only a lead reviewer" in ack_text(slack.command(HV, "/review", "invite child-d", fake.response_url))


# ----- 12. a review file nested too deeply for the TOML parser ------------------------------------

def test_a_review_file_nested_500_deep_is_one_line_and_exit_2(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text('[review]\nkey = "x"\nnested = ' + "[" * 500 + "]" * 500 + "\n")
    result = run_casegroup("review", "import", str(deep), cwd=tmp_path,
                           env=casegroup_env(CASEGROUP_DB=tmp_path / "c.db"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "nested" in result.stderr and "deep.toml" in result.stderr


def test_a_prompts_file_nested_500_deep_names_the_file(tmp_path):
    shutil.copytree(PROMPTS_DIR, tmp_path / "prompts")
    framework = tmp_path / "prompts" / "framework.toml"
    framework.write_text(framework.read_text() + "\nnested = " + "[" * 500 + "]" * 500 + "\n")
    try:
        load_prompts(tmp_path / "prompts")
    except PromptsError as error:
        assert "framework.toml" in str(error) and "nested" in str(error)
    else:
        raise AssertionError("the prompts loaded")


# ----- 8. who may answer: the setup stage, and someone never invited -------------------------------

def test_the_setup_stage_stops_practitioners_who_were_already_invited(fake, slack, store, invited, prompts):
    slack.dm(HV, "yes")
    assert store.conversations.state("child-d", HV).stage == "asking"
    slack.command(LEAD, "/review", "stage child-d setup", fake.response_url)
    assert "back from conversations to setup?" in fake.wait_for("response_url", 2)[-1]["text"]   # asked first
    slack.click(LEAD, "review_confirm_stage", "child-d|conversations>setup")
    assert said_to(fake, LEAD, "moved from conversations to setup")
    assert store.reviews.get("child-d").stage == "setup"

    slack.dm(HV, "We visited on the Tuesday and nobody answered the door.")
    slack.click(PC, "reflect_consent_yes", "child-d|consent|yes")
    slack.dm(PC, "yes")
    assert len(store.conversations.answers("child-d", HV)) == 0
    assert store.conversations.state("child-d", PC).stage == "consent"
    preparing = prompts.say("lifecycle.in_setup", title="Child D")
    for reply in [replies_to(fake, HV)[-1], *replies_to(fake, PC)[-2:]]:
        assert preparing in json.dumps(reply, ensure_ascii=False), reply
    assert not [r for r in store.audit.trail() if r["action"] == "reflection.consented" and r["actor"] == PC]


def test_a_consent_click_from_someone_never_invited_is_not_taken_as_consent(fake, slack, store, imported):
    # The review is in conversations, and nobody has been invited.
    response = slack.action(action_payload(HV, "reflect_consent_yes", "child-d|consent|yes"))
    assert response.status == 200
    state = store.conversations.state("child-d", HV)
    assert state is not None and state.stage == "consent"  # invited now, as a DM would be; not consented
    assert "Do you agree" in json.dumps(replies_to(fake, HV)[-1])
