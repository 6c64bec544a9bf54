"""Faults survived, nothing lost: kill -9, retries and duplicates, Slack failures, concurrent writers."""
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bot.core.conversation import display
from storage import Store
from tests.conftest import SAMPLE, SIGNING_SECRET, make_app
from tests.processes import casegroup_env, run_casegroup, start_casegroup
from tests.slackdriver import SlackDriver, action_payload, dm_event, sign
from tests.stories import FIELDS, reflections_by_member, stored_words, typed_value
from tests.synthetic import member_id, synthetic_review

HV = "U0HV0001"


def post_event(url: str, payload: dict, retry: int = 0, timeout: float = 10) -> int:
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **{k: v[0] for k, v in sign(SIGNING_SECRET, body).items()}}
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"})
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def serve(tmp_path, env):
    process = start_casegroup("serve", "--port", "0", "--host", "127.0.0.1", cwd=tmp_path, env=env)
    line = process.stdout.readline()
    assert "listening on" in line, process.stderr.read()
    return process, line.strip().rsplit(" ", 1)[-1]


def conversation_script(sample_reflections, review, prompts):
    """Every message the case group sends, in order, each with the event id Slack would give it."""
    script = []
    for member, reflections in reflections_by_member(sample_reflections, review).items():
        texts = ["hello", "yes"] + [typed_value(r, s.key) for r in reflections for s in prompts.steps] + ["submit"]
        script += [dm_event(member, text, event_id=f"Ev{member}{i:03d}") for i, text in enumerate(texts)]
    return script


def test_kill_9_between_and_during_answers_loses_and_duplicates_nothing(
        tmp_path, fake, sample_review, sample_reflections, prompts):
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url)
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    script = conversation_script(sample_reflections, sample_review, prompts)
    rng = random.Random(20261123)
    position, cycles, retries, killed_mid_request = 0, 0, 0, 0
    while position < len(script) or cycles < 50:
        process, url = serve(tmp_path, env)
        cycles += 1
        # Kill -9 after a random number of answers, sometimes in the middle of a request.
        budget = rng.randint(0, 3)
        killer = threading.Timer(rng.uniform(0.0, 0.02), os.kill, (process.pid, signal.SIGKILL))
        try:
            for _ in range(budget):
                if position >= len(script):
                    break
                assert post_event(url, script[position], retry=retries) == 200
                position, retries = position + 1, 0
            if position < len(script):
                killer.start()
                try:
                    post_event(url, script[position], retry=retries)
                    position, retries = position + 1, 0  # acknowledged before the kill landed
                except (urllib.error.URLError, ConnectionError, OSError):
                    retries += 1  # not acknowledged: Slack will deliver it again, with a retry header
                    killed_mid_request += 1
        finally:
            killer.cancel()
            process.kill()
            process.wait(timeout=10)

    store = Store(tmp_path / "c.db")
    latest = store.submitted.latest("child-d")
    expected = reflections_by_member(sample_reflections, sample_review)
    for member, reflections in expected.items():
        assert store.conversations.state("child-d", member).stage == "submitted"
        for reflection in reflections:
            stored = latest[member][reflection["episode"]]
            for field in FIELDS:
                value = stored[field]
                typed = reflection[field]
                if field == "factors":   # a heading's name before a colon is where the words went, not kept in them
                    value, typed = [f["text"] for f in value], [words for _, words in stored_words(typed, prompts)]
                else:
                    value = display(value)
                assert value == typed, (member, reflection["episode"], field)
    saved = [r for r in store.audit.trail("child-d") if r["action"] == "answer.saved"]
    assert len(saved) == 10 * len(FIELDS)  # each answer stored exactly once
    assert len({r["detail"] + r["actor"] for r in saved}) == len(saved)
    assert cycles >= 50 and killed_mid_request > 0
    print(f"kill -9 cycles: {cycles}, messages: {len(script)}, unacknowledged and redelivered: {killed_mid_request}")


def test_the_same_event_delivered_up_to_four_times_out_of_order_and_concurrently_counts_once(
        fake, slack, store, invited):
    slack.dm(HV, "yes")
    before = len(fake.calls("chat.postMessage"))
    first, second = dm_event(HV, "first answer", "EvDUP-A"), dm_event(HV, "second answer", "EvDUP-B")
    deliveries = [first] * 4 + [second] * 3
    random.Random(7).shuffle(deliveries)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda p: slack.event(p, {"x-slack-retry-num": "1"}), deliveries))
    answers = store.conversations.answers("child-d", HV)
    stored = {answers[("KPE1", "involvement")], answers[("KPE1", "at_the_time")]}
    assert stored == {"first answer", "second answer"}
    assert ("KPE1", "front_of_mind") not in answers
    assert len(fake.calls("chat.postMessage")) == before + 2  # one reply each


