"""One role check and one error path. A refused command or button is answered and audited once, and
no lazy work starts for it; whatever a lazy listener raises reaches the person as an acknowledgement's
errors do (a CasegroupError says itself, anything else is the polite `replies.error`), and is logged by
its type, never its message."""
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.app import build_app
from bot.reflect import Reflections
from bot.slack_client import make_client
from tests.conftest import SIGNING_SECRET
from tests.runningkit import body_of, clock, posts_to, said_to, store, submit_view, wait_until  # noqa: F401
from tests.slackdriver import SlackDriver

LEAD, MEMBER = "U0LEAD01", "U0HV0001"
# A sentence from a reflection: it may reach an exception's message, and must never reach a log.
REFLECTION = "Kayden's mum said the visit could wait"


class RecordingExecutor(ThreadPoolExecutor):
    """Bolt's lazy listeners run here; `started` names each one, in order."""

    def __init__(self):
        super().__init__(max_workers=2, thread_name_prefix="test-lazy")
        self.started: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.started.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def invited(store, imported, prompts):
    Reflections(store, prompts).invite_all("child-d", actor="test")
    return imported


@pytest.fixture
def lazy_work():
    executor = RecordingExecutor()
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture
def recorded(settings, store, prompts, lazy_work) -> SlackDriver:
    """The real App, its lazy listeners run by `lazy_work`."""
    app = build_app(settings, store, prompts, make_client(settings.bot_token, settings.api_url), executor=lazy_work)
    return SlackDriver(app, SIGNING_SECRET)


def refusals(store, user: str) -> list[dict]:
    return [a for a in store.audit.trail() if a["action"] == "access.refused" and a["actor"] == user]


ASKING = {  # how each entry point is tried: (command or action, what), the lazy listener it starts
    "/review": (("/review", "remind child-d"), "run_review"),
    "/summary": (("/summary", "child-d"), "run_summary"),
    "home button": (("home_nudge_all", "child-d|all"), "run_home_action"),
}


def ask(slack, fake, user: str, how: tuple[str, str]):
    name, what = how
    if name.startswith("/"):
        return slack.command(user, name, what, fake.response_url)
    return slack.click(user, name, what)


@pytest.mark.parametrize("entry_point", ASKING)
def test_a_refusal_is_answered_and_audited_once_and_starts_no_lazy_work(entry_point, fake, recorded, store,
                                                                        invited, lazy_work):
    how, lazy_listener = ASKING[entry_point]
    response = ask(recorded, fake, MEMBER, how)
    if how[0].startswith("/"):
        assert body_of(response)["text"].startswith("Sorry, only")
    else:
        said_to(fake, MEMBER, "Sorry, only")
    assert len(refusals(store, MEMBER)) == 1
    assert lazy_work.started == []  # nothing to re-check the role, nothing to audit it again
    assert not fake.calls("response_url")

    ask(recorded, fake, LEAD, how)
    assert lazy_work.started == [lazy_listener]
    assert refusals(store, LEAD) == []


def test_an_error_in_a_lazy_command_reaches_the_lead_at_its_response_url(fake, slack, store, invited):
    slack.command(LEAD, "/review", "invite child-d <@U0NOPE001>", fake.response_url)
    answer = fake.wait_for("response_url")[0]
    assert answer["text"] == "Not in the case group of child-d: U0NOPE001."
    assert not posts_to(fake, LEAD)


def test_an_error_in_a_lazy_home_button_reaches_the_lead_in_their_dm(fake, slack, store, invited):
    slack.command(LEAD, "/review", "stage child-d meeting", fake.response_url)
    wait_until(lambda: store.reviews.get("child-d").stage == "meeting")
    slack.click(LEAD, "home_nudge_all", "child-d|all")
    said = said_to(fake, LEAD, "Reminders go out only while a review is in its conversations stage")
    assert len(said) == 1 and not refusals(store, LEAD)


def test_an_unexpected_failure_in_a_lazy_listener_is_told_politely_and_logged_by_its_type_alone(
        fake, slack, store, invited, prompts, caplog):
    caplog.set_level(logging.INFO)  # below it, slack_sdk logs whole responses (bot/logs.py drops them)
    # Slack refuses the lead's Home tab, published after the stage has moved on.
    fake.fail("views.publish", error=f"invalid_blocks: {REFLECTION}")
    slack.click(LEAD, "home_next_stage", "child-d|meeting")
    said_to(fake, LEAD, "moved from")
    said_to(fake, LEAD, prompts.say("replies.error"))
    assert store.reviews.get("child-d").stage == "meeting"
    assert "listener failed: SlackApiError" in caplog.text
    assert REFLECTION not in caplog.text and "Failed to run an internal function" not in caplog.text


def test_an_unexpected_failure_in_an_acknowledgement_goes_the_same_way(fake, slack, store, invited, prompts,
                                                                        caplog):
    caplog.set_level(logging.INFO)  # below it, slack_sdk logs whole responses (bot/logs.py drops them)
    fake.fail("views.open", error=f"invalid_arguments: {REFLECTION}")
    response = slack.command(LEAD, "/review", "add-member child-d", fake.response_url)
    assert body_of(response) == {"response_type": "ephemeral", "text": prompts.say("replies.error")}
    assert "listener failed: SlackApiError" in caplog.text and REFLECTION not in caplog.text


def test_a_form_sent_after_its_review_closed_stays_open_with_the_reason_at_its_first_field(fake, slack, store,
                                                                                           invited):
    slack.click(LEAD, "review_confirm_stage", "child-d|conversations>closed")   # the lead's yes to closing
    said_to(fake, LEAD, "moved from conversations to closed")
    told = len(posts_to(fake, LEAD))
    response = submit_view(slack, LEAD, "review_add_member", "child-d",
                           {"user": "U0NEW001", "role": "School nurse", "agency": "Northshire Schools",
                            "episodes": ["KPE4"]})
    assert body_of(response) == {"response_action": "errors",
                                 "errors": {"user": "child-d is closed, so its case group and episodes can't change."}}
    assert len(store.reviews.get("child-d").members) == 7 and len(posts_to(fake, LEAD)) == told
