"""Parts 2 and 6: `casegroup serve` as a process, 8 concurrent clients, every member answering in turn.

The clients are the case group of a 60-episode, 40-member review: each client types for
5 members, one message each in turn, and waits for the bot's answer before the next
(a person can't answer the next question before seeing it). The whole review is answered
and submitted: 40 × 60 × 9 = 21,600 answers, 2,400 submitted reflections. Afterwards every
answer is read back from the database and compared with what was typed. The peak memory of
the serve process is read from /proc once the review is answered, and again after the lead's
`/summary` of the whole review.

The floor is part 1's floor App behind the same waitress server (bench/floor_server.py).
"""
from __future__ import annotations

import http.client
import itertools
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.answer_path import SECRET
from bench.corpus import answer_script, bench_review
from bench.report import Row
from bot.core.prompts import chosen_values, load_prompts
from bot.offline.webapi import LocalWebAPI
from bot.reflect import Reflections
from storage import Store
from tests.processes import casegroup_env
from tests.slackdriver import command_body, dm_event, sign

CLIENTS = 8
ROWS = ["HTTP serve: answers/s, 8 clients", "HTTP serve: errors", "HTTP serve: answers lost",
        "memory: serve peak RSS, review answered", "memory: serve peak RSS, review summarised"]


def _start(args: list[str], workdir: Path, env: dict) -> tuple[subprocess.Popen, int]:
    """Start a server process; returns it and its port, from its 'listening on http://HOST:PORT/...' line.

    Its log goes to a file: a pipe nobody reads fills up under load (waitress warns about its
    queue), and then every thread that logs blocks: the server stalls."""
    log = open(workdir / f"{args[1]}.log", "w")
    process = subprocess.Popen([sys.executable, *args], cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=log,
                               text=True)
    log.close()
    line = process.stdout.readline()
    if "listening on" not in line:
        _stop(process)
        raise RuntimeError(f"{args[1]} did not start: {line.strip()} {(workdir / f'{args[1]}.log').read_text()[-500:]}")
    return process, int(line.rsplit(":", 1)[1].split("/")[0])


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc: peak memory can't be read on this system")


