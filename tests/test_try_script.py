"""`casegroup try --script`: the real bot driven from a file, as a process, with no Slack anywhere."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.conversation import display
from bot.core.review import day
from bot.core.text import unescape
from bot.offline.requests import dm_channel
from bot.render.blocks import actions, button, header, section
from bot.offline.session import TrySession
from bot.core.review import parse_review_file
from bot.offline import DEMO_REVIEW
from storage import Store

# The paramedic's reflection on KPE2, one line per question, in the order the bot asks.
PARAMEDIC_ANSWERS = {
    "involvement": "We found Margaret on the floor after a night alone; she declined hospital & we raised a concern.",
    "at_the_time": "A frail woman who wanted to stay at home, cold and a little confused.",
    "front_of_mind": "Whether she had capacity to refuse, and the next call waiting.",
    "options": "Convey her against her wishes, or leave her safe with a referral.",
    "hoped_to_achieve": "Someone to visit within a day or two.",
    "knowledge_source": "2",          # a numbered choice: clicks "The records"
    "factors": "workload; info sharing: no feedback on our referrals",
    "went_well": "skip",
    "changes": "A direct line to the duty social worker.",
    "anything_else": "Her neighbour had rung the council twice before.",   # asked once, after the last episode
}


def run_try(tmp_path: Path, lines: list[str], *args: str, stdin: str | None = None,
            settings: dict | None = None) -> subprocess.CompletedProcess:
    """`casegroup try ARGS --script` with `lines`; `settings` are CASEGROUP_* variables to set."""
    script = tmp_path / "script.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CASEGROUP_"))}
    env.update(settings or {})
    command = [sys.executable, "-m", "bot", "try", *args] + (["--script", str(script)] if lines else [])
    # In tmp_path, so that no .env with real tokens is read.
    return subprocess.run(command, cwd=tmp_path, env=env, input=stdin, capture_output=True, text=True, timeout=60)


def flat(text: str) -> str:
    """Printed text with its line wrapping undone, to look for phrases in it."""
    return " ".join(text.split())


def after(transcript: str, typed: str) -> str:
    """What was printed after the line `typed` was typed, up to the next typed line."""
    start = transcript.index("> " + typed + "\n") + len(typed) + 3
    following = transcript.find("\n\n", start)
    end = transcript.find("> ", following) if following != -1 else -1
    return transcript[start:end if end != -1 else None]


def test_a_paramedic_consents_answers_every_prompt_and_submits_then_the_lead_looks(tmp_path):
    db = tmp_path / "try.db"
    lines = ["1", *PARAMEDIC_ANSWERS.values(), "submit", "/as lead", "/review list", "/review help",
             "/summary KPE2", "/quit"]
    result = run_try(tmp_path, lines, "--db", str(db))
    transcript = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in transcript + result.stderr
    assert "Nothing is sent anywhere" in flat(transcript)

    # The invitation says how the paramedic's words will be used; `1` is "Yes, I agree", read by the bot.
    assert "agency only (Paramedic, Eastmere Ambulance Service)" in transcript
    assert "Thank you. Your answers are saved as you go" in flat(after(transcript, "1"))
    assert "question 1 of 9" in after(transcript, "1")
    assert "Got it: the records." in flat(after(transcript, "2"))
    assert "anything else you'd like the review team to know?" in flat(after(transcript, PARAMEDIC_ANSWERS["changes"]))
    check = after(transcript, PARAMEDIC_ANSWERS["anything_else"])
    assert "Check your answers" in check and "[11] Submit my reflection" in check
    assert "& we raised a concern" in flat(check)  # typed text comes back as typed, not as &amp;
    # Every line fits 80 columns, except what was typed and a saved file's path (which can't be wrapped).
    assert all(len(line) <= 80 for line in transcript.split("\n")
               if not line.startswith("Paramedic> ") and not line.strip().startswith("/"))
    assert "has been submitted (version 1)" in after(transcript, "submit")

    # The lead reads the submission that arrived while they were someone else, and uses /review.
    assert "Paramedic (Eastmere Ambulance Service) submitted a reflection on Adult F" in after(transcript,
                                                                                               "/as lead")
    assert "`adult-f`: Adult F (lead)" in after(transcript, "/review list")
    assert "/review invite KEY" in after(transcript, "/review help")

    # What the bot stored is what was typed (the same SQLite file Slack mode would use).
    stored = Store(db).submitted.latest("adult-f")["U0DAMB01"]["KPE2"]
    assert stored["knowledge_source"] == ["records"]
    assert [f["heading"] for f in stored["factors"]] == ["conditions of work", "inter-agency team"]
    # Slack escapes &, < and > in what people type; the stand-in sends it as Slack does.
    assert stored["involvement"] == PARAMEDIC_ANSWERS["involvement"].replace("&", "&amp;")
    assert unescape(display(stored["involvement"])) == PARAMEDIC_ANSWERS["involvement"]
    assert stored["went_well"] == ""

    # /summary is being built on another branch. Until it is merged, this one assertion is skipped.
    summary = after(transcript, "/summary KPE2")
    if "casegroup has no such command" in summary:
        pytest.skip("/summary is not merged yet")
    assert "Paramedic (Eastmere Ambulance Service)" in summary and "Margaret" not in summary


def test_a_second_run_on_the_same_database_carries_on_where_the_first_stopped(tmp_path):
    db = tmp_path / "try.db"
    first = run_try(tmp_path, ["yes", PARAMEDIC_ANSWERS["involvement"], PARAMEDIC_ANSWERS["at_the_time"], "pause"],
                    "--db", str(db))
    assert "question 3 of 9" in first.stdout and "Paused." in first.stdout
    assert f"Everything is saved in {db}" in flat(first.stdout)

    second = run_try(tmp_path, ["resume", "/as lead"], "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert "already in" in second.stdout and "Setting up" not in second.stdout
    assert "Welcome back" in after(second.stdout, "resume")
    assert "question 3 of 9 · KPE2" in after(second.stdout, "resume")
    # Imported once, invited once: the second run changed nothing it didn't have to.
    trail = [row["action"] for row in Store(db).audit.trail("adult-f")]
    assert trail.count("review.imported") == 1 and "review.updated" not in trail
    assert trail.count("reflection.invited") == 6


def test_a_markdown_file_the_bot_uploads_is_saved_to_the_folder_and_its_path_printed(tmp_path, prompts):
    printed: list[str] = []
    store = Store(":memory:")
    store.reviews.save(parse_review_file(DEMO_REVIEW), actor="test")
    session = TrySession(store, prompts, store.reviews.get("adult-f"), printed.append, lambda: tmp_path / "files")
    try:
        session.switch("lead")
        # The bot's own WebClient, against the stand-in: the calls files_upload_v2 makes in Slack.
        session.app.client.files_upload_v2(channel=dm_channel("U0DLEAD1"), content="# KPE2\n\nDigest & more\n",
                                           filename="adult-f-KPE2.md", title="Digest: KPE2",
                                           initial_comment="The digest for KPE2.")
        session.settle()
    finally:
        session.close()
    saved = tmp_path / "files" / "adult-f-KPE2.md"
    assert saved.read_text(encoding="utf-8") == "# KPE2\n\nDigest & more\n"
    assert f"Shared a file, Digest: KPE2, saved to:\n  {saved}" in "\n".join(printed)
    assert "The digest for KPE2." in "\n".join(printed)


def test_a_home_view_the_bot_publishes_is_printed_and_its_buttons_are_numbered(prompts):
    printed: list[str] = []
    store = Store(":memory:")
    store.reviews.save(parse_review_file(DEMO_REVIEW), actor="test")
    session = TrySession(store, prompts, store.reviews.get("adult-f"), printed.append)
    try:
        session.switch("lead")
        session.home()  # the real app_home_opened event, whatever the bot does with it
        printed.clear()
        # What a Home tab listener sends, through the bot's own client.
        session.app.client.views_publish(user_id="U0DLEAD1", view={"type": "home", "blocks": [
            header("Your reviews"), section("*adult-f*: 1 of 6 reflections submitted"),
            actions(button("Open the digest", "home_digest", "adult-f"))]})
        session.settle()
        session.handle("2")
    finally:
        session.close()
    assert printed[:2] == ["", "casegroup (your App Home):"]
    assert printed[2].split("\n") == ["  Your reviews", "  ============", "", "  adult-f: 1 of 6 reflections submitted",
                                      "    [1] Open the digest"]
    assert "There's no choice 2: the choices are 1." in printed[-1]


def test_make_run_without_tokens_says_how_to_connect_slack_then_starts_the_offline_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CASEGROUP_"))}
    result = subprocess.run([sys.executable, "-m", "bot", "start"], cwd=tmp_path, env=env, input="/quit\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1 and "Connecting Slack" in result.stderr
    assert "Nothing is sent anywhere" in flat(result.stdout) and "Session ended" in result.stdout
    assert "Paramedic> /quit" in result.stdout  # piped input is shown as if typed


def test_bad_options_stop_with_one_line(tmp_path, capsys):
    assert main(["try", "--as", "nobody at all"]) == 2
    assert capsys.readouterr().err.startswith("casegroup: --as nobody at all: not someone in review adult-f")
    assert main(["try", "--script", str(tmp_path / "missing.txt")]) == 2
    assert capsys.readouterr().err == f"casegroup: --script {tmp_path / 'missing.txt'}: can't read it " \
                                      "(FileNotFoundError)\n"
    assert main(["try", "--db", str(tmp_path / "nowhere" / "try.db")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_offline_mode_follows_the_casegroup_settings(tmp_path):
    # No reminders allowed at all: whatever the hour, the lead's reminder is refused by the cap.
    result = run_try(tmp_path, ["/review remind adult-f", "/review stage adult-f closed", "1", "/quit"], "--as", "lead",
                     settings={"CASEGROUP_REMINDER_MAX": "0", "CASEGROUP_RETENTION_DAYS": "30"})
    assert result.returncode == 0, result.stderr
    assert "Reminded 0 case group members. Not reminded: 6 already had every reminder allowed." in flat(
        after(result.stdout, "/review remind adult-f"))
    assert "This can't be undone" in flat(after(result.stdout, "/review stage adult-f closed"))
    closed = flat(after(result.stdout, "1"))   # "Yes, move it to closed", typed as its number
    kept_until = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).date()
    assert f"kept until {day(kept_until)}" in closed or f"kept until {day(kept_until - dt.timedelta(days=1))}" in closed
    bad = run_try(tmp_path, ["/quit"], settings={"CASEGROUP_WORKING_HOURS": "9 to 5"})
    assert bad.returncode == 2 and bad.stderr.startswith("casegroup: CASEGROUP_WORKING_HOURS:")


def test_a_review_file_given_again_over_a_kept_session_updates_the_review_and_keeps_the_answers(tmp_path):
    db, review_file = tmp_path / "try.db", tmp_path / "my-review.toml"
    review_file.write_text(DEMO_REVIEW.read_text(encoding="utf-8"), encoding="utf-8")
    first = run_try(tmp_path, ["yes", PARAMEDIC_ANSWERS["involvement"], "pause"], "--db", str(db),
                    "--review", str(review_file))
    assert "question 2 of 9" in first.stdout, first.stderr

    review_file.write_text(review_file.read_text(encoding="utf-8").replace('title = "Adult F"',
                                                                           'title = "Adult F (revised)"'))
    second = run_try(tmp_path, ["resume"], "--db", str(db), "--review", str(review_file))
    assert second.returncode == 0, second.stderr
    assert f"Review adult-f is already in {db}: updated it from {review_file}" in flat(second.stdout)
    assert "question 2 of 9" in after(second.stdout, "resume")
    store = Store(db)
    assert store.reviews.get("adult-f").title == "Adult F (revised)"
    assert [row["action"] for row in store.audit.trail("adult-f")].count("review.updated") == 1
    assert store.conversations.state("adult-f", "U0DAMB01") is not None


def test_a_lead_fills_in_the_add_episode_and_add_member_forms_at_the_terminal(tmp_path):
    db = tmp_path / "try.db"
    lines = ["/review add-episode adult-f", "KPE6", "Strategy meeting", "20/03/2025", "2025-03-20", "2025-03-01", "",
             "1 9", "1, 2",        # a choice that isn't offered is asked again; then the bot finds End before Start
             "/as 1", "",          # a form is open: finish it first; End is optional
             "/review add-member adult-f", "", "U0NEW001", "School nurse", "Eastmere Schools", "/cancel",
             "/review add-member adult-f", "U0NEW001", "School nurse", "Eastmere Schools", "KPE1 3", "/quit"]
    result = run_try(tmp_path, lines, "--as", "lead", "--db", str(db))
    transcript = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in transcript + result.stderr and "can't be shown" not in transcript
    opened = after(transcript, "/review add-episode adult-f")
    assert "casegroup (a form: Add an episode):" in opened and "Key (required)" in opened
    assert "Start should be a date like 2025-03-04, not '20/03/2025'." in after(transcript, "20/03/2025")
    assert "'9' isn't one of the choices" in after(transcript, "1 9")
    assert "[2] GP (Millbrook Surgery)" in after(transcript, "1 9")
    rejected = flat(after(transcript, "1, 2"))
    assert "End: End 2025-03-01 is before start 2025-03-20." in rejected and "End (optional" in rejected
    assert "A form is open" in flat(after(transcript, "/as 1"))
    assert "Added episode KPE6 to `adult-f`, assigned to 2 case group members." in flat(transcript)
    assert "Who is required" in flat(transcript)
    assert "(you closed the form: nothing was sent)" in after(transcript, "/cancel")
    assert "Added School nurse (Eastmere Schools) to the case group of `adult-f`, for KPE1, KPE3." in flat(
        after(transcript, "KPE1 3"))

    review = Store(db).reviews.get("adult-f")
    assert review.episode("KPE6").title == "Strategy meeting" and review.episode("KPE6").end is None
    assert review.member("U0DAMB01").episodes == ("KPE2", "KPE6")
    assert review.member("U0NEW001").episodes == ("KPE1", "KPE3")
    assert [a["action"] for a in Store(db).audit.trail("adult-f")].count("member.added") == 1
