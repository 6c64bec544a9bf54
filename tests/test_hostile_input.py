"""Hostile and odd input: random text at every step, fuzzed HTTP bodies, broken review files."""
from __future__ import annotations

import json
import random
import tempfile
import threading
import time
import urllib.error
import urllib.request

from hypothesis import HealthCheck, example, given, settings as hypothesis_settings, strategies as st

from bot.core.buttons import pressed
from bot.core.conversation import Conversation, State
from bot.core.review import parse_review
from bot.errors import ReviewFileError
from bot.reflect import Reflections
from bot.server import make_server
from storage import Store
from tests.blockkit import block_problems
from tests.conftest import RAW_MARKUP, SAMPLE, SIGNING_SECRET, make_app
from tests.slackdriver import action_payload, command_body, dm_event, sign

HV = "U0HV0001"
COMMAND_WORDS = ["help", "back", "skip", "pause", "resume", "answers", "submit", "revise", "yes", "no", "withdraw",
                 "1", "2", "3", "4", "9", "10", "99", "0", "-1", "3.", "  ", "", "change", "done", "keep"]
MARKUP = ["<!channel>", "<!here> hi", "<!everyone>", "<!subteam^S123|team>", "<@U0LEAD01>", "<#C0REVIEWD|review>",
          "<https://evil.example|the policy>", "&lt;b&gt; &amp;", "*bold* _it_ ~s~ `code`", ":+1: 🙏👶🏽", "\u202e\u200b"]
typed = st.one_of(
    st.text(max_size=300),
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from(MARKUP),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=50),
    st.builds(lambda c, n: (c * n)[:40_000], st.sampled_from(["a", "é", "👶", "<!channel> ", "x\n"]),
              st.integers(min_value=1000, max_value=40_000)),
)


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(inputs=st.lists(typed, min_size=1, max_size=30))
@example(inputs=["0", "", "1"])   # "1" after "0" was asked again with its Keep button: it is the button
def test_random_input_at_every_step_never_escapes_breaks_a_limit_or_changes_an_answer(
        inputs, prompts, sample_review):
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"{folder}/c.db")
        store.reviews.save(sample_review, actor="test")
        reflections = Reflections(store, prompts)
        reflections.invite("child-d", HV, actor="test")
        for number, text in enumerate(["yes", *inputs]):
            state = store.conversations.state("child-d", HV)
            talk = Conversation(prompts, store.reviews.get("child-d").assignment(HV), state,
                                store.conversations.answers("child-d", HV))
            slot = talk.current_slot() if state.stage == "asking" and not state.pending else None
            deliveries = reflections.take(HV, text, "D0HV0001", event_key=f"Ev{number}")
            for delivery in deliveries:
                for payload in delivery.payloads:
                    assert block_problems(payload["blocks"]) == []
                    sent = json.dumps(payload, ensure_ascii=False)
                    assert not [m for m in RAW_MARKUP if m in sent]
            # A command word, or a button's words or number (issue 13: typing them is clicking it), is not an answer.
            is_answer = (slot is not None and slot.step.kind == "text" and text.strip()
                         and (len(text.strip()) >= 40 or prompts.command_for(text) is None)
                         and pressed(text, state.offered) is None)
            if is_answer:
                assert store.conversations.answers("child-d", HV)[(slot.episode.key, slot.step.key)] == text  # exactly


