"""Encryption at rest: with CASEGROUP_DB_KEY the database, its -wal and its journal hold no readable text.

A whole story runs encrypted through the real App; the bytes on disk beside the export are then read
for the practitioners' words. A wrong or missing key stops every command with one line; a plain
database is encrypted in place by `casegroup db encrypt`; a passphrase is derived once per process.
"""
import hashlib
import secrets
import sqlite3
import stat
import threading

import pytest
import sqlcipher3

from bot.cli import main
from bot.config import load_settings
from storage import DatabaseKey, Store
from storage.encryption import PLAIN_HEADER
from tests.conftest import SAMPLE, SIGNING_SECRET, make_app, settings_for
from tests.processes import casegroup_env, run_casegroup, start_casegroup
from tests.slackdriver import SlackDriver
from tests.stories import answer_everything, reflections_by_member
from tests.test_running_story import writings

RAW_KEY = "5f" * 32
PASSPHRASE = "a long and private passphrase"


def test_an_encrypted_review_leaves_no_reflection_text_on_disk_and_sqlite3_cannot_open_it(
        tmp_path, fake, lazy, prompts, sample_review, sample_reflections, monkeypatch, capsys):
    db_path = tmp_path / "casegroup.db"
    store = Store(db_path, key=DatabaseKey.parse(RAW_KEY))
    settings = settings_for(fake, db_path)
    slack = SlackDriver(make_app(settings, store, prompts, lazy), SIGNING_SECRET)
    store.reviews.save(sample_review, actor="test")
    slack.command("U0LEAD01", "/review", "invite child-d", fake.response_url)
    fake.wait_for("response_url")
    for member, reflections in reflections_by_member(sample_reflections, sample_review).items():
        answer_everything(slack, member, reflections, prompts)
    assert len(store.submitted.latest("child-d")) == len(sample_review.members)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    monkeypatch.setenv("CASEGROUP_DB_KEY", RAW_KEY)
    export = tmp_path / "digest.md"
    assert main(["export", "child-d", "--out", str(export)]) == 0
    capsys.readouterr()

    texts = writings(sample_reflections)
    # The export is plain by design (it is what a lead takes away), so it shows the check below can fail.
    assert [t for t in texts if t in export.read_text()]
    assert (tmp_path / "casegroup.db-wal").exists()   # the write-ahead log is read too, while it is there
    neighbours = [path for path in tmp_path.rglob("*") if path.is_file() and path != export]
    assert {"casegroup.db", "casegroup.db-wal"} <= {path.name for path in neighbours}
    raw = b"".join(path.read_bytes() for path in neighbours)
    assert [t for t in texts if t.encode() in raw] == []
    assert b"Kayden" not in raw and b"child-d" not in raw
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(db_path).execute("select count(*) from sqlite_master").fetchone()


def test_a_wrong_or_missing_key_stops_every_command_with_one_line_naming_it(tmp_path):
    encrypted, plain = tmp_path / "encrypted.db", tmp_path / "plain.db"
    made = run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path,
                         env=casegroup_env(CASEGROUP_DB=encrypted, CASEGROUP_DB_KEY=RAW_KEY))
    assert made.returncode == 0, made.stderr
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=casegroup_env(CASEGROUP_DB=plain))
    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"}
    wrong, missing = {"CASEGROUP_DB": encrypted, "CASEGROUP_DB_KEY": "6a" * 32}, {"CASEGROUP_DB": encrypted}
    cases = [
        (["review", "list"], missing, f"{encrypted} is encrypted"),
        (["review", "list"], wrong, "CASEGROUP_DB_KEY does not open"),
        (["export", "child-d"], wrong, "CASEGROUP_DB_KEY does not open"),
        (["purge", "--yes"], missing, "set CASEGROUP_DB_KEY to its key"),
        (["serve", "--port", "0"], {**wrong, **slack}, "CASEGROUP_DB_KEY does not open"),
        (["run"], {**missing, **slack}, "set CASEGROUP_DB_KEY to its key"),
        (["try", "--db", str(encrypted)], wrong, "CASEGROUP_DB_KEY does not open"),
        (["db", "encrypt"], wrong, "CASEGROUP_DB_KEY does not open"),
        (["review", "list"], {"CASEGROUP_DB": plain, "CASEGROUP_DB_KEY": RAW_KEY},
         "CASEGROUP_DB_KEY is set, but"),
        (["review", "list"], {"CASEGROUP_DB": encrypted, "CASEGROUP_DB_KEY": "short"},
         "CASEGROUP_DB_KEY: a passphrase needs at least 12 characters"),
    ]
    for args, env, expected in cases:
        result = run_casegroup(*args, cwd=tmp_path, env=casegroup_env(**env), timeout=30)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "child-d" in run_casegroup("review", "list", cwd=tmp_path,
                                      env=casegroup_env(CASEGROUP_DB=encrypted, CASEGROUP_DB_KEY=RAW_KEY)).stdout


