"""The review: its episodes, case group and the people whose names are never shown.

`parse_review_file(path)` reads the review file format (see README, "The review
file") and reports every mistake at once, with the table and key.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.analysis import ASKS
from bot.errors import ReviewFileError

KINDS = ("children", "adults")
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
SLACK_ID_PATTERN = re.compile(r"[UW][A-Z0-9]{2,}")
MAX_FILE_BYTES = 2_000_000  # a review file is a few KB; anything this large is a mistake


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(date: dt.date) -> str:
    """'4 Mar 2025', the same in every locale."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


@dataclass(frozen=True)
class Episode:
    key: str
    title: str
    start: dt.date
    end: dt.date | None = None
    description: str = ""

    @property
    def dates(self) -> str:
        """'4 Mar 2025 to 15 Apr 2025', or one date."""
        return f"{day(self.start)} to {day(self.end)}" if self.end else day(self.start)


@dataclass(frozen=True)
class Member:
    slack_id: str
    role: str
    agency: str
    episodes: tuple[str, ...]

    @property
    def attribution(self) -> str:
        """How a practitioner is named in every output: role and agency, never a name."""
        return f"{self.role} ({self.agency})"


@dataclass(frozen=True)
class Person:
    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    key: str
    title: str
    kind: str
    board: str
    leads: tuple[str, ...]
    team: tuple[str, ...] = ()
    model: str = ""
    channel: str = ""
    episodes: tuple[Episode, ...] = ()
    members: tuple[Member, ...] = ()
    people: tuple[Person, ...] = ()
    stage: str = "conversations"
    # What the review's findings end with: questions for the board, or recommendations (SARs and child
    # safeguarding practice reviews often make recommendations instead).
    asks: str = "questions"
    # Why the case was reviewed (optional): the report's introduction opens with it.
    reason: str = ""
    # Members dropped from the file (`review import --force`) after they had answered: out of the case
    # group, its digests and its progress, but still able to read, and withdraw, what they wrote.
    former: tuple[Member, ...] = ()
    # The file's `renamed_from` declarations, (old key, new key): what an import moves answers along. Not stored.
    renames: tuple[tuple[str, str], ...] = ()

    # Each case group member's part, worked out once when the review is made: every DM needs its member's.
    assignments: dict[str, "Assignment"] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # Immutable all the way down: storage keeps one copy of a review for every message (storage/reviews.py).
        for name in ("leads", "team", "episodes", "members", "people", "former", "renames"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "assignments", {
            member.slack_id: Assignment(self, member, tuple(self.episodes_for(member)))
            for member in (*self.former, *self.members)})

    def episode(self, key: str) -> Episode | None:
        return next((e for e in self.episodes if e.key == key), None)

    def member(self, slack_id: str) -> Member | None:
        return next((m for m in self.members if m.slack_id == slack_id), None)

    def episodes_for(self, member: Member) -> list[Episode]:
        """The member's episodes, in timeline order."""
        keys = set(member.episodes)
        return [e for e in self.episodes if e.key in keys]

    def assignment(self, slack_id: str) -> "Assignment | None":
        """What `slack_id` has to reflect on in this review, or None if they are not in its case group (nor a
        former member, who keeps their conversation to read and withdraw it)."""
        return self.assignments.get(slack_id)

    @property
    def subject(self) -> str:
        return "child" if self.kind == "children" else "adult"


@dataclass(frozen=True)
class Assignment:
    """One case group member's part in a review: the whole review, the member, and their episodes in
    timeline order. What a practitioner's conversation and its messages work from."""
    review: Review
    member: Member
    episodes: tuple[Episode, ...]
    positions: dict[str, int] = field(init=False, repr=False, compare=False)   # episode key -> its place

    def __post_init__(self):
        object.__setattr__(self, "positions", {episode.key: i for i, episode in enumerate(self.episodes)})


