"""A lead changes a review from Slack: modals opened at once and checked on submit, stages and their
rules for invitations, `/review status`, help for each subcommand, and a Home tab within 100 blocks."""
import json
from dataclasses import replace

from bot.cli import main
from bot.core.review import Episode, Member
from tests.runningkit import body_of, clock, home_of, open_home, said_to, store, submit_view, wait_until  # noqa: F401

LEAD = "U0LEAD01"


def test_add_member_opens_a_modal_at_once_and_checks_each_field_on_submit(fake, slack, store, imported):
    response = slack.command(LEAD, "/review", "add-member child-d", fake.response_url)
    assert response.status == 200
    opened = fake.calls("views.open")
    assert len(opened) == 1 and opened[0]["trigger_id"].endswith(".trigger")
    view = opened[0]["view"]
    assert view["private_metadata"] == "child-d" and len(view["title"]["text"]) <= 24
    assert [b["block_id"] for b in view["blocks"]] == ["user", "role", "agency", "episodes"]

    wrong = submit_view(slack, LEAD, "review_add_member", "child-d",
                        {"user": "U0HV0001", "role": "", "agency": "x", "episodes": ["KPE1"]})
    assert body_of(wrong) == {"response_action": "errors",
                              "errors": {"user": "This person is already in the case group."}}
    wrong = submit_view(slack, LEAD, "review_add_member", "child-d",
                        {"user": "U0NEW001", "role": "", "agency": "Brackenshire Schools", "episodes": []})
    assert body_of(wrong)["errors"] == {"role": "Role is missing.",
                                        "episodes": "Episodes must list at least one episode key."}
    assert store.reviews.get("child-d").member("U0NEW001") is None

    right = submit_view(slack, LEAD, "review_add_member", "child-d",
                        {"user": "U0NEW001", "role": "School nurse", "agency": "Brackenshire Schools",
                         "episodes": ["KPE4", "KPE5"]})
    assert right.status == 200 and not right.body
    assert store.reviews.get("child-d").member("U0NEW001") == Member("U0NEW001", "School nurse", "Brackenshire Schools",
                                                                ("KPE4", "KPE5"))
    assert "Added School nurse (Brackenshire Schools)" in said_to(fake, LEAD, "Added")[0]
    assert [a["detail"] for a in store.audit.trail("child-d") if a["action"] == "member.added"] == [
        "U0NEW001, episodes KPE4, KPE5"]
    assert home_of(fake, LEAD)  # the lead's Home shows the new member


def test_add_episode_checks_dates_and_assigns_members(fake, slack, store, imported):
    slack.command(LEAD, "/review", "add-episode child-d", fake.response_url)
    assert fake.calls("views.open")[0]["view"]["callback_id"] == "review_add_episode"
    wrong = submit_view(slack, LEAD, "review_add_episode", "child-d",
                        {"key": "KPE6", "title": "Strategy meeting", "start": "2025-11-03", "end": "2025-11-01",
                         "description": "", "members": []})
    assert body_of(wrong)["errors"] == {"end": "End 2025-11-01 is before start 2025-11-03."}
    taken = submit_view(slack, LEAD, "review_add_episode", "child-d",
                        {"key": "KPE1", "title": "Again", "start": "2025-11-03", "end": "", "members": []})
    assert body_of(taken)["errors"] == {"key": "The review already has an episode KPE1."}
    submit_view(slack, LEAD, "review_add_episode", "child-d",
                {"key": "KPE6", "title": "Strategy meeting", "start": "2025-11-03", "end": "",
                 "description": "Multi-agency strategy discussion.", "members": ["U0SW0001", "U0TM0001"]})
    review = store.reviews.get("child-d")
    assert review.episode("KPE6").title == "Strategy meeting"
    assert review.member("U0SW0001").episodes == ("KPE3", "KPE6")
    assert review.stage == "conversations"


