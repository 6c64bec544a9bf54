"""A local fake of Slack's Web API: a real HTTP server on 127.0.0.1 that records every call.

    fake = FakeSlack().start()
    client = WebClient(token="xoxb-test", base_url=fake.url)
    ...
    fake.calls("chat.postMessage")      # [{'channel': ..., 'text': ..., 'blocks': [...]}, ...]
    fake.fail("chat.postMessage", error="channel_not_found")   # the next call answers ok: false
    fake.fail("chat.postMessage", status=429, retry_after=1)   # the next call is rate limited
    fake.stop()

It also answers `response_url` posts (at /response/...) and file uploads.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BOT_USER = "UBOT0001"
TEAM = "T0CASE001"


class FakeSlack:
    def __init__(self):
        self._calls: list[tuple[str, dict]] = []
        self._failures: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self._ts = 0
        self.users: dict[str, dict] = {}  # users.info answers, by id
        self.socket_url = "ws://127.0.0.1:1/"  # apps.connections.open answers this
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                fake._handle(self, urlparse(self.path).path, raw)

            def do_PUT(self):
                self.do_POST()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self.response_url = f"http://127.0.0.1:{self.port}/response/"

    # ----- control ---------------------------------------------------------

    def start(self) -> "FakeSlack":
        # A short poll interval: stop() waits for it, and every test stops a server.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, method: str, error: str | None = None, status: int = 200, retry_after: int | None = None,
             times: int = 1, delay: float = 0.0) -> None:
        """Make the next `times` calls to `method` fail: ok:false `error`, an HTTP status, or a delay."""
        with self._lock:
            self._failures.setdefault(method, []).extend(
                [{"error": error, "status": status, "retry_after": retry_after, "delay": delay}] * times)

    def calls(self, method: str | None = None) -> list[dict]:
        with self._lock:
            return [args for m, args in self._calls if method is None or m == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [m for m, _ in self._calls]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

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

    # ----- serving ---------------------------------------------------------

    def _parse(self, handler, raw: str) -> dict:
        content_type = handler.headers.get("Content-Type", "")
        if "json" in content_type:
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        for key in ("blocks", "view", "attachments"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        auth = handler.headers.get("Authorization", "")
        if auth:
            args["token"] = auth.removeprefix("Bearer ")
        return args

    def _handle(self, handler, path: str, raw: str) -> None:
        if path.startswith("/response/"):
            method, args = "response_url", self._parse(handler, raw)
        elif path.startswith("/upload/"):
            method, args = "file.upload", {"path": path, "content": raw}
        elif path.startswith("/api/"):
            method, args = path[len("/api/"):], self._parse(handler, raw)
        else:
            self._reply(handler, 404, {"ok": False, "error": "unknown_path"})
            return
        with self._lock:
            self._calls.append((method, args))
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
        self._reply(handler, 200, self._answer(method, args))

    def _answer(self, method: str, args: dict) -> dict:
        with self._lock:
            self._ts += 1
            ts = f"{1_700_000_000 + self._ts}.{self._ts:06d}"
        if method == "auth.test":
            return {"ok": True, "url": "https://casegroup-test.slack.com/", "team": "Test", "user": "casegroup",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0BOT0001", "is_enterprise_install": False}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}
        if method in ("chat.postEphemeral",):
            return {"ok": True, "message_ts": ts}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}}
        if method == "users.info":
            user = args.get("user")
            return {"ok": True, "user": self.users.get(user, {"id": user, "tz": "Europe/London",
                                                              "tz_offset": 0, "is_bot": False})}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{self._ts}",
                    "file_id": f"F{self._ts:08d}"}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        return {"ok": True}

    @staticmethod
    def _reply(handler, status: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)
