"""Part 1, the answer path: one typed answer, as a signed message.im event, through the real App.

The product App (bot/app.py, process_before_response=True) stores the answer in a real
SQLite file and posts the next question to the loopback Web API (bot/offline/webapi.py)
before it returns; so the time of `app.dispatch` is the whole answer path. The floor is
an App built the same way whose only listener posts one chat.postMessage to the same
stand-in. The bot and its floors take turns, one request each, so all see the same machine.
The same bot on an encrypted database (SQLCipher, a raw key as README advises) takes its turn too,
on a file of its own, answering the same script against the same floor.
"""
from __future__ import annotations

import itertools
import logging
import random
import secrets
import time
from pathlib import Path

from slack_bolt import App

from bench.corpus import answer_script, bench_review
from bench.report import Row, median, ms, p99
from bot.app import build_app
from bot.config import Settings
from bot.core.prompts import load_prompts
from bot.offline.webapi import LocalWebAPI
from bot.reflect import Reflections
from bot.slack_client import make_client
from storage import DatabaseKey, Store
from tests.slackdriver import SlackDriver

SECRET = "bench-signing-secret"
ROWS = ["answer path: median", "answer path: p99", "answer path: answers/s",
        "answer path: median, floor posting the same question",
        "Bolt's default runner: no-op command ack", "answer path: median, database encrypted"]


def floor_app(api_url: str, signing_secret: str = SECRET, process_before_response: bool = True,
              reply: dict | None = None) -> App:
    """The fastest an answer could be: the same App settings, a listener that only posts once:
    the text "ok", or `reply` (a rendered question, for the floor that still has to ask it)."""
    reply = reply or {"text": "ok"}
    app = App(client=make_client("xoxb-bench", api_url), signing_secret=signing_secret,
              process_before_response=process_before_response, token_verification_enabled=False,
              logger=logging.getLogger("bench.floor"))

    @app.event("message")
    def post_once(event, client):
        client.chat_postMessage(channel=event["channel"], **reply)

    @app.command("/noop")
    def noop(ack):
        ack()

    return app


def _answers(review, prompts, rng):
    """Every member's typed answers, member after member, each consenting first (untimed)."""
    for member in review.members:
        for text, episode, step in answer_script(review, member, prompts, rng):
            yield member.slack_id, text, bool(step)


def _a_question(review, prompts) -> dict:
    """A rendered question from the middle of a reflection: what the floor that still asks posts."""
    from bot.core.conversation import Reply, Slots
    from bot.render.blocks import View, messages
    assignment = review.assignment(review.members[0].slack_id)
    slot = Slots(assignment.episodes, prompts.steps)[2]
    [payload] = messages(View(prompts, assignment), [Reply("ask", slot=slot, number=3, total=len(prompts.steps))])
    return payload


def _timed(dispatch) -> float:
    started = time.perf_counter()
    response = dispatch()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"the App answered {response.status}: {response.body[:200]}")
    return elapsed


def _noop_acks(driver: SlackDriver, api: LocalWebAPI, count: int) -> list[float]:
    return [_timed(lambda: driver.command("U9BENCH01", "/noop", "", api.response_url)) for _ in range(count)]


def measure(workdir: Path, quick: bool) -> list[Row]:
    answers_wanted, batch = (120, 20) if quick else (2000, 100)
    review = bench_review("answers", episodes=3 if quick else 60, members=40)
    prompts = load_prompts()
    api = LocalWebAPI().start()
    try:
        def the_bot(name: str, key: DatabaseKey | None):
            """The product App on a database of its own, and the typed answers it will be sent."""
            store = Store(workdir / name, key=key)
            store.reviews.save(review, actor="bench")
            Reflections(store, prompts).invite_all(review.key, actor="bench")
            settings = Settings(bot_token="xoxb-bench", signing_secret=SECRET, db_path=str(store.path),
                                api_url=api.url, db_key=key)
            app = build_app(settings, store, prompts, make_client("xoxb-bench", api.url), verify_token=False)
            return SlackDriver(app, SECRET), _answers(review, prompts, random.Random(7))

        product = the_bot("answer-path.db", None)
        encrypted = the_bot("answer-path-encrypted.db", DatabaseKey.parse(secrets.token_hex(32)))
        floor = SlackDriver(floor_app(api.url), SECRET)
        asking = SlackDriver(floor_app(api.url, reply=_a_question(review, prompts)), SECRET)
        floor_users = itertools.cycle([m.slack_id for m in review.members])

        def next_answer(bot) -> float:
            driver, script = bot
            # Consent and submit are dispatched too, untimed: only typed answers count.
            for user, text, is_answer in script:
                if is_answer:
                    return _timed(lambda: driver.dm(user, text))
                _timed(lambda: driver.dm(user, text))
            raise RuntimeError("the review ran out of questions: make it larger")

        for _ in range(batch):  # warm all up: imports, connections, SQLite's page cache
            next_answer(product)
            next_answer(encrypted)
            floor.dm(next(floor_users), "warm-up")
        posts_before = len(api.calls("chat.postMessage"))
        mine, mine_encrypted, floors, asking_floors = [], [], [], []
        while len(mine) < answers_wanted:  # one of each in turn: all four see the machine as it is
            mine.append(next_answer(product))
            mine_encrypted.append(next_answer(encrypted))
            floors.append(_timed(lambda: floor.dm(next(floor_users), "an answer")))
            asking_floors.append(_timed(lambda: asking.dm(next(floor_users), "an answer")))
        posts = (len(api.calls("chat.postMessage")) - posts_before - len(floors) - len(asking_floors)) / 2
        # Bolt's default runner, for the record: the listener runs on a worker thread and the
        # request thread polls for its ack every 10 ms.
        default_runner = SlackDriver(floor_app(api.url, process_before_response=False), SECRET)
        inline_acks = _noop_acks(floor, api, batch)
        default_acks = _noop_acks(default_runner, api, batch)
    finally:
        api.stop()
    median_ratio = median(mine) / median(floors)
    encrypted_ratio = median(mine_encrypted) / median(floors)
    return [
        Row("1", ROWS[0], ms(median(mine)), ms(median(floors)), median_ratio, "≤ 1.5× floor", median_ratio <= 1.5,
            note=f"{len(mine)} answers, {posts / len(mine):.1f} posts each"),
        Row("1", ROWS[1], ms(p99(mine)), ms(p99(floors)), p99(mine) / p99(floors), "< 50 ms", p99(mine) < 0.050),
        Row("1", ROWS[2], f"{len(mine) / sum(mine):.0f}/s", f"{len(floors) / sum(floors):.0f}/s",
            (len(mine) / sum(mine)) / (len(floors) / sum(floors))),
        Row("1", ROWS[3], ms(median(mine)), ms(median(asking_floors)), median(mine) / median(asking_floors),
            note="floor: the same App posting a real question's Block Kit, as any answer must"),
        Row("1", ROWS[4], ms(median(default_acks)), ms(median(inline_acks)), median(default_acks) / median(inline_acks),
            note="process_before_response=False; floor: =True, as shipped"),
        Row("1", ROWS[5], ms(median(mine_encrypted)), ms(median(floors)), encrypted_ratio, "≤ 1.6× floor",
            encrypted_ratio <= 1.6, note=f"SQLCipher, a raw key; {median(mine_encrypted) / median(mine):.2f}× "
                                         "the same answers unencrypted"),
    ]