def test_invitations_only_in_conversations_from_slack_and_the_command_line(
        fake, slack, store, imported, db_path, monkeypatch, capsys):
    slack.command(LEAD, "/review", "stage child-d setup", fake.response_url)
    assert "back from conversations to setup?" in fake.wait_for("response_url")[0]["text"]   # a step back: asked
    slack.click(LEAD, "review_confirm_stage", "child-d|conversations>setup")
    assert said_to(fake, LEAD, "moved from conversations to setup")
    slack.command(LEAD, "/review", "invite child-d", fake.response_url)
    said = wait_until(lambda: [c["text"] for c in fake.calls("response_url") if "Invitations" in c["text"]])[0]
    assert "only while a review is in its conversations stage" in said and "/review stage child-d conversations" in said
    assert {c["channel"] for c in fake.calls("chat.postMessage")} == {LEAD}   # the lead's confirmation only

    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    assert main(["review", "invite", "child-d"]) == 2
    assert "only while a review is in its conversations stage" in capsys.readouterr().err

    # A member who writes before the review starts is told so, and nothing is kept.
    slack.dm("U0HV0001", "Hello, is this the review?")
    assert said_to(fake, "U0HV0001", "nothing for you to answer")
    assert store.conversations.state("child-d", "U0HV0001") is None

    slack.command(LEAD, "/review", "stage child-d conversations", fake.response_url)
    # The stage change runs in a lazy listener: wait for it, as a lead would wait for the reply.
    wait_until(lambda: [c for c in fake.calls("response_url") if "moved from setup to conversations" in c["text"]])
    slack.command(LEAD, "/review", "invite child-d <@U0HV0001|hv>", fake.response_url)
    assert "Invited 1 member" in wait_until(
        lambda: [c["text"] for c in fake.calls("response_url") if "Invited" in c["text"]])[0]
    # The earlier "nothing for you yet" in their DM, and now the invitation.
    assert {c["channel"] for c in fake.calls("chat.postMessage")} - {LEAD} == {"D0HV0001", "U0HV0001"}


def test_stage_names_and_the_closed_review(fake, slack, store, imported):
    slack.command(LEAD, "/review", "stage child-d case group meeting", fake.response_url)
    assert "to case group meeting" in fake.wait_for("response_url")[0]["text"]
    slack.command(LEAD, "/review", "stage child-d finished", fake.response_url)
    assert "I don't know the stage 'finished'" in fake.wait_for("response_url", 2)[1]["text"]
    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    assert "can't be undone" in fake.wait_for("response_url", 3)[2]["text"]   # asked first
    slack.click(LEAD, "review_confirm_stage", "child-d|meeting>closed")
    assert said_to(fake, LEAD, "moved from case group meeting to closed")
    slack.command(LEAD, "/review", "stage child-d analysis", fake.response_url)
    assert "can't be reopened" in fake.wait_for("response_url", 4)[3]["text"]
    response = slack.command(LEAD, "/review", "add-member child-d", fake.response_url)
    assert "closed" in body_of(response)["text"] and not fake.calls("views.open")
    stages = [a["detail"] for a in store.audit.trail("child-d") if a["action"] == "review.stage"]
    assert stages[0] == "conversations -> meeting" and stages[1].startswith("meeting -> closed; kept until")


def test_status_and_help(fake, slack, store, imported):
    slack.command("U0TEAM01", "/review", "status child-d", fake.response_url)
    status = fake.wait_for("response_url")[0]
    grid = json.dumps(status["blocks"], ensure_ascii=False)
    assert "0 of 7 reflections submitted" in grid and "KPE3 ⚪ not invited" in grid
    slack.command("U0TEAM01", "/review", "status", fake.response_url)
    assert "Child D" in fake.wait_for("response_url", 2)[1]["text"]
    # An acknowledgement with text answers in plain text.
    assert slack.command(LEAD, "/review", "remind help", fake.response_url).body.startswith(
        "`/review remind KEY`: nudge every case group member")
    # After the key too: `help` is never taken for a stage (and nothing moves).
    assert slack.command(LEAD, "/review", "stage child-d help", fake.response_url).body.startswith(
        "`/review stage KEY STAGE`: move the review to another stage: setup, conversations")
    assert slack.command(LEAD, "/review", "invite child-d HELP", fake.response_url).body.startswith(
        "`/review invite KEY [@member]`")
    assert store.reviews.get("child-d").stage == "conversations"
    assert "review.stage" not in [a["action"] for a in store.audit.trail("child-d")]
    listing = slack.command(LEAD, "/review", "nonsense", fake.response_url).body
    for name in ("status", "invite", "remind", "stage", "add-member", "add-episode"):
        assert f"/review {name}" in listing


def test_the_home_tab_stays_within_100_blocks_however_large(fake, slack, store, sample_review):
    episodes = [Episode(f"KPE{n}", f"Episode {n}", sample_review.episodes[0].start) for n in range(1, 41)]
    members = [Member(f"U0BIG{n:04d}", "Social worker", f"Agency {n}", (f"KPE{n % 40 + 1}",)) for n in range(150)]
    for n in range(30):
        store.reviews.save(replace(sample_review, key=f"big-{n}", title=f"Review {n}", episodes=episodes,
                                  members=members), actor="test")
    open_home(slack, LEAD)
    view = home_of(fake, LEAD)
    assert len(view["blocks"]) <= 100
    text = json.dumps(view, ensure_ascii=False)
    assert "more reviews" in text and "138 more. `/review status big-0` lists everyone." in text
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    nudge = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
             if e["action_id"] == "home_nudge_one"]
    assert nudge == []  # nobody invited yet, so nobody to nudge
