"""Sending messages to Slack. The only place that calls chat.postMessage.

A failed send never rolls anything back: answers are committed before we get here.
"""
from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.reflect import Delivery

log = logging.getLogger("casegroup.delivery")


def post(client: WebClient, channel: str, payload: dict) -> tuple[dict, str]:
    """Post one message. Returns Slack's answer (its `channel` and `ts`: a reply in its thread can be told apart)
    and "", or {} and Slack's error code (or the error's type) when it would not take it."""
    try:
        response = client.chat_postMessage(channel=channel, text=payload["text"], blocks=payload["blocks"],
                                           unfurl_links=False, unfurl_media=False)
        return dict(response.data) if isinstance(response.data, dict) else {}, ""
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error") if error.response is not None else "unknown_error"
    except (SlackClientError, OSError) as error:
        code = type(error).__name__
    log.warning("chat.postMessage to %s failed: %s", channel, code)
    return {}, code


def send(client: WebClient, deliveries: list[Delivery]) -> list[tuple[Delivery, str]]:
    """Post each delivery's messages in order. Returns what failed: (delivery, Slack's error code).

    Rate limits, 5xx answers and dropped connections are retried by the client (bot/slack_client.py);
    what is still failing here is not retryable.
    """
    failures = []
    for delivery in deliveries:
        for payload in delivery.payloads:
            _, code = post(client, delivery.channel, payload)
            if code:
                failures.append((delivery, code))
                break  # the rest of this delivery would read out of order
    return failures


def send_and_report(client: WebClient, deliveries: list[Delivery], reflections) -> list[tuple[Delivery, str]]:
    """Send; then tell the leads of the reviews concerned about anything Slack would not take."""
    failures = send(client, deliveries)
    if failures:
        send(client, reflections.failure_report(failures))
    return failures
