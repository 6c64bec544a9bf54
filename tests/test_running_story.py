"""A lead runs a review from Slack: the story of issue 4, through the real App, the fake Slack and a real file.

Import, invite; some practitioners part-way, others done. The lead's Home shows the right grid;
nudging all reaches exactly the outstanding people; a withdrawal deletes answers; analysis stops
revisions; closed plus a year, then `casegroup purge`, leaves no reflection text in the file.
"""
import json
import sqlite3

from bot.cli import main
from tests.runningkit import clock, home_of, open_home, said_to, store, wait_until  # noqa: F401
from tests.stories import answer_everything, reflections_by_member

LEAD, TEAM, OUTSIDER = "U0LEAD01", "U0TEAM01", "U0OUT001"
HV, PC, SW, TM, NK, GP, HO = "U0HV0001", "U0PC0001", "U0SW0001", "U0TM0001", "U0NK0001", "U0GP0001", "U0HO0001"
CONVERSATIONAL = ("answers", "reflection_versions", "conversations", "reminders", "people")


def grid_row(view: dict, attribution: str) -> str:
    text = json.dumps(view["blocks"], ensure_ascii=False)
    for block in view["blocks"]:
        for line in (block.get("text") or {}).get("text", "").split("\n"):
            if line.startswith(f"*{attribution}*"):
                return line
    raise AssertionError(f"no grid row for {attribution} in {text[:300]}")


def writings(sample_reflections) -> list[str]:
    """Every piece of text the practitioners typed that is long enough to be recognisable."""
    found = []
    for reflection in sample_reflections:
        for value in reflection.values():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and len(text) >= 25:
                    found.append(text)
    return found


def raw_files(db_path) -> bytes:
    """The bytes of the database file and its write-ahead log and shared-memory files."""
    return b"".join(path.read_bytes() for path in (db_path, db_path.with_name(db_path.name + "-wal"),
                                                   db_path.with_name(db_path.name + "-shm")) if path.exists())


