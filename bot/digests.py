"""Digests as `/summary` and `casegroup export` make them, from the store.

    digest = build_digest(store, review, prompts, episode="KPE3")   # None: nothing submitted yet

The part of a digest that needs every episode (the factor groups and the emerging patterns,
bot.core.digest.review_wide) is kept, one per review, and reused by the next digest of one
episode while it is still right. It is right while the review's reflections, the review itself
and the prompts are unchanged: the key is the review's reflection versions as SQLite holds them
(Store.reflections_stamp: every version's id, member, version, time and length, so a submission,
an edit or a withdrawal in any process changes it), a fingerprint of the review, and one of the
prompts. A digest of the whole review always compiles everything, and refreshes what is kept.
"""
from __future__ import annotations

import hashlib
import threading

from bot.core.digest import Digest, ReviewWide, compile_digest, review_wide
from bot.core.review import Review

_KEPT: dict[str, tuple[tuple[str, str, str], ReviewWide]] = {}   # review key -> (key, the review-wide part)
_LOCK = threading.Lock()


def _fingerprint(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def forget() -> None:
    """Drop everything kept (for measuring a cold digest)."""
    with _LOCK:
        _KEPT.clear()


def build_digest(store, review: Review, prompts, episode: str | None = None, generated_at=None) -> Digest | None:
    """The digest of `review` (or of one `episode`), or None if nobody has submitted a reflection yet."""
    stamp = store.reflections_stamp(review.key)
    if not stamp:
        return None
    key = (stamp, _fingerprint(review), _fingerprint((prompts.headings, prompts.digest)))
    with _LOCK:
        kept = _KEPT.get(review.key)
    wide = kept[1] if kept and kept[0] == key else None
    if episode and wide is not None:
        reflections = store.episode_answers(review.key, episode)
    elif episode:
        reflections = store.latest_for_episode(review.key, episode, [e.key for e in review.episodes])
    else:
        reflections = store.latest_reflections(review.key)
    if store.reflections_stamp(review.key) != stamp:
        # A reflection arrived while reading: read everything again, and keep nothing from this round.
        return compile_digest(review, store.latest_reflections(review.key), store.conversation_stages(review.key),
                              prompts, generated_at, episode)
    if wide is None:
        wide = review_wide(review, reflections, prompts)
        with _LOCK:
            _KEPT[review.key] = (key, wide)
    return compile_digest(review, reflections, store.conversation_stages(review.key), prompts, generated_at, episode,
                          wide)
