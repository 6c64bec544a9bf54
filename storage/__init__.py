"""Storage in the domain's own words. SQL stays inside this package.

    store = Store(":memory:")
    store.save_review(review, actor="cli")      # 'created', then 'updated' on a re-import
    store.roles_of("child-d", "U0LEAD01")        # {'lead'}

One SQLite file (WAL mode, a busy timeout, created 0600). Each thread gets its
own connection; writes that must land together go through `transaction()`.
"""
from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import json
import os
import sqlite3
import threading
from pathlib import Path
from collections.abc import Mapping
from typing import Callable, NamedTuple

import sqlite_utils

from bot.core.conversation import State, decode, encode
from bot.core.review import Episode, Member, Person, Review
from storage.digests import StoredDigests
from storage.migrations import migrate
from storage.running import ReviewRunning

BUSY_TIMEOUT_MS = 10_000
# How long a claimed Slack event id is kept (Store.forget_events): Slack's retries come within minutes.
EVENT_MEMORY = dt.timedelta(days=7)


def utc_now() -> dt.datetime:
    """The one clock. Pass another to Store(clock=...) in tests."""
    return dt.datetime.now(dt.timezone.utc)


# Each member's latest submitted version of a review's reflection (`r` is reflection_versions; one ? for the review).
_LATEST = ("review_key = ? and version = (select max(version) from reflection_versions "
           "where review_key = r.review_key and member = r.member)")

@functools.lru_cache(maxsize=None)
def _upsert_conversation(columns: tuple[str, ...]) -> str:
    """The statement that stores a conversations row with these columns (a handful of combinations).
    Plain SQL on the answer path: sqlite-utils' upsert reads the table's schema on every call."""
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in ("review_key", "member"))
    return (f"insert into conversations ({', '.join(columns)}) values ({', '.join('?' * len(columns))}) "
            f"on conflict (review_key, member) do update set {updates}")


_STATE_COLUMNS = ("stage", "cursor", "paused", "editing", "pending", "version")
_SELECT_STATE = ", ".join("c." + column for column in _STATE_COLUMNS)
# Of a conversations row `c`: the fields answered of the episode its cursor is on ("KPE2/options": KPE2),
# joined with \x1f. What one message asks of StoredAnswers, read with the state instead of after it.
_CURSOR_EPISODE_ANSWERED = ("(select group_concat(a.field, char(31)) from answers a where a.review_key = c.review_key "
                            "and a.member = c.member and a.episode = substr(c.cursor, 1, instr(c.cursor, '/') - 1))")
_MEMBER_VIEW = (f"select r.revision, {_SELECT_STATE}, {_CURSOR_EPISODE_ANSWERED} from reviews r left join "
                "conversations c on c.review_key = r.key and c.member = ? where r.key = ?")
# The reviews a DM from someone may be about (dm_view); for someone in several, ordered by _DM_CHOICE.
_DM_VIEW = (f"select m.review_key, r.revision, {_SELECT_STATE}, {_CURSOR_EPISODE_ANSWERED} from members m "
            "join reviews r on r.key = m.review_key left join conversations c "
            "on c.review_key = m.review_key and c.member = m.slack_id where m.slack_id = ?")
_DM_CHOICE = (" order by case when c.stage in ('asking', 'checking') then 0 when c.stage = 'consent' then 1 "
              "when c.stage is null then 2 else 3 end, "
              "case when c.stage in ('asking', 'checking') then c.updated_at end desc, c.invited_at, m.rowid limit 1")


def _state(review_key: str, member: str, row) -> State | None:
    """A State from the _STATE_COLUMNS of a conversations row (None: no row, as a left join gives it)."""
    stage, cursor, paused, editing, pending, version = row
    if stage is None:
        return None
    return State(review_key, member, stage, cursor or "", bool(paused), bool(editing),
                 json.loads(pending) if pending else None, version or 0)


