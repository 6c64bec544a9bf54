"""The review-wide part of the digest is kept in SQLite as reflections change, and used only while it is right.

A submission in Slack refreshes it off the request thread, and the next `/summary` reads it instead of
compiling every episode's factors. After any change to the reflections or the review, from any process,
or to the prompts, it is not used: the digest shows the change. A withdrawal takes its text with it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3

import sqlite_utils

from bot.core import stored_wide
from bot.core.conversation import State
from bot.core.digest import compile_digest, review_wide
from bot.digest_builder import build_digest, forget, refresh
from storage import Store
from storage.database import Database
from storage.migrations import MIGRATIONS, migrate
from tests.runningkit import said_to
from tests.stories import answer_everything, reflections_by_member, submit_directly, record

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
LEAD, SW, GP, HO = "U0LEAD01", "U0SW0001", "U0GP0001", "U0HO0001"
MARK = "Asked of the stored part:"


def raw_files(db_path) -> bytes:
    """The bytes of the database file, its write-ahead log and its shared-memory file."""
    return b"".join(path.read_bytes() for path in db_path.parent.glob(db_path.name + "*"))


def from_scratch(store, review, prompts, episode=None):
    """The digest compiled from everything, as if nothing were stored."""
    return compile_digest(review, store.submitted.latest(review.key), store.conversations.stages(review.key),
                          prompts, NOW, episode)


def mark_stored_part(db_path, review_key: str) -> None:
    """Rewrite the stored part's questions by hand, leaving its revision and label alone: a digest showing
    them read the stored part, and one that does not, did not."""
    with sqlite3.connect(db_path) as conn:
        (part,) = conn.execute("select part from review_wide where review_key = ?", [review_key]).fetchone()
        stored = json.loads(part)
        for pattern in stored["patterns"]:
            pattern["question"] = f"{MARK} {pattern['question']}"
        conn.execute("update review_wide set part = ? where review_key = ?", [json.dumps(stored), review_key])


def marked(digest) -> bool:
    return any(p.question.startswith(MARK) for p in digest.patterns)


def test_a_submission_in_slack_keeps_the_part_and_the_next_summary_reads_it(
        fake, slack, store, imported, prompts, sample_reflections, db_path):
    slack.command(LEAD, "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    by_member = reflections_by_member(sample_reflections, imported)
    for member, reflections in by_member.items():
        answer_everything(slack, member, reflections, prompts)
    forget()  # the refreshes the submissions queued have finished

    review = store.reviews.get("child-d")
    stored = store.kept.review_wide("child-d")
    assert stored.revision == len(by_member) and stored.part is not None   # one move per submission
    assert stored_wide.decode(stored.part) == review_wide(review, store.submitted.latest("child-d"), prompts)
    for episode in [None, *(e.key for e in review.episodes)]:
        assert build_digest(store, review, prompts, episode, NOW) == from_scratch(store, review, prompts, episode)
    assert store.kept.review_wide("child-d") == stored

    # The lead's /summary reads the stored part: the questions changed in it are the ones it shows.
    mark_stored_part(db_path, "child-d")
    fake.clear()
    slack.command(LEAD, "/summary", "KPE4", fake.response_url)
    fake.wait_for("files.completeUploadExternal")
    shown = json.dumps(fake.calls("response_url") + fake.calls("file.upload"), ensure_ascii=False)
    assert MARK in shown and "KPE4" in shown


def test_a_stored_part_is_not_used_once_anything_it_depends_on_has_changed(
        store, imported, prompts, sample_reflections, db_path):
    submit_directly(store, imported, sample_reflections, prompts)
    review = store.reviews.get("child-d")
    other = Store(db_path)   # another process's connection to the same file

    def digest_after(change, review=review, prompts=prompts, episode="KPE3"):
        """The stored part is read before `change`, and not after it: the digest shows the change."""
        build_digest(store, review, prompts, episode, NOW)            # keeps the part if it is not kept
        mark_stored_part(db_path, "child-d")
        assert marked(build_digest(store, review, prompts, episode, NOW))
        change()
        review = store.reviews.get("child-d")
        after = build_digest(store, review, prompts, episode, NOW)
        assert not marked(after) and after == from_scratch(store, review, prompts, episode)
        return after

    # A withdrawal by someone not in KPE3: counted out of the review-wide totals.
    leaver = next(m for m in review.members if "KPE3" not in m.episodes and m.slack_id in
                  store.submitted.latest("child-d"))
    before = build_digest(store, review, prompts, "KPE3", NOW)
    after = digest_after(lambda: record(other, State("child-d", leaver.slack_id, stage="withdrawn"),
                                              events=["withdrawn"]))
    assert after.reflections < before.reflections

    # A revised reflection: the social worker names a new factor for KPE3.
    new_factor = {"heading": "tools", "text": "tools: the case notes template hides the chronology"}

    def revise():
        old = store.submitted.latest("child-d")[SW]["KPE3"]["factors"]
        record(other, State("child-d", SW, stage="submitted", version=2), [("KPE3", "factors", [*old, new_factor])],
                     events=["submitted"])
    after = digest_after(revise)
    assert "the case notes template hides the chronology" in json.dumps(after.to_dict("KPE3"))

    # A hand-made fix with the sqlite3 shell: the triggers see it too.
    def fix_by_hand():
        with sqlite3.connect(db_path) as conn:
            conn.execute("update reflection_versions set answers = replace(answers, 'hides the chronology', "
                         "'hides the timeline') where member = ?", [SW])
    after = digest_after(fix_by_hand)
    assert "hides the timeline" in json.dumps(after.to_dict("KPE3"))

    # The review changes: the housing officer's agency is renamed, and its evidence is attributed anew.
    renamed = dataclasses.replace(review, members=[dataclasses.replace(m, agency="Brackenshire Homes")
                                                   if m.slack_id == HO else m for m in review.members])
    after = digest_after(lambda: other.reviews.save(renamed, actor="test"), episode=None)
    assert any("Brackenshire Homes" in e.who for p in after.patterns for e in p.evidence)

    # The prompts change: a digest with other digest rules does not read a part made with these.
    fewer_themes = dataclasses.replace(prompts, digest=dataclasses.replace(prompts.digest,
                                                                           themes=prompts.digest.themes[1:]))
    build_digest(store, store.reviews.get("child-d"), prompts, "KPE3", NOW)
    mark_stored_part(db_path, "child-d")
    assert marked(build_digest(store, store.reviews.get("child-d"), prompts, "KPE3", NOW))
    assert not marked(build_digest(store, store.reviews.get("child-d"), fewer_themes, "KPE3", NOW))


def test_a_part_computed_from_reflections_that_then_change_is_not_stored(store, imported, prompts,
                                                                          sample_reflections, db_path):
    submit_directly(store, imported, sample_reflections, prompts)
    review = store.reviews.get("child-d")
    read = store.kept.review_wide("child-d")      # read before the reflections, as a refresh does
    wide = review_wide(review, store.submitted.latest("child-d"), prompts)
    record(Store(db_path), State("child-d", HO, stage="withdrawn"), events=["withdrawn"])   # meanwhile
    assert not store.kept.keep_review_wide("child-d", read.revision, "computed for", stored_wide.encode(wide))
    assert store.kept.review_wide("child-d") == (read.revision + 1, "", None)
    assert refresh(store, "child-d", prompts)       # computed again, from what is there now
    fresh = store.kept.review_wide("child-d")
    assert stored_wide.decode(fresh.part) == review_wide(review, store.submitted.latest("child-d"), prompts)
    assert not refresh(store, "child-d", prompts)   # and then up to date


def test_a_withdrawal_and_a_purge_take_the_stored_text_with_them(
        fake, slack, store, imported, prompts, sample_reflections, db_path):
    by_member = reflections_by_member(sample_reflections, imported)
    slack.command(LEAD, "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    for member in (GP, SW):
        answer_everything(slack, member, by_member[member], prompts)
    forget()
    gp_only, sw_only = "nothing on the GP record from nursery", "optimism about the split"
    stored = store.kept.review_wide("child-d").part
    assert gp_only in stored and sw_only in stored, "the checks below must be able to fail"
    assert gp_only.encode() in raw_files(db_path)

    slack.dm(GP, "withdraw")
    slack.click(GP, "reflect_confirm_yes", "child-d|confirm|yes")
    said_to(fake, GP, "your answers have been deleted")
    forget()   # the refresh after the withdrawal has run: the part is kept again, without the GP
    stored = store.kept.review_wide("child-d").part
    assert stored is not None and gp_only not in stored and sw_only in stored
    assert gp_only.encode() not in raw_files(db_path)

    store.retention.purge("child-d", actor="test")
    store.scrub()
    assert store.kept.review_wide("child-d").part is None
    assert store.db.execute("select count(*) from reflection_episodes").fetchone()[0] == 0
    assert sw_only.encode() not in raw_files(db_path)


def test_a_database_from_before_the_digest_indexes_is_upgraded_in_place(tmp_path, sample_review, prompts,
                                                                        sample_reflections):
    # A release before migration 4 stored the review and its submitted reflections.
    path = tmp_path / "old.db"
    assert migrate(Database(path), steps=MIGRATIONS[:3]) == [1, 2, 3]
    old = sqlite_utils.Database(path)
    review = sample_review
    old["reviews"].insert({"key": review.key, "title": review.title, "kind": review.kind, "board": review.board,
                           "stage": "conversations", "created_at": "2026-01-01", "updated_at": "2026-01-01"})
    old["episodes"].insert_all([{"review_key": review.key, "key": e.key, "title": e.title, "start": e.start.isoformat(),
                                 "description": e.description} for e in review.episodes])
    old["members"].insert_all([{"review_key": review.key, "slack_id": m.slack_id, "role": m.role, "agency": m.agency,
                                "episodes": json.dumps(list(m.episodes))} for m in review.members])
    for member, reflections in reflections_by_member(sample_reflections, review).items():
        answers = {r["episode"]: {**{k: v for k, v in r.items() if k not in ("member", "episode", "factors")},
                                  "factors": [{"heading": f.split(":")[0], "text": f} for f in r["factors"]]}
                   for r in reflections}
        old["reflection_versions"].insert({"review_key": review.key, "member": member, "version": 1,
                                           "submitted_at": "2026-01-02", "answers": json.dumps(answers)})
    old.close()

    store = Store(path)
    assert store.db.execute("select id from migrations order by id").fetchall() == [(n,) for n, _, _ in MIGRATIONS]
    everything = store.submitted.latest(review.key)
    assert {m: a["KPE4"] for m, a in everything.items() if "KPE4" in a} == {
        m: a["KPE4"] for m, a in store.submitted.episode_answers(review.key, "KPE4").items() if a}
    review = store.reviews.get(review.key)
    assert store.kept.review_wide(review.key) == (0, "", None)
    assert build_digest(store, review, prompts, "KPE4", NOW) == from_scratch(store, review, prompts, "KPE4")
    kept = store.kept.review_wide(review.key)
    assert kept.revision == 0 and kept.part is not None
    # The triggers work on the upgraded file: the next change moves the revision and empties the part.
    record(store, State(review.key, GP, stage="withdrawn"), events=["withdrawn"])
    assert store.kept.review_wide(review.key) == (1, "", None)
    assert GP not in store.submitted.episode_answers(review.key, "KPE4")
    assert build_digest(store, review, prompts, "KPE4", NOW) == from_scratch(store, review, prompts, "KPE4")
