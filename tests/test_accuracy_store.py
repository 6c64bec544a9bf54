"""The agencies' factual-accuracy comments in storage (issue 16): numbered within the review, the same comment
imported twice stored once, resolved with a reason, audited by number and agency (never the text), and purged
with the review's conversational material. Real SQLite files."""
from __future__ import annotations

import pytest

from bot.core.accuracy import AccuracyComment
from storage import Store

LEAD = "U0LEAD01"


def _comments(agency="Eastmere Police"):
    return [AccuracyComment(agency, "JT", "The call was at 21:40, not 22:40.", anchor="a call at 22:40",
                            section="2 The case in brief", episode="KPE2", written_at="2026-11-30T10:00:00Z"),
            AccuracyComment(agency, "JT", "Our officer was a PCSO.", anchor="Police officer", section="4 Findings",
                            finding="F1")]


def test_comments_are_numbered_once_and_a_second_import_of_the_same_file_adds_nothing(db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    first = store.accuracy.add("child-d", _comments(), actor=LEAD)
    assert [(c.id, c.status, c.episode, c.finding) for c in first] == [(1, "open", "KPE2", ""), (2, "open", "", "F1")]
    assert Store(db_path).accuracy.add("child-d", _comments(), actor=LEAD) == []
    other = store.accuracy.add("child-d", _comments("Eastmere Health"), actor=LEAD)   # another agency's words
    assert [c.id for c in other] == [3, 4]
    assert [c.id for c in store.accuracy.comments("child-d")] == [1, 2, 3, 4]
    assert all(c.received_at for c in store.accuracy.comments("child-d"))


def test_a_resolution_is_kept_with_its_reason_and_audited_without_the_text(db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    store.accuracy.add("child-d", _comments(), actor=LEAD)
    resolved = store.accuracy.resolve("child-d", 1, "not-accepted", "The records show 22:40.", actor=LEAD)
    assert (resolved.status, resolved.reason, resolved.open) == ("not-accepted", "The records show 22:40.", False)
    assert resolved.resolved_at
    assert store.accuracy.resolve("child-d", 99, "accepted", "", actor=LEAD) is None
    with pytest.raises(ValueError):
        store.accuracy.resolve("child-d", 2, "maybe", "", actor=LEAD)
    trail = [(r["action"], r["detail"]) for r in store.audit.trail("child-d") if r["action"].startswith("accuracy.")]
    assert trail == [("accuracy.imported", "2 from Eastmere Police, comments 1-2"),
                     ("accuracy.resolved", "comment 1: not-accepted")]
    assert "21:40" not in str(store.audit.trail("child-d")) and "22:40" not in str(store.audit.trail("child-d"))


def test_a_purge_deletes_the_comments(db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    store.accuracy.add("child-d", _comments(), actor=LEAD)
    counts = store.retention.purge("child-d", actor="cli")
    assert counts["accuracy_comments"] == 2 and store.accuracy.comments("child-d") == []