def _date(value, where: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(f"{where}: {value!r} is not a date (use YYYY-MM-DD)")
    return None


def _text(table: dict, name: str, where: str, problems: list[str], required: bool = True, limit: int = 3000) -> str:
    value = table.get(name, "")
    if not isinstance(value, str):
        problems.append(f"{where}: {name} must be text")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{where}: {name} is missing")
    if len(value) > limit:
        problems.append(f"{where}: {name} is longer than {limit} characters")
    return value


def _ids(value, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where} must be a list of Slack user IDs")
        return ()
    for slack_id in value:
        if not SLACK_ID_PATTERN.fullmatch(slack_id):
            problems.append(f"{where}: {slack_id!r} is not a Slack user ID (like U0123ABCD)")
    return tuple(value)


def parse_review(data: dict) -> Review:
    """Validate a parsed review file. Raises ReviewFileError (path '-') listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ReviewFileError("-", ["the file must be a TOML document"])
    head = data.get("review")
    if not isinstance(head, dict):
        raise ReviewFileError("-", ["[review]: the table is missing"])
    key = head.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        problems.append("[review]: key must be letters, digits, '-' or '_' (like \"child-d\")")
        key = str(key)
    title = _text(head, "title", "[review]", problems, limit=150)
    board = _text(head, "board", "[review]", problems, limit=300)
    kind = head.get("kind")
    if kind not in KINDS:
        problems.append(f"[review]: kind must be \"children\" or \"adults\", not {kind!r}")
    leads = _ids(head.get("leads", []), "[review] leads", problems)
    if not leads:
        problems.append("[review]: leads must name at least one lead reviewer")
    team = _ids(head.get("team", []), "[review] team", problems)
    model = _text(head, "model", "[review]", problems, required=False, limit=40)
    channel = _text(head, "channel", "[review]", problems, required=False, limit=40)
    reason = _text(head, "reason", "[review]", problems, required=False)
    asks = head.get("asks", "questions")
    if asks not in ASKS:
        problems.append(f"[review]: asks must be \"questions\" (for the board, the default) or \"recommendations\", "
                        f"not {asks!r}")

    episodes: list[Episode] = []
    renames: list[tuple[str, str]] = []
    raw_episodes = data.get("episodes", [])
    if not isinstance(raw_episodes, list) or not raw_episodes:
        problems.append("[[episodes]]: a review needs at least one key practice episode")
        raw_episodes = []
    for index, raw in enumerate(raw_episodes, start=1):
        ekey = raw.get("key") if isinstance(raw, dict) else None
        where = f"[[episodes]] {ekey}" if isinstance(ekey, str) and ekey else f"[[episodes]] #{index}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a table")
            continue
        if not isinstance(ekey, str) or not KEY_PATTERN.fullmatch(ekey):
            problems.append(f"{where}: key must be letters, digits, '-' or '_' (like \"KPE1\")")
            continue
        if any(e.key == ekey for e in episodes):
            problems.append(f"{where}: duplicate episode key")
            continue
        start = _date(raw.get("start"), f"{where} start", problems)
        end = _date(raw["end"], f"{where} end", problems) if raw.get("end") not in (None, "") else None
        if start and end and end < start:
            problems.append(f"{where}: end {end} is before start {start}")
        episode_title = _text(raw, "title", where, problems, limit=140)
        description = _text(raw, "description", where, problems, required=False)
        renamed_from = raw.get("renamed_from")
        if renamed_from is not None:
            if not isinstance(renamed_from, str) or not KEY_PATTERN.fullmatch(renamed_from):
                problems.append(f"{where}: renamed_from must be the episode's old key (like \"KPE1\")")
            elif any(r.get("key") == renamed_from for r in raw_episodes if isinstance(r, dict)):
                problems.append(f"{where}: renamed_from {renamed_from!r} is still an episode of the file")
            elif any(old == renamed_from for old, _ in renames):
                problems.append(f"{where}: renamed_from {renamed_from!r} is declared twice")
            else:
                renames.append((renamed_from, ekey))
        if start:
            episodes.append(Episode(ekey, episode_title, start, end, description))
    # Keys of episodes with other mistakes still count here, so one mistake isn't reported twice.
    episode_keys = {e.key for e in episodes} | {
        r.get("key") for r in raw_episodes if isinstance(r, dict) and isinstance(r.get("key"), str)}

    members: list[Member] = []
    raw_members = data.get("members", [])
    if not isinstance(raw_members, list):
        problems.append("[[members]]: must be an array of tables")
        raw_members = []
    for index, raw in enumerate(raw_members, start=1):
        if not isinstance(raw, dict):
            problems.append(f"[[members]] #{index}: must be a table")
            continue
        slack_id = raw.get("slack_id")
        where = f"[[members]] {slack_id}" if isinstance(slack_id, str) and slack_id else f"[[members]] #{index}"
        if not isinstance(slack_id, str) or not SLACK_ID_PATTERN.fullmatch(slack_id):
            problems.append(f"{where}: slack_id must be a Slack user ID (like U0123ABCD)")
            continue
        if any(m.slack_id == slack_id for m in members):
            problems.append(f"{where}: duplicate member")
            continue
        role = _text(raw, "role", where, problems, limit=60)
        agency = _text(raw, "agency", where, problems, limit=80)
        assigned = raw.get("episodes", [])
        if not isinstance(assigned, list) or not assigned or not all(isinstance(e, str) for e in assigned):
            problems.append(f"{where}: episodes must list at least one episode key")
            assigned = []
        for episode_key in assigned:
            if episode_key not in episode_keys:
                problems.append(f"{where}: unknown episode {episode_key!r}")
        if len(set(assigned)) != len(assigned):
            problems.append(f"{where}: an episode is listed twice")
        members.append(Member(slack_id, role, agency, tuple(dict.fromkeys(assigned))))

    people: list[Person] = []
    for index, raw in enumerate(data.get("people", []) if isinstance(data.get("people", []), list) else [], start=1):
        if not isinstance(raw, dict):
            problems.append(f"[[people]] #{index}: must be a table")
            continue
        label = raw.get("label")
        where = f"[[people]] {label}" if isinstance(label, str) and label else f"[[people]] #{index}"
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{where}: label is missing (like \"Child D\")")
            continue
        if any(p.label == label for p in people):
            problems.append(f"{where}: duplicate label")
        names = raw.get("names", [])
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            problems.append(f"{where}: names must list at least one name")
            names = []
        people.append(Person(label.strip(), tuple(n.strip() for n in names)))

    if problems:
        raise ReviewFileError("-", problems)
    return Review(key=key, title=title, kind=kind, board=board, leads=leads, team=team, model=model,
                  channel=channel, asks=asks, reason=reason, episodes=sorted(episodes, key=lambda e: (e.start, e.key)),
                  members=members, people=people, renames=renames)


def read_toml(path: Path | str, error: type[ReviewFileError] = ReviewFileError, what: str = "a review file") -> dict:
    """A file's TOML, parsed; `error` naming the file when it can't be read or isn't TOML (a review file, or
    another file of the same kind: an analysis file)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise error(path, [f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB"])
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, ["file not found"]) from None
    except UnicodeDecodeError:
        raise error(path, ["the file is not UTF-8 text"]) from None
    except IsADirectoryError:
        raise error(path, [f"that is a folder, not {what}"]) from None
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as problem:
        raise error(path, [f"not valid TOML: {problem}"]) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise error(path, ["arrays or tables are nested too deeply"]) from None


def parse_review_file(path: Path | str) -> Review:
    """Read and validate a review file. Raises ReviewFileError naming the file and every problem."""
    data = read_toml(path)
    try:
        return parse_review(data)
    except ReviewFileError as error:
        raise ReviewFileError(path, error.problems) from None
