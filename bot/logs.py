"""Logging set-up. Reflection text must never reach a log, at any level.

slack-sdk logs request arguments at DEBUG (message text included), and Bolt
logs the whole body of a request it has no listener for. Both are kept out.
"""
from __future__ import annotations

import logging

LIBRARY_LOGGERS = ("slack_sdk", "slack_bolt", "casegroup.bolt", "waitress")


class NoRequestBodies(logging.Filter):
    """Drop library DEBUG records (they carry payloads) and strip bodies from 'Unhandled request'."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(LIBRARY_LOGGERS) and record.levelno < logging.INFO:
            return False
        message = str(record.msg)
        if "Unhandled request" in message or "request body" in message.lower():
            record.msg, record.args = "Unhandled request (body not logged)", ()
        return True


def configure_logging(level: str = "INFO", handler: logging.Handler | None = None) -> None:
    """Log to stderr, or to `handler` (the offline mode keeps logs out of the conversation)."""
    handler = handler or logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoRequestBodies())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # Waitress warns "Task queue depth is N" whenever a burst waits for a thread: expected, and
    # thousands of lines under load (measured by the benchmark), so only its errors are kept.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
