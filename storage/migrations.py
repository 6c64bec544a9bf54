"""Schema, created in code and changed in numbered, idempotent steps.

Each step runs once, inside the transaction that records it in `migrations`.
Add a step at the end; never edit one that has shipped.
"""
from __future__ import annotations

import sqlite_utils


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["reviews"].create({
        "key": str, "title": str, "kind": str, "model": str, "board": str, "channel": str,
        "stage": str, "created_at": str, "updated_at": str,
    }, pk="key", if_not_exists=True)
    # Who leads the review and who reads its digests. Case group members live in `members`.
    db["review_roles"].create({"review_key": str, "slack_id": str, "role": str},
                              pk=("review_key", "slack_id", "role"), if_not_exists=True)
    db["episodes"].create({
        "review_key": str, "key": str, "title": str, "start": str, "end": str, "description": str,
    }, pk=("review_key", "key"), if_not_exists=True)
    db["members"].create({
        "review_key": str, "slack_id": str, "role": str, "agency": str, "episodes": str,
    }, pk=("review_key", "slack_id"), if_not_exists=True)
    db["members"].create_index(["slack_id"], if_not_exists=True)  # "which review is this DM about?"
    db["review_roles"].create_index(["slack_id"], if_not_exists=True)
    db["people"].create({"review_key": str, "label": str, "names": str},
                        pk=("review_key", "label"), if_not_exists=True)
    db["conversations"].create({
        "review_key": str, "member": str, "stage": str, "cursor": str, "paused": int, "editing": int,
        "pending": str, "version": int, "invited_at": str, "consented_at": str, "declined_at": str,
        "submitted_at": str, "updated_at": str,
    }, pk=("review_key", "member"), if_not_exists=True)
    db["answers"].create({
        "review_key": str, "member": str, "episode": str, "field": str, "value": str, "answered_at": str,
    }, pk=("review_key", "member", "episode", "field"), if_not_exists=True)
    db["reflection_versions"].create({
        "id": int, "review_key": str, "member": str, "version": int, "submitted_at": str, "answers": str,
    }, pk="id", if_not_exists=True)
    db["reflection_versions"].create_index(["review_key", "member", "version"], unique=True,
                                           if_not_exists=True)
    # Slack delivers at least once: each event, click or submission is claimed here exactly once.
    db["processed_events"].create({"event_key": str, "received_at": str}, pk="event_key",
                                  if_not_exists=True)
    # Who did what, when. Never any reflection text.
    db["audit"].create({
        "id": int, "at": str, "actor": str, "action": str, "review_key": str, "detail": str,
    }, pk="id", if_not_exists=True)
    db["audit"].create_index(["review_key", "at"], if_not_exists=True)


def _add_columns(db: sqlite_utils.Database, table: str, columns: dict) -> None:
    existing = db[table].columns_dict
    for name, kind in columns.items():
        if name not in existing:
            db[table].add_column(name, kind)


def _m002_lifecycle(db: sqlite_utils.Database) -> None:
    # The review's stage already exists; when it last changed, when it closed, until when its
    # conversations are kept, and when `casegroup purge` deleted them. Stage changes are audited.
    _add_columns(db, "reviews", {"stage_changed_at": str, "closed_at": str, "retain_until": str,
                                 "purged_at": str})
    _add_columns(db, "conversations", {"withdrawn_at": str})
    # Reminders survive restarts: the next due time lives here. Before the first reminder the
    # due time is the invitation plus the interval, so a row appears only once there is news.
    db["reminders"].create({
        "review_key": str, "member": str, "due_at": str, "sent_count": int, "last_sent_at": str,
        "snoozed_until": str,
    }, pk=("review_key", "member"), not_null={"sent_count"}, defaults={"sent_count": 0}, if_not_exists=True)


# The tables that describe a review (with `reviews` itself): any change to them is a new revision.
REVIEW_TABLES = ("review_roles", "episodes", "members", "people")