class Load:
    """8 client threads over keep-alive connections; each sends its members' messages in turn."""

    def __init__(self, port: int, scripts: list[list[tuple[str, str]]]):
        self.port = port
        self.scripts = scripts          # per client: (user, text) in the order it sends them
        self.errors: list[str] = []
        self.sent = 0
        self._lock = threading.Lock()

    def run(self) -> float:
        threads = [threading.Thread(target=self._client, args=(script,)) for script in self.scripts]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def _client(self, script: list[tuple[str, str]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for user, text in script:
            body = json.dumps(dm_event(user, text))
            headers = {name: values[0] for name, values in sign(SECRET, body).items()}
            headers["Content-Type"] = "application/json"
            try:
                connection.request("POST", "/slack/events", body, headers)
                response = connection.getresponse()
                response.read()
                problem = None if response.status == 200 else f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as error:
                problem = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            with self._lock:
                self.sent += 1
                if problem:
                    self.errors.append(problem)
        connection.close()


def _in_turn(scripts: dict[str, list], clients: int) -> list[list[tuple[str, str]]]:
    """Client c types for members c, c+clients, ...: one message of each in turn."""
    users = list(scripts)
    per_client = []
    for c in range(clients):
        mine = [[(user, text) for text, _, _ in scripts[user]] for user in users[c::clients]]
        per_client.append([message for turn in itertools.zip_longest(*mine) for message in turn if message])
    return per_client


def _lost(store: Store, review, scripts: dict[str, list]) -> int:
    """Typed answers not in the database as typed (text exactly; a choice and five factors, resolved)."""
    lost = 0
    for user, script in scripts.items():
        stored = store.conversations.answers(review.key, user)
        for text, episode, step in script:
            if not step:
                continue
            value = stored.get((episode, step))
            if step == "factors":
                ok = isinstance(value, list) and len(value) == len(text.split(";"))
            elif step == "knowledge_source":   # stored as the list of sources named (it takes several)
                ok = chosen_values(value) == [text.replace(" ", "_")]
            else:
                ok = value == text
            lost += not ok
    submitted = store.submitted.latest(review.key)
    return lost + sum(len(review.episodes) * 9 for user in scripts if user not in submitted)


def _floor_throughput(workdir: Path, api: LocalWebAPI, users: list[str], requests: int) -> float:
    process, port = _start(["-m", "bench.floor_server", api.url, SECRET], workdir, casegroup_env())
    try:
        per_client = [[(users[(c + CLIENTS * i) % len(users)], "an answer") for i in range(requests // CLIENTS)]
                      for c in range(CLIENTS)]
        load = Load(port, per_client)
        elapsed = load.run()
        if load.errors:
            raise RuntimeError(f"the floor server failed {len(load.errors)} requests: {load.errors[:3]}")
        return load.sent / elapsed
    finally:
        _stop(process)


def summarise(port: int, api: LocalWebAPI, lead: str, review_key: str) -> float:
    """`/summary REVIEW` from the lead, over HTTP; returns the seconds until the Markdown file is uploaded."""
    body = command_body(lead, "/summary", review_key, api.response_url)
    headers = {name: values[0] for name, values in sign(SECRET, body).items()}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/slack/events", body, headers)
    answer = connection.getresponse().read().decode()
    connection.close()
    if "Putting together" not in answer:
        raise RuntimeError(f"/summary answered: {answer[:200]}")
    deadline = time.monotonic() + 300
    while not api.calls("files.completeUploadExternal"):
        if time.monotonic() > deadline:
            raise RuntimeError("the digest did not arrive in 5 minutes")
        time.sleep(0.01)
    return time.perf_counter() - started


def measure(workdir: Path, quick: bool) -> list[Row]:
    review = bench_review("load", episodes=2 if quick else 60, members=8 if quick else 40)
    prompts = load_prompts()
    db_path = workdir / "serve.db"
    store = Store(db_path)
    store.reviews.save(review, actor="bench")
    Reflections(store, prompts).invite_all(review.key, actor="bench")
    rng = random.Random(11)
    scripts = {m.slack_id: list(answer_script(review, m, prompts, rng)) for m in review.members}
    answers = sum(1 for script in scripts.values() for _, _, step in script if step)
    api = LocalWebAPI().start()
    env = casegroup_env(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api.url,
                        CASEGROUP_DB=db_path, LOG_LEVEL="WARNING")
    process, port = _start(["-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0"], workdir, env)
    try:
        load = Load(port, _in_turn(scripts, CLIENTS))
        elapsed = load.run()
        api.clear()  # the bot's replies, kept by the stand-in: not needed any more
        answered_mb = peak_rss_mb(process.pid)
        summary_seconds = summarise(port, api, review.leads[0], review.key)
        summarised_mb = peak_rss_mb(process.pid)
    finally:
        _stop(process)
    try:
        floor_rate = _floor_throughput(workdir, api, list(scripts), min(load.sent, 4000))
    finally:
        api.stop()
    lost = _lost(Store(db_path), review, scripts)
    rate = answers / elapsed
    shape = f"{answers:,} answers, {len(review.members)} members × {len(review.episodes)} episodes"
    return [
        Row("2", ROWS[0], f"{rate:.0f}/s", f"{floor_rate:.0f}/s", rate / floor_rate, note=shape),
        Row("2", ROWS[1], str(len(load.errors)), target="0", met=not load.errors,
            note=", ".join(sorted(set(load.errors))[:3]) if load.errors else ""),
        Row("2", ROWS[2], str(lost), target="0", met=lost == 0, note="checked in the database"),
        Row("6", ROWS[3], f"{answered_mb:.0f} MB", target="< 200 MB", met=answered_mb < 200,
            note=f"{len(review.members) * len(review.episodes):,} reflections submitted"),
        Row("6", ROWS[4], f"{summarised_mb:.0f} MB", target="< 200 MB", met=summarised_mb < 200,
            note=f"/summary over HTTP: the digest file after {summary_seconds:.1f} s"),
    ]
