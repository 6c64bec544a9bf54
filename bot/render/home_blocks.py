"""The App Home tab, the progress grid and the reminder DM, as Block Kit.

Built from the plain results of bot/lead_actions.py with the helpers (and limits) of blocks.py.
The Home tab stays within 100 blocks whatever the review's size: it shows a few rows per
review and the reviews that fit, and says where to see the rest.

    view = home_view(home_blocks(prompts, lead_actions.home(user)))
"""
from __future__ import annotations

from bot.core.lifecycle import next_stage
from bot.core.progress import STATUSES, MemberProgress, ReviewProgress
from bot.core.prompts import Prompts
from bot.core.review import Review
from bot.core.text import neutralise
from bot.render.blocks import (MAX_SECTION_TEXT, MAX_SELECT_OPTIONS, MAX_VIEW_BLOCKS, actions, button, context,
                               divider, header, option, section, split_messages, static_select)
from bot.lead_actions import Home, LeadCard, PractitionerCard, StageMove, day
from bot.render.analysis_blocks import finding_card
from bot.render.feedback_blocks import comment_blocks, feedback_lines
from bot.render.finding_check_blocks import with_responses
from bot.render.follow_up_blocks import counts_line, status_lines

# Action ids of the Home tab and the reminder DM (bot/listeners/actions/home.py).
NUDGE_ALL = "home_nudge_all"
NUDGE_ONE = "home_nudge_one"
SUMMARY = "home_summary"
NEXT_STAGE = "home_next_stage"
CONFIRM_STAGE = "review_confirm_stage"   # the button of a stage move that waits for the lead's yes
CONTINUE = "home_continue"
SNOOZE = "home_snooze"

GRID_ROWS = 12          # members shown per review on the Home tab; `/review status KEY` lists all
LEAD_CARD_BLOCKS = 7    # section, grid, counts, actions, findings, their buttons, divider


def pair(review_key: str, rest: str) -> str:
    """A button's value: the review, and what the button is about."""
    return f"{review_key}|{rest}"


def grid_line(prompts: Prompts, progress: MemberProgress) -> str:
    """One row of the grid: the member by role and agency, each episode's status, the last reminder."""
    cells = " · ".join(f"{key} {prompts.say('status.' + status)}" for key, status in progress.statuses.items())
    reminded = (prompts.say("home.last_reminder", date=day(progress.last_reminder_at),
                            count=progress.reminders_sent) if progress.last_reminder_at
                else prompts.say("home.never_reminded"))
    return f"*{neutralise(progress.member.attribution)}*: {cells} _({reminded})_"


def grid_lines(prompts: Prompts, progress: ReviewProgress, limit: int | None = None) -> list[str]:
    """The rows of the grid, the outstanding members first when not all fit."""
    members = progress.members
    if limit is not None and len(members) > limit:
        members = sorted(members, key=lambda m: not m.outstanding)[:limit]
    return [grid_line(prompts, m) for m in members]


def episode_counts(prompts: Prompts, progress: ReviewProgress) -> list[str]:
    lines = []
    for episode in progress.review.episodes:
        counts = progress.counts(episode.key)
        said = ", ".join(f"{counts[s]} {prompts.say('status.' + s)}" for s in STATUSES if counts.get(s))
        lines.append(f"*{episode.key}*: {said or 'nobody assigned'}")
    return lines


def _lines_section(lines: list[str]) -> dict:
    """Lines in one section, cut (never mid-line) to the section's limit."""
    kept, size = [], 0
    for line in lines:
        if size + len(line) + 1 > MAX_SECTION_TEXT - 50:
            kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return section("\n".join(kept))