def _m003_review_revision(db: sqlite_utils.Database) -> None:
    # A counter that SQLite itself moves on every change to a review's description, in the same
    # transaction and whichever process makes it: a kept copy of the review is good while it matches.
    if "revision" not in db["reviews"].columns_dict:
        db["reviews"].add_column("revision", int, not_null_default=0)
    db.execute("create trigger if not exists reviews_revision after update on reviews "
               "when new.revision is old.revision begin "
               "update reviews set revision = revision + 1 where key = new.key; end")
    for table in REVIEW_TABLES:
        _revision_triggers(db, table)


def _revision_triggers(db: sqlite_utils.Database, table: str) -> None:
    for change, rows in (("insert", ("new",)), ("update", ("old", "new")), ("delete", ("old",))):
        keys = " or ".join(f"key = {row}.review_key" for row in rows)
        db.execute(f"create trigger if not exists {table}_{change}_revision after {change} on {table} begin "
                   f"update reviews set revision = revision + 1 where {keys}; end")


def _m004_digest_indexes(db: sqlite_utils.Database) -> None:
    """Two things digests read, kept up to date by SQLite as reflections are submitted, revised and
    withdrawn, like indexes (bot/digest_builder.py), in the same transaction and whichever process writes."""
    # Each submitted version's answers to each episode, apart: a digest of one episode reads 40 of these
    # instead of picking them out of 40 whole reflections. Written and deleted with their version.
    db["reflection_episodes"].create({"version_id": int, "episode": str, "answers": str},
                                     pk=("version_id", "episode"), if_not_exists=True)
    split = ("insert into reflection_episodes (version_id, episode, answers) select new.id, key, value "
             "from json_each(new.answers) where type = 'object';")
    drop = "delete from reflection_episodes where version_id = old.id;"
    # The part of a digest that needs every episode (bot.core.digest.review_wide), kept for each review.
    # `reflections_revision` is a counter moved on every change to the review's submitted reflections, and
    # the same statement empties the stored part: a part is stored only for the revision its reflections
    # were read at (Store.keep_review_wide), and a withdrawal or a purge takes the part's text with it.
    # (Not a column of `reviews`: migration 3's trigger would count each submission as a change to the review.)
    db["review_wide"].create({"review_key": str, "reflections_revision": int, "computed_for": str, "part": str},
                             pk="review_key", not_null={"reflections_revision"},
                             defaults={"reflections_revision": 0}, if_not_exists=True)

    def move(row: str) -> str:
        return (f"insert into review_wide (review_key, reflections_revision) values ({row}.review_key, 1) "
                "on conflict (review_key) do update set reflections_revision = reflections_revision + 1, "
                "computed_for = null, part = null;")

    for change, steps in (("insert", (split, move("new"))), ("update", (drop, split, move("old"), move("new"))),
                          ("delete", (drop, move("old")))):
        db.execute(f"create trigger if not exists reflection_versions_{change}_digests after {change} "
                   f"on reflection_versions begin {' '.join(steps)} end")
    db.execute("insert or ignore into reflection_episodes (version_id, episode, answers) select r.id, j.key, j.value "
               "from reflection_versions r, json_each(r.answers) j where j.type = 'object'")


def _m005_one_btree_per_answer_table(db: sqlite_utils.Database) -> None:
    """An answer's commit writes each B-tree it changed to the WAL, one page each: 7 per answer. As WITHOUT
    ROWID tables, processed_events and answers are one B-tree each (their primary key) instead of a table
    and a key index; and the audit's (review_key, at) index had no reader. 4 pages per answer."""
    for table, columns, key in (
            ("processed_events", ("event_key", "received_at"), "event_key"),
            ("answers", ("review_key", "member", "episode", "field", "value", "answered_at"),
             "review_key, member, episode, field")):
        sql = db.execute("select sql from sqlite_master where type = 'table' and name = ?", [table]).fetchone()[0]
        if "without rowid" in sql.lower():
            continue
        names = ", ".join(columns)
        db.execute(f"create table {table}_new ({', '.join(c + ' TEXT' for c in columns)}, primary key ({key})) "
                   "without rowid")
        db.execute(f"insert into {table}_new ({names}) select {names} from {table}")
        db.execute(f"drop table {table}")
        db.execute(f"alter table {table}_new rename to {table}")
    db.execute("drop index if exists idx_audit_review_key_at")


