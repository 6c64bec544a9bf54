"""Who may do what. Every command and action checks the caller's role for *that* review."""
from __future__ import annotations

from bot.errors import RoleError
from storage import Store

ROLE_NAMES = {"lead": "a lead reviewer", "team": "a member of the review team", "member": "in the case group"}


def require_role(store: Store, review_key: str, user: str, allowed: set[str], doing: str) -> set[str]:
    """The caller's roles in the review, or RoleError (a polite refusal) if none is allowed."""
    roles = store.reviews.roles_of(review_key, user)
    if not roles & allowed:
        needed = " or ".join(ROLE_NAMES[r] for r in sorted(allowed))
        raise RoleError(f"Sorry, only {needed} of that review can {doing}. "
                        f"If you think you should have access, please ask the lead reviewers.", review_key)
    return roles
