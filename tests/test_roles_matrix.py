"""Who may do what: each role × each /review subcommand, Home button and form. Allowed, or a polite,
audited refusal. Roles are per review: one person can lead one review and be a case group member of another."""
import json

import pytest

from bot.reflect import Reflections
from tests.runningkit import body_of, clock, posts_to, said_to, store, submit_view, wait_until  # noqa: F401

PEOPLE = {"lead": "U0LEAD01", "team": "U0TEAM01", "member": "U0HV0001", "outsider": "U0OUT001"}
# Someone in the review is told who may; an outsider is told what they'd be told of a review that doesn't exist.
REFUSALS = {"outsider": "I couldn't find that review among the ones you take part in."}
LEADS, READERS, MEMBERS = {"lead"}, {"lead", "team"}, {"member"}

COMMANDS = [  # (text, who may, evidence of having done it)
    ("status child-d", READERS, ("response_url", "reflections submitted")),
    ("invite child-d", LEADS, ("response_url", "Invited")),
    ("remind child-d", LEADS, ("response_url", "Reminded")),
    ("stage child-d meeting", LEADS, ("response_url", "moved from")),
    ("add-member child-d", LEADS, ("views.open", "review_add_member")),
    ("add-episode child-d", LEADS, ("views.open", "review_add_episode")),
    ("findings child-d", READERS, ("response_url", "No findings yet")),
    # The agencies' factual-accuracy comments (issue 16); resolving them: tests/test_accuracy_slack.py.
    ("comments child-d", READERS, ("response_url", "No factual-accuracy comments")),
    # The case group checks the findings (issue 17): nothing to share yet, but only a lead hears so.
    ("share child-d", LEADS, ("response_url", "no draft or agreed findings to share yet. Add them on the Home tab, "
                                              "then share them with the case group with `/review share child-d`")),
    ("report child-d", READERS, ("files.getUploadURLExternal", "child-d-report-draft-")),
]
ACTIONS = [  # (action_id, value, who may, what they are told)
    ("home_nudge_all", "child-d|all", LEADS, "Reminded"),
    ("home_nudge_one", "child-d|U0HV0001", LEADS, "Reminded"),
    ("home_summary", "child-d|summary", READERS, "/summary child-d"),
    ("home_next_stage", "child-d|meeting", LEADS, "moved from"),
    ("home_continue", "child-d|continue", MEMBERS, "Do you agree"),
    ("home_snooze", "child-d|snooze", MEMBERS, "No more reminders"),
    # The thanks at close (issue 17): only the case group answers; before any thanks, nobody has a question open.
    ("feedback_rating", "child-d|4", MEMBERS, "no feedback question waiting"),
    ("feedback_skip", "child-d|comment", MEMBERS, "no feedback question waiting"),
    # A finding's answer buttons (issue 17): a member is heard (and told only those who took part may answer).
    ("finding_check_answer", "child-d|F1|fits", MEMBERS, "Only members of the case group who took part"),
]
FORMS = [  # (callback_id, values, who may, the audited change)
    ("review_add_member", {"user": "U0NEW001", "role": "School nurse", "agency": "Brackenshire Schools",
                           "episodes": ["KPE4"]}, LEADS, "member.added"),
    ("review_add_episode", {"key": "KPE6", "title": "Strategy meeting", "start": "2025-11-03", "end": "",
                            "description": "", "members": ["U0SW0001"]}, LEADS, "episode.added"),
    # The review team's analysis (issue 15): an episode's appraisal, and a new finding.
    ("analysis_appraisal", {"what_happened": "They met.", "appraisal": "", "explanation": "", "factors": []},
     READERS, "appraisal.saved"),
    ("analysis_finding", {"title": "Referrals wait", "pattern": "tools", "episodes": ["KPE1"], "questions": "",
                          "status": "draft", "order": ""}, READERS, "finding.saved"),
]
# A modal's private_metadata: the review's key, and what the modal is about after a "|".
METADATA = {"analysis_appraisal": "child-d|KPE1", "analysis_finding": "child-d||"}


@pytest.fixture
def invited(store, imported, prompts):
    Reflections(store, prompts).invite_all("child-d", actor="test")
    return imported