def _m006_former_members(db: sqlite_utils.Database) -> None:
    """Members a forced re-import dropped after they had answered: out of the case group, still able to read
    and withdraw their answers. Part of the review's description, so its revision moves with them too."""
    db["former_members"].create({"review_key": str, "slack_id": str, "role": str, "agency": str, "episodes": str},
                                pk=("review_key", "slack_id"), if_not_exists=True)
    db["former_members"].create_index(["slack_id"], if_not_exists=True)   # "which review is this DM about?"
    _revision_triggers(db, "former_members")


def _m007_offered_and_noted(db: sqlite_utils.Database) -> None:
    """What a conversation last offered as buttons (so typing a label or a number clicks it), and the one-time
    checks already made in it (a hindsight check per episode, a nudge per thin answer)."""
    _add_columns(db, "conversations", {"offered": str, "noted": str})


def _m008_analysis(db: sqlite_utils.Database) -> None:
    """The review team's analysis, apart from the case group's words: each save of an episode's appraisal and of
    a finding is a row of its own (a version), with who saved it and when."""
    db["appraisals"].create({"review_key": str, "episode": str, "version": int, "what_happened": str,
                             "appraisal": str, "explanation": str, "factors": str, "author": str, "saved_at": str},
                            pk=("review_key", "episode", "version"), if_not_exists=True)
    db["findings"].create({"review_key": str, "key": str, "version": int, "body": str, "author": str,
                           "saved_at": str}, pk=("review_key", "key", "version"), if_not_exists=True)


def _m009_review_asks(db: sqlite_utils.Database) -> None:
    """What the review's findings end with ([review] asks): questions for the board, or recommendations. Existing
    reviews asked questions, the default."""
    if "asks" not in db["reviews"].columns_dict:
        db["reviews"].add_column("asks", str, not_null_default="questions")


def _m010_accuracy_comments(db: sqlite_utils.Database) -> None:
    """The agencies' factual-accuracy comments on a draft report, each with how a lead resolved it. `fingerprint`
    makes a file imported twice add nothing."""
    db["accuracy_comments"].create({"review_key": str, "id": int, "fingerprint": str, "agency": str, "initials": str,
                                    "text": str, "anchor": str, "section": str, "episode": str, "finding": str,
                                    "written_at": str, "status": str, "reason": str, "received_at": str,
                                    "resolved_at": str}, pk=("review_key", "id"), if_not_exists=True)
    # A commented file a lead dropped into the bot's DM, read, while the bot asks which agency it is from: one per
    # lead (a second file replaces the first). `comments` is their JSON; purged with the review's comments.
    db["accuracy_files"].create({"member": str, "review_key": str, "file_name": str, "comments": str,
                                 "dropped_at": str}, pk="member", if_not_exists=True)


def _m011_follow_ups(db: sqlite_utils.Database) -> None:
    """The review team's follow-up questions to case group members, each with its answer, and the words a
    practitioner typed while saying which question they answer. Read by member (their DM) and by review."""
    db["follow_ups"].create({"id": int, "review_key": str, "member": str, "number": int, "episode": str,
                             "field": str, "quoted": str, "question": str, "status": str, "asked_at": str,
                             "answered_at": str, "answer": str, "channel": str, "message_ts": str},
                            pk="id", if_not_exists=True)
    db["follow_ups"].create_index(["member", "status"], if_not_exists=True)
    db["follow_ups"].create_index(["review_key", "episode"], if_not_exists=True)
    db["follow_up_drafts"].create({"member": str, "review_key": str, "text": str, "choices": str, "saved_at": str},
                                  pk="member", if_not_exists=True)