def test_a_lead_runs_a_review_from_invitation_to_purge(
        fake, slack, store, clock, imported, prompts, sample_reflections, db_path, monkeypatch, capsys):
    slack.command(LEAD, "/review", "invite child-d", fake.response_url)
    assert "Invited 7 members" in fake.wait_for("response_url")[0]["text"]
    by_member = reflections_by_member(sample_reflections, imported)
    for done in (SW, TM, NK, GP):
        answer_everything(slack, done, by_member[done], prompts)
    answer_everything(slack, HV, by_member[HV][:1], prompts, submit=False)   # KPE1 of three
    slack.dm(PC, "yes")                                                        # consented, nothing more
    # HO has the invitation and has not answered it.

    # The lead's Home: the grid, the counts, and the buttons.
    open_home(slack, LEAD)
    view = home_of(fake, LEAD)
    assert len(view["blocks"]) <= 100
    assert "KPE1 ✏️ in progress · KPE4 🟡 consented · KPE5 🟡 consented" in grid_row(
        view, "Health visitor (Brackenshire Community Health)")
    assert "KPE2 🟡 consented" in grid_row(view, "Response police officer (Brackenshire Police)")
    assert "KPE3 ✅ submitted" in grid_row(view, "Social worker (Brackenshire Children's Social Care)")
    assert "KPE1 ✉️ invited · KPE5 ✉️ invited" in grid_row(view, "Housing officer (Brackenshire Housing)")
    assert "no reminder yet" in grid_row(view, "Housing officer (Brackenshire Housing)")
    text = json.dumps(view, ensure_ascii=False)
    assert "*KPE4*: 1 🟡 consented, 2 ✅ submitted" in text
    assert "*KPE3*: 2 ✅ submitted" in text
    assert "stage: *conversations*" in text and "4 of 7 reflections submitted" in text
    nudge_one = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                     if e["action_id"] == "home_nudge_one")
    assert [o["value"] for o in nudge_one["options"]] == [f"child-d|{m}" for m in (HV, PC, HO)]
    assert "Move to case group meeting" in text

    # The review team sees the grid without the lead's buttons; a practitioner sees their own; others, a word.
    open_home(slack, TEAM)
    team_view = json.dumps(home_of(fake, TEAM), ensure_ascii=False)
    assert "KPE3 ✅ submitted" in team_view and "home_nudge_all" not in team_view and "home_summary" in team_view
    open_home(slack, HV)
    own = json.dumps(home_of(fake, HV), ensure_ascii=False)
    assert "KPE1: One-year review" in own and "Continue where I left off" in own
    assert "never by your name" in own and "Social worker" not in own
    open_home(slack, OUTSIDER)
    assert "not part of a review" in json.dumps(home_of(fake, OUTSIDER))

    # Nudging all reaches exactly the outstanding people, each told how much is left.
    fake.clear()
    slack.click(LEAD, "home_nudge_all", "child-d|all")
    report = said_to(fake, LEAD, "Reminded 3 case group members")
    assert "4 finished" in report[0]
    reminded = {c["channel"] for c in fake.calls("chat.postMessage")} - {LEAD}
    assert reminded == {HV, PC, HO}
    assert "2 of your 3 episodes still need your reflection" in said_to(fake, HV, "gentle reminder")[0]
    assert "you're invited to take part" in said_to(fake, HO, "gentle reminder")[0]
    wait_until(lambda: fake.calls("views.publish"), what="the lead's Home published again")
    assert "(1 sent)" in grid_row(home_of(fake, LEAD), "Health visitor (Brackenshire Community Health)")

    # The GP withdraws before analysis: their answers go, and the review shows them as withdrawn.
    slack.dm(GP, "withdraw")
    assert "can't be undone" in said_to(fake, GP, "Withdraw from")[0]
    slack.dm(GP, "yes")
    said_to(fake, GP, "your answers have been deleted")
    assert store.conversations.stages("child-d")[GP] == "withdrawn"
    assert GP not in store.submitted.latest("child-d") and not store.conversations.answers("child-d", GP)

    # Analysis stops revisions and withdrawals, politely.
    slack.command(LEAD, "/review", "stage child-d analysis", fake.response_url)
    assert "moved from conversations to analysis" in fake.wait_for("response_url")[-1]["text"]
    assert said_to(fake, SW, "has reached its analysis stage: from now on")   # those taking part are told
    slack.dm(SW, "revise")
    assert said_to(fake, SW, "stage, so submitted reflections can no longer be changed")
    assert store.conversations.state("child-d", SW).stage == "submitted"
    slack.dm(HV, "withdraw")
    assert said_to(fake, HV, "can no longer be withdrawn here")

    # Closed: read-only, with a retention date a year on.
    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    assert "This can't be undone" in wait_until(
        lambda: [c["text"] for c in fake.calls("response_url") if "Close *Child D*" in c.get("text", "")])[0]
    slack.click(LEAD, "review_confirm_stage", "child-d|analysis>closed")
    assert "kept until 7 Jan 2025" in said_to(fake, LEAD, "moved from analysis to closed")[0]
    # Those who took part are told the review closed (the health visitor is part-way through).
    assert said_to(fake, HV, "is now closed")
    slack.dm(HV, "Something I remembered later")
    assert said_to(fake, HV, "review is closed")
    assert ("KPE4", "involvement") not in store.conversations.answers("child-d", HV)

    # `casegroup purge` asks first; declining deletes nothing.
    texts = writings(sample_reflections)
    assert len(texts) > 40
    assert [t for t in texts if t.encode() in raw_files(db_path)], "the check below must be able to fail"
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    counts = {t: store.db.execute(f"select count(*) from {t} where review_key = 'child-d'").fetchone()[0]
              for t in CONVERSATIONAL}
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["purge"]) == 1
    assert "Nothing was deleted" in capsys.readouterr().out
    assert store.submitted.latest("child-d")

    assert main(["purge", "--yes"]) == 0
    assert "Purged 'child-d'" in capsys.readouterr().out
    assert not store.submitted.latest("child-d") and not store.conversations.answers("child-d", HV)
    deleted = [a for a in store.audit.trail("child-d") if a["action"] == "purge.deleted"]
    assert len(deleted) == sum(counts.values()) == 36 + 3 + 7 + 3 + 4
    assert any("answer of U0HV0001 to KPE1/involvement" in a["detail"] for a in deleted)

    # No reflection text, and no real name, is left anywhere in the database's files.
    raw = raw_files(db_path)
    assert [t for t in texts if t.encode() in raw] == []
    assert b"Lennon Ashby" not in raw and b"Kirsty" not in raw
    # The audit trail of what existed is still readable.
    with sqlite3.connect(db_path) as check:
        assert check.execute("select count(*) from audit where action = 'reflection.submitted'").fetchone()[0] == 4
