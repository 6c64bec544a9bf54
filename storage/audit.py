"""The audit trail: who did what, when, in which review. Never any reflection text.

    audit.add("U0LEAD01", "summary.viewed", "child-d", "episode KPE2")
    audit.trail("child-d")[-1]["action"]      # 'summary.viewed'
"""
from __future__ import annotations

from storage.database import Database, Transaction


def add_audit_row(tx: Transaction, actor: str, action: str, review_key: str = "", detail: str = "") -> None:
    """An audit row written inside a step's own transaction, at the step's time."""
    tx.db.execute("insert into audit (at, actor, action, review_key, detail) values (?, ?, ?, ?, ?)",
                  [tx.now, actor, action, review_key, detail])


class AuditTrail:
    def __init__(self, database: Database):
        self.database = database

    def add(self, actor: str, action: str, review_key: str = "", detail: str = "") -> None:
        """Record who did what. `detail` names things (episode keys, counts), never reflection text."""
        with self.database.transaction() as tx:
            add_audit_row(tx, actor, action, review_key, detail)

    def trail(self, review_key: str | None = None) -> list[dict]:
        where, args = ("review_key = ?", [review_key]) if review_key else (None, None)
        return list(self.database.db["audit"].rows_where(where, args, order_by="id"))
