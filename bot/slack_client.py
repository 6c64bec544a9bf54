"""The one Slack Web API client factory."""
from __future__ import annotations

import logging
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler,
                                                    RateLimitErrorRetryHandler, ServerErrorRetryHandler)

# Slack answers 429 with Retry-After when a channel gets more than about one message a second.
RATE_LIMIT_RETRIES = 3
TIMEOUT_SECONDS = 10
# slack-sdk asks its logger's own level, not the level it inherits, before formatting every request's
# arguments and every response's body into a DEBUG line (one that bot/logs.py would drop anyway: they hold
# message text). Left unset, that is 0 and the lines are built on every call, at any LOG_LEVEL.
CLIENT_LOGGER = logging.getLogger("slack_sdk.web.base_client")


def make_client(token: str, base_url: str) -> WebClient:
    """A WebClient that retries rate limits, connection errors and 5xx answers."""
    if CLIENT_LOGGER.level == logging.NOTSET:
        CLIENT_LOGGER.setLevel(logging.INFO)
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=TIMEOUT_SECONDS,
        logger=CLIENT_LOGGER,
        retry_handlers=[
            # A timed-out call is tried again: a rare duplicate message is better than a practitioner
            # left without their next question.
            ConnectionErrorRetryHandler(max_retry_count=2, error_types=[
                URLError, ConnectionResetError, RemoteDisconnected, TimeoutError]),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
