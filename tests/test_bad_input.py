"""Bad input gets a clear message; nothing is lost and nothing crashes."""
import json

from tests.slackdriver import dm_event

HV = "U0HV0001"


def ack_text(response) -> str:
    """What the person sees from a command's acknowledgement (plain text or an ephemeral JSON message)."""
    try:
        return json.loads(response.body)["text"]
    except ValueError:
        return response.body


def replies_to(fake, user):
    return [c for c in fake.calls("chat.postMessage") if c["channel"] in (user, "D" + user[1:])]


def test_a_forged_signature_gets_401_and_changes_nothing(fake, slack, store, invited):
    body = json.dumps(dm_event(HV, "yes"))
    response = slack.app.dispatch(__import__("slack_bolt").request.BoltRequest(body=body, headers={
        "content-type": ["application/json"], "x-slack-request-timestamp": [str(int(__import__("time").time()))],
        "x-slack-signature": ["v0=" + "0" * 64]}))
    assert response.status == 401
    assert store.conversations.state("child-d", HV).stage == "consent"


def test_an_old_timestamp_is_refused(fake, slack, store, invited):
    response = slack.send(json.dumps(dm_event(HV, "yes")), "application/json", timestamp=1_600_000_000)
    assert response.status == 401
    assert store.conversations.state("child-d", HV).stage == "consent"


def test_an_empty_answer_to_a_required_step_is_asked_again(fake, slack, store, invited):
    slack.dm(HV, "yes")
    slack.dm(HV, "   ")
    last = json.dumps(replies_to(fake, HV)[-1])
    assert "needs an answer" in last and "what part did you play" in last
    assert store.conversations.answers("child-d", HV) == {}


def test_a_40000_character_answer_is_stored_whole_and_shown_within_limits(fake, slack, store, invited):
    slack.dm(HV, "yes")
    long_answer = ("Lennon's mum said the visit could wait. 👶 " * 1000)[:40_000]
    slack.dm(HV, long_answer)
    assert store.conversations.answers("child-d", HV)[("KPE1", "involvement")] == long_answer
    slack.dm(HV, "back")
    shown = replies_to(fake, HV)[-1]
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in shown["blocks"])


def test_slack_markup_in_an_answer_pings_nobody_when_echoed_back(fake, slack, store, invited):
    slack.dm(HV, "yes")
    markup = "<!channel> <!here> ask <@U0LEAD01> see <https://evil.example/x|the policy> & <#C0REVIEWD>"
    slack.dm(HV, markup)
    assert store.conversations.answers("child-d", HV)[("KPE1", "involvement")] == markup  # stored exactly as typed
    slack.dm(HV, "back")
    slack.dm(HV, "answers")
    for call in replies_to(fake, HV)[-3:]:
        sent = json.dumps(call)
        for raw in ("<!channel>", "<!here>", "<@U0LEAD01>", "<https://evil.example/x|the policy>", "<#C0REVIEWD>"):
            assert raw not in sent
    assert "&lt;!channel&gt;" in json.dumps(replies_to(fake, HV)[-3:])


def test_someone_outside_every_review_gets_a_polite_answer(fake, slack, store, invited):
    slack.dm("U0STRANGER", "hello?")
    reply = replies_to(fake, "U0STRANGER")[-1]
    assert "you're not part of a review" in reply["text"]
    slack.click("U0STRANGER", "reflect_consent_yes", "child-d|consent|yes")
    assert len(replies_to(fake, "U0STRANGER")) == 2
    assert store.conversations.state("child-d", "U0STRANGER") is None


def test_the_wrong_role_and_unknown_commands_get_polite_answers(fake, slack, store, invited):
    response = slack.command(HV, "/review", "invite child-d", fake.response_url)
    assert response.status == 200
    assert "only a lead reviewer" in ack_text(response)
    assert any(r["action"] == "access.refused" and r["actor"] == HV for r in store.audit.trail())
    response = slack.command("U0LEAD01", "/review", "frobnicate", fake.response_url)
    assert "I don't know `/review frobnicate`" in ack_text(response)
    response = slack.command("U0LEAD01", "/review", "invite no-such-review", fake.response_url)
    assert "couldn't find that review" in ack_text(response)


def test_a_failed_reply_never_loses_the_answer(fake, slack, store, invited):
    slack.dm(HV, "yes")
    fake.fail("chat.postMessage", error="channel_not_found")
    slack.dm(HV, "stored even though the reply failed")
    assert store.conversations.answers("child-d", HV)[("KPE1", "involvement")] == "stored even though the reply failed"
    fake.fail("chat.postMessage", status=429, retry_after=0)
    slack.dm(HV, "rate limited, retried")
    assert store.conversations.answers("child-d", HV)[("KPE1", "at_the_time")] == "rate limited, retried"
    assert "front of your mind" in json.dumps(replies_to(fake, HV)[-1])
