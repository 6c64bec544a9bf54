"""Storage details a story can't show: the kept copy of a review, answers loaded per step, transactions, migrations."""
import dataclasses
import datetime as dt
import json
import sqlite3

import pytest
import sqlite_utils

from bot.core.conversation import State, which_review
from bot.reflect import Reflections
from storage import Store
from storage.database import Database
from storage.migrations import MIGRATIONS, migrate
from tests.conftest import SIGNING_SECRET, make_app
from tests.stories import record
from tests.runningkit import said_to, wait_until
from tests.slackdriver import SlackDriver
from tests.synthetic import synthetic_review

LEAD, HV = "U0LEAD01", "U0HV0001"


def test_a_review_changed_by_another_process_is_what_the_next_dm_sees(
        fake, slack, store, invited, settings, prompts, db_path):
    slack.dm(HV, "yes")
    said_to(fake, HV, "KPE1")                  # this App now keeps a copy of the review
    # A second server on the same file (as a second `casegroup serve` would be) moves the review on.
    other = SlackDriver(make_app(settings, Store(db_path), prompts), SIGNING_SECRET)
    other.command(LEAD, "/review", "stage child-d analysis", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "to analysis" in c.get("text", "")])
    slack.dm(HV, "withdraw")
    assert said_to(fake, HV, "can no longer be withdrawn here")   # not the analysis notice: the refusal

    # Any writer counts, even a hand-made fix with the sqlite3 shell: triggers move the revision.
    with sqlite3.connect(db_path) as conn:
        conn.execute("update episodes set title = 'Renamed by hand' where review_key = 'child-d' and key = 'KPE1'")
    assert store.reviews.get("child-d").episode("KPE1").title == "Renamed by hand"


def test_the_kept_copy_is_used_until_the_review_changes_and_answers_do_not_change_it(store, imported):
    first = store.reviews.get("child-d")
    assert store.reviews.get("child-d") is first
    record(store, State.new("child-d", HV), [("KPE1", "involvement", "An answer")], ["consented"])
    assert store.reviews.get("child-d") is first
    assignment = first.assignment(HV)    # what a DM needs of it: the whole review, and the member's part
    assert assignment.review is first and assignment.member.slack_id == HV
    assert [e.key for e in assignment.episodes] == [e.key for e in first.episodes_for(assignment.member)]
    store.reviews.set_stage("child-d", "meeting", actor=LEAD)
    changed = store.reviews.get("child-d")
    assert changed is not first and changed.stage == "meeting" and first.stage == "conversations"
    store.retention.purge("child-d", actor=LEAD)  # the review stays, its conversations go
    assert store.reviews.get("nope") is None


def test_answers_are_loaded_for_the_episodes_a_step_reads_and_say_so_when_asked_beyond_them(store, imported):
    state = State.new("child-d", HV)
    record(store, state, [("KPE1", "involvement", "Visited at home"), ("KPE1", "factors", [{"heading": "x"}]),
                          ("KPE4", "options", "")])
    everything = store.conversations.answers("child-d", HV)
    assert dict(everything) == {("KPE1", "involvement"): "Visited at home", ("KPE1", "factors"): [{"heading": "x"}],
                                ("KPE4", "options"): ""}
    assert everything.get(("KPE4", "involvement")) is None and len(everything) == 3
    assert store.conversations.answers("child-d", "U0NOBODY") == {}
    kpe1 = store.conversations.answers("child-d", HV, episodes={"KPE1"})
    assert ("KPE1", "involvement") in kpe1 and kpe1[("KPE1", "factors")] == [{"heading": "x"}]
    assert ("KPE1", "options") not in kpe1 and len(kpe1) == 2
    with pytest.raises(LookupError, match="KPE4"):     # not loaded is not the same as not answered
        ("KPE4", "options") in kpe1


def test_a_failed_step_or_a_failed_commit_leaves_nothing_behind_and_steps_do_not_nest(store, imported):
    with pytest.raises(ZeroDivisionError):
        with store.transaction() as tx:
            record_audit = tx.db.execute("insert into audit (at, actor, action) values (?, 'test', 'half')", [tx.now])
            assert record_audit.rowcount == 1
            1 / 0
    assert not [row for row in store.audit.trail() if row["action"] == "half"]
    # A commit that fails (here a deferred foreign key, checked only at COMMIT) rolls back too.
    with store.transaction() as tx:
        tx.db.execute("create table parent (id integer primary key)")
        tx.db.execute("create table child (parent integer references parent(id) deferrable initially deferred)")
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as tx:
            tx.db.execute("insert into audit (at, actor, action) values (?, 'test', 'orphaned')", [tx.now])
            tx.db.execute("insert into child (parent) values (42)")
    assert not store.db.conn.in_transaction
    assert not [row for row in store.audit.trail() if row["action"] == "orphaned"]
    with pytest.raises(RuntimeError, match="already open"):
        with store.transaction():
            with store.transaction():
                pass
    store.audit.add("test", "after")                   # the store is usable afterwards
    assert store.audit.trail()[-1]["action"] == "after"


