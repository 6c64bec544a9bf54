"""One `casegroup try` session: a person at a terminal, playing Slack for the real bot.

What they type becomes what Slack would send (a DM, a slash command, a click),
signed and dispatched to the same Bolt App, storage and prompts that Slack
uses. What the bot says back arrives at the local Web API stand-in and is
printed. The bot's code can't tell the difference.

    session = TrySession(store, prompts, review, out=print)
    session.switch("1")              # be the first member of the case group
    session.handle("yes")            # a DM; prints the bot's answer
    session.handle("/review list")   # a slash command
    session.handle("1")              # clicks the first button of the bot's last message
    session.handle("/review add-episode adult-f")   # a form: each field is asked in turn, then submitted
    session.close()
"""
from __future__ import annotations

import json
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from bot.app import build_app
from bot.config import Settings
from bot.core.prompts import Prompts
from bot.core.review import SLACK_ID_PATTERN, Review
from bot.files import write_private_bytes
from bot.offline.forms import TerminalForm
from bot.offline.requests import SignedRequests, dm_channel
from bot.offline.webapi import BOT_USER, LocalWebAPI
from bot.render.blocks import ACTION_PREFIX
from bot.render.terminal import WIDTH, Screen, render_blocks, render_message, wrap
from bot.slack_client import make_client
from storage import Store

IDLE_TIMEOUT_SECONDS = 30
MARGIN = "  "
TERMINAL_COMMANDS = """Terminal commands (everything else goes to casegroup as Slack would send it):
  /as WHO      be someone else: lead, team, a number from the case group, or a Slack ID
  /as          list who you can be
  /home        open casegroup's App Home
  /help        this list
  /cancel      close a form casegroup opened, without sending it (Slack's Cancel)
  /quit        end the session (Ctrl-C and Ctrl-D do too)
Type a number to click that choice of the bot's last message (when it has none,
the number is sent as you typed it); type `3.` to send the number itself. Other /commands go to the bot: `/review help` lists them.
Type `help` to ask casegroup what you can say to it."""
_SLASH = re.compile(r"/([A-Za-z0-9_-]+)(?:\s+(.*))?", re.DOTALL)


class IdleExecutor(ThreadPoolExecutor):
    """Runs Bolt's lazy listeners; `wait_idle()` returns once every one has finished."""

    def __init__(self, max_workers: int = 4):
        super().__init__(max_workers=max_workers, thread_name_prefix="casegroup-lazy")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = IDLE_TIMEOUT_SECONDS) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


@dataclass
class Person:
    slack_id: str
    name: str          # how the terminal names them: a role, never a person's name
    who: str = ""      # what to type after /as

    @property
    def description(self) -> str:
        return f"{self.name} ({self.slack_id})"


@dataclass
class Shown:
    """The bot's last message to someone, and where it sits (for the block_actions payload)."""
    screen: Screen
    container: dict


@dataclass
class Mail:
    """A message that arrived for someone the terminal isn't being right now."""
    payload: dict
    note: str = ""
    container: dict = field(default_factory=dict)


def people_of(review: Review) -> list[Person]:
    """Who the terminal can be: the lead(s), the review team, then the case group by number."""
    people = [Person(review.leads[0], "Lead reviewer", "lead")]
    people += [Person(s, "Lead reviewer", s) for s in review.leads[1:]]
    people += [Person(s, "Review team", "team" if i == 0 else s) for i, s in enumerate(review.team)]
    people += [Person(m.slack_id, m.role, str(i)) for i, m in enumerate(review.members, start=1)]
    return people


def find_person(people: list[Person], who: str) -> Person | None:
    """`lead`, `team`, a case group number, a Slack ID, or a unique part of a role."""
    who = who.strip()
    for person in people:
        if who.lower() == person.who.lower() or who == person.slack_id:
            return person
    if SLACK_ID_PATTERN.fullmatch(who):
        return Person(who, who, who)  # someone Slack knows and the review doesn't
    matches = {p.slack_id: p for p in people if who and who.lower() in p.name.lower()}
    return next(iter(matches.values())) if len(matches) == 1 else None