def test_a_button_clicked_twice_or_redelivered_counts_once(fake, slack, store, invited):
    payload = action_payload(HV, "reflect_consent_yes", "child-d|consent|yes")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: slack.action(payload), range(4)))
    assert store.conversations.state("child-d", HV).stage == "asking"
    consents = [r for r in store.audit.trail("child-d") if r["action"] == "reflection.consented"]
    assert len(consents) == 1
    assert len([c for c in fake.calls("chat.postMessage") if c["channel"] == "D0HV0001"]) == 1


def test_slack_failures_are_retried_or_reported_to_the_lead_and_never_roll_back_an_answer(
        fake, settings, store, prompts, invited):
    from bot.app import build_app
    from bot.slack_client import make_client
    client = make_client(settings.bot_token, settings.api_url)
    client.timeout = 1  # so that a stalled Slack is a timeout within the test
    slack = SlackDriver(build_app(settings, store, prompts, client), SIGNING_SECRET)
    slack.dm(HV, "yes")
    fake.fail("chat.postMessage", status=429, retry_after=0, times=2)
    slack.dm(HV, "after two rate limits")
    fake.fail("chat.postMessage", status=500)
    slack.dm(HV, "after a server error")
    fake.fail("chat.postMessage", delay=1.5)
    slack.dm(HV, "after a timeout")
    answers = store.conversations.answers("child-d", HV)
    assert [answers[("KPE1", f)] for f in ("involvement", "at_the_time", "front_of_mind")] == [
        "after two rate limits", "after a server error", "after a timeout"]
    replies = [c for c in fake.calls("chat.postMessage") if c["channel"] == "D0HV0001"]
    assert "What options did you feel" in json.dumps(replies[-1])  # the retried reply got through
    assert not [c for c in fake.calls("chat.postMessage") if c["channel"] == "U0LEAD01"]  # nothing to report

    for error in ("channel_not_found", "user_not_found", "not_in_channel", "invalid_blocks"):
        fake.clear()
        fake.fail("chat.postMessage", error=error)
        slack.dm(HV, f"answer while Slack says {error}")
        report = [c for c in fake.calls("chat.postMessage") if c["channel"] == "U0LEAD01"]
        assert len(report) == 1, error
        assert f"Slack said `{error}`" in report[0]["text"]
        assert "Health visitor (Brackenshire Community Health)" in report[0]["text"]
        assert f"answer while Slack says {error}" not in json.dumps(report)  # no reflection text to the lead
    stored = store.conversations.answers("child-d", HV)
    assert stored[("KPE1", "options")] == "answer while Slack says channel_not_found"
    assert ("KPE1", "knowledge_source") not in stored  # "answer while ..." is no choice: asked again


def test_eight_writers_in_two_processes_store_ten_thousand_answers_with_none_lost_or_doubled(tmp_path, fake):
    members = 1112  # x 9 answers = 10,008
    review = synthetic_review("load", episodes=1, members=members, people=2)
    Store(tmp_path / "c.db").reviews.save(review, actor="test")
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url)
    first, first_url = serve(tmp_path, env)
    second, second_url = serve(tmp_path, env)
    typed = ["what happened", "at the time", "front of mind", "options", "hoped", "records", "workload",
             "went well", "changes"]
    errors = []

    def writer(index: int):
        url = first_url if index < 6 else second_url  # 6 threads on one process, 2 on the other
        for m in range(index, members, 8):
            user = member_id(m)
            for n, text in enumerate(["hello", "yes", *[f"{t} {user}" if i not in (5, 6) else t
                                                        for i, t in enumerate(typed)]]):
                try:
                    status = post_event(url, dm_event(user, text, event_id=f"Ev{user}-{n}"), timeout=30)
                    if status != 200:
                        errors.append(status)
                except Exception as error:  # noqa: BLE001 - counted and reported
                    errors.append(repr(error))

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(writer, range(8)))
    finally:
        for process in (first, second):
            process.terminate()
        stderr = "".join(p.communicate(timeout=20)[1] for p in (first, second))
    assert errors == []
    assert "locked" not in stderr and "Traceback" not in stderr
    assert not [c for c in fake.calls("chat.postMessage") if "went wrong" in json.dumps(c)]
    store = Store(tmp_path / "c.db")
    count = store.db.execute("select count(*) from answers where review_key = 'load'").fetchone()[0]
    assert count == members * 9
    saved = store.db.execute("select count(*) from audit where action = 'answer.saved'").fetchone()[0]
    assert saved == members * 9  # none stored twice
    sample = store.conversations.answers("load", member_id(777))
    assert sample[("KPE1", "changes")] == f"changes {member_id(777)}"
    print(f"concurrent answers stored: {count}, errors: {len(errors)}")
