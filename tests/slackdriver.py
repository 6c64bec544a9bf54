"""Signed Slack requests for tests: Events API, slash command and interaction payloads in the shapes
slack-bolt receives from Slack, signed as Slack signs them (the v0 request signature Slack documents).

    slack = SlackDriver(app, signing_secret)
    slack.dm("U0HV0001", "yes")                 # a message.im event
    slack.command("U0LEAD01", "/review", "invite child-d", response_url=fake.response_url)
    slack.click("U0HV0001", action_id, value)   # a block_actions payload
"""
from __future__ import annotations

import itertools
import json
import time
from urllib.parse import quote, urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.fakeslack import TEAM

_counter = itertools.count(1)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"x-slack-request-timestamp": [timestamp], "x-slack-signature": [signature]}


def dm_event(user: str, text: str, event_id: str | None = None, team: str = TEAM) -> dict:
    n = next(_counter)
    ts = f"{1_700_100_000 + n}.{n:06d}"
    return {
        "token": "verification_token", "team_id": team, "api_app_id": "A0CASE001", "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}", "event_time": 1_700_100_000 + n,
        "event": {"type": "message", "channel_type": "im", "channel": "D" + user[1:], "user": user,
                  "text": text, "ts": ts, "event_ts": ts, "team": team, "client_msg_id": f"msg-{n}"},
        "authorizations": [{"team_id": team, "user_id": "UBOT0001", "is_bot": True}],
    }


def command_body(user: str, command: str, text: str, response_url: str, team: str = TEAM) -> str:
    n = next(_counter)
    return urlencode({"token": "verification_token", "team_id": team, "team_domain": "test",
                      "channel_id": "D" + user[1:], "channel_name": "directmessage", "user_id": user,
                      "user_name": user.lower(), "command": command, "text": text, "api_app_id": "A0CASE001",
                      "response_url": f"{response_url}{n}", "trigger_id": f"{n}.trigger"})


def action_payload(user: str, action_id: str, value: str, selected: bool = False, team: str = TEAM) -> dict:
    n = next(_counter)
    action = {"action_id": action_id, "block_id": "b", "type": "button", "action_ts": f"{1_700_200_000 + n}.0"}
    if selected:
        action.update(type="static_select", selected_option={"value": value, "text": {"type": "plain_text",
                                                                                      "text": value}})
    else:
        action["value"] = value
    return {"type": "block_actions", "team": {"id": team, "domain": "test"},
            "user": {"id": user, "team_id": team}, "api_app_id": "A0CASE001", "token": "verification_token",
            "trigger_id": f"{n}.trigger", "channel": {"id": "D" + user[1:]}, "actions": [action]}


class SlackDriver:
    """Dispatches signed requests to the real Bolt App, as its HTTP adapter would."""

    def __init__(self, app: App, signing_secret: str):
        self.app = app
        self.secret = signing_secret

    def send(self, body: str, content_type: str, headers: dict | None = None, timestamp: int | None = None):
        signed = sign(self.secret, body, timestamp)
        signed["content-type"] = [content_type]
        signed.update({k: [v] for k, v in (headers or {}).items()})
        return self.app.dispatch(BoltRequest(body=body, headers=signed))

    def event(self, payload: dict, headers: dict | None = None):
        return self.send(json.dumps(payload), "application/json", headers)

    def dm(self, user: str, text: str, event_id: str | None = None, headers: dict | None = None):
        return self.event(dm_event(user, text, event_id), headers)

    def command(self, user: str, command: str, text: str, response_url: str):
        return self.send(command_body(user, command, text, response_url), "application/x-www-form-urlencoded")

    def action(self, payload: dict):
        return self.send("payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded")

    def click(self, user: str, action_id: str, value: str, selected: bool = False):
        return self.action(action_payload(user, action_id, value, selected))