class TrySession:
    def __init__(self, store: Store, prompts: Prompts, review: Review, out: Callable[[str], None] = print,
                 files_dir: Callable[[], Path] | None = None, settings: Settings | None = None):
        self.store = store
        self.prompts = prompts
        self.review = review
        self.out = out
        self._files_dir = files_dir or (lambda: Path.cwd())
        self.api = LocalWebAPI().start()
        self.executor = IdleExecutor()
        signing_secret = secrets.token_hex(16)  # requests are signed and verified, as Slack's are
        # The person's own settings (reminder rules, working hours, retention), with Slack played here.
        settings = replace(settings or Settings(), bot_token="xoxb-offline", app_token="",
                           signing_secret=signing_secret, db_path=str(store.path), api_url=self.api.url)
        self.app = build_app(settings, store, prompts, make_client(settings.bot_token, settings.api_url),
                             executor=self.executor)
        self.slack = SignedRequests(self.app, signing_secret)
        self.people = people_of(review)
        self.me = self.people[0] if len(self.people) > 1 else Person("U0OFFLINE", "Visitor")
        self._seen = len(self.api.calls())
        self._asker = self.me.slack_id          # who a response_url post answers
        self._last: dict[str, Shown] = {}        # each person's last message from the bot
        self._inbox: dict[str, list[Mail]] = {}  # messages for people the terminal isn't being
        self._uploads: list[str] = []            # filenames announced, waiting for their content
        self._contents: list[str] = []           # uploaded contents, waiting for completion
        self._home_shown = False
        self._form: TerminalForm | None = None   # a modal the bot opened, being filled in field by field

    # ----- people ----------------------------------------------------------

    def person(self, slack_id: str) -> Person:
        return next((p for p in self.people if p.slack_id == slack_id), Person(slack_id, slack_id, slack_id))

    def find(self, who: str) -> Person | None:
        return find_person(self.people, who)

    def whos_who(self, you: Person | None = None) -> str:
        lines = [f"Who you can be in review {self.review.key} (type /as and the first column):"]
        for person in self.people:
            member = self.review.member(person.slack_id)
            detail = f"{member.attribution}, {', '.join(member.episodes)}" if member else person.name
            marker = "  <- you" if person.slack_id == (you or self.me).slack_id else ""
            lines.append(f"  {person.who if person.who != person.slack_id else '':<5} {person.slack_id:<10} "
                         f"{detail}{marker}")
        return "\n".join(lines)

    @property
    def prompt(self) -> str:
        if self._form is not None:
            return f"{self.me.name} · {self._form.field.label}> "
        return f"{self.me.name}> "

    # ----- what the person typed -------------------------------------------

    def handle(self, line: str) -> bool:
        """One line from the terminal. False when the session should end."""
        if self._form is not None:
            return self._fill(line)
        text = line.strip()
        if not text:
            self.say("Nothing sent: Slack doesn't send empty messages. Type an answer, a number to pick a "
                     "choice, or /help.")
            return True
        if text.isascii() and text.isdigit():
            self.click(int(text))
            return True
        if text.startswith("/"):
            return self.slash(text)
        self.slack.dm(self.me.slack_id, text)
        self.settle()
        return True

    def slash(self, text: str) -> bool:
        found = _SLASH.fullmatch(text)
        if not found:
            self.say(f"{text[:40]!r} isn't a command: commands are a / and a word, like /review help. "
                     "Type /help for the terminal's commands.")
            return True
        name, rest = found.group(1).lower(), (found.group(2) or "").strip()
        if name in ("quit", "exit"):
            return False
        if name == "help":
            self.say(TERMINAL_COMMANDS)
        elif name == "as":
            self.switch(rest) if rest else self.say(self.whos_who())
        elif name == "home":
            self.home()
        else:
            self.command(f"/{name}", rest)
        return True

    def command(self, command: str, text: str, user: str | None = None) -> None:
        """A slash command, sent as Slack sends it; its acknowledgement and responses are printed."""
        user = user or self.me.slack_id
        self._asker = user
        response = self.slack.command(user, command, text, self.api.response_url)
        if response.status == 404:
            self.say(f"{command}: casegroup has no such command (Slack would say \"{command} is not a valid "
                     "command\"). `/review help` lists casegroup's commands; /help lists the terminal's.")
            return
        if response.body:
            try:
                answer = json.loads(response.body)
            except ValueError:
                answer = {"text": response.body}
            self._deliver(user, answer, "only visible to you", {})
        self.settle()

    def click(self, number: int) -> None:
        """Click the last message's choice `number`. When that message has no buttons or menus, or only the
        reflection's, the number is sent as typed, as Slack would send it, and the bot reads it (a factor heading,
        an answer to change, a button)."""
        shown = self._last.get(self.me.slack_id)
        choices = shown.screen.choices if shown else []
        if not choices or all(c.element.get("action_id", "").startswith(ACTION_PREFIX + "_") for c in choices):
            # No buttons, or the reflection's own: the bot reads a typed number itself, as in Slack (a question's
            # own list first, then the buttons), so `1` at the factor headings is the first heading here too.
            self.slack.dm(self.me.slack_id, str(number))
            self.settle()
            return
        choice = next((c for c in choices if c.number == number), None)
        if choice is None:
            numbers = sorted(c.number for c in choices)
            self.say(f"There's no choice {number}: the choices are {_ranges(numbers)}. "
                     f"To send {number} to casegroup as text, type `{number}.`")
            return
        self.say(f"(you clicked \"{choice.label}\")")
        self._asker = self.me.slack_id
        response = self.slack.click(self.me.slack_id, choice, shown.container, self.api.response_url)
        if response.status == 404:
            self.say("casegroup has nothing listening for that button.")
        self.settle()

    def home(self) -> None:
        self._home_shown = False
        response = self.slack.home_opened(self.me.slack_id)
        self.settle()
        if response.status == 404:
            self.say("casegroup has no App Home yet: nothing answered the app_home_opened event.")
        elif not self._home_shown:
            self.say("casegroup published nothing on your App Home.")

    def switch(self, who: str) -> bool:
        person = self.find(who)
        if person is None:
            self.say(f"I don't know who {who[:40]!r} is. Type /as to see who you can be.")
            return False
        self.me = person
        member = self.review.member(person.slack_id)
        self.say(f"You are now {member.attribution if member else person.description}.")
        waiting = self._inbox.pop(person.slack_id, [])
        if waiting:
            self.say(f"casegroup sent you {self.prompts.counted('message', len(waiting))} while you were someone else:")
        for mail in waiting:
            self._show(person.slack_id, mail.payload, mail.note, mail.container)
        return True

    # ----- what the bot said -----------------------------------------------

    def settle(self) -> None:
        """Wait for the bot's background work, then print whatever it sent."""
        if not self.executor.wait_idle():
            self.say("casegroup is still working after 30 seconds; its answer will appear later.")
        calls = self.api.since(self._seen)
        self._seen += len(calls)
        others: dict[str, int] = {}
        for method, args in calls:
            recipient = self._route(method, args)
            if recipient and recipient != self.me.slack_id:
                others[recipient] = others.get(recipient, 0) + 1
        if len(others) > 3:
            self.say(f"(casegroup also wrote to {len(others)} other people. Type /as to be one of them and "
                     "read it.)")
        elif others:
            names = ", ".join(f"{self.person(s).name} ({s})" for s in others)
            self.say(f"(casegroup also wrote to: {names}. Type /as to be one of them and read it.)")

    def _user_of(self, channel: str) -> str | None:
        if channel[:1] in ("U", "W"):
            return channel
        for person in self.people + [self.me]:
            if dm_channel(person.slack_id) == channel:
                return person.slack_id
        return None

    def _route(self, method: str, args: dict) -> str | None:
        """Turn one Web API call into terminal output. Returns who it was for, if a person."""
        if method in ("chat.postMessage", "chat.update"):
            channel = str(args.get("channel", ""))
            user = self._user_of(channel)
            ts = args.get("ts") or self.slack.timestamp()
            container = {"container": {"type": "message", "message_ts": ts, "channel_id": channel,
                                       "is_ephemeral": False},
                         "channel": {"id": channel, "name": "directmessage"},
                         "message": {"type": "message", "user": BOT_USER, "ts": ts, "text": args.get("text", ""),
                                     "blocks": args.get("blocks") or []}}
            note = "updated its message" if method == "chat.update" else ""
            if user is None:
                self._print_message(args, f"in channel {channel}, which the review team reads")
                return None
            return self._deliver(user, args, note, container)
        if method == "chat.postEphemeral":
            return self._deliver(str(args.get("user", "")), args, "only visible to you", {})
        if method == "response_url":
            if args.get("delete_original"):
                return None
            return self._deliver(self._asker, args, "only visible to you"
                                 if args.get("response_type") != "in_channel" else "", {})
        if method == "views.publish":
            return self._publish_home(str(args.get("user_id", "")), args.get("view") or {})
        if method in ("views.open", "views.push"):
            self._open_form(args.get("view") or {})
            return None
        if method == "files.getUploadURLExternal":
            self._uploads.append(str(args.get("filename") or "casegroup-file.md"))
        elif method == "file.upload":
            self._contents.append(self.api.uploaded(args.get("path", "")))
        elif method == "files.completeUploadExternal":
            return self._save_files(args)
        return None

    def _deliver(self, user: str, payload: dict, note: str, container: dict) -> str:
        if user == self.me.slack_id:
            self._show(user, payload, note, container)
        else:
            self._inbox.setdefault(user, []).append(Mail(payload, note, container))
        return user

    def _show(self, user: str, payload: dict, note: str, container: dict) -> None:
        screen = self._print_message(payload, note)
        if not payload.get("file"):
            self._last[user] = Shown(screen, container)

    def _print_message(self, payload: dict, note: str = "") -> Screen:
        screen = render_message(payload, WIDTH - len(MARGIN))
        self.out("")
        self.out("casegroup" + (f" ({note})" if note else "") + ":")
        text = screen.text
        if payload.get("file"):
            # The path on a line of its own: it can't be wrapped, and it is what people copy.
            text = "\n".join(filter(None, [text, f"Shared a file, {payload['title']}, saved to:",
                                            str(payload["file"])]))
        self.out("\n".join(MARGIN + line if line else "" for line in text.split("\n")))
        return screen

    def _publish_home(self, user: str, view: dict) -> str:
        if user != self.me.slack_id:
            return None  # someone else's Home: they see it when they open it
        self._home_shown = True
        screen = render_blocks(view.get("blocks") or [], WIDTH - len(MARGIN))
        self.out("")
        self.out("casegroup (your App Home):")
        self.out("\n".join(MARGIN + line if line else "" for line in screen.text.split("\n")))
        self._last[user] = Shown(screen, {"container": {"type": "view", "view_id": f"V{user}"},
                                          "view": {"id": f"V{user}", "type": "home", **view}})
        return user

    def _save_files(self, args: dict) -> str | None:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = str(args.get("channel_id") or args.get("channels") or "")
        user = self._user_of(channel)
        for entry in files:
            name = Path(self._uploads.pop(0) if self._uploads else "casegroup-file.md").name
            content = self._contents.pop(0) if self._contents else b""
            folder = self._files_dir()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            counter = 1
            while path.exists():
                counter += 1
                path = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
            write_private_bytes(str(path), content)  # review material: readable by its owner only
            payload = {"text": args.get("initial_comment") or "", "file": str(path),
                       "title": entry.get("title") or name}
            if user is None:
                self._print_message(payload, f"in channel {channel}")
            else:
                self._deliver(user, payload, "", {})
        return user

    # ----- forms (modals) -------------------------------------------------

    def _open_form(self, view: dict) -> None:
        """A modal, as a form filled in at the terminal: each input asked in turn, then submitted."""
        form = TerminalForm(view)
        self.out("")
        self.out(f"casegroup (a form: {form.title}):")
        others = [b for b in view.get("blocks") or [] if b.get("type") != "input"]
        if others:
            text = render_blocks(others, WIDTH - len(MARGIN)).text
            self.out("\n".join(MARGIN + line if line else "" for line in text.split("\n")))
        if not form.fields:
            self.say("(It has nothing to fill in, and the terminal closed it.)")
            return
        self.say(f"Answer each field in turn; after the last, it is sent (Slack's \"{form.submit_label}\" "
                 "button). /cancel closes it without sending anything.")
        self._form = form
        self._ask()

    def _ask(self) -> None:
        self.out("\n".join(self._form.field.lines(WIDTH)))

    def _fill(self, line: str) -> bool:
        """A line typed while a form is open: the answer to its field, or one of the terminal's commands."""
        command = line.strip().lower()
        if command in ("/quit", "/exit"):
            return False
        if command == "/cancel":
            self._form = None
            self.say("(you closed the form: nothing was sent)")
            return True
        if command == "/help" or command.split(" ")[0] in ("/as", "/home"):
            self.say("A form is open: type the answer to its field (an empty line leaves an optional one empty), "
                     "or /cancel to close it first.")
            self._ask()
            return True
        problem = self._form.answer(line)
        if problem:
            self.say(problem)
            self._ask()
        elif self._form.done:
            self._submit()
        else:
            self._ask()
        return True

    def _submit(self) -> None:
        form, self._form = self._form, None
        self.say(f"(you pressed \"{form.submit_label}\")")
        self._asker = self.me.slack_id
        response = self.slack.submit_view(self.me.slack_id, form.view, form.state())
        if response.status == 404:
            self.say("casegroup has nothing listening for that form.")
            return
        try:
            answer = json.loads(response.body) if response.body else {}
        except ValueError:
            answer = {}
        self.settle()
        if answer.get("response_action") == "errors":
            errors = answer.get("errors") or {}
            labels = {f.block_id: f.label for f in form.fields}
            self.out("")
            self.out("casegroup (the form stays open):")
            for block_id, error in errors.items():
                self.out("\n".join(wrap(f"{labels.get(block_id, block_id)}: {error}", MARGIN)))
            if form.ask_again(errors):
                self.say("Type those again; the other answers are kept.")
                self._form = form
                self._ask()
            else:
                self.say("(None of those is a field the terminal can ask again, so it closed the form.)")
        elif answer.get("response_action") in ("update", "push") and answer.get("view"):
            self._open_form(answer["view"])

    # ----- the end ---------------------------------------------------------

    def say(self, text: str) -> None:
        """The terminal's own words (not the bot's), wrapped to the terminal's width."""
        self.out("\n".join(wrap(text)))

    def close(self) -> None:
        self.executor.wait_idle(5)
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.api.stop()


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> '1 to 3 and 5'; [1, 2] -> '1 and 2'."""
    parts, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts += [str(start)] if start == n else [str(start), str(n)] if n == start + 1 else [f"{start} to {n}"]
            start = None
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
