"""What a command, Home button or form asks for: parsed once, and the caller's role checked once.

    app.command("/summary", middleware=[ParseOnce(parse_summary)])(ack=acknowledge_summary,
                                                                   lazy=[reporting_errors(run_summary)])

Each entry point has a small typed request (`SummaryRequest`, `ReviewCommand`, `HomeClick`,
`FormSubmission`, each beside its listener) and a function that reads it from Slack's body. The
middleware checks the caller's role for the request's review, puts the request into the context
as `asked`, and Bolt passes it to the acknowledgement and to the lazy listener by that name:

    def run_summary(asked: SummaryRequest, deps: Deps, respond, client): ...

Neither parses the body again, and neither checks the role again. A refusal raises RoleError here,
before either runs: the app's one error path answers it privately and audits it, once
(bot/listeners/error_path.py). DMs and the reflection buttons have no middleware: the reflection
flow finds the member's review itself.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.access import require_role
from bot.deps import Deps


@dataclass(frozen=True)
class Asked:
    """What every typed request has. A subclass adds what its entry point needs (the episode typed, ...)."""
    user: str
    review_key: str = ""
    allowed: frozenset[str] = frozenset()  # the roles that may, in review_key; empty: nothing to check
    doing: str = ""                        # what was asked, as a refusal says it: "can {doing}"
    answer: str = ""                       # the whole answer, known from the words alone (a usage line)
    roles: frozenset[str] = frozenset()    # the caller's roles in review_key, once checked

    def __deepcopy__(self, memo):
        # Bolt deep-copies the context for a lazy listener before it answers Slack: copying a request
        # that nothing changes cost 60 us of every acknowledgement of /summary (about 1 ms in all).
        return self


class ParseOnce(Middleware):
    """Listener middleware: parse the body into its typed request, check the caller's role, once.

    A Middleware object, as bot/app.py's Installation is: Bolt calls it without working out its arguments."""

    def __init__(self, parse: Callable[[Deps, dict], Asked]):
        self.parse = parse

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):
        deps: Deps = req.context["deps"]
        asked = self.parse(deps, req.body)  # may raise (someone in no review): the one error path answers
        if asked.answer:
            # As ack(text=...) answers; the listener never runs, so its lazy work never starts either.
            return BoltResponse(status=200, body=asked.answer)
        if asked.allowed:
            roles = require_role(deps.store, deps.prompts, asked.review_key, asked.user, asked.allowed, asked.doing)
            asked = replace(asked, roles=frozenset(roles))
        req.context["asked"] = asked
        return next()