class StoredAnswers(Mapping):
    """A practitioner's stored answers, {(episode, field): value}, read from SQLite only as far as asked.

    An answer in a DM asks about one or two questions ("is the next one answered?"), nearly always of one
    episode: which of that episode's questions are answered is one indexed query. Listing them all (the
    check page) reads every key, and the first value read decodes them all, each in one query. A member of
    a large review has hundreds (60 episodes × 9 questions): reading them all on every message was a third
    of the answer path (bench/, part 1).
    """

    _WHERE = "from answers where review_key = ? and member = ?"

    def __init__(self, db: sqlite_utils.Database, review_key: str, member: str,
                 known: tuple[str, str | None] | None = None):
        """`known`: (episode, its answered fields joined with \\x1f, or None for none), already read."""
        self._db, self._args = db, [review_key, member]
        self._episodes: dict[str, set[str]] = {}          # episode -> its answered fields
        if known:
            episode, fields = known
            self._episodes[episode] = set(fields.split("\x1f")) if fields else set()
        self._keys: dict[tuple[str, str], None] | None = None
        self._values: dict[tuple[str, str], object] | None = None

    def _all_keys(self) -> dict[tuple[str, str], None]:
        if self._keys is None:
            self._keys = dict.fromkeys(tuple(row) for row in self._db.execute(
                f"select episode, field {self._WHERE}", self._args))
        return self._keys

    def __contains__(self, key) -> bool:
        if self._keys is not None:
            return key in self._keys
        episode, field = key
        if episode not in self._episodes:
            self._episodes[episode] = {row[0] for row in self._db.execute(
                f"select field {self._WHERE} and episode = ?", [*self._args, episode])}
        return field in self._episodes[episode]

    def __getitem__(self, key: tuple[str, str]):
        if key not in self:
            raise KeyError(key)
        if self._values is None:
            self._values = {(e, f): decode(v) for e, f, v in self._db.execute(
                f"select episode, field, value {self._WHERE}", self._args)}
        return self._values[key]

    def __iter__(self):
        return iter(self._all_keys())

    def __len__(self) -> int:
        return len(self._all_keys())


class _Transaction:
    """Store.transaction(). A class rather than a generator: an answer opens two (Store.record's joins the
    one bot/reflect.py opens), and part 1 of bench/ counts every step."""
    __slots__ = ("store", "db", "lock", "outer")

    def __init__(self, store: "Store"):
        self.store = store

    def __enter__(self) -> sqlite_utils.Database:
        store = self.store
        db = self.db = store.db
        lock = self.lock = getattr(store, "_memory_lock", None)
        if lock:
            lock.acquire()
        self.outer = not db.conn.in_transaction
        if self.outer:
            try:
                db.conn.execute("BEGIN IMMEDIATE")  # the connection's own: sqlite-utils' execute parses it again
            except BaseException:
                if lock:
                    lock.release()
                raise
            store._local.at = ""  # stamped at its first now()
        return db

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if not self.outer:
                return
            self.store._local.at = None
            if kind is not None:
                self.db.conn.rollback()
                return
            try:
                self.db.conn.execute("COMMIT")
            except BaseException:
                self.db.conn.rollback()
                raise
        finally:
            if self.lock:
                self.lock.release()


class MemberView(NamedTuple):
    """What one message from a member needs (Store.member_view, Store.dm_view), read in one query."""
    review: Review              # the review, with only this member in `members` (see Store.review)
    state: State | None         # their stored conversation state; None before their invitation
    answers: StoredAnswers      # their answers, the cursor's episode already known