def test_a_thousand_fuzzed_http_bodies_get_4xx_or_a_polite_answer_never_a_500(fake, settings, store, prompts,
                                                                              imported):
    server = make_server(make_app(settings, store, prompts), "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    rng = random.Random(1123)

    def body_and_type():
        kind = rng.randrange(9)
        event = dm_event(HV, "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(40))))
        if kind == 0:
            return bytes(rng.randrange(256) for _ in range(rng.randrange(200))), "application/json"
        if kind == 1:
            text = json.dumps(event)
            return text[: rng.randrange(len(text))].encode(), "application/json"
        if kind == 2:  # the right shape with wrong types
            event[rng.choice(["event", "team_id", "event_id", "type"])] = rng.choice(
                [None, 1, [], "x", {"a": 1}, True])
            return json.dumps(event).encode(), "application/json"
        if kind == 3:
            event["event"][rng.choice(["text", "user", "channel", "channel_type", "ts"])] = rng.choice(
                [None, 5, ["x"], {"y": 1}, "", "\u0000"])
            return json.dumps(event).encode(), "application/json"
        if kind == 4:  # a button payload, broken or with an unknown action
            payload = action_payload(HV, rng.choice(["reflect_choice_0", "nope", "", "reflect_"]),
                                     rng.choice(["child-d|KPE1/x|y", "|||", "", "a" * 3000]))
            if rng.random() < 0.3:
                payload["actions"] = rng.choice([[], None, "x", [{}]])
            return ("payload=" + urllib.parse.quote(json.dumps(payload))).encode(), \
                "application/x-www-form-urlencoded"
        if kind == 5:
            return b"payload=" + bytes(rng.randrange(33, 127) for _ in range(rng.randrange(60))), \
                "application/x-www-form-urlencoded"
        if kind == 6:  # slash commands with odd text
            return command_body(rng.choice([HV, "U0LEAD01", "U0NOBODY"]), rng.choice(["/review", "/nope"]),
                                "".join(rng.choice(["invite ", "status ", "stage ", "child-d ", "<@U1> ", "🙏",
                                                    "x" * 50]) for _ in range(rng.randrange(5))),
                                fake.response_url).encode(), "application/x-www-form-urlencoded"
        if kind == 7:
            return b"", rng.choice(["application/json", "application/x-www-form-urlencoded", "text/plain"])
        return json.dumps([1, 2, 3]).encode(), "application/json"

    statuses: dict[int, int] = {}
    badly_signed: dict[int, int] = {}
    for number in range(1100):
        body, content_type = body_and_type()
        headers = {"Content-Type": content_type}
        signing = number % 5
        if signing != 0:  # most are signed correctly, so they reach the bot; some are forged or stale
            timestamp = int(time.time()) - (600 if signing == 1 else 0)
            signature = sign(SIGNING_SECRET, body.decode("utf-8", "replace"), timestamp)
            headers.update({k: v[0] for k, v in signature.items()})
            if signing == 2:
                headers["x-slack-signature"] = "v0=" + "0" * 64
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            assert "Traceback" not in error.read().decode("utf-8", "replace")
        statuses[status] = statuses.get(status, 0) + 1
        if signing in (0, 1, 2):  # unsigned, stale or forged
            badly_signed[status] = badly_signed.get(status, 0) + 1
    server.close()
    assert set(statuses) <= {200, 400, 401, 403, 404}, statuses
    assert set(badly_signed) <= {400, 401}, badly_signed  # never processed; malformed ones fail even earlier
    assert statuses.get(200, 0) > 50  # well-formed, signed ones were answered
    print(f"fuzzed bodies: {sum(statuses.values())}, statuses: {statuses}")


value = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=5)),
                  st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@hypothesis_settings(max_examples=300, deadline=None)
@given(table=st.sampled_from(["review", "episodes", "members", "people"]), key=st.text(max_size=12), bad=value,
       index=st.integers(0, 6))
def test_a_review_file_with_wrong_types_gives_clear_errors_and_nothing_else(table, key, bad, index):
    import tomllib
    data = tomllib.loads((SAMPLE / "review.toml").read_text())
    target = data[table] if table == "review" else data[table][index % len(data[table])]
    target[key or "key"] = bad
    if index == 6:
        data[table] = bad  # the whole table the wrong type
    try:
        parse_review(data)
    except ReviewFileError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)


def test_huge_and_duplicate_review_files_are_refused_before_anything_is_imported(tmp_path, store):
    from bot.core.review import parse_review_file
    huge = tmp_path / "huge.toml"
    huge.write_text((SAMPLE / "review.toml").read_text() + "# padding\n" * 400_000)
    duplicated = tmp_path / "duplicated.toml"
    duplicated.write_text((SAMPLE / "review.toml").read_text().replace('title = "Child D"',
                                                                        'title = "Child D"\ntitle = "Again"'))
    for path, expected in ((huge, "larger than"), (duplicated, "not valid TOML")):
        try:
            parse_review_file(path)
        except ReviewFileError as error:
            assert expected in str(error) and str(path) in str(error)
        else:
            raise AssertionError(f"{path.name} was accepted")
    assert store.reviews.keys() == []
