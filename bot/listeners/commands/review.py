"""`/review`: the lead reviewers' command. `/review` alone lists what it can do.

The acknowledgement checks the subcommand and the caller's role (fast, the
database only); the work runs in a lazy listener, so Slack hears back within
3 seconds however large the case group.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from slack_bolt import App

from bot.access import require_role
from bot.delivery import send
from bot.errors import CasegroupError


@dataclass
class Subcommand:
    usage: str
    helptext: str
    run: Callable
    needs_review: bool = False
    roles: frozenset = frozenset()
    doing: str = ""


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, usage: str, helptext: str, roles: set[str] | None = None, doing: str = ""):
    """Register a `/review` subcommand; the registry also writes the help text."""
    def wrap(func):
        SUBCOMMANDS[name] = Subcommand(usage, helptext, func, bool(roles), frozenset(roles or ()), doing)
        return func
    return wrap


def help_text() -> str:
    lines = ["*`/review`: running a case review*"]
    lines += [f"• `{s.usage}`: {s.helptext}" for s in SUBCOMMANDS.values()]
    return "\n".join(lines)


@subcommand("help", "/review help", "show this list.")
def review_help(deps, user, args, respond, client):
    respond(help_text())


@subcommand("list", "/review list", "the reviews you take part in, and your role in each.")
def review_list(deps, user, args, respond, client):
    reviews = deps.store.reviews_of(user)
    if not reviews:
        respond("You're not part of any review yet. Lead reviewers set one up with "
                "`casegroup review import FILE`.")
        return
    lines = [f"• `{key}`: {deps.store.review(key).title} ({', '.join(sorted(roles))})"
             for key, roles in sorted(reviews.items())]
    respond("*Your reviews*\n" + "\n".join(lines))


@subcommand("invite", "/review invite KEY", "send the case group their invitation and consent request.",
            roles={"lead"}, doing="send invitations")
def review_invite(deps, user, args, respond, client):
    key = args[0]
    deliveries, skipped = deps.reflections.invite_all(key, actor=user)
    failures = send(client, deliveries)
    text = f"Invited {len(deliveries) - len(failures)} member(s) of the case group for `{key}`."
    if skipped:
        text += f" {skipped} already taking part (or who declined) were not asked again."
    if failures:
        text += " Not delivered: " + "; ".join(f"{d.about} (Slack said `{code}`)" for d, code in failures) + "."
    respond(text)


def _parse(command) -> tuple[str, list[str]]:
    words = (command.get("text") or "").split()
    return (words[0].lower() if words else "help"), words[1:]


def acknowledge_review(ack, command, context):
    """Check the subcommand and the caller's role before saying anything else."""
    name, args = _parse(command)
    entry = SUBCOMMANDS.get(name)
    if entry is None:
        ack(text=f"I don't know `/review {name[:40]}`.\n{help_text()}")
        return
    if entry.needs_review:
        deps = context["deps"]
        if not args:
            ack(text=f"Which review? Use `{entry.usage}`; `/review list` shows your reviews.")
            return
        if deps.store.review(args[0]) is None:
            ack(text=f"I couldn't find a review with the key `{args[0][:64]}`. `/review list` shows your reviews.")
            return
        require_role(deps.store, args[0], command["user_id"], set(entry.roles), entry.doing)
    ack()


def run_review(command, respond, context, client):
    name, args = _parse(command)
    entry = SUBCOMMANDS.get(name)
    deps = context["deps"]
    if entry is None or (entry.needs_review and (not args or deps.store.review(args[0]) is None
                                                 or not deps.store.roles_of(args[0], command["user_id"])
                                                 & entry.roles)):
        return  # the acknowledgement already answered
    try:
        entry.run(deps, command["user_id"], args, respond, client)
    except CasegroupError as error:
        respond(str(error))


def register(app: App) -> None:
    app.command("/review")(ack=acknowledge_review, lazy=[run_review])