class Store(ReviewRunning, StoredDigests):
    def __init__(self, path: str | Path, clock: Callable[[], dt.datetime] = utc_now):
        self.path = str(path)
        self.clock = clock
        self._local = threading.local()
        # key: (revision, review, {member: the review with only that member}), see review()
        self._reviews: dict[str, tuple[int, Review, dict[str, Review]]] = {}
        self._memory = self.path == ":memory:"
        if not self._memory:
            self._create_private(self.path)
        migrate(self.db, self.now())

    @staticmethod
    def _create_private(path: str) -> None:
        """Create the database file readable by its owner only, before SQLite opens it."""
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"the folder {directory} does not exist")
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (sqlite3 connections must not be shared across threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self._memory:
                # One shared in-memory database for every thread (the offline mode's default).
                db = getattr(self, "_memory_db", None)
                if db is None:
                    conn = sqlite3.connect(":memory:", check_same_thread=False)
                    self._memory_db = db = sqlite_utils.Database(conn)
                    self._memory_lock = threading.RLock()
            else:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
                db = sqlite_utils.Database(conn)
                db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
                if db.execute("pragma journal_mode").fetchone()[0] != "wal":
                    db.enable_wal()
                db.execute("pragma synchronous = normal")
            db.execute("pragma foreign_keys = on")
            # Deleted rows (a withdrawal, a purge) are overwritten with zeros, not left in free space.
            db.execute("pragma secure_delete = on")
            self._local.db = db
        return db

    def now(self) -> str:
        """The time as stored: UTC, to the second. Inside a transaction, the time of its first now(),
        so the rows one step writes (claim, answer, state, audit) carry one time."""
        local = self._local
        stamp = getattr(local, "at", None)
        if stamp:
            return stamp
        now = self.clock().astimezone(dt.timezone.utc).isoformat(timespec="seconds")
        if stamp == "":  # in a transaction, not stamped yet
            local.at = now
        return now

    def transaction(self) -> "_Transaction":
        """All or nothing. BEGIN IMMEDIATE takes the write lock up front, so two writers
        queue on the busy timeout instead of failing half-way with 'database is locked'.

            with store.transaction() as db:
                db.execute(...)

        A transaction opened inside another joins it: an error in either rolls back the whole
        outer one. (No savepoints: nothing here catches an error and carries on writing, and each
        savepoint was a fresh statement for SQLite to compile, on every answer.)"""
        return _Transaction(self)

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None and not self._memory:
            db.close()
            self._local.db = None

    # ----- audit ----------------------------------------------------------

    def audit(self, actor: str, action: str, review_key: str = "", detail: str = "") -> None:
        """Record who did what. `detail` names things (episode keys, counts), never reflection text."""
        with self.transaction() as db:
            self._audit_row(db, self.now(), actor, action, review_key, detail)

    @staticmethod
    def _audit_row(db: sqlite_utils.Database, at: str, actor: str, action: str, review_key: str,
                   detail: str) -> None:
        db.execute("insert into audit (at, actor, action, review_key, detail) values (?, ?, ?, ?, ?)",
                   [at, actor, action, review_key, detail])

    def audit_trail(self, review_key: str | None = None) -> list[dict]:
        where, args = ("review_key = ?", [review_key]) if review_key else (None, None)
        return list(self.db["audit"].rows_where(where, args, order_by="id"))

    # ----- reviews --------------------------------------------------------

    def save_review(self, review: Review, actor: str) -> str:
        """Create or update a review from its file, all in one transaction.

        Answers, conversations and submitted reflections are never touched: a
        re-import changes the review's description, not what people have said.
        """
        now = self.now()
        with self.transaction() as db:
            existing = db["reviews"].count_where("key = ?", [review.key])
            row = {"key": review.key, "title": review.title, "kind": review.kind, "model": review.model,
                   "board": review.board, "channel": review.channel, "updated_at": now}
            if existing:
                db["reviews"].update(review.key, row)
            else:
                db["reviews"].insert({**row, "stage": review.stage, "created_at": now})
            for table in ("review_roles", "episodes", "members", "people"):
                db.execute(f"delete from {table} where review_key = ?", [review.key])
            db["review_roles"].insert_all(
                [{"review_key": review.key, "slack_id": s, "role": "lead"} for s in review.leads]
                + [{"review_key": review.key, "slack_id": s, "role": "team"} for s in review.team])
            db["episodes"].insert_all([
                {"review_key": review.key, "key": e.key, "title": e.title, "start": e.start.isoformat(),
                 "end": e.end.isoformat() if e.end else None, "description": e.description}
                for e in review.episodes])
            db["members"].insert_all([
                {"review_key": review.key, "slack_id": m.slack_id, "role": m.role, "agency": m.agency,
                 "episodes": json.dumps(list(m.episodes))} for m in review.members])
            db["people"].insert_all([
                {"review_key": review.key, "label": p.label, "names": json.dumps(list(p.names))}
                for p in review.people])
            action = "review.updated" if existing else "review.imported"
            db["audit"].insert({"at": now, "actor": actor, "action": action, "review_key": review.key,
                                "detail": f"{len(review.episodes)} episodes, {len(review.members)} members"})
        return "updated" if existing else "created"

    def review(self, key: str) -> Review | None:
        """The review as its file describes it.

        Every DM needs it (member_view, dm_view), and a large review is 60 episodes: a copy is kept
        while the review's revision (moved by SQLite triggers on every change, in any process) is the
        one it was read at. The revision is read first, so a copy is never older than its label."""
        row = self.db.execute("select revision from reviews where key = ?", [key]).fetchone()
        if row is None:
            self._reviews.pop(key, None)
            return None
        return self._kept_review(key, row[0], None)

    def member_view(self, review_key: str, member: str) -> MemberView | None:
        """What one message needs, in one read (see MemberView). None: no such review."""
        row = self.db.execute(_MEMBER_VIEW, [member, review_key]).fetchone()
        if row is None:
            self._reviews.pop(review_key, None)
            return None
        return self._member_view(review_key, row[0], member, row[1:])

    def _member_view(self, review_key: str, revision: int, member: str, row) -> MemberView:
        """A MemberView from the _STATE_COLUMNS and _CURSOR_EPISODE_ANSWERED of a read."""
        *columns, answered = row
        state = _state(review_key, member, columns)
        episode = state.cursor.partition("/")[0] if state is not None and "/" in state.cursor else ""
        return MemberView(self._kept_review(review_key, revision, member), state,
                          StoredAnswers(self.db, review_key, member, (episode, answered) if episode else None))

    def _kept_review(self, key: str, revision: int, only_member: str | None) -> Review:
        """The kept copy of the review at `revision` (read again if it is older); with `only_member`, the copy
        whose `members` holds just that member (a DM needs one, not a large case group)."""
        kept = self._reviews.get(key)
        if kept is None or kept[0] != revision:
            kept = self._reviews[key] = (revision, self._read_review(key), {})
        _, review, by_member = kept
        if only_member is None:
            return review
        if only_member not in by_member:
            by_member[only_member] = dataclasses.replace(
                review, members=tuple(m for m in review.members if m.slack_id == only_member))
        return by_member[only_member]

    def _read_review(self, key: str) -> Review:
        db = self.db
        row = db.execute("select key, title, kind, model, board, channel, stage from reviews where key = ?",
                         [key]).fetchone()
        roles = db.execute("select slack_id, role from review_roles where review_key = ? order by rowid",
                           [key]).fetchall()
        episodes = [Episode(k, t, dt.date.fromisoformat(s), dt.date.fromisoformat(e) if e else None, d or "")
                    for k, t, s, e, d in db.execute(
                        "select key, title, start, end, description from episodes where review_key = ? "
                        "order by start, key", [key])]
        members = [Member(s, r, a, tuple(json.loads(e))) for s, r, a, e in db.execute(
            "select slack_id, role, agency, episodes from members where review_key = ? order by rowid", [key])]
        people = [Person(label, tuple(json.loads(names))) for label, names in db.execute(
            "select label, names from people where review_key = ? order by rowid", [key])]
        return Review(key=row[0], title=row[1], kind=row[2], model=row[3] or "", board=row[4],
                      channel=row[5] or "", stage=row[6],
                      leads=tuple(s for s, r in roles if r == "lead"),
                      team=tuple(s for s, r in roles if r == "team"),
                      episodes=episodes, members=members, people=people)

    def review_keys(self) -> list[str]:
        return [r[0] for r in self.db.execute("select key from reviews order by created_at, key")]

    def roles_of(self, review_key: str, slack_id: str) -> set[str]:
        """{'lead'}, {'team'}, {'member'}, or several, or none, for this person in this review."""
        roles = {r[0] for r in self.db.execute(
            "select role from review_roles where review_key = ? and slack_id = ?", [review_key, slack_id])}
        if self.db.execute("select 1 from members where review_key = ? and slack_id = ?",
                           [review_key, slack_id]).fetchone():
            roles.add("member")
        return roles

    def reviews_of(self, slack_id: str) -> dict[str, set[str]]:
        """Every review this person takes part in, with their roles in each."""
        found: dict[str, set[str]] = {}
        for key, role in self.db.execute(
                "select review_key, role from review_roles where slack_id = ? "
                "union all select review_key, 'member' from members where slack_id = ?", [slack_id, slack_id]):
            found.setdefault(key, set()).add(role)
        return found

    def dm_view(self, slack_id: str) -> MemberView | None:
        """What a DM from `slack_id` is about, in one read (two for someone in several reviews): member_view()
        of their active review, or None for someone in no review. The active review, for someone in several:
        first a reflection in progress (the one they last worked on); then an invitation not yet answered (the
        oldest first, so two invitations are answered in the order they came); then anything else. A typed
        "yes" never goes to an invitation that arrived after the one they were reading."""
        rows = self.db.execute(_DM_VIEW, [slack_id]).fetchall()
        if not rows:
            return None
        if len(rows) > 1:  # most people are in one review: only then is there anything to sort
            rows = self.db.execute(_DM_VIEW + _DM_CHOICE, [slack_id]).fetchall()
        row = rows[0]
        return self._member_view(row[0], row[1], slack_id, row[2:])

    # ----- conversations --------------------------------------------------

    def state(self, review_key: str, member: str) -> State | None:
        row = self.db.execute(f"select {', '.join(_STATE_COLUMNS)} from conversations "
                              "where review_key = ? and member = ?", [review_key, member]).fetchone()
        return _state(review_key, member, row) if row else None

    def answers(self, review_key: str, member: str) -> StoredAnswers:
        """{(episode, field): value}, read as far as it is asked (see StoredAnswers)."""
        return StoredAnswers(self.db, review_key, member)

    def claim_event(self, db: sqlite_utils.Database, event_key: str) -> bool:
        """Inside a transaction: True the first time `event_key` is seen, False for a repeat."""
        cursor = db.execute("insert or ignore into processed_events (event_key, received_at) values (?, ?)",
                            [event_key, self.now()])
        return cursor.rowcount == 1

    def forget_events(self, older_than: dt.timedelta = EVENT_MEMORY) -> int:
        """Forget the Slack events claimed more than `older_than` ago; returns how many. Slack retries an
        event within minutes, so a week is plenty, and otherwise the table grows by a row per message."""
        cutoff = (self.clock() - older_than).astimezone(dt.timezone.utc).isoformat(timespec="seconds")
        with self.transaction() as db:
            return db.execute("delete from processed_events where received_at < ?", [cutoff]).rowcount

    def record(self, state: State, writes=(), events=(), actor: str = "") -> None:
        """Store a conversation step in one transaction: the answers, the new state, consent and
        submission records, and the audit rows. (The flow claims the Slack event first, with
        claim_event in the same transaction: see bot/reflect.py.)"""
        now = self.now()
        with self.transaction() as db:
            for episode, field, value in writes:
                db.execute("insert into answers (review_key, member, episode, field, value, answered_at) "
                           "values (?, ?, ?, ?, ?, ?) on conflict (review_key, member, episode, field) "
                           "do update set value = excluded.value, answered_at = excluded.answered_at",
                           [state.review_key, state.member, episode, field, encode(value), now])
            row = {"review_key": state.review_key, "member": state.member, "stage": state.stage,
                   "cursor": state.cursor, "paused": int(state.paused), "editing": int(state.editing),
                   "pending": json.dumps(state.pending) if state.pending else None,
                   "version": state.version, "updated_at": now}
            for event in events:
                if event in ("invited", "consented", "declined", "submitted", "withdrawn"):
                    row[f"{event}_at"] = now
            db.execute(_upsert_conversation(tuple(row)), list(row.values()))
            if "submitted" in events:
                snapshot = {}
                for episode, field, value in db.execute(
                        "select episode, field, value from answers where review_key = ? and member = ?",
                        [state.review_key, state.member]):
                    snapshot.setdefault(episode, {})[field] = decode(value)
                db["reflection_versions"].insert({
                    "review_key": state.review_key, "member": state.member, "version": state.version,
                    "submitted_at": now, "answers": json.dumps(snapshot, ensure_ascii=False)})
            deleted = self._delete_answers(db, state) if "withdrawn" in events else ""
            for event in events:
                detail = f"version {state.version}" if event == "submitted" else ""
                detail = deleted if event == "withdrawn" else detail
                self._audit_row(db, now, actor or state.member, f"reflection.{event}", state.review_key, detail)
            if writes:
                self._audit_row(db, now, actor or state.member, "answer.saved", state.review_key,
                                ", ".join(f"{e}/{f}" for e, f, _ in writes))

    @staticmethod
    def _delete_answers(db: sqlite_utils.Database, state: State) -> str:
        """A practitioner withdrew consent: their answers and submitted versions for this review go."""
        counts = []
        for table in ("answers", "reflection_versions"):
            cursor = db.execute(f"delete from {table} where review_key = ? and member = ?",
                                [state.review_key, state.member])
            counts.append(f"{cursor.rowcount} {table.replace('_', ' ')} deleted")
        return ", ".join(counts)

    # ----- submitted reflections -------------------------------------------

    def reflection_versions(self, review_key: str, member: str) -> list[dict]:
        return [{"version": v, "submitted_at": at, "answers": json.loads(a)} for v, at, a in self.db.execute(
            "select version, submitted_at, answers from reflection_versions where review_key = ? and member = ? "
            "order by version", [review_key, member])]

    def latest_reflections(self, review_key: str) -> dict[str, dict]:
        """Each member's latest submitted reflection: {slack_id: {episode: {field: value}}}."""
        rows = self.db.execute(
            "select member, answers from reflection_versions r where " + _LATEST, [review_key])
        return {member: json.loads(answers) for member, answers in rows}

    def latest_for_episode(self, review_key: str, episode: str, episodes: list[str]) -> dict[str, dict]:
        """What one episode's digest needs of latest_reflections, in the order of `episodes` (the timeline):
        `episode`'s answers in full and, of the other episodes, only {"factors": [...]}. SQLite picks them out,
        so the other episodes' long texts are never parsed."""
        # Review and episode keys are letters, digits, - and _: safe in a JSON path. Two paths or more make
        # json_extract return an array: `episode` comes first, whole, and again with the others, as factors.
        paths = ['$."' + episode + '"'] + ['$."' + key + '".factors' for key in episodes]
        rows = self.db.execute(
            f"select member, json_extract(answers, {', '.join('?' * len(paths))}) from reflection_versions r "
            "where " + _LATEST, [*paths, review_key])
        found = {}
        for member, values in rows:
            answers, *factors = json.loads(values)
            found[member] = {key: answers if key == episode else {"factors": value}
                             for key, value in zip(episodes, factors)
                             if (answers if key == episode else value) is not None}
        return found

    def episode_answers(self, review_key: str, episode: str) -> dict[str, dict]:
        """Of each member's latest submitted reflection, `episode`'s answers only: {slack_id: {episode: {...}}}.
        Read from `reflection_episodes` (migration 4): the whole reflections are not read."""
        rows = self.db.execute(
            "select r.member, e.answers from reflection_versions r left join reflection_episodes e "
            "on e.version_id = r.id and e.episode = ? where " + _LATEST, [episode, review_key])
        return {member: {episode: json.loads(answers)} if answers else {} for member, answers in rows}

    def conversation_stages(self, review_key: str) -> dict[str, str]:
        """{member: stage}: consent, declined, asking, checking, submitted, or withdrawn (answers deleted)."""
        return dict(self.db.execute("select member, stage from conversations where review_key = ?",
                                    [review_key]).fetchall())
