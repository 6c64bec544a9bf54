"""Conversations and their answers: where each practitioner is, what they have answered, and each step stored.

    conversations.state("child-d", "U0HV0001").stage                  # 'asking'
    conversations.answers("child-d", "U0HV0001", episodes={"KPE1"})   # Answers of KPE1 only
    with database.transaction() as tx:
        if conversations.claim_event(tx, "Ev123"):
            conversations.record(tx, state, writes=[("KPE1", "involvement", "I visited")])
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from bot.core.conversation import Answers, Candidate, State, decode, encode
from bot.core.progress import MemberRecord
from storage.analysis import Analysis
from storage.audit import add_audit_row
from storage.follow_ups import FollowUps
from storage.database import Database, Transaction, moment, stamp
from storage.finding_responses import FindingResponses

# How long a claimed Slack event id is kept (forget_events): Slack's retries come within minutes.
EVENT_MEMORY = dt.timedelta(days=7)
_STATE_COLUMNS = ("stage", "cursor", "paused", "editing", "pending", "version", "offered", "noted")
_STATE_EVENTS = ("invited", "consented", "declined", "submitted", "withdrawn")


# The reviews a DM from someone may be about. Former members (dropped by a forced re-import) keep their
# conversation, to read it and withdraw. One arm per table, each read by its slack_id index: a union inside a
# subquery is materialised first, which tripled this read.
_DM_ARM = (f"select m.review_key, r.revision, {', '.join('c.' + c for c in _STATE_COLUMNS)}, c.updated_at, "
           "c.invited_at, {joined} from {table} m join reviews r on r.key = m.review_key left join conversations c "
           "on c.review_key = m.review_key and c.member = m.slack_id where m.slack_id = ?1")
_DM_CANDIDATES = (_DM_ARM.format(table="members", joined="m.rowid") + " union all "
                  + _DM_ARM.format(table="former_members", joined="1e12 + m.rowid"))


def _state(review_key: str, member: str, row) -> State | None:
    """A State from the _STATE_COLUMNS of a conversations row (None: no row, as a left join gives it)."""
    stage, cursor, paused, editing, pending, version, offered, noted = row
    if stage is None:
        return None
    return State(review_key, member, stage, cursor or "", bool(paused), bool(editing),
                 json.loads(pending) if pending else None, version or 0,
                 json.loads(offered) if offered else None, json.loads(noted) if noted else [])


class Conversations:
    def __init__(self, database: Database):
        self.database = database

    def state(self, review_key: str, member: str) -> State | None:
        row = self.database.db.execute(f"select {', '.join(_STATE_COLUMNS)} from conversations "
                                       "where review_key = ? and member = ?", [review_key, member]).fetchone()
        return _state(review_key, member, row) if row else None

    def dm_candidates(self, slack_id: str) -> list[Candidate]:
        """Every review `slack_id` is in the case group of, with their conversation in it, in one read: what
        bot.core.conversation.which_review chooses from when they write to the bot."""
        rows = self.database.db.execute(_DM_CANDIDATES, [slack_id]).fetchall()
        end = 2 + len(_STATE_COLUMNS)
        rows.sort(key=lambda row: row[end + 2])   # the order they joined the case groups in
        return [Candidate(row[0], row[1], _state(row[0], slack_id, row[2:end]), row[end] or "", row[end + 1] or "")
                for row in rows]

    def answers(self, review_key: str, member: str, episodes: Iterable[str] | None = None) -> Answers:
        """The member's stored answers: of `episodes` only (what one step needs), or all of them."""
        sql = "select episode, field, value from answers where review_key = ? and member = ?"
        args = [review_key, member]
        if episodes is not None:
            episodes = frozenset(episodes)
            sql += f" and episode in ({', '.join('?' * len(episodes))})"
            args += sorted(episodes)
        stored = {(episode, field): value for episode, field, value in self.database.db.execute(sql, args)}
        return Answers(stored, episodes)

    def stages(self, review_key: str) -> dict[str, str]:
        """{member: stage}: consent, declined, asking, checking, submitted, or withdrawn (answers deleted)."""
        return dict(self.database.db.execute("select member, stage from conversations where review_key = ?",
                                             [review_key]).fetchall())

    def progress(self, review_key: str) -> dict[str, MemberRecord]:
        """What each member has done: conversation stage, the fields answered per episode, reminders."""
        db = self.database.db
        records: dict[str, MemberRecord] = {}
        for member, stage, sent, last in db.execute(
                "select c.member, c.stage, coalesce(r.sent_count, 0), r.last_sent_at from conversations c "
                "left join reminders r on r.review_key = c.review_key and r.member = c.member "
                "where c.review_key = ?", [review_key]):
            records[member] = MemberRecord(stage, {}, sent, moment(last))
        for member, episode, field in db.execute(
                "select member, episode, field from answers where review_key = ?", [review_key]):
            if member in records:
                records[member].answered.setdefault(episode, set()).add(field)
        return records

    # ----- writing --------------------------------------------------------

    @staticmethod
    def claim_event(tx: Transaction, event_key: str) -> bool:
        """True the first time `event_key` is seen, False for a repeat (Slack delivers at least once)."""
        cursor = tx.db.execute("insert or ignore into processed_events (event_key, received_at) values (?, ?)",
                               [event_key, tx.now])
        return cursor.rowcount == 1

    def forget_events(self, older_than: dt.timedelta = EVENT_MEMORY) -> int:
        """Forget the Slack events claimed more than `older_than` ago; returns how many. Slack retries an
        event within minutes, so a week is plenty, and otherwise the table grows by a row per message."""
        cutoff = stamp(self.database.clock() - older_than)
        with self.database.transaction() as tx:
            return tx.db.execute("delete from processed_events where received_at < ?", [cutoff]).rowcount

    def touch(self, review_key: str, member: str, offered: list | None = None) -> None:
        """Make this review the one the practitioner's DM is about (see which_review); with `offered`, the
        buttons of the message just sent about it, so that typing a label or a number clicks them (State.offered)."""
        with self.database.transaction() as tx:
            if offered is None:
                tx.db.execute("update conversations set updated_at = ? where review_key = ? and member = ?",
                              [tx.now, review_key, member])
            else:
                tx.db.execute("update conversations set updated_at = ?, offered = ? where review_key = ? and member = ?",
                              [tx.now, json.dumps(offered, ensure_ascii=False), review_key, member])

    @staticmethod
    def record(tx: Transaction, state: State, writes=(), events=(), actor: str = "") -> None:
        """Store a conversation step: the answers, the new state, consent and submission records, and the
        audit rows. (The flow claims the Slack event first, in the same transaction: see bot/reflect.py.)"""
        db, now = tx.db, tx.now
        for episode, field, value in writes:
            db.execute("insert into answers (review_key, member, episode, field, value, answered_at) "
                       "values (?, ?, ?, ?, ?, ?) on conflict (review_key, member, episode, field) "
                       "do update set value = excluded.value, answered_at = excluded.answered_at",
                       [state.review_key, state.member, episode, field, encode(value), now])
        row = {"review_key": state.review_key, "member": state.member, "stage": state.stage,
               "cursor": state.cursor, "paused": int(state.paused), "editing": int(state.editing),
               "pending": json.dumps(state.pending) if state.pending else None,
               "version": state.version,
               "offered": json.dumps(state.offered, ensure_ascii=False) if state.offered is not None else None,
               "noted": json.dumps(state.noted) if state.noted else None, "updated_at": now}
        row.update({f"{event}_at": now for event in events if event in _STATE_EVENTS})
        updates = ", ".join(f"{column} = excluded.{column}" for column in row if column not in ("review_key", "member"))
        db.execute(f"insert into conversations ({', '.join(row)}) values ({', '.join('?' * len(row))}) "
                   f"on conflict (review_key, member) do update set {updates}", list(row.values()))
        if "submitted" in events:
            snapshot: dict[str, dict] = {}
            for episode, field, value in db.execute(
                    "select episode, field, value from answers where review_key = ? and member = ?",
                    [state.review_key, state.member]):
                snapshot.setdefault(episode, {})[field] = decode(value)
            db["reflection_versions"].insert({
                "review_key": state.review_key, "member": state.member, "version": state.version,
                "submitted_at": now, "answers": json.dumps(snapshot, ensure_ascii=False)})
        actor = actor or state.member
        for event in events:
            detail = f"version {state.version}" if event == "submitted" else ""
            if event == "withdrawn":
                detail = _delete_answers(tx, state)
            add_audit_row(tx, actor, f"reflection.{event}", state.review_key, detail)
        if writes:
            add_audit_row(tx, actor, "answer.saved", state.review_key, ", ".join(f"{e}/{f}" for e, f, _ in writes))


def _delete_answers(tx: Transaction, state: State) -> str:
    """A practitioner withdrew consent: their answers and submitted versions for this review go, and their
    words leave the findings' evidence (each finding that quoted them says so)."""
    counts = []
    for table in ("answers", "reflection_versions"):
        cursor = tx.db.execute(f"delete from {table} where review_key = ? and member = ?",
                               [state.review_key, state.member])
        counts.append(f"{cursor.rowcount} {table.replace('_', ' ')} deleted")
    findings = Analysis.forget_member(tx, state.review_key, state.member, state.member)
    if findings:
        counts.append(f"their words taken out of findings: {findings}")
    responses = FindingResponses.forget_member(tx, state.review_key, state.member, state.member)
    if responses:
        counts.append(f"{responses} responses to findings deleted")
    follow_ups = FollowUps.forget_member(tx, state.review_key, state.member)
    if follow_ups:
        counts.append(f"{follow_ups} follow-up questions deleted")
    return ", ".join(counts)
