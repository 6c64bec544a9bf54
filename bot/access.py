"""Who may do what. Every command, Home button and form checks the caller's role for *that* review,
once per request, in the listener middleware of bot/listeners/asked.py. The words are in
prompts/running.toml, [access]."""
from __future__ import annotations

from bot.core.prompts import Prompts
from bot.errors import RoleError
from storage import Store


def require_role(store: Store, prompts: Prompts, review_key: str, user: str, allowed: frozenset[str],
                 doing: str) -> set[str]:
    """The caller's roles in the review, or RoleError (a polite refusal) if none is allowed.

    Someone with no part in the review (or a `review_key` of "", none found) hears what they would of
    a review that doesn't exist: a refusal naming the roles would tell anyone which keys exist."""
    roles = store.reviews.roles_of(review_key, user)
    if not roles:
        raise RoleError(prompts.say("access.not_yours"), review_key)
    if not roles & allowed:
        raise RoleError(refusal(prompts, allowed, doing), review_key)
    return roles


def refusal(prompts: Prompts, allowed: frozenset[str], doing: str) -> str:
    """'Sorry, only a lead reviewer or a member of the review team of that review can {doing}. ...'"""
    names = [prompts.say(f"access.{role}") for role in sorted(allowed)]
    needed = names[0]
    for name in names[1:]:
        needed = prompts.say("access.either", first=needed, second=name)
    return prompts.say("access.refused", needed=needed, doing=doing)
