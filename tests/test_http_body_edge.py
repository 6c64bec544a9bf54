"""`casegroup serve`'s WSGI app refuses a body that can't be a Slack request with 400, before anything else."""
import io
import json
from wsgiref.util import setup_testing_defaults

from bot.server import wsgi_app


def post(application, body: bytes, content_type: str) -> tuple[str, bytes]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    setup_testing_defaults(environ)
    said = {}

    def start_response(status, headers, exc_info=None):
        said["status"] = status

    answer = b"".join(application(environ, start_response))
    return said["status"], answer


def test_json_nested_past_pythons_stack_is_a_malformed_body_not_a_500(app, fake):
    application = wsgi_app(app)
    nested = b"[" * 100_000 + b"]" * 100_000
    assert post(application, nested, "application/json") == ("400 Bad Request", b"malformed body")
    payload = b"payload=" + b"%5B" * 100_000
    assert post(application, payload, "application/x-www-form-urlencoded") == ("400 Bad Request", b"malformed body")
    # An ordinary malformed body is refused the same way, and nothing reached Slack.
    assert post(application, json.dumps([1]).encode(), "application/json")[0] == "400 Bad Request"
    assert fake.calls("chat.postMessage") == []
