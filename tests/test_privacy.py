"""Access and privacy: no reflection text or token in logs, one workspace, private files."""
import json
import os
import stat

from tests.conftest import SAMPLE, SIGNING_SECRET
from tests.processes import casegroup_env, run_casegroup
from tests.slackdriver import dm_event
from tests.stories import reflections_by_member, typed_value
from tests.test_reliability_faults import post_event, serve


def test_a_whole_story_at_debug_level_logs_no_reflection_text_and_no_secret(
        tmp_path, fake, sample_review, sample_reflections, prompts):
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-secret-bot-token",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url, LOG_LEVEL="DEBUG")
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    process, url = serve(tmp_path, env)
    answers = []
    try:
        fake.fail("chat.postMessage", error="channel_not_found")  # the failure path logs too
        for member, reflections in reflections_by_member(sample_reflections, sample_review).items():
            texts = ["hello", "yes"] + [typed_value(r, s.key) for r in reflections for s in prompts.steps]
            for n, text in enumerate(texts + ["answers", "submit"]):
                assert post_event(url, dm_event(member, text, event_id=f"Ev{member}{n}")) == 200
            answers += [text for text in texts[2:] if len(text) >= 12]
        post_event(url, {"type": "event_callback", "event": {"type": "app_mention", "text": answers[0]}})
    finally:
        process.terminate()
        _, logs = process.communicate(timeout=20)
    assert "WARNING casegroup.delivery: chat.postMessage to D0HV0001 failed" in logs  # the log was written
    leaked = [a for a in answers if a in logs or json.dumps(a)[1:-1] in logs]
    assert leaked == [] and len(answers) > 70
    for secret in ("xoxb-secret-bot-token", SIGNING_SECRET):
        assert secret not in logs


def test_requests_from_another_workspace_are_refused_and_audited(fake, slack, store, invited):
    payload = dm_event("U0HV0001", "yes", team="T0OTHER99")
    response = slack.event(payload)
    assert response.status == 403
    assert store.conversations.state("child-d", "U0HV0001").stage == "consent"
    assert any(r["action"] == "access.wrong_workspace" for r in store.audit.trail())


def test_tokens_never_appear_in_error_messages(tmp_path, fake):
    fake.fail("auth.test", error="invalid_auth")
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-secret-1",
                        SLACK_APP_TOKEN="xapp-secret-2", SLACK_API_URL=fake.url)
    result = run_casegroup("run", cwd=tmp_path, env=env, timeout=30)
    assert result.returncode == 2 and "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in result.stderr
    assert "secret" not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_the_database_and_its_journal_are_private(tmp_path, store, imported):
    store.audit.add("test", "touch", "child-d")
    for path in tmp_path.glob("casegroup.db*"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name