def review_summary(prompts: Prompts, card: LeadCard) -> str:
    review, progress = card.review, card.progress
    text = (f"*{neutralise(review.title)}* (`{review.key}`) · stage: *{prompts.say('stages.' + review.stage)}* · "
            f"{progress.submitted} of {len(progress.members)} reflections submitted")
    if card.lifecycle and card.lifecycle.retain_until:
        text += f" · kept until {day(card.lifecycle.retain_until)}"
    if card.lifecycle and card.lifecycle.purged_at:
        text += f" · conversations purged {day(card.lifecycle.purged_at)}"
    if card.feedback:   # a closed review: the case group's feedback, counts only (bot/render/feedback_blocks.py)
        text += "\n" + feedback_lines(prompts, card.feedback)
    return text


def _lead_card(prompts: Prompts, card: LeadCard) -> list[dict]:
    review, progress = card.review, card.progress
    lines = grid_lines(prompts, progress, GRID_ROWS)
    if len(progress.members) > GRID_ROWS:
        lines.append(prompts.say("home.more_members", count=len(progress.members) - GRID_ROWS, key=review.key))
    buttons = []
    if "lead" in card.roles and review.stage == "conversations" and progress.outstanding:
        buttons.append(button(prompts.say("home.nudge_all_button"), NUDGE_ALL, pair(review.key, "all")))
        buttons.append(static_select(NUDGE_ONE, prompts.say("home.nudge_one_placeholder"), [
            option(m.member.attribution, pair(review.key, m.member.slack_id))
            for m in progress.outstanding[:MAX_SELECT_OPTIONS]]))
    buttons.append(button(prompts.say("home.summary_button"), SUMMARY, pair(review.key, "summary")))
    following = next_stage(review.stage)
    if "lead" in card.roles and following:
        buttons.append(button(prompts.say("home.next_stage_button", stage=prompts.say("stages." + following)),
                              NEXT_STAGE, pair(review.key, following)))
    findings, finding_actions = finding_card(prompts, review, card.findings)
    # The case group's response under each finding (issue 17): a ⚠ line first when someone said it doesn't fit.
    findings = [with_responses(prompts, line, card.responses.get(f.key)) for f, line in zip(card.findings, findings)]
    summary = review_summary(prompts, card)
    if card.open_comments:   # on the card's first line: the card keeps its 7 blocks
        summary += "\n" + prompts.say("accuracy.home_open", count=card.open_comments, key=review.key)
    return [section(summary),
            _lines_section(lines or ["_No case group members yet._"]),
            # The follow-up questions' counts share the episodes' context block: the card stays at 7 blocks.
            context("\n".join([*episode_counts(prompts, progress), counts_line(prompts, card.follow_ups)]).strip()),
            actions(*buttons),
            # The review team's findings: this card is only ever shown to leads and the team (LeadActions.home).
            _lines_section([prompts.say("team_analysis.findings_header", title=neutralise(review.title),
                                        key=review.key),
                            *(findings or [prompts.say("team_analysis.no_findings", key=review.key)])]),
            actions(*finding_actions),
            divider()]


def _practitioner_card(prompts: Prompts, card: PractitionerCard) -> list[dict]:
    review, progress = card.review, card.progress
    titles = {e.key: e.title for e in review.episodes}
    lines = [prompts.say("home.practitioner_review", title=neutralise(review.title),
                         stage=prompts.say("stages." + review.stage))]
    lines += [f"• {key}: {neutralise(titles.get(key, ''))}: {prompts.say('status.' + status)}"
              for key, status in progress.statuses.items()]
    blocks = [_lines_section(lines)]
    if progress.outstanding and review.stage == "conversations":
        blocks.append(actions(button(prompts.say("reminders.continue_button"), CONTINUE,
                                     pair(review.key, "continue"), "primary")))
    elif not progress.outstanding and progress.stage is not None:
        blocks.append(context(prompts.say("home.practitioner_done")))
    return blocks


