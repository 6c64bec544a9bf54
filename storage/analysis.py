"""The review team's analysis: appraisals of the episodes and the findings, every save a new version.

    analysis.save_appraisal(appraisal, actor="U0LEAD01")     # (the Appraisal as stored: version 1, ...), True
    analysis.appraisals("adult-f")                           # {episode: its latest Appraisal}
    analysis.save_finding("adult-f", finding, actor="U0TEAM01")
    analysis.findings("adult-f")                             # the latest version of each, in the team's order

Kept apart from the case group's words (their own tables), as the method keeps them apart. A save whose
content is the latest version's changes nothing (so importing the same analysis file twice is a no-op);
any other save is a new version with its author and time, and an audit row, never the text.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from bot.core.analysis import Appraisal, Evidence, Finding, in_order, without_member
from storage.audit import add_audit_row
from storage.database import Database, Transaction


def _appraisal(row) -> Appraisal:
    episode, what_happened, appraisal, explanation, factors, version, author, saved_at = row
    return Appraisal(episode, what_happened, appraisal, explanation, tuple(json.loads(factors or "[]")),
                     version, author, saved_at)


def _finding(row) -> Finding:
    body, version, author, saved_at = row
    fields = json.loads(body)
    fields["evidence"] = tuple(Evidence(**e) for e in fields.get("evidence", ()))
    for name in ("episodes", "asks"):
        fields[name] = tuple(fields.get(name, ()))
    return Finding(**fields, version=version, author=author, saved_at=saved_at)


def _body(finding: Finding) -> str:
    fields = dataclasses.asdict(finding)
    for name in ("version", "author", "saved_at"):
        fields.pop(name)
    return json.dumps(fields, ensure_ascii=False)


def _next_version(latest, item, actor: str, now: str):
    """`item` as the next version after `latest` (None: the first), by `actor` at `now`; None when it says what
    `latest` says, so a save that changes nothing (an analysis file imported twice) makes no version."""
    if latest is not None and latest.content() == item.content():
        return None
    return dataclasses.replace(item, version=(latest.version if latest else 0) + 1, author=actor, saved_at=now)


_LATEST = "select {columns} from {table} t where review_key = ? and version = (select max(version) from {table} " \
          "where review_key = t.review_key and {key} = t.{key})"
_APPRAISAL_COLUMNS = "episode, what_happened, appraisal, explanation, factors, version, author, saved_at"


class Analysis:
    def __init__(self, database: Database):
        self.database = database

    # ----- appraisals -------------------------------------------------------

    def appraisals(self, review_key: str) -> dict[str, Appraisal]:
        """{episode: the latest version of its appraisal}, for the episodes that have one."""
        rows = self.database.db.execute(_LATEST.format(columns=_APPRAISAL_COLUMNS, table="appraisals", key="episode"),
                                        [review_key]).fetchall()
        return {row[0]: _appraisal(row) for row in rows}

    def appraisal_history(self, review_key: str, episode: str) -> list[Appraisal]:
        """Every version of an episode's appraisal, the first first."""
        return [_appraisal(row) for row in self.database.db.execute(
            f"select {_APPRAISAL_COLUMNS} from appraisals where review_key = ? and episode = ? order by version",
            [review_key, episode])]

    def save_appraisal(self, review_key: str, appraisal: Appraisal, actor: str) -> tuple[Appraisal, bool]:
        """Store `appraisal` as its episode's next version, unless it says what the latest already says.
        Returns the appraisal as stored and whether anything changed. Check it first (bot.core.analysis)."""
        with self.database.transaction() as tx:
            return self.save_appraisal_in(tx, review_key, appraisal, actor)

    @staticmethod
    def save_appraisal_in(tx: Transaction, review_key: str, appraisal: Appraisal, actor: str) -> tuple[Appraisal, bool]:
        """save_appraisal, inside a transaction the caller holds (an analysis file applies all or nothing)."""
        row = tx.db.execute(f"select {_APPRAISAL_COLUMNS} from appraisals where review_key = ? and episode = ? "
                            "order by version desc limit 1", [review_key, appraisal.episode]).fetchone()
        latest = _appraisal(row) if row else None
        saved = _next_version(latest, appraisal, actor, tx.now)
        if saved is None:
            return latest, False
        tx.db["appraisals"].insert({"review_key": review_key, "episode": saved.episode,
                                    "what_happened": saved.what_happened, "appraisal": saved.appraisal,
                                    "explanation": saved.explanation, "factors": json.dumps(list(saved.factors)),
                                    "version": saved.version, "author": actor, "saved_at": tx.now})
        add_audit_row(tx, actor, "appraisal.saved", review_key, f"{saved.episode}, version {saved.version}")
        return saved, True

    # ----- findings ---------------------------------------------------------

    def findings(self, review_key: str) -> list[Finding]:
        """The latest version of every finding (dropped ones too), in the team's order."""
        rows = self.database.db.execute(_LATEST.format(columns="body, version, author, saved_at", table="findings",
                                                       key="key"), [review_key]).fetchall()
        return in_order(_finding(row) for row in rows)

    def finding(self, review_key: str, key: str) -> Finding | None:
        return next((f for f in self.findings(review_key) if f.key == key), None)

    def finding_history(self, review_key: str, key: str) -> list[Finding]:
        return [_finding(row) for row in self.database.db.execute(
            "select body, version, author, saved_at from findings where review_key = ? and key = ? order by version",
            [review_key, key])]

    def save_finding(self, review_key: str, finding: Finding, actor: str) -> tuple[Finding, bool]:
        """Store `finding` as its next version, unless it says what the latest already says. Returns the
        finding as stored and whether anything changed. Check it first (bot.core.analysis)."""
        with self.database.transaction() as tx:
            return self.save_finding_in(tx, review_key, finding, actor)

    @staticmethod
    def save_finding_in(tx: Transaction, review_key: str, finding: Finding, actor: str) -> tuple[Finding, bool]:
        """save_finding, inside a transaction the caller holds (an analysis file applies all or nothing)."""
        row = tx.db.execute("select body, version, author, saved_at from findings where review_key = ? and key = ? "
                            "order by version desc limit 1", [review_key, finding.key]).fetchone()
        latest = _finding(row) if row else None
        saved = _next_version(latest, finding, actor, tx.now)
        if saved is None:
            return latest, False
        tx.db["findings"].insert({"review_key": review_key, "key": saved.key, "version": saved.version,
                                  "body": _body(saved), "author": actor, "saved_at": tx.now})
        add_audit_row(tx, actor, "finding.saved", review_key, f"{saved.key}, version {saved.version}, {saved.status}")
        return saved, True

    def apply(self, review_key: str, plan: Callable[[list[Finding]], tuple[list[Appraisal], list[Finding]]],
              actor: str) -> list[tuple[Appraisal | Finding, bool]]:
        """An analysis file's appraisals and findings, saved in one transaction: all or nothing. `plan(stored)`
        is given the latest findings as this transaction reads them and returns what to save (the file keeps
        evidence only by matching what is stored, so a withdrawal made meanwhile can't bring words back);
        whatever it raises rolls everything back. Returns each save's (as stored, whether it changed)."""
        with self.database.transaction() as tx:
            appraisals, findings = plan(self.findings(review_key))
            return ([self.save_appraisal_in(tx, review_key, a, actor) for a in appraisals]
                    + [self.save_finding_in(tx, review_key, f, actor) for f in findings])

    @staticmethod
    def forget_member(tx: Transaction, review_key: str, member: str, actor: str) -> int:
        """A practitioner withdrew: their words leave the evidence of every finding that quoted them, in every
        version (nothing of theirs is kept), and each such finding counts them in `withdrawn`, so that it says
        so. Returns how many findings changed."""
        changed = set()
        for rowid, *row in tx.db.execute("select rowid, body, version, author, saved_at from findings "
                                         "where review_key = ?", [review_key]).fetchall():
            finding = _finding(row)
            kept = without_member(finding, member)
            if kept is not finding:
                tx.db.execute("update findings set body = ? where rowid = ?", [_body(kept), rowid])
                changed.add(finding.key)
        for key in sorted(changed):
            add_audit_row(tx, actor, "finding.evidence_withdrawn", review_key, key)
        return len(changed)
