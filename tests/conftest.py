"""Shared fixtures: a fake Slack Web API on loopback, a real SQLite file, the real Bolt App.

The sample review (tests/data/sample-review) is fictional, written for these tests.
"""
from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import Settings
from bot.core.prompts import load_prompts
from bot.core.review import parse_review_file
from bot.logs import LIBRARY_LOGGERS
from bot.slack_client import make_client
from storage import Store
from tests.blockkit import call_problems
from tests.fakeslack import FakeSlack
from tests.lazyruns import LazyRuns
from tests.slackdriver import SlackDriver

SAMPLE = Path(__file__).resolve().parent / "data" / "sample-review"
SIGNING_SECRET = "test-signing-secret"


# Slack markup that pings people or hides a link when it reaches Slack raw.
RAW_MARKUP = ("<!channel", "<!here", "<!everyone", "<!subteam^", "<@U", "<@W", "<#C", "<http", "<mailto:")
OUTGOING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url", "views.publish", "views.open",
            "views.update", "views.push", "files.completeUploadExternal", "file.upload")


def outgoing_problems(server: FakeSlack) -> list[str]:
    """Every outgoing call is checked: no raw markup anywhere, and within every Block Kit limit."""
    problems = []
    for method in OUTGOING:
        for args in server.calls(method):
            sent = json.dumps({k: v for k, v in args.items() if k != "token"}, ensure_ascii=False)
            problems += [f"{method}: raw {m!r}" for m in RAW_MARKUP if m in sent]
            problems += [f"{method}: {p}" for p in call_problems(method, args)]
    return problems


@pytest.fixture(autouse=True)
def restore_logging():
    """Tests that run `casegroup` in-process (main([...])) configure logging onto pytest's captured
    stderr; put the logging set-up back afterwards, so later tests don't write to a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    yield
    root.handlers[:], root.level = handlers, level
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


@pytest.fixture
def fake():
    """The fake Slack Web API. When the test ends, everything the bot sent is checked."""
    server = FakeSlack().start()
    yield server
    server.stop()
    assert outgoing_problems(server) == []


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "casegroup.db"


@pytest.fixture
def store(db_path) -> Store:
    return Store(db_path)


@pytest.fixture
def cli(tmp_path, monkeypatch, db_path):
    """Run `casegroup ...` against the test database, from an empty folder (no .env)."""
    from bot.cli import main
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    return main


@pytest.fixture(scope="session")
def prompts():
    return load_prompts()


@pytest.fixture(scope="session")
def sample_review():
    return parse_review_file(SAMPLE / "review.toml")


@pytest.fixture(scope="session")
def sample_reflections() -> list[dict]:
    return tomllib.loads((SAMPLE / "reflections.toml").read_text())["reflections"]


def settings_for(fake: FakeSlack, db_path) -> Settings:
    return Settings(bot_token="xoxb-test", app_token="xapp-test", signing_secret=SIGNING_SECRET,
                    db_path=str(db_path), api_url=fake.url)


@pytest.fixture
def settings(fake, db_path) -> Settings:
    return settings_for(fake, db_path)


def make_app(settings: Settings, store: Store, prompts, lazy: LazyRuns | None = None):
    return build_app(settings, store, prompts, make_client(settings.bot_token, settings.api_url), executor=lazy)


@pytest.fixture
def lazy():
    """Runs the App's lazy listeners, so that a test can wait until every one has returned."""
    runs = LazyRuns()
    yield runs
    runs.close()


@pytest.fixture
def app(settings, store, prompts, lazy):
    return make_app(settings, store, prompts, lazy)


@pytest.fixture
def slack(app) -> SlackDriver:
    return SlackDriver(app, SIGNING_SECRET)


@pytest.fixture
def imported(store, sample_review):
    store.reviews.save(sample_review, actor="test")
    return sample_review


@pytest.fixture
def invited(slack, fake, imported):
    """The sample review imported and its case group invited by a lead, from Slack."""
    slack.command("U0LEAD01", "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    return imported