def home_blocks(prompts: Prompts, home: Home) -> list[dict]:
    if not home.lead_cards and not home.practitioner_cards:
        return [header("casegroup"), section(prompts.say("home.outsider"))]
    blocks: list[dict] = []
    budget = MAX_VIEW_BLOCKS - 2  # room for a "more reviews" line
    if home.practitioner_cards:
        first = home.practitioner_cards[0]
        review, member = first.review, first.progress.member
        label = review.people[0].label if review.people else ("Child A" if review.kind == "children" else "Adult A")
        blocks += [header(prompts.say("home.practitioner_header")),
                   section(prompts.say("intro.how_used", role=member.role, agency=member.agency,
                                       subject_label=label))]
        for index, card in enumerate(home.practitioner_cards):
            card_blocks = _practitioner_card(prompts, card)
            if len(blocks) + len(card_blocks) > budget // 2:  # leave half the tab for reviews they run
                blocks.append(context(prompts.say("home.more_reviews", count=len(home.practitioner_cards) - index)))
                break
            blocks += card_blocks
    if home.lead_cards:
        legend = ", ".join(prompts.say("status." + s) for s in STATUSES)
        blocks += [header(prompts.say("home.lead_header")), context(prompts.say("home.legend", legend=legend))]
        for index, card in enumerate(home.lead_cards):
            if len(blocks) + LEAD_CARD_BLOCKS > budget:
                blocks.append(context(prompts.say("home.more_reviews", count=len(home.lead_cards) - index)))
                break
            blocks += _lead_card(prompts, card)
    return blocks


def status_messages(prompts: Prompts, progress: ReviewProgress, card: LeadCard) -> list[dict]:
    """`/review status KEY`: the whole grid, every member, split into messages within Slack's limits."""
    blocks = [section(review_summary(prompts, card))]
    lines = grid_lines(prompts, progress)
    for start in range(0, len(lines), 10):
        blocks.append(section("\n".join(lines[start:start + 10])))
    blocks.append(context("\n".join(episode_counts(prompts, progress))))
    if card.feedback:   # the line is in the summary above; the comments, unattributed, follow the grid
        blocks += comment_blocks(prompts, card.feedback)
    follow_ups = status_lines(prompts, card.review, card.follow_ups)
    for start in range(0, len(follow_ups), 10):
        blocks.append(section("\n".join(follow_ups[start:start + 10])))
    return split_messages(blocks)


def reminder_message(prompts: Prompts, review: Review, stage: str, left: int, total: int, follow_ups: int = 0) -> dict:
    """The nudge DM: how many episodes are left (and follow-up questions open), a button to continue, and one to
    snooze."""
    title = neutralise(review.title)
    waiting = prompts.say("follow_ups.reminder_line", count=follow_ups) if follow_ups else ""
    if stage == "submitted":   # reminded only for the review team's follow-up questions
        text = f"{prompts.say('follow_ups.reminder_intro', title=title)} {waiting}"
    elif stage == "consent":
        text = prompts.say("reminders.nudge_invited", title=title, total=total)
    elif left == 0:   # all answered: "0 of your 2 episodes still need your reflection" says nothing
        text = prompts.say("reminders.nudge_ready", title=title)
    else:
        text = prompts.say("reminders.nudge", title=title, left=left, total=total)
    if waiting and stage != "submitted":
        text = f"{text} {waiting}"
    blocks = [section(text),
              actions(button(prompts.say("reminders.continue_button"), CONTINUE, pair(review.key, "continue"),
                             "primary"),
                      button(prompts.say("reminders.snooze_button"), SNOOZE, pair(review.key, "snooze")))]
    return split_messages(blocks)[0]


def stage_question(prompts: Prompts, review_key: str, move: StageMove) -> dict:
    """A stage move that waits for the lead: what it would do, and the one button that does it."""
    wanted = prompts.say("stages." + move.confirm.partition(">")[2])
    return split_messages([section(move.said),
                           actions(button(prompts.say("leads.confirm_button", wanted=wanted), CONFIRM_STAGE,
                                          pair(review_key, move.confirm), "danger"))])[0]
