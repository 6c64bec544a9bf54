"""HTTP mode: Slack's requests at POST /slack/events, through Bolt's WSGI adapter, served by waitress.

Bolt's own App.start() is a development server that drops the connection on a
malformed body; here such a body gets a 400 before Bolt sees it.
"""
from __future__ import annotations

import io
import json
from urllib.parse import parse_qs

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; anything larger is not from Slack


def body_problem(body: bytes, content_type: str) -> str | None:
    """Why a request body can't be a Slack request, or None if it could be."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    try:
        if content_type.startswith("application/json"):
            return None if isinstance(json.loads(text), dict) else "JSON body is not an object"
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return None if isinstance(json.loads(form["payload"][0]), dict) else "payload is not an object"
        if "command" in form or "ssl_check" in form:
            return None
        return "not a Slack request"
    except (ValueError, IndexError):
        return "malformed body"


def wsgi_app(app: App):
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ, start_response):
        def answer(status: str, text: str):
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [text.encode()]

        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/health" and method == "GET":
            return answer("200 OK", "ok")
        if path != EVENTS_PATH:
            return answer("404 Not Found", "not found")
        if method != "POST":
            return answer("405 Method Not Allowed", "POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return answer("400 Bad Request", "bad content length")
        if length > MAX_BODY_BYTES:
            return answer("413 Payload Too Large", "too large")
        body = environ["wsgi.input"].read(length) if length else b""
        problem = body_problem(body, environ.get("CONTENT_TYPE", ""))
        if problem:
            return answer("400 Bad Request", problem)
        # Bolt reads the body again from wsgi.input.
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return bolt(environ, start_response)
        except Exception:  # noqa: BLE001 - never a traceback to the caller
            return answer("400 Bad Request", "could not process the request")

    return application


def make_server(app: App, host: str, port: int, threads: int = 8):
    """A waitress server; call .run() to serve, .close() to stop. .effective_port when port is 0."""
    return waitress.create_server(wsgi_app(app), host=host, port=port, threads=threads,
                                  ident="casegroup", clear_untrusted_proxy_headers=True)
