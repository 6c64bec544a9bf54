"""Parts 3, 4 and 5: the digest compiler, redaction and factor grouping, on a 2,400-reflection review.

The review (60 episodes × 40 members, bench/corpus.py's texts, 5 factors each) is stored
through the product's own storage (`store.conversations.record`, as a submission stores it), so the
compiler reads exactly what it reads in Slack.
"""
from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter
from pathlib import Path

from rapidfuzz.utils import default_process

from bench.answer_path import SECRET, floor_app
from bench.corpus import LENGTHS, answer_script, bench_review, factor_statements
from bench.report import Row, median, ms
from bot.app import build_app
from bot.config import Settings
from bot.core.analysis import Appraisal, Evidence, Finding
from bot.core.conversation import State
# The grouping step itself, as compile_digest runs it (private: the benchmark times it alone).
from bot.core.digest import _group_factors, _Reflection
from bot.core.matching import match_factors
from bot.core.prompts import load_prompts
from bot.core.redaction import Redactor
from bot.digest_builder import build_digest, forget, refresh, refresh_later
from bot.offline.webapi import LocalWebAPI
from bot.render.digest_blocks import episode_messages, overview_messages
from bot.render.digest_text import markdown
from bot.slack_client import make_client
from storage import Store
from tests.slackdriver import SlackDriver

DIGEST_ROWS = ["digest: whole-review overview", "digest: one episode",
               "digest: one episode, review-wide part recomputed", "digest: review-wide part refresh",
               "digest: Markdown export", "/summary acknowledgement",
               "digest: whole review with the team's analysis", "digest: one episode with the team's analysis"]
REDACTION_ROWS = ["redaction: throughput", "redaction: fuzzy matches exact replacement misses"]
GROUPING_SIZES = (1_000, 5_000, 10_000)
GROUPING_ROWS = [f"factor grouping: {n // 1000}k statements" for n in GROUPING_SIZES]
ROWS = DIGEST_ROWS + REDACTION_ROWS + GROUPING_ROWS
_WORDS = re.compile(r"[^\W\d_]+")


def submitted_review(store: Store, review, prompts, rng: random.Random) -> None:
    """Every member's reflection on every episode, submitted (version 1), stored as a submission stores it."""
    store.reviews.save(review, actor="bench")
    for member in review.members:
        writes = []
        for text, episode, step in answer_script(review, member, prompts, rng):
            if not step:
                continue
            if step == "factors":
                value = [f.as_dict() for f in match_factors(text, prompts.headings).resolved]
            elif step == "knowledge_source":
                value = text.replace(" ", "_")
            else:
                value = text
            writes.append((episode, step, value))
        state = State(review.key, member.slack_id, stage="submitted", version=1)
        with store.transaction() as tx:
            store.conversations.record(tx, state, writes, events=["invited", "consented", "submitted"], actor="bench")


def _forget_kept(store) -> None:
    """Empty the kept review-wide parts (only the benchmark wants to), so the next digest computes its own."""
    with store.transaction() as tx:
        tx.db.execute("update review_wide set computed_for = null, part = null")


def _best(measure, times: int, before=None) -> float:
    """The median of `times` runs of `measure()`, in seconds (each after an untimed `before()`, if given)."""
    found = []
    for _ in range(times):
        if before:
            before()
        started = time.perf_counter()
        measure()
        found.append(time.perf_counter() - started)
    return median(found)


