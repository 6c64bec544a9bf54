"""A case group reflects in Slack: the story of part 1, end to end through the real App."""
from bot.core.conversation import display
from tests.stories import FIELDS, answer_everything, reflections_by_member, stored_words


def test_the_case_group_is_invited_answers_every_prompt_by_typing_and_submits(
        fake, slack, store, imported, prompts, sample_reflections):
    # A lead invites the case group from Slack.
    slack.command("U0LEAD01", "/review", "invite child-d", fake.response_url)
    response = fake.wait_for("response_url")[0]
    assert "Invited 7 members" in response["text"]
    invitations = {call["channel"]: call for call in fake.calls("chat.postMessage")}
    assert set(invitations) == {m.slack_id for m in imported.members}
    intro = str(invitations["U0HV0001"]["blocks"])
    assert "Health visitor, Brackenshire Community Health" in intro  # how they will be quoted
    assert "Do you agree" in intro

    # Every practitioner consents and types every answer, then submits.
    by_member = reflections_by_member(sample_reflections, imported)
    for member, reflections in by_member.items():
        answer_everything(slack, member, reflections, prompts)

    # What is stored equals what was typed, field by field.
    latest = store.submitted.latest("child-d")
    assert set(latest) == set(by_member)
    checked = 0
    for member, reflections in by_member.items():
        for reflection in reflections:
            stored = latest[member][reflection["episode"]]
            for field in FIELDS:
                expected = reflection[field]
                if field == "factors":
                    words = stored_words(expected, prompts)
                    assert [f["text"] for f in stored[field]] == [w for _, w in words]
                    assert [f["heading"] for f, (h, _) in zip(stored[field], words) if h] == [h for h, _ in words if h]
                else:
                    assert display(stored[field]) == expected, (member, reflection["episode"], field)
                checked += 1
    assert checked == 10 * len(FIELDS)

    # Each practitioner got a confirmation, and the review channel heard each submission once.
    confirmations = [c for c in fake.calls("chat.postMessage") if "has been submitted (version 1)" in str(c)]
    assert len(confirmations) == len(by_member)
    channel_posts = [c for c in fake.calls("chat.postMessage") if c["channel"] == "C0REVIEWD"]
    assert len(channel_posts) == len(by_member)
    assert "Health visitor (Brackenshire Community Health) submitted" in str(channel_posts)
