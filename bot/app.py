"""Build the Bolt App: dependencies into the context, listeners registered, one error handler.

    app = build_app(settings, store, prompts)          # Socket Mode or HTTP
    app = build_app(settings, store, prompts, client)  # tests: a WebClient pointed at the fake
"""
from __future__ import annotations

import re
import logging
from concurrent.futures import Executor
from typing import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.accuracy_files import CommentFiles
from bot.config import Settings
from bot.core.prompts import Prompts
from bot.deps import Deps
from bot.listeners import register_listeners
from bot.listeners.error_path import tell_error
from bot.reflect import Reflections
from bot.reminding import Reminders
from bot.slack_client import make_client
from storage import Store

log = logging.getLogger("casegroup.requests")
TIMESTAMP = re.compile(r"[0-9]{1,12}")   # seconds since 1970, as Slack sends it; ASCII digits only
MAX_CLOCK_SKEW = 5 * 60                  # Slack: refuse a request whose timestamp is more than 5 minutes off


class SignedBySlack(Middleware):
    """Bolt's request verification (slack_bolt/middleware/request_verification), in its place before
    authorization, but refusing a timestamp that isn't a number and logging no part of the request.

    Bolt's own check raises ValueError on `X-Slack-Request-Timestamp: now`: the app's error handler then
    answered 200 and messaged whoever the unsigned body named. And it logs a refused request's whole
    body at INFO, a DM's text with it, so anyone who can reach the port could write into the log."""

    def __init__(self, signing_secret: str):
        self.verifier = SignatureVerifier(signing_secret)

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):
        if req.mode == "socket_mode":  # the WebSocket itself is authenticated
            return next()
        timestamp = req.headers.get("x-slack-request-timestamp", [""])[0]
        signature = req.headers.get("x-slack-signature", [""])[0]
        if not TIMESTAMP.fullmatch(timestamp):
            log.info("refused a request: its timestamp is not a number")
        elif abs(self.verifier.clock.now() - int(timestamp)) > MAX_CLOCK_SKEW:
            log.info("refused a request: its timestamp is more than 5 minutes from this server's clock "
                     "(is the clock right?)")
        elif not self.verifier.is_valid(req.raw_body, timestamp, signature):
            log.info("refused a request: its signature doesn't match SLACK_SIGNING_SECRET (was it rotated?)")
        else:
            return next()
        return BoltResponse(status=401, body={"error": "invalid request"})


class Installation(Middleware):
    """Before any listener: refuse another workspace's requests, and put `Deps` into the context.

    A Middleware object rather than a decorated function: Bolt calls it directly, without working out
    which arguments to pass it, on every request (part 1 of bench/ counts every step of an answer)."""

    def __init__(self, store: Store, deps: Deps):
        self.store, self.deps = store, deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):
        context = req.context
        # One workspace per installation: a request from another team is refused before any listener runs.
        installed = context.authorize_result.team_id if context.authorize_result else None
        if installed and context.team_id and context.team_id != installed:
            self.store.audit.add(context.user_id or "", "access.wrong_workspace", "", f"team {context.team_id}")
            return BoltResponse(status=403, body="This app is not installed in that workspace.")
        context["deps"] = self.deps
        return next()


def build_app(settings: Settings, store: Store, prompts: Prompts, client: WebClient | None = None,
              verify_token: bool = True, executor: Executor | None = None) -> App:
    """`executor` runs the lazy listeners (Bolt's default: a pool of 5 threads)."""
    client = client or make_client(settings.bot_token, settings.api_url)
    app = App(
        client=client,
        signing_secret=settings.signing_secret or None,
        # Listeners run before the HTTP response, so an answer is committed before Slack is
        # acknowledged; slow work (digests) goes in lazy listeners.
        process_before_response=True,
        # Socket Mode has no signing secret: the WebSocket itself is authenticated. HTTP requests are
        # verified by SignedBySlack, in the place of Bolt's own check.
        request_verification_enabled=False,
        before_authorize=SignedBySlack(settings.signing_secret) if settings.signing_secret else None,
        token_verification_enabled=verify_token,
        logger=logging.getLogger("casegroup.bolt"),
        listener_executor=executor,
    )
    snooze = Reminders(store, prompts, settings.reminder_rules).snooze   # "Snooze a week", clicked or typed
    comment_files = CommentFiles(store, prompts, client)
    deps = Deps(settings, store, prompts, Reflections(store, prompts, snooze, comment_files.answer), comment_files)

    app.use(Installation(store, deps))

    @app.error
    def on_error(error, body, context):
        """Errors in middleware and acknowledgements; lazy listeners' go the same way (bot/listeners/error_path.py)."""
        return tell_error(error, deps, context, body)

    register_listeners(app)

    @app.action(re.compile(".*"))
    def unknown_action(ack, action, logger):
        """A button from an old message or another app version: acknowledged, so Slack shows no error."""
        ack()
        logger.info("ignored unknown action %s", str(action.get("action_id"))[:80])

    @app.event(re.compile(".*"))
    def other_event(event, logger):
        """An event we don't use (mentions, channel messages): acknowledged, so Slack doesn't retry it."""
        logger.debug("ignored event %s", str(event.get("type"))[:40])

    return app
