"""A local fake of Slack's Web API for tests: the product's loopback stand-in plus failure injection.

    fake = FakeSlack().start()
    client = WebClient(token="xoxb-test", base_url=fake.url)
    ...
    fake.calls("chat.postMessage")      # [{'channel': ..., 'text': ..., 'blocks': [...]}, ...]
    fake.fail("chat.postMessage", error="channel_not_found")   # the next call answers ok: false
    fake.fail("chat.postMessage", status=429, retry_after=1)   # the next call is rate limited
    fake.stop()

It also answers `response_url` posts (at /response/...) and file uploads
(see bot/offline/webapi.py, which `casegroup try` uses as its Slack).
"""
from __future__ import annotations

import json
import time

from bot.offline.webapi import BOT_USER, TEAM, LocalWebAPI

__all__ = ["BOT_USER", "TEAM", "FakeSlack"]


class FakeSlack(LocalWebAPI):
    def __init__(self):
        super().__init__()
        self._failures: dict[str, list[dict]] = {}

    def start(self) -> "FakeSlack":
        return super().start()

    def fail(self, method: str, error: str | None = None, status: int = 200, retry_after: int | None = None,
             times: int = 1, delay: float = 0.0) -> None:
        """Make the next `times` calls to `method` fail: ok:false `error`, an HTTP status, or a delay."""
        with self._lock:
            self._failures.setdefault(method, []).extend(
                [{"error": error, "status": status, "retry_after": retry_after, "delay": delay}] * times)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Wait until `method` has been called `count` times (for lazy listeners)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{method} called {len(self.calls(method))} times, expected {count}: {self.methods()}")

    def texts(self, method: str = "chat.postMessage") -> list[str]:
        """Every piece of text a method was sent: the text field and every text in its blocks, as one string each."""
        return [json.dumps({k: v for k, v in call.items() if k != "token"}, ensure_ascii=False)
                for call in self.calls(method)]

    def _serve(self, handler, method: str, args: dict) -> None:
        with self._lock:
            queue = self._failures.get(method) or []
            failure = queue.pop(0) if queue else None
        if failure:
            if failure["delay"]:
                time.sleep(failure["delay"])
            if failure["status"] != 200:
                headers = {"Retry-After": str(failure["retry_after"])} if failure["retry_after"] is not None else {}
                self._reply(handler, failure["status"], {"ok": False, "error": "ratelimited"
                                                        if failure["status"] == 429 else "internal_error"}, headers)
                return
            if failure["error"]:
                self._reply(handler, 200, {"ok": False, "error": failure["error"]})
                return
        super()._serve(handler, method, args)
