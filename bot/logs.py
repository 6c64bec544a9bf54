"""Logging set-up. Reflection text must never reach a log, at any level.

Libraries log what they were sent: slack-sdk its request arguments at DEBUG (message text included),
Bolt a request it has no listener for, or one whose signature fails, whole at INFO or WARNING. So a
library's record keeps what happened and drops what was sent, whoever wrote it. Our own loggers
("casegroup.*") say what they mean and name people by Slack ID only; they are kept as they are.
"""
from __future__ import annotations

import logging
import re
import traceback

LIBRARY_LOGGERS = ("slack_sdk", "slack_bolt", "casegroup.bolt", "waitress")
OWN_LOGGER = "casegroup"
BOLT_UNDER_OUR_NAME = "casegroup.bolt"   # the logger Bolt is given (bot/app.py): Bolt writes to it
# Where a library's message starts quoting data: "(body: {...})", "request body: {...}", a dict, a
# second line (which could pass for a record of its own), "key=value".
QUOTING = re.compile(r"[({\[\r\n]|: |=")
MAX_LIBRARY_MESSAGE = 160


def from_a_library(name: str) -> bool:
    own = name == OWN_LOGGER or name.startswith(OWN_LOGGER + ".")
    return not own or name == BOLT_UNDER_OUR_NAME or name.startswith(BOLT_UNDER_OUR_NAME + ".")


class NoRequestBodies(logging.Filter):
    """A library's records: below INFO dropped (they carry payloads); above, the message up to where it
    starts quoting data, and an exception's type and place, never its message (which may quote a body).

        "Invalid request signature detected (signature: ..., body: {...})"
        -> "Invalid request signature detected (details not logged)"
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not from_a_library(record.name):
            return True
        if record.levelno < logging.INFO:
            return False
        message = record.getMessage()
        head = QUOTING.split(message, 1)[0].strip()[:MAX_LIBRARY_MESSAGE]
        record.msg, record.args = head if head == message else f"{head} (details not logged)", ()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.exc_text = "".join(traceback.format_tb(error.__traceback__)) + type(error).__name__
            record.exc_info = None
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
