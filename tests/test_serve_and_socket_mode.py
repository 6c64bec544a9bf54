"""Both ways Slack reaches the bot: HTTP (`casegroup serve`) and Socket Mode (`casegroup run`), as real processes."""
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from websockets.sync.server import serve as websocket_serve

from tests.conftest import SAMPLE, SIGNING_SECRET
from tests.processes import casegroup_env, run_casegroup, start_casegroup
from tests.slackdriver import dm_event, sign


def post(url: str, body: str, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def signed_headers(body: str, content_type="application/json") -> dict:
    return {"Content-Type": content_type, **{k: v[0] for k, v in sign(SIGNING_SECRET, body).items()}}


@pytest.fixture
def served(tmp_path, fake):
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url)
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    process = start_casegroup("serve", "--port", "0", "--host", "127.0.0.1", cwd=tmp_path, env=env)
    line = process.stdout.readline()
    assert "listening on" in line, process.stderr.read() if process.poll() is not None else line
    yield line.strip().rsplit(" ", 1)[-1], tmp_path, env
    process.terminate()
    process.wait(timeout=10)


def test_casegroup_serve_takes_signed_events_and_refuses_forged_or_malformed_ones(served, fake):
    url, tmp_path, env = served
    body = json.dumps(dm_event("U0HV0001", "hello"))
    status, _ = post(url, body, signed_headers(body))
    assert status == 200
    assert "Do you agree" in json.dumps(fake.wait_for("chat.postMessage")[0])

    forged = {**signed_headers(body), "X-Slack-Signature": "v0=" + "1" * 64}
    assert post(url, body, forged)[0] == 401
    assert post(url, "{not json", signed_headers("{not json"))[0] == 400
    assert post(url, "payload=%7Bbroken", signed_headers("payload=%7Bbroken",
                                                         "application/x-www-form-urlencoded"))[0] == 400
    assert post(url.replace("/slack/events", "/elsewhere"), body, signed_headers(body))[0] == 404
    # The server is still up and answering after all that.
    assert post(url, body, signed_headers(body))[0] == 200


class SocketModeEndpoint:
    """A loopback WebSocket server that plays Slack's Socket Mode endpoint: it sends one envelope, records the ack."""

    def __init__(self, envelope: dict):
        self.envelope = envelope
        self.acks: list[dict] = []
        self.connected = threading.Event()
        self.acked = threading.Event()
        self.server = websocket_serve(self.handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, connection):
        self.connected.set()
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(json.dumps(self.envelope))
        try:
            for message in connection:
                data = json.loads(message)
                if data.get("envelope_id") == self.envelope["envelope_id"]:
                    self.acks.append(data)
                    self.acked.set()
        except Exception:  # the client hangs up when the test ends
            pass

    def stop(self):
        self.server.shutdown()


def test_casegroup_run_connects_in_socket_mode_and_an_envelope_reaches_the_same_listeners(tmp_path, fake):
    payload = dm_event("U0HV0001", "hello from socket mode")
    envelope = {"envelope_id": "env-1", "type": "events_api", "payload": payload,
                "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": ""}
    endpoint = SocketModeEndpoint(envelope)
    fake.socket_url = endpoint.url
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test",
                        SLACK_API_URL=fake.url)
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    process = start_casegroup("run", cwd=tmp_path, env=env)
    try:
        assert endpoint.acked.wait(20), "no ack for the envelope"
        assert endpoint.acks[0]["envelope_id"] == "env-1"
        assert fake.calls("apps.connections.open")[0]["token"] == "xapp-test"
        invitation = fake.wait_for("chat.postMessage")[0]  # the same DM listener as HTTP answered
        assert invitation["channel"] == "D0HV0001" and "Do you agree" in json.dumps(invitation)
    finally:
        process.terminate()
        process.wait(timeout=10)
        endpoint.stop()


def test_a_refused_app_token_fails_fast_with_a_clear_message(tmp_path, fake):
    fake.fail("apps.connections.open", error="invalid_auth")
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-bad",
                        SLACK_API_URL=fake.url)
    started = time.monotonic()
    result = run_casegroup("run", cwd=tmp_path, env=env, timeout=30)
    assert result.returncode == 2
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 20
