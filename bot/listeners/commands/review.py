"""`/review`: the lead reviewers' command. `/review` alone lists what it can do.

The acknowledgement checks the subcommand and the caller's role (fast, the
database only); the work runs in a lazy listener, so Slack hears back within
3 seconds however large the case group.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from slack_bolt import App

from bot.access import require_role
from bot.core.lifecycle import STAGES
from bot.delivery import send
from bot.errors import CasegroupError
from bot.reminding import Reminders
from bot.render.home_blocks import review_summary, status_messages
from bot.render.review_modals import add_episode_modal, add_member_modal
from bot.lead_actions import LeadActions, LeadCard


@dataclass
class Subcommand:
    usage: str
    helptext: str
    run: Callable
    needs_review: bool = False
    roles: frozenset = frozenset()
    doing: str = ""
    key_optional: bool = False   # `/review status` alone: every review the caller runs or reads
    opens_modal: bool = False    # run(deps, review_key) -> view, opened at once, within the trigger_id's life


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, usage: str, helptext: str, roles: set[str] | None = None, doing: str = "",
               key_optional: bool = False, opens_modal: bool = False):
    """Register a `/review` subcommand; the registry also writes the help text."""
    def wrap(func):
        SUBCOMMANDS[name] = Subcommand(usage, helptext, func, bool(roles), frozenset(roles or ()), doing,
                                       key_optional, opens_modal)
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
    reviews = deps.store.reviews.of_person(user)
    if not reviews:
        respond("You're not part of any review yet. Lead reviewers set one up with "
                "`casegroup review import FILE`.")
        return
    lines = [f"• `{key}`: {deps.store.reviews.get(key).title} ({', '.join(sorted(roles))})"
             for key, roles in sorted(reviews.items())]
    respond("*Your reviews*\n" + "\n".join(lines))


@subcommand("invite", "/review invite KEY [@member]", "send the case group (or one member) their invitation "
            "and consent request; only in the conversations stage.",
            roles={"lead"}, doing="send invitations")
def review_invite(deps, user, args, respond, client):
    key = args[0]
    only = [_user_id(word) for word in args[1:]] or None
    deliveries, skipped = deps.reflections.invite_all(key, actor=user, only=only)
    failures = send(client, deliveries)
    text = f"Invited {len(deliveries) - len(failures)} member(s) of the case group for `{key}`."
    if skipped:
        text += f" {skipped} already taking part (or who declined) were not asked again."
    if failures:
        text += " Not delivered: " + "; ".join(f"{d.about} (Slack said `{code}`)" for d, code in failures) + "."
    respond(text)


MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def _user_id(word: str) -> str:
    """`<@U0HV0001|name>` (how Slack escapes a mention) or a bare `U0HV0001`."""
    found = MENTION.fullmatch(word)
    return found[1] if found else word.lstrip("@")


@subcommand("status", "/review status [KEY]", "who has reflected on what: the progress grid of a review, "
            "or a line for each review you run or read.", roles={"lead", "team"},
            doing="see its progress", key_optional=True)
def review_status(deps, user, args, respond, client):
    lead_actions = LeadActions(deps.store, deps.prompts, deps.settings)
    if args:
        key = args[0]
        card = LeadCard(deps.store.reviews.roles_of(key, user), lead_actions.progress(key), deps.store.reviews.lifecycle(key))
        for message in status_messages(deps.prompts, card.progress, card):
            respond(text=message["text"], blocks=message["blocks"])
        return
    cards = lead_actions.home(user).lead_cards
    if not cards:
        respond("You don't run or read any review. `/review list` shows the reviews you take part in.")
        return
    respond("\n".join(review_summary(deps.prompts, card) for card in cards))


@subcommand("remind", "/review remind KEY", "nudge every case group member with something outstanding, "
            "now (in their working hours; it counts towards their reminders).", roles={"lead"},
            doing="send reminders")
def review_remind(deps, user, args, respond, client):
    reminders = Reminders(deps.store, deps.prompts, deps.settings.reminder_rules)
    respond(reminders.nudge(client, args[0], actor=user).text())


@subcommand("stage", "/review stage KEY STAGE", f"move the review to another stage: {', '.join(STAGES)}.",
            roles={"lead"}, doing="move it to another stage")
def review_stage(deps, user, args, respond, client):
    lead_actions = LeadActions(deps.store, deps.prompts, deps.settings)
    if len(args) < 2:
        review = lead_actions.review(args[0])
        respond(f"`{args[0]}` is in its {lead_actions.stage_name(review.stage)} stage. Move it with "
                f"`/review stage {args[0]} STAGE`, where STAGE is one of {', '.join(STAGES)}.")
        return
    respond(lead_actions.change_stage(args[0], " ".join(args[1:]), actor=user))


@subcommand("add-member", "/review add-member KEY", "add someone to the case group (a form: who, role, "
            "agency, episodes).", roles={"lead"}, doing="add people to the case group", opens_modal=True)
def review_add_member(deps, review_key):
    # The submission does the work: bot/listeners/views/review_changes.py
    return add_member_modal(LeadActions(deps.store, deps.prompts, deps.settings).changeable(review_key))


@subcommand("add-episode", "/review add-episode KEY", "add a key practice episode (a form).", roles={"lead"},
            doing="add key practice episodes", opens_modal=True)
def review_add_episode(deps, review_key):
    return add_episode_modal(LeadActions(deps.store, deps.prompts, deps.settings).changeable(review_key))


def _parse(command) -> tuple[str, list[str]]:
    words = (command.get("text") or "").split()
    return (words[0].lower() if words else "help"), words[1:]


def acknowledge_review(ack, command, context, client):
    """Check the subcommand and the caller's role before saying anything else."""
    name, args = _parse(command)
    entry = SUBCOMMANDS.get(name)
    if entry is None:
        ack(text=f"I don't know `/review {name[:40]}`.\n{help_text()}")
        return
    if args[:1] in (["help"], ["--help"]):
        ack(text=f"`{entry.usage}`: {entry.helptext}")
        return
    if entry.needs_review and not (entry.key_optional and not args):
        deps = context["deps"]
        if not args:
            ack(text=f"Which review? Use `{entry.usage}`; `/review list` shows your reviews.")
            return
        if deps.store.reviews.get(args[0]) is None:
            ack(text=f"I couldn't find a review with the key `{args[0][:64]}`. `/review list` shows your reviews.")
            return
        require_role(deps.store, args[0], command["user_id"], set(entry.roles), entry.doing)
        if entry.opens_modal:
            client.views_open(trigger_id=command["trigger_id"], view=entry.run(deps, args[0]))
    ack()


def run_review(command, respond, context, client):
    name, args = _parse(command)
    entry = SUBCOMMANDS.get(name)
    deps, user = context["deps"], command["user_id"]
    if entry is None or entry.opens_modal or args[:1] in (["help"], ["--help"]):
        return  # the acknowledgement already answered, or opened the modal
    if entry.needs_review and (
            (not args and not entry.key_optional)
            or (args and (deps.store.reviews.get(args[0]) is None or not deps.store.reviews.roles_of(args[0], user) & entry.roles))):
        return  # the acknowledgement already answered
    try:
        entry.run(deps, user, args, respond, client)
    except CasegroupError as error:
        respond(str(error))


def register(app: App) -> None:
    app.command("/review")(ack=acknowledge_review, lazy=[run_review])
