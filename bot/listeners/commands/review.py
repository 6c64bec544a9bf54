"""`/review`: the lead reviewers' command. `/review` alone lists what it can do.

The middleware checks the subcommand and the caller's role (fast, the database
only; bot/listeners/asked.py); the work runs in a lazy listener, so Slack hears
back within 3 seconds however large the case group.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

from slack_bolt import App

from bot.accuracy_review import AccuracyReview
from bot.core.lifecycle import STAGES
from bot.core.text import neutralise
from bot.delivery import send, send_and_report
from bot.deps import Deps
from bot.finding_check import CaseGroupCheck
from bot.listeners.asked import Asked, ParseOnce
from bot.listeners.error_path import reporting_errors
from bot.reminding import Reminders
from bot.render.accuracy_blocks import comments_message
from bot.render.home_blocks import review_summary, stage_question, status_messages
from bot.render.review_modals import add_episode_modal, add_member_modal
from bot.lead_actions import LeadActions, LeadCard
from bot.listeners.commands.summary import send_file
from bot.render.report_docx import docx_bytes
from bot.report_builder import build_report
from bot.team_analysis import TeamAnalysis


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
    # otherwise run(asked, deps, respond, client), in a lazy listener


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


@dataclass(frozen=True)
class ReviewCommand(Asked):
    name: str = "help"              # the subcommand
    args: tuple[str, ...] = ()      # the words after it; the review's key first, when it takes one
    trigger_id: str = ""            # for a subcommand that opens a form
    text: str = ""                  # the command's words as typed, line breaks and all (a question's, say)

    @property
    def subcommand(self) -> Subcommand:
        return SUBCOMMANDS[self.name]


@subcommand("help", "/review help", "show this list.")
def review_help(asked, deps, respond, client):
    respond(help_text())


@subcommand("list", "/review list", "the reviews you take part in, and your role in each.")
def review_list(asked, deps, respond, client):
    reviews = deps.store.reviews.of_person(asked.user)
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
def review_invite(asked, deps, respond, client):
    key = asked.review_key
    only = [_user_id(word) for word in asked.args[1:]] or None
    deliveries, skipped = deps.reflections.invite_all(key, actor=asked.user, only=only)
    failures = send(client, deliveries)
    text = f"Invited {deps.prompts.counted('member', len(deliveries) - len(failures))} of the case group for `{key}`."
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
            "or a line for each review you run or read; once closed, the case group's feedback, without names.", roles={"lead", "team"},
            doing="see its progress", key_optional=True)
def review_status(asked, deps, respond, client):
    lead_actions = LeadActions(deps.store, deps.prompts, deps.settings)
    if asked.review_key:
        key = asked.review_key
        card = LeadCard(set(asked.roles), lead_actions.progress(key), deps.store.reviews.lifecycle(key),
                        feedback=lead_actions.feedback(key), follow_ups=deps.store.follow_ups.of_review(key))
        for message in status_messages(deps.prompts, card.progress, card):
            respond(text=message["text"], blocks=message["blocks"])
        return
    cards = lead_actions.home(asked.user).lead_cards
    if not cards:
        respond("You don't run or read any review. `/review list` shows the reviews you take part in.")
        return
    respond("\n".join(review_summary(deps.prompts, card) for card in cards))


@subcommand("remind", "/review remind KEY", "nudge every case group member with something outstanding, "
            "now, or when their next working day starts if it is outside their working hours (it counts "
            "towards their reminders).", roles={"lead"},
            doing="send reminders")
def review_remind(asked, deps, respond, client):
    reminders = Reminders(deps.store, deps.prompts, deps.settings.reminder_rules)
    respond(reminders.nudge(client, asked.review_key, actor=asked.user).text())


@subcommand("stage", "/review stage KEY STAGE", f"move the review to another stage: {', '.join(STAGES)}. "
            "Closing, or a step back, asks you to confirm first.",
            roles={"lead"}, doing="move it to another stage")
def review_stage(asked, deps, respond, client):
    lead_actions, key = LeadActions(deps.store, deps.prompts, deps.settings), asked.review_key
    wanted = " ".join(asked.args[1:])
    if not wanted:
        review = lead_actions.review(key)
        respond(f"`{key}` is in its {lead_actions.stage_name(review.stage)} stage. Move it with "
                f"`/review stage {key} STAGE`, where STAGE is one of {', '.join(STAGES)}.")
        return
    move = lead_actions.change_stage(key, wanted, actor=asked.user)
    if move.confirm:
        respond(**stage_question(deps.prompts, key, move))
        return
    respond(move.said)
    send_and_report(client, move.told, deps.reflections)   # a thanks Slack refused is told to the leads


@subcommand("add-member", "/review add-member KEY", "add someone to the case group (a form: who, role, "
            "agency, episodes).", roles={"lead"}, doing="add people to the case group", opens_modal=True)
def review_add_member(deps, review_key):
    # The submission does the work: bot/listeners/views/review_changes.py
    return add_member_modal(LeadActions(deps.store, deps.prompts, deps.settings).changeable(review_key))


@subcommand("add-episode", "/review add-episode KEY", "add a key practice episode (a form).", roles={"lead"},
            doing="add key practice episodes", opens_modal=True)
def review_add_episode(deps, review_key):
    return add_episode_modal(LeadActions(deps.store, deps.prompts, deps.settings).changeable(review_key))


@subcommand("findings", "/review findings KEY", "the review team's findings, in their order, with their status "
            "(add and edit them on the Home tab).", roles={"lead", "team"}, doing="read its findings")
def review_findings(asked, deps, respond, client):
    respond(TeamAnalysis(deps.store, deps.prompts).findings_text(asked.review_key))


@subcommand("ask", "/review ask KEY EPISODE @member question", "ask a case group member a follow-up question "
            "about one of their episodes, in their DM, from the review team; until the analysis stage.",
            roles={"lead", "team"}, doing="ask follow-up questions")
def review_ask(asked, deps, respond, client):
    follow_ups, say = deps.reflections.follow_ups, deps.prompts.say
    if len(asked.args) < 4:
        respond(say("follow_ups.usage"))
        return
    review = deps.store.reviews.get(asked.review_key)
    _, episode, mention, *_ = asked.args
    found = next((e for e in review.episodes if e.key.lower() == episode.lower()), None)
    if found is None:
        respond(say("follow_ups.unknown_episode", what=episode[:40], review=review.key))
        return
    member = _user_id(mention)
    if not re.fullmatch(r"[UW][A-Z0-9]+", member):
        respond(say("follow_ups.unknown_member", what=mention[:40]))
        return
    question = re.split(r"\s+", asked.text.strip(), maxsplit=4)[4]   # after `ask KEY EPISODE @member`, as typed
    respond(follow_ups.send(client, follow_ups.ask(review.key, asked.user, member, found.key, question)))


@subcommand("share", "/review share KEY", "send the review team's draft and agreed findings to each case group "
            "member who took part, to check: only what is new or changed since they last had them (moving to the "
            "meeting stage shares them too).", roles={"lead"}, doing="share its findings with the case group")
def review_share(asked, deps, respond, client):
    shared = CaseGroupCheck(deps.store, deps.prompts).share(asked.review_key, actor=asked.user)
    failures = send(client, shared.told)
    said = shared.said
    if failures:
        said += " Not delivered: " + "; ".join(f"{d.about} (Slack said `{code}`)" for d, code in failures) + "."
    respond(said)


@subcommand("report", "/review report KEY", "the draft report, as a Word document sent to your DM "
            "(`casegroup report KEY` writes it too, as Word, HTML or Markdown).", roles={"lead", "team"},
            doing="make its report")
def review_report(asked, deps, respond, client):
    store, say = deps.store, deps.prompts.say
    review = store.reviews.get(asked.review_key)
    respond(say("report_slack.working", title=neutralise(review.title)))
    today = store.clock().date()
    report = build_report(store, review, deps.prompts, today)
    failed = send_file(client, asked.user, f"{review.key}-report-draft-{today.isoformat()}.docx",
                       f"{report.title}: {report.version}", docx_bytes(report), say("report_slack.comment"))
    respond(say("report_slack.failed", problem=failed, key=review.key) if failed
            else say("report_slack.sent", title=neutralise(review.title)))
    store.audit.add(asked.user, "report.made", review.key,
                    f"as docx; file {'not sent: ' + failed if failed else 'sent to DM'}")


@subcommand("comments", "/review comments KEY", "the agencies' factual-accuracy comments on the draft report, by "
            "section and finding, with their status; leads resolve each (drop a commented .docx into my DM to "
            "bring one agency's in).", roles={"lead", "team"}, doing="read the agencies' comments")
def review_comments(asked, deps, respond, client):
    accuracy = AccuracyReview(deps.store, deps.prompts)
    review = accuracy.review(asked.review_key)
    message = comments_message(accuracy, review, accuracy.shown(review.key), can_resolve="lead" in asked.roles)
    respond(text=message["text"], blocks=message["blocks"])


def parse_review(deps: Deps, command: dict) -> ReviewCommand:
    """The subcommand and its review; a usage line, or a question, when the words alone answer it."""
    words = (command.get("text") or "").split()
    name, args = (words[0].lower() if words else "help"), tuple(words[1:])
    entry = SUBCOMMANDS.get(name)
    if entry is None:
        return ReviewCommand(command["user_id"], answer=f"I don't know `/review {name[:40]}`.\n{help_text()}")
    # `help` last, after the key too (`/review stage KEY help`): it is never a stage, member or review.
    if args and args[-1].lower() in ("help", "--help"):
        return ReviewCommand(command["user_id"], answer=f"`{entry.usage}`: {entry.helptext}")
    asked = ReviewCommand(command["user_id"], name=name, args=args, trigger_id=command.get("trigger_id") or "",
                          text=command.get("text") or "")
    if not entry.needs_review or (entry.key_optional and not args):
        return asked
    if not args:
        return replace(asked, answer=f"Which review? Use `{entry.usage}`; `/review list` shows your reviews.")
    # An unknown key ("") is refused by the role check as a review the caller has no part in is, in the
    # same words (bot/access.py): the answer doesn't say which keys exist.
    return replace(asked, review_key=deps.store.reviews.key_for(args[0]) or "", allowed=entry.roles,
                   doing=entry.doing)


def acknowledge_review(ack, asked: ReviewCommand, deps: Deps, client):
    """A form opens at once, within the trigger_id's 3 seconds; everything else is the lazy listener's."""
    if asked.subcommand.opens_modal:
        client.views_open(trigger_id=asked.trigger_id, view=asked.subcommand.run(deps, asked.review_key))
    ack()


def run_review(asked: ReviewCommand, deps: Deps, respond, client):
    if asked.subcommand.opens_modal:
        return  # the acknowledgement opened the form; its submission does the work
    asked.subcommand.run(asked, deps, respond, client)


def register(app: App) -> None:
    app.command("/review", middleware=[ParseOnce(parse_review)])(ack=acknowledge_review,
                                                                 lazy=[reporting_errors(run_review)])
