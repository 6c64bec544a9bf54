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
            return shape_problem(json.loads(text))
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return shape_problem(json.loads(form["payload"][0]))
        if "command" in form or "ssl_check" in form:
            return None
        return "not a Slack request"
    except (ValueError, IndexError, RecursionError):  # RecursionError: JSON nested past Python's stack
        return "malformed body"


def shape_problem(body) -> str | None:
    """Slack's envelopes have a known shape; one that doesn't is refused here rather than half-parsed
    by Bolt (whose matchers assume, for example, that `actions` is a list of objects)."""
    if not isinstance(body, dict):
        return "body is not an object"
    if "event" in body and not isinstance(body["event"], dict):
        return "event is not an object"
    if "actions" in body and not (isinstance(body["actions"], list)
                                  and all(isinstance(a, dict) for a in body["actions"])):
        return "actions is not a list of objects"
    for key in ("user", "team", "channel", "view"):
        if body.get(key) is not None and not isinstance(body[key], (dict, str)):
            return f"{key} has the wrong type"
    return None


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
