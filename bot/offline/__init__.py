"""`casegroup try`: the real bot in a terminal, with Slack played by a local stand-in. Nothing is sent anywhere.

    run_try()                                            # the demo review, in memory, as case group member 1
    run_try(who="lead", db="try.db", script="demo.txt")  # resumable; lines read from a file
    run_try(settings=load_settings())                    # CASEGROUP_* settings, as `casegroup try` passes them

The pieces: `webapi.LocalWebAPI` (the Web API on 127.0.0.1), `requests.SignedRequests`
(what Slack would send, signed), `session.TrySession` (one person at the terminal),
`forms.TerminalForm` (a modal's inputs asked one at a time), and `bot/render/terminal.py`
(Block Kit as 80-column text).
"""
from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from bot.config import Settings
from bot.errors import CasegroupError
from storage.encryption import DatabaseKey

DEMO_REVIEW = Path(__file__).resolve().parent / "demo-review.toml"
LOG_NAME = "casegroup-try.log"


class SessionLog(logging.Handler):
    """The bot's log, kept out of the conversation: a file, created only when something is logged."""

    def __init__(self, folder: Callable[[], Path]):
        super().__init__()
        self.folder = folder
        self.path: Path | None = None
        self.errors = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.path is None:
                folder = self.folder()
                folder.mkdir(parents=True, exist_ok=True)
                self.path = folder / LOG_NAME
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(self.format(record) + "\n")
            if record.levelno >= logging.ERROR:
                self.errors += 1
        except Exception:  # noqa: BLE001 - logging must never break the session
            self.handleError(record)


class FilesFolder:
    """Where uploaded files (and the log) go: the folder given, or a new temporary one when first needed."""

    def __init__(self, folder: str | Path | None):
        self.path = Path(folder).expanduser() if folder else None

    def __call__(self) -> Path:
        if self.path is None:
            self.path = Path(tempfile.mkdtemp(prefix="casegroup-try-"))
        return self.path


def _script_lines(path: str) -> Iterator[str]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as error:
        raise CasegroupError(f"--script {path}: can't read it ({type(error).__name__})") from None
    # Lines starting with # are comments, for annotated demo scripts.
    return iter([line for line in lines if not line.startswith("#")])


def run_try(who: str | None = None, review_file: str | None = None, db: str | None = None,
            script: str | None = None, files: str | None = None, settings: Settings | None = None,
            out: Callable[[str], None] | None = None) -> int:
    from bot.core.prompts import load_prompts
    from bot.core.review import parse_review_file
    from bot.logs import configure_logging
    from bot.offline.session import TrySession, find_person, people_of
    from storage import Store

    def say(text: str = "") -> None:
        print(text, flush=True)

    out = out or say
    settings = settings or Settings()
    lines = _script_lines(script) if script else None
    review = parse_review_file(review_file or DEMO_REVIEW)
    me = find_person(people_of(review), who or "1")
    if me is None:
        raise CasegroupError(f"--as {who}: not someone in review {review.key}; use lead, team, "
                             f"1 to {len(review.members)} or a Slack ID")
    if db and not Path(db).expanduser().resolve().parent.is_dir():
        raise CasegroupError(f"--db {db}: the folder {Path(db).expanduser().resolve().parent} does not exist")
    folder = FilesFolder(files or (Path(db).with_name(Path(db).stem + "-files") if db else None))
    log = SessionLog(folder)
    configure_logging(settings.log_level, log)  # the log would get in the conversation's way
    store = Store(Path(db).expanduser() if db else ":memory:", key=settings.db_key)  # --db FILE: with CASEGROUP_DB_KEY, encrypted
    fresh = store.reviews.get(review.key) is None
    # A review file named with --review is imported again over the one in --db, as `casegroup review import`
    # would (answers kept); the bundled demo is not, so changes made from the terminal stay.
    if fresh or review_file:
        store.reviews.save(review, actor="casegroup try")
    session = TrySession(store, load_prompts(), store.reviews.get(review.key), out, folder, settings)
    try:
        _welcome(session, me, db, fresh, review_file)
        _converse(session, lines, log)
    finally:
        session.close()
    if db:
        session.say(f"Session ended. Everything is saved in {db}: run the same command again to carry on.")
    else:
        session.say("Session ended. The database was in memory, so nothing was kept: use --db FILE to keep "
                    "a session.")
    if folder.path and folder.path.is_dir() and any(p.name != LOG_NAME for p in folder.path.iterdir()):
        session.say(f"The files casegroup shared are in {folder.path}")
    if log.path:
        session.say(f"casegroup's log is in {log.path}")
    return 0


def _welcome(session, me, db: str | None, fresh: bool, review_file: str | None) -> None:
    """Say what this is and who is who; on a new review, the lead invites the case group, as in Slack."""
    review = session.review
    session.say("casegroup try: the real casegroup bot in your terminal. Nothing is sent anywhere: Slack "
                "is played by a stand-in inside this program (on 127.0.0.1), and everything stays "
                + (f"in {db}." if db else "in memory."))
    counted = session.prompts.counted
    session.say(f"Review {review.key}: {review.title} ({review.board}), {counted('episode', len(review.episodes))}, "
                f"{counted('person', len(review.members))} in the case group.")
    session.say(session.whos_who(me))
    session.say("Type /help for the terminal's commands, /quit to stop.")
    if fresh:
        session.say(f"\nSetting up, as the lead reviewer: sending the invitations with "
                    f"`/review invite {review.key}`.")
        session.command("/review", f"invite {review.key}", user=review.leads[0])
    elif review_file:
        session.say(f"\nReview {review.key} is already in {db}: updated it from {review_file}, as `casegroup "
                    f"review import` does (every answer is kept), and carrying on where you stopped. As the lead, "
                    f"`/review invite {review.key}` invites anyone new.")
    else:
        session.say(f"\nReview {review.key} is already in {db}: carrying on where you stopped.")
    session.out("")
    session.switch(me.slack_id)
    if not fresh and review.member(me.slack_id):
        session.say("Type `resume` to see where you were.")


def _converse(session, lines: Iterator[str] | None, log: SessionLog) -> None:
    """Read lines (from the keyboard, or the script) and hand them to the session until the end."""
    if lines is None and sys.stdin.isatty():
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass
    elif lines is None:
        lines = (line.rstrip("\n") for line in sys.stdin)  # piped in: shown as if typed, like a script
    errors = log.errors
    while True:
        try:
            if lines is None:
                line = input("\n" + session.prompt)
            else:
                line = next(lines, None)
                if line is None:
                    session.say("\n(end of input)")
                    return
                session.out("\n" + session.prompt + line)  # as it would have looked, typed
            if not session.handle(line):
                return
        except EOFError:
            session.say("\n(Ctrl-D: end of input)")
            return
        except KeyboardInterrupt:
            session.say("\n(Ctrl-C)")
            return
        if log.errors > errors:
            errors = log.errors
            session.say(f"(casegroup logged an error: details in {log.path})")
