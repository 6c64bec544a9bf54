"""A local fake of Slack's Web API for tests: the product's loopback stand-in plus failure injection.

    fake = FakeSlack().start()
    client = WebClient(token="xoxb-test", base_url=fake.url)
    ...
    fake.calls("chat.postMessage")      # [{'channel': ..., 'text': ..., 'blocks': [...]}, ...]
    fake.fail("chat.postMessage", error="channel_not_found")   # the next call answers ok: false
    fake.fail("chat.postMessage", status=429, retry_after=1)   # the next call is rate limited
    fake.share_file("F0DOCX01", "police.docx", data)   # files.info knows it; its url_private_download serves it
    fake.calls("file.download")         # [{'path': '/files/F0DOCX01/police.docx', 'token': 'xoxb-test'}]
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
        self.files: dict[str, dict] = {}   # files.info answers, by id, with the bytes their download serves
        served = self._server.RequestHandlerClass
        fake = self

        class Downloads(served):
            def do_GET(self):   # a file's url_private_download, fetched with the bot token as Slack requires
                fake._download(self)

        self._server.RequestHandlerClass = Downloads

    def start(self) -> "FakeSlack":
        return super().start()

    def fail(self, method: str, error: str | None = None, status: int = 200, retry_after: int | None = None,
             times: int = 1, delay: float = 0.0) -> None:
        """Make the next `times` calls to `method` fail: ok:false `error`, an HTTP status, or a delay."""
        with self._lock:
            self._failures.setdefault(method, []).extend(
                [{"error": error, "status": status, "retry_after": retry_after, "delay": delay}] * times)

    def share_file(self, file_id: str, name: str, content: bytes, filetype: str | None = None, **info) -> dict:
        """A file someone shared: what files.info says of it, and the bytes its private URL serves."""
        url = f"http://127.0.0.1:{self.port}/files/{file_id}/{name}"
        self.files[file_id] = {"id": file_id, "name": name, "title": name, "size": len(content),
                               "filetype": filetype if filetype is not None else name.rpartition(".")[2].lower(),
                               "mimetype": "application/octet-stream", "url_private": url,
                               "url_private_download": url, "content": content, **info}
        return self.files[file_id]

    def _download(self, handler) -> None:
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            self._calls.append(("file.download", {"path": handler.path, "token": token}))
        found = next((f for f in self.files.values() if f["url_private_download"].endswith(handler.path)), None)
        if found is not None and found.get("redirect_to"):   # a file served from elsewhere: Slack's 302 to it
            handler.send_response(302)
            handler.send_header("Location", found["redirect_to"])
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if found is None or token != "xoxb-test":   # Slack answers a missing token with a sign-in page, not the file
            body, status = b"<html>Sign in to Slack</html>", 200 if found else 404
        else:
            body, status = found["content"], 200
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _answer(self, method: str, args: dict) -> dict:
        if method == "files.info":
            found = self.files.get(args.get("file"))
            if found is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": {k: v for k, v in found.items() if k != "content"}}
        return super()._answer(method, args)

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
