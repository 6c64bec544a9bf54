"""Storage in the domain's own words. SQL stays inside this package.

    store = Store("casegroup.db")                       # or Store(path, key=DatabaseKey.parse(...)): encrypted
    store.reviews.save(review, actor="cli").outcome    # 'created', then 'updated' on a re-import
    store.reviews.roles_of("child-d", "U0LEAD01")      # {'lead'}
    store.conversations.state("child-d", "U0HV0001")   # where a practitioner is
    store.submitted.latest("child-d")                  # each member's latest submitted reflection
    store.audit.trail("child-d")                       # who did what, never the text

One SQLite file (storage/database.py). Each part of the store speaks for one part of the domain:

| part | module | holds |
| --- | --- | --- |
| `reviews` | storage/reviews.py | reviews, episodes, case groups, people, roles and stages |
| `conversations` | storage/conversations.py | each practitioner's conversation state and answers, Slack events seen |
| `submitted` | storage/submitted.py | submitted reflection versions |
| `kept` | storage/kept_digests.py | the digests' review-wide part, kept like an index |
| `reminders` | storage/reminders.py | reminder schedules |
| `retention` | storage/retention.py | closed reviews past their date, and purging them |
| `analysis` | storage/analysis.py | the review team's appraisals and findings, every save a version |
| `accuracy` | storage/accuracy.py | the agencies' factual-accuracy comments on the report, and their resolutions |
| `feedback` | storage/feedback.py | who was thanked at close, and the case group's feedback, kept without names |
| `finding_responses` | storage/finding_responses.py | the case group's responses to the findings, and what was shared with whom |
| `follow_ups` | storage/follow_ups.py | the review team's follow-up questions to case group members, and their answers |
| `audit` | storage/audit.py | the audit trail |

Writes go through `store.transaction()` (one mechanism, migrations included): a step that
writes in several parts opens one and passes its `tx` on.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from storage.accuracy import Accuracy
from storage.analysis import Analysis
from storage.audit import AuditTrail
from storage.conversations import Conversations
from storage.database import Database, Transaction, utc_now
from storage.encryption import DatabaseKey
from storage.feedback import Feedback
from storage.finding_responses import FindingResponses
from storage.follow_ups import FollowUps
from storage.kept_digests import KeptDigests
from storage.migrations import migrate
from storage.reminders import ReminderSchedules
from storage.retention import Retention
from storage.reviews import Reviews
from storage.submitted import SubmittedReflections

__all__ = ["DatabaseKey", "Store", "Transaction", "utc_now"]


class Store(Database):
    def __init__(self, path: str | Path, clock: Callable[[], dt.datetime] = utc_now,
                 key: DatabaseKey | None = None):
        super().__init__(path, clock, key)
        migrate(self)
        self.reviews = Reviews(self)
        self.conversations = Conversations(self)
        self.submitted = SubmittedReflections(self)
        self.kept = KeptDigests(self)
        self.reminders = ReminderSchedules(self)
        self.retention = Retention(self)
        self.audit = AuditTrail(self)
        self.analysis = Analysis(self)
        self.accuracy = Accuracy(self)
        self.feedback = Feedback(self)
        self.finding_responses = FindingResponses(self)
        self.follow_ups = FollowUps(self)
