"""The one error-to-message path: whatever a listener raises, the person hears about it here.

`tell_error` is called by the app's `@app.error` handler (errors in middleware and
acknowledgements) and, through `reporting_errors`, by every lazy listener: Bolt runs a lazy
listener in a worker thread and only logs what it raises (slack_bolt/lazy_listener/internals.py),
so without the wrapper the person would hear nothing.

    app.command("/review", middleware=[...])(ack=acknowledge_review, lazy=[reporting_errors(run_review)])
"""
from __future__ import annotations

import inspect
import json
import logging
import traceback
from typing import Callable

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.kwargs_injection.args import Args

from bot.delivery import send
from bot.deps import Deps
from bot.errors import CasegroupError, InvalidInput, RoleError
from bot.reflect import Delivery
from bot.render.blocks import notice

log = logging.getLogger("casegroup.listeners")


def tell_error(error: Exception, deps: Deps, context: BoltContext, body: dict,
               acknowledged: bool = False) -> BoltResponse:
    """Tell the person what went wrong, privately, and audit a refusal. Returns the HTTP answer.

    A CasegroupError says itself; anything else is logged by type and place (never its message,
    which may quote a reflection) and the person gets `replies.error`. Before the acknowledgement,
    a command is answered in its HTTP response, and a form's InvalidInput keeps the modal open with
    each field's error (`response_action: errors`). After it (`acknowledged`, in a lazy listener),
    a command is answered at its response_url. Anything else is said in the person's DM.
    """
    user = context.user_id or ""
    if isinstance(error, RoleError):
        deps.store.audit.add(user, "access.refused", error.review_key, str(error)[:200])
    if isinstance(error, InvalidInput) and body.get("type") == "view_submission" and not acknowledged:
        return BoltResponse(status=200, body={"response_action": "errors", "errors": error.errors})
    text = str(error) if isinstance(error, CasegroupError) else _unexpected(error, deps)
    if body.get("command") and not acknowledged:
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                            headers={"content-type": "application/json"})
    try:
        if body.get("command"):
            context.respond(text)  # ephemeral, as the acknowledgement would have been
        elif user:
            send(context.client, [Delivery(user, [notice(text)])])
    except Exception as send_error:  # noqa: BLE001 - the error path must not raise
        log.warning("could not tell %s about an error: %s", user, type(send_error).__name__)
    return BoltResponse(status=200, body="")


def _unexpected(error: Exception, deps: Deps) -> str:
    # Its type and where it was raised, never its message: that may quote a reflection or a request.
    log.error("listener failed: %s\n%s", type(error).__name__, "".join(traceback.format_tb(error.__traceback__)))
    return deps.prompts.say("replies.error")


def reporting_errors(run: Callable[..., None]) -> Callable[[Args], None]:
    """A lazy listener whose errors reach the person through `tell_error`, as an acknowledgement's do.

    `run` names its arguments as any listener does (`asked`, `deps`, `respond`, `client`, ...), and
    gets what Bolt would pass it: one of Bolt's own arguments, or else the context value of that name.
    """
    names = list(inspect.signature(run).parameters)

    def run_reporting_errors(args: Args) -> None:
        try:
            run(**{name: getattr(args, name) if hasattr(args, name) else args.context[name] for name in names})
        except Exception as error:  # noqa: BLE001 - Bolt would only log it, and the person would hear nothing
            tell_error(error, args.context["deps"], args.context, args.body, acknowledged=True)

    run_reporting_errors.__name__ = run.__name__  # Bolt tells a listener's lazy functions apart by name
    return run_reporting_errors