def refused(store, user: str) -> list[dict]:
    return [a for a in store.audit.trail("child-d") if a["action"] == "access.refused" and a["actor"] == user]


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("text, allowed, evidence", COMMANDS, ids=[c[0].split()[0] for c in COMMANDS])
def test_review_subcommands(role, text, allowed, evidence, fake, slack, lazy, store, invited):
    user = PEOPLE[role]
    response = slack.command(user, "/review", text, fake.response_url)
    method, words = evidence
    if role in allowed:
        assert "Sorry" not in response.body
        wait_until(lambda: [c for c in fake.calls(method) if words in json.dumps(c)], what=f"{words} via {method}")
        assert not refused(store, user)
    else:
        answer = body_of(response)
        assert answer["response_type"] == "ephemeral" and answer["text"].startswith(REFUSALS.get(role, "Sorry, only"))
        assert "lead reviewers" in answer["text"]
        assert len(refused(store, user)) == 1
        lazy.wait_for(0)  # a refusal starts no lazy listener (they start during the request): nothing is to come
        assert lazy.started() == 0
        assert store.reviews.get("child-d").stage == "conversations" and not fake.calls("views.open")
        assert not [c for c in fake.calls(method) if words in json.dumps(c)]


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("action_id, value, allowed, told", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_home_buttons(role, action_id, value, allowed, told, fake, slack, lazy, store, invited):
    user = PEOPLE[role]
    slack.click(user, action_id, value, selected=action_id == "home_nudge_one")
    if role in allowed:
        said_to(fake, user, told)
        assert not refused(store, user)
    else:
        assert said_to(fake, user, REFUSALS.get(role, "Sorry, only"))
        assert len(refused(store, user)) == 1
        lazy.wait_for(0)  # a refusal starts no lazy listener (they start during the request): nothing is to come
        assert lazy.started() == 0
        assert not [p for p in posts_to(fake, user) if told in p]
        assert store.reviews.get("child-d").stage == "conversations"


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("callback_id, values, allowed, change", FORMS, ids=[f[0] for f in FORMS])
def test_form_submissions(role, callback_id, values, allowed, change, fake, slack, store, invited):
    user = PEOPLE[role]
    response = submit_view(slack, user, callback_id, METADATA.get(callback_id, "child-d"), values)
    assert response.status == 200 and "errors" not in response.body
    changes = [a for a in store.audit.trail("child-d") if a["action"] == change]
    if role in allowed:
        assert len(changes) == 1 and changes[0]["actor"] == user
        assert not refused(store, user)
    else:
        review = store.reviews.get("child-d")
        assert changes == [] and len(review.members) == 7 and len(review.episodes) == 5
        assert said_to(fake, user, REFUSALS.get(role, "Sorry, only"))
        assert len(refused(store, user)) == 1


def test_roles_are_per_review(fake, slack, store, invited, sample_review):
    """The health visitor leads another review: they may move that one on, not child-d."""
    from dataclasses import replace
    store.reviews.save(replace(sample_review, key="adult-f", title="Adult F", kind="adults", leads=("U0HV0001",),
                              team=()), actor="test")
    slack.command("U0HV0001", "/review", "stage adult-f meeting", fake.response_url)
    wait_until(lambda: [c for c in fake.calls("response_url") if "moved from" in c["text"]])
    assert store.reviews.get("adult-f").stage == "meeting"
    response = slack.command("U0HV0001", "/review", "stage child-d meeting", fake.response_url)
    assert "Sorry, only a lead reviewer" in body_of(response)["text"]
    assert store.reviews.get("child-d").stage == "conversations"


@pytest.mark.parametrize("role", PEOPLE)
def test_summary(role, fake, slack, lazy, store, invited):
    user = PEOPLE[role]
    response = slack.command(user, "/summary", "child-d", fake.response_url)
    if role in READERS:
        wait_until(lambda: [c for c in fake.calls("response_url") if "Nobody has submitted" in c["text"]])
        assert not refused(store, user)
    else:
        answer = body_of(response)
        # An outsider is in no review: `/summary` itself is not for them, whichever key they type.
        assert answer["response_type"] == "ephemeral" and answer["text"].startswith(
            "Sorry, `/summary` is for" if role == "outsider" else "Sorry, only")
        assert len(refused(store, user)) == 1
        lazy.wait_for(0)  # a refusal starts no lazy listener (they start during the request): nothing is to come
        assert lazy.started() == 0
        assert not fake.calls("response_url")


# The review team's analysis (issue 15): every button that opens one of its modals (its forms are in FORMS).
ANALYSIS_BUTTONS = [  # (action_id, value, the modal it opens)
    ("analysis_write_appraisal", "child-d|KPE1", "analysis_appraisal"),
    ("analysis_add_finding", "child-d|new", "analysis_finding"),
    ("analysis_edit_finding", "child-d|F1", "analysis_finding"),
    ("analysis_make_finding", "child-d|information sharing", None),   # no pattern yet: the lead is told so
]


@pytest.fixture
def with_finding(store, invited):
    from bot.core.analysis import Finding
    store.analysis.save_finding("child-d", Finding("F1", "Referrals wait", "tools", ("KPE1",)), actor="test")
    return invited


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("action_id, value, modal", ANALYSIS_BUTTONS, ids=[a[0] for a in ANALYSIS_BUTTONS])
def test_analysis_buttons(role, action_id, value, modal, fake, slack, store, with_finding):
    user = PEOPLE[role]
    slack.click(user, action_id, value, selected=action_id == "analysis_edit_finding")
    if role in READERS:
        if modal:
            assert [c for c in fake.calls("views.open") if c["view"]["callback_id"] == modal]
        else:
            said_to(fake, user, "no longer in the digest")
        assert not refused(store, user)
    else:
        assert said_to(fake, user, REFUSALS.get(role, "Sorry, only"))
        assert len(refused(store, user)) == 1
        assert not fake.calls("views.open")


# The review team's follow-up questions (issue 17): `/review ask`, the digest's *Ask a follow-up* button and its modal.
# A practitioner can't ask; nor can anyone ask a person about an episode that isn't theirs (tests/test_follow_ups.py).
ASK_VALUE = json.dumps({"r": "child-d", "e": "KPE1", "m": "U0HV0001", "w": "Health visitor (Brackenshire Community "
                        "Health)"})
FOLLOW_UP_ENTRIES = ["command", "button", "form"]


@pytest.fixture
def taking_part(store, invited):
    from bot.core.conversation import State
    from tests.stories import record
    record(store, State("child-d", "U0HV0001", stage="submitted", version=1), events=["submitted"])
    return invited


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("entry", FOLLOW_UP_ENTRIES)
def test_follow_up_questions(role, entry, fake, slack, lazy, store, taking_part):
    user = PEOPLE[role]
    if entry == "command":
        response = slack.command(user, "/review", "ask child-d KPE1 <@U0HV0001|hv> Who else was there?",
                                 fake.response_url)
    elif entry == "button":
        slack.click(user, "follow_up_ask", ASK_VALUE)
    else:
        response = submit_view(slack, user, "follow_up_form", ASK_VALUE, {"about": "", "question": "Who else?"})
        assert response.status == 200 and "errors" not in response.body
    if role in READERS:
        if entry == "button":
            assert [c for c in fake.calls("views.open") if c["view"]["callback_id"] == "follow_up_form"]
        else:
            said_to(fake, "U0HV0001", "The review team has a follow-up question for you")
            assert [a["actor"] for a in store.audit.trail("child-d") if a["action"] == "follow_up.asked"] == [user]
        assert not refused(store, user)
    else:
        if entry == "command":
            assert body_of(response)["text"].startswith(REFUSALS.get(role, "Sorry, only"))
        else:
            assert said_to(fake, user, REFUSALS.get(role, "Sorry, only"))
        assert len(refused(store, user)) == 1
        lazy.wait_for(0)
        assert lazy.started() == 0 and not fake.calls("views.open") and store.follow_ups.of_review("child-d") == []
        assert not [p for p in posts_to(fake, "U0HV0001") if "The review team has a follow-up question" in p]
