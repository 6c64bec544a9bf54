"""The command line: settings, review files and help, as a newcomer meets them."""
import os
import stat

from tests.conftest import SAMPLE
from tests.processes import casegroup_env, run_casegroup


def test_every_subcommand_has_help(tmp_path):
    for args in (["--help"], ["run", "--help"], ["serve", "--help"], ["start", "--help"],
                 ["review", "import", "--help"], ["review", "list", "--help"], ["review", "invite", "--help"],
                 ["purge", "--help"], ["export", "--help"], ["try", "--help"], ["db", "encrypt", "--help"],
                 ["analysis", "export", "--help"], ["analysis", "import", "--help"]):
        result = run_casegroup(*args, cwd=tmp_path)
        assert result.returncode == 0 and "usage: casegroup" in result.stdout, args
        # Every command that uses the database says which one, and how to choose another.
        assert args == ["--help"] or "--db FILE" in result.stdout, args


def test_missing_or_malformed_settings_give_one_line_naming_the_variable(tmp_path):
    cases = [
        (["run"], {}, "SLACK_BOT_TOKEN is not set"),
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is not set"),
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "not-a-token"}, "SLACK_APP_TOKEN should be"),
        (["serve"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (["review", "list"], {"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL should be"),
        (["review", "list"], {"CASEGROUP_DB": "/no/such/folder/x.db"}, "CASEGROUP_DB points into"),
        (["review", "list"], {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL should be"),
    ]
    for args, env, expected in cases:
        result = run_casegroup(*args, cwd=tmp_path, env=casegroup_env(**env))
        assert result.returncode == 2, (args, env, result.stderr)
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_settings_come_from_dotenv(tmp_path):
    (tmp_path / ".env").write_text("CASEGROUP_DB=from-dotenv.db\n")
    result = run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").exists()
    assert "child-d\tChild D" in run_casegroup("review", "list", cwd=tmp_path).stdout


def test_import_list_and_reimport_with_a_private_database(tmp_path):
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db")
    result = run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Imported review 'child-d'" in result.stdout and "7 case group members" in result.stdout
    assert stat.S_IMODE(os.stat(tmp_path / "c.db").st_mode) == 0o600
    again = run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    assert "Updated review 'child-d'" in again.stdout
    listing = run_casegroup("review", "list", cwd=tmp_path, env=env)
    assert "child-d\tChild D" in listing.stdout and "0 of 7 reflections submitted" in listing.stdout


def test_a_broken_review_file_reports_every_mistake_and_imports_nothing(tmp_path):
    broken = (SAMPLE / "review.toml").read_text()
    broken = broken.replace('leads = ["U0LEAD01", "U0LEAD02"]', "leads = []")
    broken = broken.replace('start = "2025-05-23"', 'start = "23/05/2025"')
    broken = broken.replace('episodes = ["KPE2"]', 'episodes = ["KPE9"]')
    broken = broken.replace('key = "KPE5"', 'key = "KPE4"')
    path = tmp_path / "broken.toml"
    path.write_text(broken)
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db")
    result = run_casegroup("review", "import", str(path), cwd=tmp_path, env=env)
    assert result.returncode == 2
    for expected in ("[review]: leads must name at least one lead reviewer",
                     "[[episodes]] KPE2 start: '23/05/2025' is not a date",
                     "[[members]] U0PC0001: unknown episode 'KPE9'",
                     "[[episodes]] KPE4: duplicate episode key"):
        assert expected in result.stderr
    assert str(path) in result.stderr and "Traceback" not in result.stderr
    assert "No reviews yet" in run_casegroup("review", "list", cwd=tmp_path, env=env).stdout


def test_not_toml_and_missing_files_are_clear(tmp_path):
    (tmp_path / "bad.toml").write_text("[review\nkey = ")
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db")
    result = run_casegroup("review", "import", str(tmp_path / "bad.toml"), cwd=tmp_path, env=env)
    assert result.returncode == 2 and "not valid TOML" in result.stderr
    result = run_casegroup("review", "import", str(tmp_path / "none.toml"), cwd=tmp_path, env=env)
    assert result.returncode == 2 and "file not found" in result.stderr


def test_invite_from_the_command_line_reaches_the_case_group(tmp_path, fake):
    env = casegroup_env(CASEGROUP_DB=tmp_path / "c.db", SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake.url)
    run_casegroup("review", "import", str(SAMPLE / "review.toml"), cwd=tmp_path, env=env)
    result = run_casegroup("review", "invite", "child-d", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Invited 7 members" in result.stdout
    assert len(fake.calls("chat.postMessage")) == 7
    again = run_casegroup("review", "invite", "nope", cwd=tmp_path, env=env)
    assert again.returncode == 2 and "no review with the key 'nope'" in again.stderr


def test_export_after_a_try_session_reads_its_database_and_no_reading_command_creates_one(tmp_path):
    from tests.test_try_script import PARAMEDIC_ANSWERS, run_try
    kept = tmp_path / "try.db"
    session = run_try(tmp_path, ["1", *PARAMEDIC_ANSWERS.values(), "submit", "/quit"], "--db", str(kept))
    assert "has been submitted (version 1)" in session.stdout, session.stderr

    exported = run_casegroup("export", "adult-f", "--db", str(kept), "--out", str(tmp_path / "digest.md"),
                             cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "Paramedic (Eastmere Ambulance Service)" in (tmp_path / "digest.md").read_text(encoding="utf-8")
    assert "adult-f\tAdult F" in run_casegroup("review", "list", "--db", str(kept), cwd=tmp_path).stdout

    # Without --db: the default file, which doesn't exist. Said, with where it looked, and not created.
    missing = run_casegroup("export", "adult-f", cwd=tmp_path)
    assert missing.returncode == 2
    assert f"there is no database at {tmp_path / 'casegroup.db'}" in missing.stderr
    assert "CASEGROUP_DB" in missing.stderr and "--db" in missing.stderr
    elsewhere = tmp_path / "elsewhere.db"
    for args in (["export", "adult-f"], ["review", "list"], ["purge", "--yes"]):
        run_casegroup(*args, "--db", str(elsewhere), cwd=tmp_path)
    invite = run_casegroup("review", "invite", "adult-f", "--db", str(elsewhere), cwd=tmp_path,
                           env=casegroup_env(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL="http://127.0.0.1:9/api/"))
    assert invite.returncode == 2 and f"there is no database at {elsewhere}" in invite.stderr
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["try.db"]

    # A key that isn't there names the database it looked in.
    wrong = run_casegroup("export", "adult-g", "--db", str(kept), cwd=tmp_path)
    assert wrong.returncode == 2
    assert f"there is no review with the key 'adult-g' in {kept}" in wrong.stderr