def _m012_finding_responses(db: sqlite_utils.Database) -> None:
    """The case group's responses to the findings (one current response per member per finding: a change
    replaces it), and which version of each finding was shared with whom (a second share sends only what is new)."""
    db["finding_responses"].create({"review_key": str, "finding": str, "member": str, "kind": str, "text": str,
                                    "at": str}, pk=("review_key", "finding", "member"), if_not_exists=True)
    db["finding_shares"].create({"review_key": str, "member": str, "finding": str, "version": int,
                                 "shared_at": str}, pk=("review_key", "member", "finding"), if_not_exists=True)


def _m013_feedback(db: sqlite_utils.Database) -> None:
    """The thanks at close and the case group's feedback. `feedback_asked` says who was thanked (so nobody is thanked
    twice) and which of the two questions each still has open, never what they answered. The answers are kept apart,
    without the member: ratings as counts only, comments under a random id in a table without rowid, so that
    neither their order on disk nor a time can tie a comment to the person who wrote it."""
    db["feedback_asked"].create({"review_key": str, "member": str, "thanked_at": str, "rating_open": int,
                                 "comment_open": int}, pk=("review_key", "member"), if_not_exists=True)
    db["feedback_asked"].create_index(["member"], if_not_exists=True)   # "is a question open for who wrote?"
    db["feedback_ratings"].create({"review_key": str, "rating": int, "count": int}, pk=("review_key", "rating"),
                                  if_not_exists=True)
    db.execute("create table if not exists feedback_comments (review_key TEXT, id TEXT, comment TEXT, "
               "primary key (review_key, id)) without rowid")


def _m014_review_reason(db: sqlite_utils.Database) -> None:
    """Why the case was reviewed ([review] reason, optional): the report's introduction. Existing reviews have none."""
    if "reason" not in db["reviews"].columns_dict:
        db["reviews"].add_column("reason", str)


MIGRATIONS = [
    (1, "initial schema", _m001_initial),
    (2, "review lifecycle, withdrawal and reminders", _m002_lifecycle),
    (3, "a revision for each review, moved by triggers", _m003_review_revision),
    (4, "digest indexes: reflections by episode, and the review-wide part, kept by triggers", _m004_digest_indexes),
    (5, "answers and processed events as one B-tree each; no audit index", _m005_one_btree_per_answer_table),
    (6, "former members: dropped by a forced re-import, still able to read and withdraw", _m006_former_members),
    (7, "a conversation's offered buttons and its one-time checks", _m007_offered_and_noted),
    (8, "the review team's analysis: appraisals and findings, versioned", _m008_analysis),
    (9, "what a review's findings end with: questions or recommendations", _m009_review_asks),
    (10, "the agencies' factual-accuracy comments on the report, and their resolutions", _m010_accuracy_comments),
    (11, "the review team's follow-up questions to case group members, and their answers", _m011_follow_ups),
    (12, "the case group's responses to the findings, and what was shared with whom", _m012_finding_responses),
    (13, "thanks at close, and the case group's feedback, kept without names", _m013_feedback),
    (14, "why a review's case was reviewed, for the report", _m014_review_reason),
]


def migrate(database, steps=MIGRATIONS) -> list[int]:
    """Apply every step not yet applied (of `steps`: an older release's, in tests), each in a transaction of
    its own. Returns the numbers applied this time."""
    with database.transaction() as tx:
        tx.db["migrations"].create({"id": int, "name": str, "applied_at": str}, pk="id", if_not_exists=True)
    applied = []
    for number, name, step in steps:
        with database.transaction() as tx:
            if tx.db.execute("select 1 from migrations where id = ?", [number]).fetchone():
                continue
            step(tx.db)
            tx.db["migrations"].insert({"id": number, "name": name, "applied_at": tx.now})
            applied.append(number)
    return applied
