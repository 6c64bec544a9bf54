"""Reviews as their files describe them: episodes, case group, people, roles, and each review's stage.

    reviews.save(review, actor="cli").outcome  # 'created', then 'updated' on a re-import
    reviews.get("child-d").title               # 'Child D'
    reviews.key_for("Child-D")                 # 'child-d': a key as someone typed it
    reviews.roles_of("child-d", "U0LEAD01")    # {'lead'}
    reviews.set_stage("child-d", "closed", actor="U0LEAD01", retain_until=closed + year)

Every message needs its review (a large one has 60 episodes), so one copy of each is kept in
memory while the review's revision holds. SQLite's triggers (migration 3) move the revision on any
change to the review, its episodes, members, people or roles, in the same transaction and
whichever process makes it, so a copy is never used after its review has changed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Callable, NamedTuple

from bot.core.changes import hidden_by_import
from bot.core.review import Episode, Member, Person, Review
from bot.errors import ImportRefused, ReviewFileError
from storage.audit import add_audit_row
from storage.database import Database, Transaction, moment, stamp


class Saved(NamedTuple):
    """What an import did: 'created' or 'updated', and what it hid because it was forced (see save)."""
    outcome: str
    hidden: list[str]


@dataclass
class Lifecycle:
    stage: str
    stage_changed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    retain_until: dt.datetime | None = None
    purged_at: dt.datetime | None = None


class Reviews:
    def __init__(self, database: Database):
        self.database = database
        self._kept: dict[str, tuple[int, Review]] = {}   # review key -> (revision, the review at it)

    def save(self, review: Review, actor: str, force: bool = False) -> Saved:
        """Create or update a review from its file, all in one transaction.

        A re-import changes the review's description, not what people have said: answers move only with
        an episode the file says was renamed (`renamed_from`). One that would hide answers (a member who
        answered dropped, an answered episode gone or taken from them) raises ImportRefused, unless `force`:
        then the members dropped are kept as former members, who can still read and withdraw.
        """
        hidden: list[str] = []
        with self.database.transaction() as tx:
            # A key is typed in commands, in any case: two that differ only by case would be one review
            # to `key_for`, and the other's leads would be refused their own review.
            clash = tx.db.execute("select key from reviews where key = ? collate nocase and key != ?",
                                  [review.key, review.key]).fetchone()
            if clash:
                raise ReviewFileError("-", [f"[review]: key {review.key!r} differs only in case from the review "
                                            f"{clash[0]!r} already imported; use {clash[0]!r} to update that "
                                            "review, or another key"])
            if tx.db["reviews"].count_where("key = ?", [review.key]):
                review, hidden = self._reimport(tx, review, actor, force)
            return Saved(self.write(tx, review, actor), hidden)

    def _reimport(self, tx: Transaction, review: Review, actor: str, force: bool) -> tuple[Review, list[str]]:
        stored = self._read(review.key)
        answered: dict[str, set[str]] = {}
        for member, episode in tx.db.execute(
                "select member, episode from answers where review_key = ? union select v.member, e.episode "
                "from reflection_versions v join reflection_episodes e on e.version_id = v.id "
                "where v.review_key = ?", [review.key, review.key]):
            answered.setdefault(member, set()).add(episode)
        hidden = hidden_by_import(stored, review, answered)
        if hidden and not force:
            raise ImportRefused(review.key, hidden)
        if hidden:
            add_audit_row(tx, actor, "review.import_forced", review.key, "; ".join(hidden))
        renamed = {old: new for old, new in review.renames if stored.episode(old)}
        for old, new in renamed.items():
            _move_episode(tx, review.key, old, new)
        kept = {m.slack_id for m in review.members}
        former = [dataclasses.replace(m, episodes=tuple(renamed.get(k, k) for k in m.episodes))
                  for m in (*stored.former, *stored.members)
                  if m.slack_id not in kept and (m in stored.former or m.slack_id in answered)]
        return dataclasses.replace(review, former=former), hidden

    def write(self, tx: Transaction, review: Review, actor: str) -> str:
        """save(), inside the caller's transaction: 'created' or 'updated'."""
        db = tx.db
        existing = db["reviews"].count_where("key = ?", [review.key])
        row = {"key": review.key, "title": review.title, "kind": review.kind, "model": review.model,
               "board": review.board, "channel": review.channel, "asks": review.asks,
               "reason": review.reason, "updated_at": tx.now}
        if existing:
            db["reviews"].update(review.key, row)
        else:
            db["reviews"].insert({**row, "stage": review.stage, "created_at": tx.now})
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
        db.execute("delete from former_members where review_key = ?", [review.key])
        in_case_group = {m.slack_id for m in review.members}   # someone added back is a member again
        db["former_members"].insert_all([
            {"review_key": review.key, "slack_id": m.slack_id, "role": m.role, "agency": m.agency,
             "episodes": json.dumps(list(m.episodes))} for m in review.former if m.slack_id not in in_case_group])
        add_audit_row(tx, actor, "review.updated" if existing else "review.imported", review.key,
                      f"{len(review.episodes)} episodes, {len(review.members)} members")
        return "updated" if existing else "created"

    def change(self, review_key: str, how: Callable[[Review], tuple[Review, str]], actor: str, action: str) -> Review:
        """Read the review, change it and write it back, in one write transaction, so that two leads
        changing it at once each build on the other's change (reading it before the transaction lost one).
        `how(review)` returns the changed review and the audit detail of `action`; whatever it raises rolls
        everything back. Returns the changed review."""
        with self.database.transaction() as tx:
            changed, detail = how(self._read(review_key))
            self.write(tx, changed, actor)
            add_audit_row(tx, actor, action, review_key, detail)
        return changed

    def get(self, key: str, revision: int | None = None) -> Review | None:
        """The review, or None. `revision`: the one just read with other rows (Conversations.dm_candidates), so
        the kept copy can be checked against it without reading the revision again."""
        if revision is None:
            row = self.database.db.execute("select revision from reviews where key = ?", [key]).fetchone()
            if row is None:
                self._kept.pop(key, None)
                return None
            revision = row[0]
        kept = self._kept.get(key)
        if kept is None or kept[0] != revision:
            # The revision is read before the review, so a copy is never older than its label.
            kept = self._kept[key] = (revision, self._read(key))
        return kept[1]

    def _read(self, key: str) -> Review:
        db = self.database.db
        row = db.execute("select key, title, kind, model, board, channel, stage, asks, reason from reviews "
                         "where key = ?",
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
        former = [Member(s, r, a, tuple(json.loads(e))) for s, r, a, e in db.execute(
            "select slack_id, role, agency, episodes from former_members where review_key = ? order by rowid", [key])]
        return Review(key=row[0], title=row[1], kind=row[2], model=row[3] or "", board=row[4],
                      channel=row[5] or "", stage=row[6], asks=row[7], reason=row[8] or "",
                      leads=tuple(s for s, r in roles if r == "lead"),
                      team=tuple(s for s, r in roles if r == "team"),
                      episodes=episodes, members=members, people=people, former=former)

    def key_for(self, typed: str) -> str | None:
        """The key of the review `typed` names, whatever its case (`save` keeps keys apart by more than
        case), or None."""
        row = self.database.db.execute("select key from reviews where key = ? collate nocase", [typed]).fetchone()
        return row[0] if row else None

    def keys(self) -> list[str]:
        return [r[0] for r in self.database.db.execute("select key from reviews order by created_at, key")]

    def roles_of(self, review_key: str, slack_id: str) -> set[str]:
        """{'lead'}, {'team'}, {'member'}, {'former'} (dropped from the case group after answering), or
        several, or none, for this person in this review."""
        return {role for (role,) in self.database.db.execute(
            "select role from review_roles where review_key = ? and slack_id = ? "
            "union select 'member' from members where review_key = ? and slack_id = ? "
            "union select 'former' from former_members where review_key = ? and slack_id = ?",
            [review_key, slack_id, review_key, slack_id, review_key, slack_id])}

    def of_person(self, slack_id: str) -> dict[str, set[str]]:
        """Every review this person takes part in, with their roles in each."""
        found: dict[str, set[str]] = {}
        for key, role in self.database.db.execute(
                "select review_key, role from review_roles where slack_id = ? "
                "union all select review_key, 'member' from members where slack_id = ? "
                "union all select review_key, 'former' from former_members where slack_id = ?",
                [slack_id, slack_id, slack_id]):
            found.setdefault(key, set()).add(role)
        return found

    # ----- stages ---------------------------------------------------------

    def lifecycle(self, review_key: str) -> Lifecycle | None:
        row = self.database.db.execute("select stage, stage_changed_at, closed_at, retain_until, purged_at "
                                       "from reviews where key = ?", [review_key]).fetchone()
        return Lifecycle(row[0], *map(moment, row[1:])) if row else None

    def set_stage(self, review_key: str, stage: str, actor: str, retain_until: dt.datetime | None = None) -> str:
        """Move the review to `stage` (audited). Returns the stage it was in."""
        with self.database.transaction() as tx:
            return self.move_stage(tx, review_key, stage, actor, retain_until)

    @staticmethod
    def move_stage(tx: Transaction, review_key: str, stage: str, actor: str,
                   retain_until: dt.datetime | None = None) -> str:
        """set_stage inside a transaction of the caller's, for a move that writes more with it (the thanks at
        close: bot/lead_actions.py). Returns the stage it was in."""
        previous = tx.db.execute("select stage from reviews where key = ?", [review_key]).fetchone()[0]
        change = {"stage": stage, "stage_changed_at": tx.now}
        if stage == "closed":
            change.update(closed_at=tx.now, retain_until=stamp(retain_until) if retain_until else None)
        tx.db["reviews"].update(review_key, change)
        detail = f"{previous} -> {stage}"
        if retain_until:
            detail += f"; kept until {stamp(retain_until)}"
        add_audit_row(tx, actor, "review.stage", review_key, detail)
        return previous


def _move_episode(tx: Transaction, review_key: str, old: str, new: str) -> None:
    """An episode renamed in the file (renamed_from): its answers, the conversations on it and the submitted
    versions follow it. (The versions' triggers re-split them by episode and empty the kept digest part.)"""
    db = tx.db
    db.execute("update answers set episode = ? where review_key = ? and episode = ?", [new, review_key, old])
    for member, cursor, pending in db.execute(
            "select member, cursor, pending from conversations where review_key = ?", [review_key]).fetchall():
        moved_cursor = new + cursor[len(old):] if cursor.startswith(old + "/") else cursor
        moved_pending = pending
        if pending:
            found = json.loads(pending)
            if str(found.get("slot", "")).startswith(old + "/"):
                found["slot"] = new + found["slot"][len(old):]
                moved_pending = json.dumps(found)
        if (moved_cursor, moved_pending) != (cursor, pending):
            db.execute("update conversations set cursor = ?, pending = ? where review_key = ? and member = ?",
                       [moved_cursor, moved_pending, review_key, member])
    for version_id, answers in db.execute(
            "select v.id, v.answers from reflection_versions v join reflection_episodes e on e.version_id = v.id "
            "where v.review_key = ? and e.episode = ?", [review_key, old]).fetchall():
        by_episode = json.loads(answers)
        by_episode[new] = by_episode.pop(old)
        db.execute("update reflection_versions set answers = ? where id = ?",
                   [json.dumps(by_episode, ensure_ascii=False), version_id])
