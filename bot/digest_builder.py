"""Digests as `/summary` and `casegroup export` make them, from the store.

    digest = build_digest(store, review, prompts, episode="KPE3")   # None: nothing submitted yet
    refresh_later(store, "child-d", prompts)    # a reflection was submitted, revised or withdrawn

The part of a digest that needs every episode (the factor groups and the emerging patterns,
bot.core.digest.review_wide) changes only when a reflection is submitted, revised or withdrawn,
a few dozen times in a review, while leads read digests far more often. So it is kept in SQLite
like an index (Store.stored_review_wide, migration 4): refreshed on a worker thread after each
such change commits (refresh_later, from bot/reflect.py), so that the practitioner's reply does
not wait for it, and read by every digest.

A stored part is used only while it is right: SQLite's triggers empty it, in the same transaction,
on any change to the review's reflections in any process, and it is labelled with what it was
computed for (the review as the digest sees it, the prompts' headings and digest rules, and the
stored format). When it is missing or out of date (the first digest after an upgrade, a refresh
still under way, a crash), the digest computes it as before, and stores it for the next one.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.core import stored_wide
from bot.core.analysis_digest import team_analysis
from bot.core.digest import Digest, ReviewWide, compile_digest, review_wide
from bot.core.review import Review
from storage.database import OperationalError

log = logging.getLogger("casegroup.digests")

# One worker: refreshes are rare, and each is a fraction of a second of pure Python (more workers would
# only share the GIL). The reviews waiting for it, by (database, review key): a second request for a
# review still waiting is the same request.
_REFRESHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casegroup-review-wide")
_WAITING: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def _computed_for(review: Review, prompts) -> str:
    """What a review-wide part depends on besides the reflections: the review, the prompts, its stored shape."""
    return hashlib.sha256(repr((stored_wide.FORMAT, review, prompts.headings, prompts.digest)).encode()).hexdigest()


def build_digest(store, review: Review, prompts, episode: str | None = None, generated_at=None) -> Digest | None:
    """The digest of `review` (or of one `episode`), with the review team's follow-up questions under the accounts
    and its analysis after the case group's material, or None if nobody has submitted a reflection yet."""
    digest = _case_groups_digest(store, review, prompts, episode, generated_at)
    if digest is None:
        return None
    # Read fresh every time, never kept with the review-wide part: a saved appraisal or finding shows at once.
    digest.analysis = team_analysis(review, store.analysis.appraisals(review.key), store.analysis.findings(review.key),
                                    prompts.digest, episode, store.finding_responses.of_review(review.key))
    return digest


def _case_groups_digest(store, review: Review, prompts, episode: str | None, generated_at) -> Digest | None:
    if not store.submitted.any(review.key):
        return None
    # Read fresh every time, as the analysis is: an answer typed a moment ago shows at once.
    follow_ups = store.follow_ups.of_review(review.key, episode)
    stored, computed_for = store.kept.review_wide(review.key), _computed_for(review, prompts)
    stages = store.conversations.stages(review.key)
    if stored.part is not None and stored.computed_for == computed_for:
        reflections = store.submitted.episode_answers(review.key, episode) if episode else store.submitted.latest(review.key)
        if store.kept.revision(review.key) != stored.revision:
            # A reflection changed while reading: read everything again, and use nothing stored this time.
            return compile_digest(review, store.submitted.latest(review.key), stages, prompts, generated_at,
                                  episode, follow_ups=follow_ups)
        wide = stored_wide.decode(stored.part, episode)
    else:
        keys = [e.key for e in review.episodes]
        reflections = (store.submitted.latest_for_episode(review.key, episode, keys) if episode
                       else store.submitted.latest(review.key))
        wide = review_wide(review, reflections, prompts)
        _keep(store, review.key, stored.revision, computed_for, wide)
    return compile_digest(review, reflections, stages, prompts, generated_at, episode, wide, follow_ups)


def _keep(store, review_key: str, revision: int, computed_for: str, wide: ReviewWide) -> None:
    """Store a part computed from reflections read at `revision`, unless they have changed since."""
    try:
        store.kept.keep_review_wide(review_key, revision, computed_for, stored_wide.encode(wide))
    except OperationalError as error:
        # Kept for speed only: a database busy past its timeout, or opened read-only, still gets its digest.
        log.warning("could not keep the review-wide part of %s: %s", review_key, error)


def refresh(store, review_key: str, prompts) -> bool:
    """Bring the stored review-wide part of the review up to date, now. Returns whether it had to be computed."""
    review = store.reviews.get(review_key)
    if review is None or not store.submitted.any(review_key):
        return False
    stored, computed_for = store.kept.review_wide(review_key), _computed_for(review, prompts)
    if stored.part is not None and stored.computed_for == computed_for:
        return False
    keys = [e.key for e in review.episodes]
    # review_wide reads only the factors, and one episode's read holds every episode's (read after the revision).
    reflections = store.submitted.latest_for_episode(review_key, keys[0], keys) if keys else {}
    _keep(store, review_key, stored.revision, computed_for, review_wide(review, reflections, prompts))
    return True


def refresh_later(store, review_key: str, prompts) -> None:
    """`refresh`, on the worker thread: for after a submission, revision or withdrawal has committed."""
    if store.path == ":memory:":
        # One connection shared by every thread: the worker could read a request's uncommitted writes.
        # The next digest computes and keeps the part instead.
        return
    waiting = (store.path, review_key)
    with _LOCK:
        if waiting in _WAITING:
            return
        _WAITING.add(waiting)
    _REFRESHER.submit(_refresh, store, review_key, prompts, waiting)


def _refresh(store, review_key: str, prompts, waiting: tuple[str, str]) -> None:
    with _LOCK:
        _WAITING.discard(waiting)   # from now on, a change needs a refresh of its own
    try:
        refresh(store, review_key, prompts)
    except Exception as error:  # noqa: BLE001 (the next digest computes what it needs; nothing else is lost)
        log.warning("could not refresh the review-wide part of %s: %s", review_key, type(error).__name__)
    finally:
        store.close()   # this worker's connection: the file may be gone (tests) before the next refresh


def forget() -> None:
    """Start afresh, as a new process does: wait for the refreshes queued by refresh_later to finish.

    Nothing of a digest is kept in this process (the review-wide part lives in SQLite); tests and the
    benchmark call this so that no refresh is still under way when they look."""
    _REFRESHER.submit(lambda: None).result()
