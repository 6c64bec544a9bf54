"""Storage details a story can't show: the kept copy of a review, lazy answers, and the migrations."""
import dataclasses
import datetime as dt
import json
import sqlite3

import sqlite_utils

from bot.core.conversation import State
from bot.reflect import Reflections
from storage import Store
from storage.migrations import MIGRATIONS, migrate
from tests.conftest import SIGNING_SECRET, make_app
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
    assert said_to(fake, HV, "can no longer be withdrawn")

    # Any writer counts, even a hand-made fix with the sqlite3 shell: triggers move the revision.
    with sqlite3.connect(db_path) as conn:
        conn.execute("update episodes set title = 'Renamed by hand' where review_key = 'child-d' and key = 'KPE1'")
    assert store.review("child-d").episode("KPE1").title == "Renamed by hand"


def test_the_kept_copy_is_used_until_the_review_changes_and_answers_do_not_change_it(store, imported):
    first = store.review("child-d")
    assert store.review("child-d") is first
    store.record(State.new("child-d", HV), [("KPE1", "involvement", "An answer")], ["consented"])
    assert store.review("child-d") is first
    assert [m.slack_id for m in store.member_view("child-d", HV)[0].members] == [HV]
    store.set_stage("child-d", "meeting", actor=LEAD)
    changed = store.review("child-d")
    assert changed is not first and changed.stage == "meeting" and first.stage == "conversations"
    store.purge_review("child-d", actor=LEAD)  # the review stays, its conversations go
    assert store.review("nope") is None


def test_stored_answers_read_one_question_at_a_time_and_list_them_all_alike(store, imported):
    state = State.new("child-d", HV)
    store.record(state, [("KPE1", "involvement", "Visited at home"), ("KPE1", "factors", [{"heading": "x"}]),
                         ("KPE4", "options", "")])
    answers = store.answers("child-d", HV)
    assert ("KPE1", "involvement") in answers and ("KPE4", "involvement") not in answers
    assert answers.get(("KPE4", "involvement")) is None
    assert answers[("KPE1", "factors")] == [{"heading": "x"}]
    assert dict(store.answers("child-d", HV)) == {("KPE1", "involvement"): "Visited at home",
                                                 ("KPE1", "factors"): [{"heading": "x"}], ("KPE4", "options"): ""}
    assert len(store.answers("child-d", HV)) == 3 and store.answers("child-d", "U0NOBODY") == {}


def test_a_member_view_knows_the_cursor_episodes_answers_without_asking_again(store, imported):
    store.record(State("child-d", HV, stage="asking", cursor="KPE1/at_the_time"),
                 [("KPE1", "involvement", "Visited at home"), ("KPE1", "options", ""), ("KPE4", "options", "x")])
    store.review("child-d")                    # the kept copy of the review, read once
    queries = []
    store.db._tracer = lambda sql, params: queries.append(sql)
    view = store.member_view("child-d", HV)
    assert view.state.cursor == "KPE1/at_the_time" and len(queries) == 1      # the view is one query ...
    assert ("KPE1", "involvement") in view.answers and ("KPE1", "options") in view.answers
    assert ("KPE1", "at_the_time") not in view.answers and len(queries) == 1  # ... that knew KPE1's answers
    assert ("KPE4", "options") in view.answers and len(queries) == 2          # another episode is read
    assert store.dm_view(HV).answers.get(("KPE1", "involvement")) == "Visited at home"
    # An episode with nothing answered is known to have nothing; before a cursor, nothing is known.
    store.record(State("child-d", HV, stage="asking", cursor="KPE3/involvement"))
    queries.clear()
    assert ("KPE3", "involvement") not in store.dm_view(HV).answers and len(queries) == 1
    store.db._tracer = None
    store.record(State("child-d", HV, stage="consent"))
    assert store.member_view("child-d", HV).answers._episodes == {}


def test_a_database_from_before_review_revisions_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    assert migrate(old, "2026-01-01T00:00:00+00:00", steps=MIGRATIONS[:2]) == [1, 2]
    review = synthetic_review("old-review", episodes=3, members=2)
    old["reviews"].insert({"key": review.key, "title": review.title, "kind": review.kind, "board": review.board,
                           "stage": "conversations", "created_at": "2026-01-01", "updated_at": "2026-01-01"})
    old["episodes"].insert({"review_key": review.key, "key": "E1", "title": "First", "start": "2026-01-02"})
    old.close()

    store = Store(path)
    assert [e.title for e in store.review("old-review").episodes] == ["First"]
    assert store.db.execute("select id from migrations order by id").fetchall() == [(n,) for n, _, _ in MIGRATIONS]
    store.save_review(review, actor="test")   # the re-import replaces the episodes, and the copy follows
    assert [e.key for e in store.review("old-review").episodes] == [e.key for e in review.episodes]
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
    audited = [r["at"] for r in store.audit_trail("child-d") if r["action"] == "answer.saved"]
    updated = store.db.execute("select updated_at from conversations where member = ?", [HV]).fetchone()[0]
    assert claimed == answered == audited[0] == updated
    assert store.now() != claimed    # outside a transaction, the clock as it is


def test_a_dm_from_someone_in_two_reviews_is_about_the_one_they_are_working_on(db_path, sample_review):
    clock = [dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)]
    store = Store(db_path, clock=lambda: clock[0])
    store.save_review(sample_review, actor="test")
    store.save_review(dataclasses.replace(sample_review, key="child-e", title="Child E"), actor="test")

    def step(review_key, stage, events=()):
        clock[0] += dt.timedelta(minutes=1)
        store.record(State(review_key, HV, stage=stage, cursor="KPE1/involvement"), events=list(events))

    assert store.dm_view(HV).review.key == "child-d"           # no invitation yet: the first imported
    step("child-e", "consent", ["invited"])
    step("child-d", "consent", ["invited"])
    assert store.dm_view(HV).review.key == "child-e"           # the older invitation is answered first
    step("child-d", "asking", ["consented"])
    assert store.dm_view(HV).review.key == "child-d"           # a reflection in progress comes first
    step("child-e", "asking", ["consented"])
    assert store.dm_view(HV).review.key == "child-e"           # ... the one worked on last
    assert store.dm_view(HV).state.stage == "asking" and store.dm_view("U0NOBODY") is None
    step("child-e", "submitted", ["submitted"])
    assert store.dm_view(HV).review.key == "child-d"


def test_a_database_from_before_one_btree_answers_is_upgraded_in_place_with_nothing_lost(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    assert migrate(old, "2026-01-01T00:00:00+00:00", steps=MIGRATIONS[:4]) == [1, 2, 3, 4]
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
    answers = store.answers("r", HV)
    assert len(answers) == 50 and answers[("E7", "involvement")] == "answer 7 🙂"
    with store.transaction() as db:                                           # retries are still recognised
        assert not store.claim_event(db, "Ev-seen") and store.claim_event(db, "Ev-new")
    assert Store(path).db.execute("select count(*) from migrations").fetchone()[0] == len(MIGRATIONS)
