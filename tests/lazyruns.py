"""Bolt's lazy listeners, run where a test can see them return.

    runs = LazyRuns()
    app = build_app(settings, store, prompts, client, executor=runs)   # the `lazy` fixture does this
    slack.command("U0STRANGER", "/summary", "", fake.response_url)
    runs.wait_for(1)                    # that command's lazy listener has run and returned
    assert fake.calls("response_url") == []

A slash command or a Home button is acknowledged at once and its work runs in a lazy listener,
on another thread. A test that checks that something did *not* happen waits for this first:
once every lazy listener the App started has returned, whatever it was going to send has
reached the fake Slack, so an absence seen then is real. Written here, not taken from the
product, so that a mistake in the bot's own executor can't hide itself.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor


class LazyRuns(ThreadPoolExecutor):
    """A thread pool like Bolt's own (5 workers) that remembers every lazy listener it was given."""

    def __init__(self, max_workers: int = 5):
        super().__init__(max_workers=max_workers, thread_name_prefix="test-lazy")
        self._lock = threading.Lock()
        self._futures: list[Future] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def started(self) -> int:
        with self._lock:
            return len(self._futures)

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Wait until `count` lazy listeners have started and every one started so far has returned."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                futures = list(self._futures)
            if len(futures) >= count and all(f.done() for f in futures):
                return
            if time.monotonic() >= deadline:
                done = sum(f.done() for f in futures)
                raise AssertionError(f"{len(futures)} lazy listener(s) started and {done} returned within "
                                     f"{timeout} s; expected {count} started and all returned")
            time.sleep(0.01)

    def close(self, timeout: float = 10.0) -> None:
        """At the end of a test: let running listeners finish (so the fake Slack sees all they send), then stop."""
        with self._lock:
            futures = list(self._futures)
        deadline = time.monotonic() + timeout
        while not all(f.done() for f in futures) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.shutdown(wait=False, cancel_futures=True)