def digest_rows(workdir: Path, quick: bool) -> tuple[list[Row], list[str]]:
    """Part 3; returns its rows and the review's text (for part 4)."""
    review = bench_review("digest", episodes=6 if quick else 60, members=8 if quick else 40)
    prompts = load_prompts()
    store = Store(workdir / "digest.db")
    submitted_review(store, review, prompts, random.Random(5))
    # What the App does after each submission (bot/reflect.py): the review-wide part is refreshed, and kept.
    refresh_later(store, review.key, prompts)
    forget()
    kept = store.kept.review_wide(review.key)
    episode = review.episodes[len(review.episodes) // 2].key
    runs = 3 if quick else 5

    def digest(only: str | None = None):
        """What /summary and export compile (bot.digest_builder), as a new process's first digest: no refresh under way."""
        forget()
        return build_digest(store, review, prompts, only)

    overview = _best(lambda: overview_messages(digest()), runs)
    one = _best(lambda: episode_messages(digest(episode), episode), runs)
    export = _best(lambda: markdown(digest()), runs)
    if kept.part is None or store.kept.review_wide(review.key) != kept:
        raise RuntimeError("the digests computed the review-wide part again instead of reading the kept one")
    # As the first digest after an upgrade does, or one read while a refresh is under way: computed, and stored.
    recomputed = _best(lambda: episode_messages(digest(episode), episode), runs, before=lambda: _forget_kept(store))
    refreshed = _best(lambda: refresh(store, review.key, prompts), runs, before=lambda: _forget_kept(store))
    # The floor: the same rows, read with one plain SQL query (all of them; one episode's part of them).
    rows_sql = "select member, answers from reflection_versions where review_key = ?"
    floor_all = _best(lambda: store.db.execute(rows_sql, [review.key]).fetchall(), runs * 4)
    episode_sql = "select member, json_extract(answers, ?) from reflection_versions where review_key = ?"
    floor_one = _best(lambda: store.db.execute(episode_sql, [f'$."{episode}"', review.key]).fetchall(), runs * 4)
    ack, ack_floor = _summary_ack(workdir, store, review, prompts, 3 if quick else 10)
    # Last, so that the rows above are the case group's digest alone: the team appraises every episode.
    findings = _analysed(store, review)
    analysed = _best(lambda: overview_messages(digest()), runs)
    analysed_one = _best(lambda: episode_messages(digest(episode), episode), runs)
    analysis = f"{len(review.episodes)} appraisals and {findings} findings"
    reflections = sum(len(episodes) for episodes in store.submitted.latest(review.key).values())
    size = f"{reflections:,} reflections"
    texts = [answers[field] for episodes in store.submitted.latest(review.key).values()
             for answers in episodes.values() for field in LENGTHS]
    return [
        Row("3", DIGEST_ROWS[0], ms(overview), ms(floor_all), overview / floor_all, "< 1 s", overview < 1.0,
            note=f"compile and Block Kit, {size}, review-wide part kept"),
        Row("3", DIGEST_ROWS[1], ms(one), ms(floor_one), one / floor_one, "< 100 ms", one < 0.1,
            note=f"compile and Block Kit, {episode}, review-wide part kept at submission"),
        Row("3", DIGEST_ROWS[2], ms(recomputed), ms(floor_one), recomputed / floor_one,
            note=f"{episode}, nothing kept: computed from every episode's factors, then stored"),
        Row("3", DIGEST_ROWS[3], ms(refreshed), note="after a submission, revision or withdrawal, off the request "
                                                     "thread"),
        Row("3", DIGEST_ROWS[4], ms(export), ms(floor_all), export / floor_all, note="compile and Markdown"),
        Row("3", DIGEST_ROWS[5], ms(ack), ms(ack_floor), ack / ack_floor, "< 50 ms", ack < 0.05,
            note=f"{size}; floor: a no-op command"),
        Row("3", DIGEST_ROWS[6], ms(analysed), ms(floor_all), analysed / floor_all, "< 1 s", analysed < 1.0,
            note=f"as the overview, with {analysis}"),
        Row("3", DIGEST_ROWS[7], ms(analysed_one), ms(floor_one), analysed_one / floor_one, "< 100 ms",
            analysed_one < 0.1, note=f"as one episode, with {analysis}"),
    ], texts


FINDINGS = 12


def _analysed(store: Store, review) -> int:
    """The review team's analysis, saved as the modals save it: an appraisal of every episode (three texts of
    the case group's length, family names in them, as a team writes), and FINDINGS findings of three episodes
    each, with six quotes and three questions. Returns how many findings."""
    latest = store.submitted.latest(review.key)
    quotes = [(episode, member, answers["involvement"]) for member, episodes in latest.items()
              for episode, answers in episodes.items()]
    who = {m.slack_id: m.attribution for m in review.members}
    keys = [e.key for e in review.episodes]
    for number, key in enumerate(keys):
        words = [text for _, _, text in quotes[number * 3:number * 3 + 3]]
        store.analysis.save_appraisal(review.key, Appraisal(key, *words, factors=("conditions of work",)),
                                      actor=review.leads[0])
    for number in range(FINDINGS):
        episodes = tuple(keys[(number + i) % len(keys)] for i in range(3))
        evidence = tuple(Evidence(episode, who[member], text[:300], member=member)
                         for episode, member, text in [q for q in quotes if q[0] in episodes][:6])
        texts = [text for _, _, text in quotes[number * 4:number * 4 + 4]]
        store.analysis.save_finding(review.key, Finding(
            f"F{number + 1}", texts[0][:140], "tools", episodes, evidence, *texts[1:],
            asks=tuple(f"{text[:200]}?" for text in texts[:3]), status="agreed" if number % 2 else "draft",
            order=number), actor=review.leads[0])
    return FINDINGS


def _summary_ack(workdir: Path, store: Store, review, prompts, times: int) -> tuple[float, float]:
    """The median acknowledgement of `/summary` by the real App; each run's lazy digest is awaited before the next."""
    api = LocalWebAPI().start()
    try:
        settings = Settings(bot_token="xoxb-bench", signing_secret=SECRET, db_path=store.path, api_url=api.url)
        slack = SlackDriver(build_app(settings, store, prompts, make_client("xoxb-bench", api.url),
                                      verify_token=False), SECRET)
        floor = SlackDriver(floor_app(api.url), SECRET)
        lead = review.leads[0]
        acks, floors = [], []
        for _ in range(times):
            uploads = len(api.calls("files.completeUploadExternal"))
            started = time.perf_counter()
            response = slack.command(lead, "/summary", "", api.response_url)
            acks.append(time.perf_counter() - started)
            if response.status != 200 or "Putting together" not in response.body:
                raise RuntimeError(f"/summary answered {response.status}: {response.body[:200]}")
            _wait(lambda: len(api.calls("files.completeUploadExternal")) > uploads, 120)
            started = time.perf_counter()
            floor.command(lead, "/noop", "", api.response_url)
            floors.append(time.perf_counter() - started)
        return median(acks), median(floors)
    finally:
        api.stop()


def _wait(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the digest did not arrive")
        time.sleep(0.005)


def redaction_rows(review_people, texts: list[str], quick: bool) -> list[Row]:
    """Part 4: the redactor (a fresh one each run, as each digest builds one) against exact str.replace."""
    size_mb = sum(len(t.encode()) for t in texts) / 1e6
    labels = [(name, person.label) for person in review_people for name in person.names]
    labels.sort(key=lambda pair: -len(pair[0]))  # "Kayla Thornton" before "Kayla"

    def exact(text: str) -> str:
        for name, label in labels:
            text = text.replace(name, label)
        return text

    runs = 3 if quick else 5
    redactor_time = _best(lambda: Redactor(review_people).redact_many(texts), runs)
    floor_time = _best(lambda: [exact(t) for t in texts], runs)
    # What exact replacement leaves behind that the redactor knows is a name: misspellings, other cases.
    redactor = Redactor(review_people)
    missed = [word for text in texts for word in _WORDS.findall(exact(text)) if redactor.matches(word)]
    examples = ", ".join(sorted(set(missed))[:3])
    speed, floor_speed = size_mb / redactor_time, size_mb / floor_time
    return [
        Row("4", REDACTION_ROWS[0], f"{speed:.1f} MB/s", f"{floor_speed:.1f} MB/s", speed / floor_speed,
            note=f"{size_mb:.1f} MB, {len(review_people)} people × 4 variants"),
        Row("4", REDACTION_ROWS[1], f"{len(missed):,}", "0", note=f"e.g. {examples}" if examples else ""),
    ]


def grouping_rows(prompts, quick: bool) -> list[Row]:
    """Part 5: the digest's grouping step (themes, then wording under each heading: rapidfuzz cdist batches).

    It is timed through digest._group_factors, the step compile_digest runs, on statements five to a
    reflection. The floor is the fastest grouping there is: identical wording, one dict."""
    keywords = {h.name: tuple(h.keywords) for h in prompts.headings}
    rows = []
    for size, name in zip(GROUPING_SIZES, GROUPING_ROWS):
        size = size // 10 if quick else size
        statements = factor_statements(size, random.Random(size))

        def group() -> list[_Reflection]:
            submitted = [_Reflection(None, "", "", "KPE1", {}, "memory", statements[i:i + 5])
                         for i in range(0, len(statements), 5)]
            _group_factors(submitted, prompts.digest, keywords)
            return submitted

        took = _best(group, 1 if size >= 5000 else 3)
        floor = _best(lambda: {default_process(words): heading for heading, words in statements}, 3)
        groups = Counter(g[0] for r in group() for g in r.groups)
        rows.append(Row("5", name, ms(took), ms(floor), took / floor,
                        note=f"{size:,} statements: {len(groups):,} groups, the largest of "
                             f"{groups.most_common(1)[0][1]:,}"))
    return rows


def measure(workdir: Path, quick: bool) -> list[Row]:
    logging.getLogger("casegroup").setLevel(logging.WARNING)
    rows, texts = digest_rows(workdir, quick)
    review = bench_review("digest")
    return rows + redaction_rows(review.people, texts, quick) + grouping_rows(load_prompts(), quick)
