"""What Slack would send the bot, built in the same shapes, signed and dispatched to the real App.

    slack = SignedRequests(app, signing_secret)
    slack.dm("U0DAMB01", "yes")                                  # a message.im event
    slack.command("U0DLEAD1", "/review", "list", response_url)  # a slash command form body
    slack.click("U0DAMB01", choice, container)                   # a block_actions payload
    slack.submit_view("U0DLEAD1", view, form.state())            # a view_submission
    slack.home_opened("U0DAMB01")                                # app_home_opened

Each returns Bolt's response (a 404 when no listener took the request).
"""
from __future__ import annotations

import itertools
import json
import secrets
import time
from urllib.parse import quote, urlencode

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.offline.webapi import BOT_USER, TEAM
from bot.render.terminal import Choice

APP_ID = "A0OFFLINE"


def dm_channel(user: str) -> str:
    """The id of the bot's DM with `user`, as Slack would give it (D...)."""
    return "D" + user[1:]


def escape(text: str) -> str:
    """Slack escapes &, < and > in what people type before the app sees it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SignedRequests:
    def __init__(self, app: App, signing_secret: str):
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        # Unique across sessions: a resumed database remembers the event ids it has processed.
        self.session = secrets.token_hex(4).upper()
        self._counter = itertools.count(1)
        self._last_ts = 0.0

    def timestamp(self) -> str:
        """A message or action timestamp, always later than the last one."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _send(self, body: str, content_type: str) -> BoltResponse:
        timestamp = str(int(time.time()))
        headers = {"content-type": [content_type], "x-slack-request-timestamp": [timestamp],
                   "x-slack-signature": [self.verifier.generate_signature(timestamp=timestamp, body=body)]}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def _event(self, event: dict) -> BoltResponse:
        n = next(self._counter)
        envelope = {"token": "offline", "team_id": TEAM, "api_app_id": APP_ID, "type": "event_callback",
                    "event_id": f"Ev{self.session}{n:06d}", "event_time": int(time.time()), "event": event,
                    "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}
        return self._send(json.dumps(envelope), "application/json")

    def dm(self, user: str, text: str) -> BoltResponse:
        ts = self.timestamp()
        return self._event({"type": "message", "channel_type": "im", "channel": dm_channel(user), "user": user,
                            "text": escape(text), "ts": ts, "event_ts": ts, "team": TEAM,
                            "client_msg_id": f"{self.session}-{next(self._counter)}"})

    def home_opened(self, user: str) -> BoltResponse:
        return self._event({"type": "app_home_opened", "user": user, "channel": dm_channel(user), "tab": "home",
                            "event_ts": self.timestamp()})

    def command(self, user: str, command: str, text: str, response_url: str) -> BoltResponse:
        n = next(self._counter)
        return self._send(urlencode({
            "token": "offline", "team_id": TEAM, "team_domain": "offline", "channel_id": dm_channel(user),
            "channel_name": "directmessage", "user_id": user, "user_name": user.lower(), "command": command,
            "text": escape(text), "api_app_id": APP_ID, "response_url": f"{response_url}{self.session}{n}",
            "trigger_id": f"{n}.{self.session}.trigger"}), "application/x-www-form-urlencoded")

    def submit_view(self, user: str, view: dict, state: dict) -> BoltResponse:
        """Submit a modal the bot opened, with `state` as Slack's client fills it (bot/offline/forms.py)."""
        n = next(self._counter)
        payload = {"type": "view_submission", "team": {"id": TEAM, "domain": "offline"},
                   "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": APP_ID,
                   "token": "offline", "trigger_id": f"{n}.{self.session}.trigger", "response_urls": [],
                   "view": {**view, "id": f"V{self.session}{n}", "team_id": TEAM, "app_id": APP_ID,
                            "bot_id": "B0BOT0001", "state": state, "hash": f"{n}.{self.session}"}}
        return self._send("payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded")

    def click(self, user: str, choice: Choice, container: dict, response_url: str) -> BoltResponse:
        """Click a button or pick a menu option. `container` says where it was: a message or a view."""
        n = next(self._counter)
        action = {"action_id": choice.element.get("action_id", ""), "block_id": choice.block_id,
                  "type": choice.element.get("type"), "action_ts": self.timestamp()}
        if choice.option is None:
            action.update(value=choice.element.get("value", ""), text=choice.element.get("text"))
        else:
            action["selected_option"] = choice.option
        payload = {"type": "block_actions", "team": {"id": TEAM, "domain": "offline"},
                   "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": APP_ID,
                   "token": "offline", "trigger_id": f"{n}.{self.session}.trigger", "actions": [action],
                   **container}
        if "channel" in container:
            payload["response_url"] = f"{response_url}{self.session}{n}"
        return self._send("payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded")
