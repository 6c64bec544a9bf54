"""The review team's follow-up questions as each output of the digest shows them, under the practitioner's account:
Slack mrkdwn lines (bot/render/digest_blocks.py), Markdown and HTML (bot/render/digest_text.py). The JSON export
carries them as data (Account.follow_ups). The words are digest.toml's [follow_ups].

Each is marked as a follow-up from the review team, apart from the reflection's own answers: the question, which
answer it was about, and the practitioner's reply (or that they declined, or haven't answered yet).
"""
from __future__ import annotations

import datetime as dt
import html as html_lib

from bot.core.digest_rules import DigestWording
from bot.core.follow_ups import FollowUpShown
from bot.core.review import day
from bot.core.text import neutralise, quoted, shorten


def when(stamped: str) -> str:
    """'8 Jan 2024' from a stored time."""
    return day(dt.datetime.fromisoformat(stamped).date()) if stamped else ""


def _status(wording: DigestWording, follow_up: FollowUpShown, escape=lambda text: text) -> str:
    asked = wording.say_in(escape, "follow_ups.asked", when=when(follow_up.asked_at))
    if follow_up.status == "asked":
        return f"{asked}, {wording.say_in(escape, 'follow_ups.waiting')}"
    return f"{asked}, {wording.say_in(escape, f'follow_ups.{follow_up.status}', when=when(follow_up.answered_at))}"


def _about(wording: DigestWording, follow_up: FollowUpShown, escape) -> str:
    return f" {wording.say_in(escape, 'follow_ups.about', field=escape(follow_up.field))}" if follow_up.field else ""


def slack_lines(wording: DigestWording, follow_ups: list[FollowUpShown], chars: int) -> list[str]:
    """mrkdwn, each follow-up a line of its own: the question and the answer quoted, shortened to `chars` each."""
    lines = []
    for f in follow_ups:
        lines.append(f"_↳ {wording.say('follow_ups.label', follow_up=f.name)}{_about(wording, f, neutralise)}_ · "
                     f"{_status(wording, f)}\n*{wording.say('follow_ups.question')}:*\n"
                     f"{quoted(shorten(neutralise(f.question), chars))}"
                     + (f"\n*{wording.say('follow_ups.answer')}:*\n{quoted(shorten(neutralise(f.answer), chars))}"
                        if f.answer else ""))
    return lines


def markdown_lines(wording: DigestWording, follow_ups: list[FollowUpShown], md, say) -> list[str]:
    """Markdown list items, escaped with the digest's own `md` and said with its `say`."""
    lines = []
    for f in follow_ups:
        about = f" {say(wording, 'follow_ups.about', field=md(f.field))}" if f.field else ""
        lines.append(f"- *{say(wording, 'follow_ups.label', follow_up=f.name)}{about}* ({_status(wording, f)})")
        lines.append(f"    - **{say(wording, 'follow_ups.question')}:** {md(f.question)}")
        if f.answer:
            lines.append(f"    - **{say(wording, 'follow_ups.answer')}:** {md(f.answer)}")
    return lines


def _h(text: str) -> str:
    return html_lib.escape(text, quote=True)


def html(wording: DigestWording, follow_ups: list[FollowUpShown]) -> str:
    """A `<div class="follow-up">` per follow-up, for an account's cell."""
    parts = []
    for f in follow_ups:
        parts.append(f'<div class="follow-up"><p class="meta"><em>{_h(wording.say("follow_ups.label", follow_up=f.name))}'
                     f"{_about(wording, f, _h)}</em> ({_status(wording, f, _h)})</p>"
                     f"<p><strong>{_h(wording.say('follow_ups.question'))}:</strong> {_h(f.question)}</p>"
                     + (f"<p><strong>{_h(wording.say('follow_ups.answer'))}:</strong> {_h(f.answer)}</p>"
                        if f.answer else "") + "</div>")
    return "".join(parts)
