"""A large review (60 episodes, 40 members) still gets a digest Slack will show: within every Block Kit limit."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from tests.stories import record

from bot.core.conversation import State
from bot.core.review import Episode, Member, Person, Review
from tests.blockkit import assert_within_limits

AGENCIES = ["Brackenshire Community Health NHS Foundation Trust", "Brackenshire Constabulary Public Protection Unit",
            "Brackenshire Children's Social Care and Early Help", "Brackenshire Housing and Homelessness Service",
            "Brackenshire Education Inclusion Service", "National Probation Service, Brackenshire",
            "Brackenshire Mental Health Partnership", "Millbrook Primary Care Network"]
FACTORS = ["conditions of work: my caseload was huge", "inter-agency team: info sharing", "the family: engagement",
           "personal factors: mindset", "other: the weather that week <!here>", "own team: supervision",
           "organisational culture and management: targets", "tools: the case management system kept crashing"]
# A paragraph with everything that makes text hard to show: names, pings, links, mentions, emoji, markup.
PARAGRAPH = ("Kristy told me <!channel> that Lennon's cot was fine & the flat was clean :+1: 🙏 *really* — see "
             "<https://records.example/x|the record> and ask <@U0LEAD01>. With hindsight I should have asked more. ")


def text(length: int) -> str:
    return (PARAGRAPH * (length // len(PARAGRAPH) + 1))[:length]


def big_review() -> Review:
    episodes = [Episode(f"KPE{n}", f"Episode {n}: " + ("multi-agency response to a family in crisis " * 4)[:126],
                        dt.date(2024, 1, 1) + dt.timedelta(days=6 * n), None, text(3000)) for n in range(1, 61)]
    members = []
    for n in range(40):
        # Everyone was part of KPE1; otherwise eight episodes each, spread over the timeline.
        assigned = ["KPE1", *(f"KPE{(n + 7 * k) % 60 + 1}" for k in range(8))]
        members.append(Member(f"U0M{n:05d}", f"Senior practitioner {n}, designated safeguarding lead"[:60],
                              f"{AGENCIES[n % len(AGENCIES)]} {n}"[:80], tuple(dict.fromkeys(assigned))))
    return Review("big-review", "A large review", "children", "Brackenshire Safeguarding Children Partnership",
                  ("U0LEAD01",), ("U0TEAM01",), episodes=episodes, members=members,
                  people=[Person("Child D", ("Lennon Ashby", "Lennon")), Person("Mother", ("Kirsty Ashby",))])


def store_big_review(store) -> Review:
    """The large review, imported, with every member's reflection submitted."""
    review = big_review()
    store.reviews.save(review, actor="test")
    for number, member in enumerate(review.members):
        writes = []
        for episode in member.episodes:
            answers = {"involvement": text(2500), "at_the_time": text(2900), "front_of_mind": text(1500),
                       "options": text(1200), "hoped_to_achieve": text(600),
                       "knowledge_source": ("memory", "records", "learned_later")[number % 3],
                       "factors": [{"text": f, "heading": f.split(":")[0] if f.split(":")[0] != "tools"
                                    else "conditions of work"} for f in FACTORS[number % 3:number % 3 + 4]],
                       "went_well": text(900), "changes": text(1800)}
            writes += [(episode, field, value) for field, value in answers.items()]
        record(store, State(review.key, member.slack_id, stage="submitted", version=1), writes, events=["submitted"])
    return review


@pytest.fixture
def big(store):
    return store_big_review(store)


@pytest.mark.parametrize("asked", ["", "KPE1", "KPE37"])
def test_a_large_review_is_summarised_within_every_block_kit_limit(fake, slack, big, asked):
    started = time.monotonic()
    response = slack.command("U0LEAD01", "/summary", asked, fake.response_url)
    assert time.monotonic() - started < 3 and response.status == 200  # acknowledged at once
    fake.wait_for("files.completeUploadExternal", timeout=60)
    messages = fake.calls("response_url")
    assert 1 <= len(messages) <= 3
    for message in messages:
        assert_within_limits(message)
    shown = json.dumps(messages, ensure_ascii=False)
    assert "<!channel>" not in shown and "<!here>" not in shown and "<@U0LEAD01>" not in shown
    assert "Lennon" not in shown and "Kristy" not in shown
    # The message says what it left out; the file in the DM has all of it.
    assert "The full digest is in your DM as a Markdown file." in shown
    upload = fake.calls("file.upload")[0]["content"]
    if asked:
        assert upload.count("\n## KPE") == 1
        assert f"\n## {asked}: " in upload
    else:
        assert upload.count("\n## KPE") == 60
        assert "*Timeline and coverage*" in shown and "`KPE60`" in shown
    if asked == "KPE1":  # all 40 members were there: most accounts are left to the file
        assert "_…and 22 more accounts in the file._" in shown and "_…and 10 more accounts in the file._" in shown
        assert "*Hindsight flags*" in shown and "*Where accounts differ*" in shown  # nothing cut off the end
    assert "Lennon" not in upload and "Kristy" not in upload and "<!channel>" not in upload