def _serve_logs(tmp_path, env) -> str:
    """Start `casegroup serve`, wait until it listens, stop it: what it logged."""
    process = start_casegroup("serve", "--port", "0", "--host", "127.0.0.1", cwd=tmp_path, env=env)
    line = process.stdout.readline()
    process.terminate()
    _, logs = process.communicate(timeout=20)
    assert "listening on" in line, logs
    return logs


def test_db_encrypt_turns_a_plain_database_into_an_encrypted_one_and_says_where_the_old_one_went(tmp_path, fake):
    db_path = tmp_path / "c.db"
    plain_env = casegroup_env(CASEGROUP_DB=db_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                              SLACK_API_URL=fake.url)
    keyed_env = {**plain_env, "CASEGROUP_DB_KEY": PASSPHRASE}
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=plain_env)
    before = Store(db_path)
    trail = before.audit.trail("child-d")
    before.close()   # this process's connection: `db encrypt` wants the file to itself

    # The bot on a plain database says so, once, as it starts.
    logs = _serve_logs(tmp_path, plain_env)
    assert logs.count("WARNING") == 1 and f"the database {db_path} is not encrypted at rest" in logs

    # Not while a bot has the file open: its later writes would go to the old file.
    bot = start_casegroup("serve", "--port", "0", "--host", "127.0.0.1", cwd=tmp_path, env=plain_env)
    try:
        assert "listening on" in bot.stdout.readline()
        refused = run_casegroup("db", "encrypt", cwd=tmp_path, env=keyed_env)
    finally:
        bot.terminate()
        bot.communicate(timeout=20)
    assert refused.returncode == 2 and "is in use (is casegroup running on it?)" in refused.stderr
    assert db_path.read_bytes()[:16] == PLAIN_HEADER and not (tmp_path / "c.db.encrypting").exists()

    done = run_casegroup("db", "encrypt", cwd=tmp_path, env=keyed_env)
    assert done.returncode == 0, done.stderr
    aside = tmp_path / "c.db.unencrypted"
    assert f"The unencrypted original is now {aside}" in done.stdout
    assert aside.read_bytes()[:16] == PLAIN_HEADER and stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert db_path.read_bytes()[:16] != PLAIN_HEADER and stat.S_IMODE(db_path.stat().st_mode) == 0o600
    encrypted = Store(db_path, key=DatabaseKey.parse(PASSPHRASE))
    assert encrypted.audit.trail("child-d") == trail and len(encrypted.reviews.get("child-d").members) == 7
    encrypted.close()

    again = run_casegroup("db", "encrypt", cwd=tmp_path, env=keyed_env)
    assert again.returncode == 0 and "already encrypted" in again.stdout
    assert "not encrypted" not in _serve_logs(tmp_path, keyed_env)   # the same start, encrypted: no warning
    missing = run_casegroup("db", "encrypt", cwd=tmp_path, env=plain_env)
    assert missing.returncode == 2 and "CASEGROUP_DB_KEY is not set" in missing.stderr


def test_a_passphrase_is_derived_once_per_process_and_opens_with_sqlciphers_own_pragma(
        tmp_path, sample_review, monkeypatch):
    derivations = []
    real_pbkdf2 = hashlib.pbkdf2_hmac
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *args: derivations.append(args) or real_pbkdf2(*args))
    passphrase = f"{PASSPHRASE} {secrets.token_hex(4)}"   # derived by no earlier test in this process
    key = load_settings({"CASEGROUP_DB_KEY": passphrase}, dotenv_path=None).db_key
    path = tmp_path / "c.db"
    store = Store(path, key=key)
    store.reviews.save(sample_review, actor="test")
    seen = []
    workers = [threading.Thread(target=lambda: seen.append(store.reviews.keys())) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert seen == [["child-d"]] * 3 and Store(path, key=key).reviews.keys() == ["child-d"]
    assert len(derivations) == 1   # four connections (and a second Store), one PBKDF2

    # SQLCipher's own tools open it with the passphrase as it is, and with a raw key as written.
    for file, sql_key in ((path, f"'{passphrase}'"), (tmp_path / "raw.db", f"\"x'{RAW_KEY}'\"")):
        if file.name == "raw.db":
            Store(file, key=load_settings({"CASEGROUP_DB_KEY": f"x'{RAW_KEY}'"}, dotenv_path=None).db_key
                  ).reviews.save(sample_review, actor="test")
        conn = sqlcipher3.connect(str(file))
        conn.execute(f"pragma key = {sql_key}")
        assert conn.execute("select count(*) from members").fetchone()[0] == 7
        conn.close()
    assert passphrase not in repr(load_settings({"CASEGROUP_DB_KEY": passphrase}, dotenv_path=None))
