"""A local stand-in for Slack's Web API: a real HTTP server on 127.0.0.1 that records every call.

The bot's own WebClient is pointed at it (`WebClient(base_url=api.url)`), so the
bot makes exactly the calls it makes in Slack; nothing leaves the machine.

    api = LocalWebAPI().start()
    client = make_client("xoxb-offline", api.url)
    client.chat_postMessage(channel="U0DAMB01", text="hello")
    api.calls("chat.postMessage")       # [{'channel': 'U0DAMB01', 'text': 'hello', 'token': ...}]
    api.since(0)                        # [('auth.test', {...}), ('chat.postMessage', {...}), ...]
    api.stop()

It answers like Slack: a `ts` for each message, upload URLs (at /upload/...) for
files_upload_v2, and `response_url` posts (at /response/...).
The tests' FakeSlack (tests/fakeslack.py) is this class plus failure injection.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BOT_USER = "UBOT0001"
TEAM = "T0CASE001"


class LocalWebAPI:
    def __init__(self):
        self._calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._ts = 0
        self.users: dict[str, dict] = {}  # users.info answers, by id
        self._uploaded: dict[str, bytes] = {}  # each upload's bytes, by its path
        self.socket_url = "ws://127.0.0.1:1/"  # apps.connections.open answers this
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                api._handle(self, urlparse(self.path).path, body.decode("utf-8", "replace"), body)

            def do_PUT(self):
                self.do_POST()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self.response_url = f"http://127.0.0.1:{self.port}/response/"

    # ----- control ---------------------------------------------------------

    def start(self):
        # A short poll interval: stop() returns within 50 ms instead of half a second.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self, method: str | None = None) -> list[dict]:
        with self._lock:
            return [args for m, args in self._calls if method is None or m == method]

    def uploaded(self, path: str) -> bytes:
        """The bytes uploaded to `path` (a file.upload call's "path"), as sent."""
        with self._lock:
            return self._uploaded.get(path, b"")

    def methods(self) -> list[str]:
        with self._lock:
            return [m for m, _ in self._calls]

    def since(self, index: int) -> list[tuple[str, dict]]:
        """The calls after the first `index`, in order, as (method, arguments)."""
        with self._lock:
            return list(self._calls[index:])

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

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

    def _handle(self, handler, path: str, raw: str, body: bytes = b"") -> None:
        if path.startswith("/response/"):
            method, args = "response_url", self._parse(handler, raw)
        elif path.startswith("/upload/"):
            # `content` as text (the Markdown files); the bytes as sent (a .docx isn't text): uploaded(path).
            method, args = "file.upload", {"path": path, "content": raw}
            with self._lock:
                self._uploaded[path] = body
        elif path.startswith("/api/"):
            method, args = path[len("/api/"):], self._parse(handler, raw)
        else:
            self._reply(handler, 404, {"ok": False, "error": "unknown_path"})
            return
        with self._lock:
            self._calls.append((method, args))
        self._serve(handler, method, args)

    def _serve(self, handler, method: str, args: dict) -> None:
        """Answer a recorded call. Subclasses may answer otherwise (a test's injected failure)."""
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
