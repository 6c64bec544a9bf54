"""The one config loader: the environment, then `.env` (python-dotenv), checked once.

>>> load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, dotenv_path=None).bot_token
'xoxb-1'
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.core.lifecycle import DEFAULT_RETENTION_DAYS
from bot.core.reminders import ReminderRules, parse_days, parse_hours, zone
from bot.errors import ConfigError
from storage.encryption import DatabaseKey

DEFAULT_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    db_path: str = "./casegroup.db"
    # CASEGROUP_DB_KEY: the database is encrypted at rest with it (None: a plain SQLite file).
    db_key: DatabaseKey | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    log_level: str = "INFO"
    # Running a review: how long a closed review's conversations are kept, and the reminder rules.
    retention_days: int = DEFAULT_RETENTION_DAYS
    reminder_rules: ReminderRules = ReminderRules()

    @property
    def has_slack(self) -> bool:
        return bool(self.bot_token and self.app_token)

    def require(self, *names: str) -> "Settings":
        """Fail with one clear line if a setting this command needs is missing."""
        hints = {
            "bot_token": ("SLACK_BOT_TOKEN", "the bot token (xoxb-...) from the app's OAuth & Permissions page"),
            "app_token": ("SLACK_APP_TOKEN", "an app-level token (xapp-...) with connections:write, "
                                             "from the app's Basic Information page"),
            "signing_secret": ("SLACK_SIGNING_SECRET", "the signing secret from the app's Basic Information page"),
            "db_key": ("CASEGROUP_DB_KEY", "the database's key (README, 'Encryption at rest', says how to make one)"),
        }
        for name in names:
            if not getattr(self, name):
                variable, hint = hints[name]
                raise ConfigError(f"{variable} is not set: add {hint} to the environment or .env")
        return self


def load_settings(environ: dict | None = None, dotenv_path: str | Path | None = ".env") -> Settings:
    """Read and check every setting. Raises ConfigError naming the variable that is wrong."""
    values = {}
    if dotenv_path and Path(dotenv_path).is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str:
        return (values.get(name) or "").strip()

    bot_token, app_token = get("SLACK_BOT_TOKEN"), get("SLACK_APP_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN should be a bot token starting with xoxb-")
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN should be an app-level token starting with xapp-")
    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"SLACK_API_URL should be an http(s) URL like {DEFAULT_API_URL}")
    if not api_url.endswith("/"):
        api_url += "/"  # slack-sdk joins method names onto the base URL: the slash matters
    db_path = database_path(get("CASEGROUP_DB") or "./casegroup.db", "CASEGROUP_DB")
    key_text = get("CASEGROUP_DB_KEY")
    db_key = _checked("CASEGROUP_DB_KEY", DatabaseKey.parse, key_text) if key_text else None
    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL should be one of {', '.join(LOG_LEVELS)}")
    retention_days = _whole_number(get, "CASEGROUP_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, minimum=1)
    day_start, day_end = _checked("CASEGROUP_WORKING_HOURS", parse_hours,
                                  get("CASEGROUP_WORKING_HOURS") or "09:00-17:00")
    timezone = get("CASEGROUP_TIMEZONE") or "Europe/London"
    _checked("CASEGROUP_TIMEZONE", zone, timezone)
    reminder_rules = ReminderRules(
        every_days=_whole_number(get, "CASEGROUP_REMINDER_EVERY_DAYS", 3, minimum=1),
        max_total=_whole_number(get, "CASEGROUP_REMINDER_MAX", 3, minimum=0),
        day_start=day_start, day_end=day_end,
        working_days=_checked("CASEGROUP_WORKING_DAYS", parse_days, get("CASEGROUP_WORKING_DAYS") or "Mon-Fri"),
        default_timezone=timezone)
    return Settings(bot_token=bot_token, app_token=app_token, signing_secret=get("SLACK_SIGNING_SECRET"),
                    db_path=db_path, db_key=db_key,
                    api_url=api_url, log_level=log_level, retention_days=retention_days,
                    reminder_rules=reminder_rules)


def database_path(text: str, name: str) -> str:
    """The SQLite file `text` names (CASEGROUP_DB, or a command's --db), if its folder exists.

    >>> database_path(":memory:", "--db")
    ':memory:'
    """
    if text == ":memory:":
        return text
    path = Path(text).expanduser()
    if not path.resolve().parent.is_dir():
        raise ConfigError(f"{name} points into {path.resolve().parent}, which does not exist")
    return str(path)


def _checked(name: str, parse, text: str):
    try:
        return parse(text)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None


def _whole_number(get, name: str, default: int, minimum: int) -> int:
    text = get(name)
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise ConfigError(f"{name} should be a whole number of at least {minimum}, not {text!r}")
    return int(text)
