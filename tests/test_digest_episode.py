"""One episode's digest is compiled on its own (for speed) and shows exactly what the whole digest shows of it."""
from __future__ import annotations

import datetime as dt
import json

from bot.core.conversation import State
from bot.core.digest import compile_digest
from bot.digest_builder import build_digest, forget
from bot.render.digest_blocks import episode_messages
from bot.render.digest_text import render
from storage import Store
from tests.stories import submit_directly, record

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def test_one_episode_alone_renders_as_it_does_in_the_whole_digest(store, imported, sample_reflections, prompts):
    submit_directly(store, imported, sample_reflections, prompts)
    review = store.reviews.get(imported.key)
    reflections, stages = store.submitted.latest(review.key), store.conversations.stages(review.key)
    whole = compile_digest(review, reflections, stages, prompts, NOW)
    for episode in review.episodes:
        alone = compile_digest(review, reflections, stages, prompts, NOW, episode=episode.key)
        assert [e.key for e in alone.episodes] == [t.key for t in alone.timeline] == [episode.key]
        assert alone.patterns == [p for p in whole.patterns if episode.key in p.episodes]
        assert episode_messages(alone, episode.key) == episode_messages(whole, episode.key)
        for fmt in ("md", "json", "html"):
            assert render(alone, fmt, episode.key) == render(whole, fmt, episode.key), (episode.key, fmt)
    # The sample has patterns, and KPE3 is evidence for some: the comparison above is not of empty lists.
    kpe3 = json.loads(render(compile_digest(review, reflections, stages, prompts, NOW, episode="KPE3"), "json", "KPE3"))
    assert kpe3["patterns"] and kpe3["episodes"][0]["hindsight"]


def test_the_one_episode_read_gives_the_same_digest_as_reading_everything(store, imported, sample_reflections,
                                                                          prompts):
    submit_directly(store, imported, sample_reflections, prompts)
    review = store.reviews.get(imported.key)
    keys, stages = [e.key for e in review.episodes], store.conversations.stages(review.key)
    everything = store.submitted.latest(review.key)
    for episode in keys:
        read = store.submitted.latest_for_episode(review.key, episode, keys)
        assert {m: list(a) for m, a in read.items()} == {m: [k for k in keys if k in a] for m, a in everything.items()}
        assert all(read[m][episode] == everything[m][episode] for m in read if episode in read[m])
        assert (compile_digest(review, read, stages, prompts, NOW, episode=episode).to_dict()
                == compile_digest(review, everything, stages, prompts, NOW, episode=episode).to_dict())


def test_the_kept_review_wide_part_is_reused_only_while_no_reflection_has_changed(store, imported, sample_reflections,
                                                                                   prompts, db_path):
    submit_directly(store, imported, sample_reflections, prompts)
    review = store.reviews.get(imported.key)

    def from_scratch(episode=None):
        return compile_digest(review, store.submitted.latest(review.key), store.conversations.stages(review.key),
                              prompts, NOW, episode)

    forget()
    cold = build_digest(store, review, prompts, "KPE3", NOW)
    warm = build_digest(store, review, prompts, "KPE3", NOW)
    assert cold == warm == from_scratch("KPE3")
    assert build_digest(store, review, prompts, None, NOW) == from_scratch()
    # Another process, with its own connection, records a withdrawal by someone not in KPE3: the next
    # digest of KPE3 counts and groups without their reflections.
    leaver = next(m for m in review.members if "KPE3" not in m.episodes and m.slack_id in
                  store.submitted.latest(review.key))
    record(Store(db_path), State(review.key, leaver.slack_id, stage="withdrawn"), events=["withdrawn"])
    after = build_digest(store, review, prompts, "KPE3", NOW)
    assert after == from_scratch("KPE3") and after.reflections < cold.reflections


def test_no_digest_before_anyone_has_submitted(store, imported, prompts):
    forget()
    assert build_digest(store, store.reviews.get(imported.key), prompts, "KPE3", NOW) is None