def test_a_database_from_before_review_revisions_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    assert migrate(Database(path), steps=MIGRATIONS[:2]) == [1, 2]     # an older release's database
    old = sqlite_utils.Database(path)
    review = synthetic_review("old-review", episodes=3, members=2)
    old["reviews"].insert({"key": review.key, "title": review.title, "kind": review.kind, "board": review.board,
                           "stage": "conversations", "created_at": "2026-01-01", "updated_at": "2026-01-01"})
    old["episodes"].insert({"review_key": review.key, "key": "E1", "title": "First", "start": "2026-01-02"})
    old.close()

    store = Store(path)
    assert [e.title for e in store.reviews.get("old-review").episodes] == ["First"]
    assert store.db.execute("select id from migrations order by id").fetchall() == [(n,) for n, _, _ in MIGRATIONS]
    store.reviews.save(review, actor="test")   # the re-import replaces the episodes, and the copy follows
    assert [e.key for e in store.reviews.get("old-review").episodes] == [e.key for e in review.episodes]
    assert Store(path).db.execute("select count(*) from migrations").fetchone()[0] == len(MIGRATIONS)  # applied once


def test_what_one_step_writes_carries_one_time_even_if_the_clock_moves_meanwhile(db_path, imported, prompts):
    ticks = iter(range(10_000))
    store = Store(db_path, clock=lambda: dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)
                  + dt.timedelta(seconds=next(ticks)))
    reflections = Reflections(store, prompts)
    reflections.invite("child-d", HV, actor=LEAD)
    reflections.take(HV, "yes", "D1", "Ev1")
    reflections.take(HV, "At the family's flat", "D1", "Ev2")
    claimed = store.db.execute("select received_at from processed_events where event_key = 'Ev2'").fetchone()[0]
    answered = store.db.execute("select answered_at from answers where member = ?", [HV]).fetchone()[0]
    audited = [r["at"] for r in store.audit.trail("child-d") if r["action"] == "answer.saved"]
    updated = store.db.execute("select updated_at from conversations where member = ?", [HV]).fetchone()[0]
    assert claimed == answered == audited[0] == updated
    assert store.now() != claimed    # the clock has moved on


def test_a_dm_from_someone_in_two_reviews_is_about_the_one_they_are_working_on(db_path, sample_review):
    clock = [dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)]
    store = Store(db_path, clock=lambda: clock[0])
    store.reviews.save(sample_review, actor="test")
    store.reviews.save(dataclasses.replace(sample_review, key="child-e", title="Child E"), actor="test")

    def step(review_key, stage, events=()):
        clock[0] += dt.timedelta(minutes=1)
        record(store, State(review_key, HV, stage=stage, cursor="KPE1/involvement"), events=list(events))

    def dm_is_about() -> str:
        return which_review(store.conversations.dm_candidates(HV)).review_key

    assert dm_is_about() == "child-d"                         # no invitation yet: the first imported
    step("child-e", "consent", ["invited"])
    step("child-d", "consent", ["invited"])
    assert dm_is_about() == "child-e"                         # the older invitation is answered first
    step("child-d", "asking", ["consented"])
    assert dm_is_about() == "child-d"                         # a reflection in progress comes first
    step("child-e", "asking", ["consented"])
    assert dm_is_about() == "child-e"                         # ... the one worked on last
    assert which_review(store.conversations.dm_candidates("U0NOBODY")) is None
    step("child-e", "submitted", ["submitted"])
    assert dm_is_about() == "child-d"


def test_a_database_from_before_one_btree_answers_is_upgraded_in_place_with_nothing_lost(tmp_path):
    path = tmp_path / "old.db"
    assert migrate(Database(path), steps=MIGRATIONS[:4]) == [1, 2, 3, 4]
    old = sqlite_utils.Database(path)
    old["answers"].insert_all([{"review_key": "r", "member": HV, "episode": f"E{n}", "field": "involvement",
                                "value": json.dumps(f"answer {n} 🙂"), "answered_at": "2026-01-01"} for n in range(50)])
    old["processed_events"].insert({"event_key": "Ev-seen", "received_at": "2026-01-01"})
    old.close()

    store = Store(path)
    tables = {name: sql.lower() for name, sql in store.db.execute(
        "select name, sql from sqlite_master where type = 'table'")}
    assert "without rowid" in tables["answers"] and "without rowid" in tables["processed_events"]
    assert "answers_new" not in tables and not store.db.execute(
        "select 1 from sqlite_master where name = 'idx_audit_review_key_at'").fetchone()
    answers = store.conversations.answers("r", HV)
    assert len(answers) == 50 and answers[("E7", "involvement")] == "answer 7 🙂"
    with store.transaction() as tx:                                           # retries are still recognised
        assert not store.conversations.claim_event(tx, "Ev-seen") and store.conversations.claim_event(tx, "Ev-new")
    assert Store(path).db.execute("select count(*) from migrations").fetchone()[0] == len(MIGRATIONS)


def test_a_conversations_offered_buttons_and_one_time_checks_come_back_as_they_were_stored(db_path, sample_review):
    store = Store(db_path)
    store.reviews.save(sample_review, actor="test")
    offered = [["Yes, I agree", "yes"], ["No, not now", "no"], ["Kahvé ☕", "1"]]
    record(store, State("child-d", HV, stage="consent", offered=offered, noted=["hindsight:KPE1"]), events=["invited"])
    assert store.conversations.state("child-d", HV).offered == offered
    assert store.conversations.state("child-d", HV).noted == ["hindsight:KPE1"]
    (candidate,) = [c for c in store.conversations.dm_candidates(HV) if c.review_key == "child-d"]
    assert (candidate.state.offered, candidate.state.noted) == (offered, ["hindsight:KPE1"])
    assert candidate.invited_at == candidate.updated_at != ""
    record(store, State("child-d", HV, stage="asking", offered=[]))
    assert store.conversations.state("child-d", HV).offered == []     # "nothing offered" is not "never set"
