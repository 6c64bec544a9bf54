"""Block Kit rendering of the conversation's replies. Every Block Kit limit is enforced here.

`messages(replies, view)` turns core Replies into chat.postMessage payloads
({"text": ..., "blocks": [...]}), split so that no message breaks a limit.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.conversation import Reply, display
from bot.core.prompts import Prompts
from bot.core.review import Assignment, Member, Review
from bot.core.text import neutralise, shorten

# Slack's limits (docs/slack-platform.md). Exceed one and the whole call fails.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_SELECT_OPTIONS = 100
MAX_FALLBACK_TEXT = 3000
MAX_VIEW_BLOCKS = 100          # a modal or the Home tab
MAX_VIEW_TITLE = 24            # a modal's title, submit and close labels
MAX_PRIVATE_METADATA = 3000
MAX_INPUT_LENGTH = 3000        # plain_text_input max_length
# A message with more than about 13k characters of blocks fails with msg_blocks_too_long.
MAX_MESSAGE_CHARS = 11_000
# How much of one answer "check your answers" shows; the full text stays stored.
ANSWER_PREVIEW_CHARS = 600

ACTION_PREFIX = "reflect"


def mrkdwn(text: str, verbatim: bool = False) -> dict:
    element = {"type": "mrkdwn", "text": shorten(text, MAX_SECTION_TEXT)}
    if verbatim:
        element["verbatim"] = True  # practitioner text: no auto-linking of names or channels
    return element


def section(text: str, verbatim: bool = False) -> dict:
    return {"type": "section", "text": mrkdwn(text or " ", verbatim)}


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": shorten(text, MAX_HEADER_TEXT), "emoji": True}}


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:MAX_CONTEXT_ELEMENTS] if t]}


def divider() -> dict:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    element = {"type": "button", "action_id": action_id, "value": value[:MAX_BUTTON_VALUE],
               "text": {"type": "plain_text", "text": shorten(text, MAX_BUTTON_TEXT), "emoji": True}}
    if style:
        element["style"] = style
    return element


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)[:MAX_ACTIONS_ELEMENTS]}


def option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": shorten(text, MAX_OPTION_TEXT)}, "value": value[:MAX_OPTION_VALUE]}


def fallback_text(blocks: list[dict]) -> str:
    """The notification text: the first words of the first block that has any."""
    for block in blocks:
        text = block.get("text", {}).get("text") if isinstance(block.get("text"), dict) else None
        if text and text.strip():
            return shorten(text.strip(), 150)
    return "casegroup"


def split_messages(blocks: list[dict]) -> list[dict]:
    """Split blocks into messages that each keep within Slack's block and size limits."""
    if len(blocks) <= MAX_BLOCKS and len(str(blocks)) <= MAX_MESSAGE_CHARS:  # nearly always: one message
        return [{"text": fallback_text(blocks), "blocks": blocks}]
    messages, current, size = [], [], 0
    for block in blocks:
        block_size = len(str(block))
        if current and (len(current) >= MAX_BLOCKS or size + block_size > MAX_MESSAGE_CHARS):
            messages.append(current)
            current, size = [], 0
        current.append(block)
        size += block_size
    if current:
        messages.append(current)
    return [{"text": fallback_text(m), "blocks": m} for m in messages]


@dataclass
class View:
    """What the renderer needs besides the replies: the wording, and whose conversation it is."""
    prompts: Prompts
    assignment: Assignment

    @property
    def review(self) -> Review:
        return self.assignment.review

    @property
    def member(self) -> Member:
        return self.assignment.member


def action_value(review_key: str, token: str, typed: str) -> str:
    """A button's value: which review, which question it belongs to, and what clicking it types."""
    return f"{review_key}|{token}|{typed}"


def _intro(view: View, again: bool = False) -> list[dict]:
    """The invitation; `again`, its short form for someone who writes before answering it: who is asking, how
    their words will be used, and the consent question with its buttons."""
    review, member, p = view.review, view.member, view.prompts
    episodes = view.assignment.episodes
    subject_label = review.people[0].label if review.people else p.say(f"intro.subject_label_{review.kind}")
    values = dict(title=review.title, board=review.board, role=member.role, agency=member.agency,
                  subject=review.subject, subject_label=subject_label, count=len(episodes),
                  episode_list=", ".join(f"{e.key} ({e.title})" for e in episodes))
    consent = [
        section(p.say("intro.consent_question", **values)),
        actions(button(p.say("intro.consent_yes_button"), f"{ACTION_PREFIX}_consent_yes",
                       action_value(review.key, "consent", "yes"), "primary"),
                button(p.say("intro.consent_no_button"), f"{ACTION_PREFIX}_consent_no",
                       action_value(review.key, "consent", "no"))),
    ]
    if again:
        return [section(p.say("intro.again", **values)), section(p.say("intro.how_used", **values)), *consent]
    return [
        header(p.say("intro.header", title=review.title)),
        section(p.say("intro.greeting", **values)),
        section(p.say("intro.purpose", **values)),
        section(p.say("intro.how_used", **values)),
        section(p.say("intro.outline", **values)),
        *consent,
    ]


def _ask(view: View, reply: Reply, named: set[str]) -> list[dict]:
    """A question. Each thing is said once in a message: the episode's key (in the header at its first question,
    else in the context line, and not at all when an earlier reply of the message named it), and each option (as
    a button, or as numbered text when there are more than a message's buttons can hold)."""
    p, review_key = view.prompts, view.review.key
    slot = reply.slot
    episode, step = slot.episode, slot.step
    blocks = []
    where = p.say("episode.context", dates=episode.dates, n=reply.number, total=reply.total)
    if reply.number == 1:
        blocks.append(header(p.say("episode.header", episode_key=episode.key, episode_title=episode.title)))
        if episode.description:
            blocks.append(context(neutralise(episode.description)))
    elif reply.number and episode.key not in named:
        where += f" · {episode.key}"
    if reply.number:   # a question for the whole reflection (a `once` step) has no episode and no counter
        named.add(episode.key)
        blocks.append(context(where))
    blocks.append(section(f"*{step.question.strip('*')}*" if not step.question.startswith("*") else step.question))
    keep = not step.required or reply.current is not None
    # The options are buttons when they fit in one actions block beside Skip/Keep; otherwise numbered text.
    option_buttons = step.kind == "choice" and len(step.options) + int(keep) <= MAX_ACTIONS_ELEMENTS
    if step.kind == "factors":
        blocks.append(section("\n".join(f"{i}. {h.name}" for i, h in enumerate(p.headings, start=1))))
    if step.kind == "choice" and not option_buttons:
        blocks.append(section("\n".join(f"{i}. {o.label}" for i, o in enumerate(step.options, start=1))))
    hint = step.hint_for(view.review.kind)
    if hint:
        blocks.append(context(hint))
    if reply.current is not None:
        current = neutralise(display(reply.current, step)) or p.say("check.skipped")
        blocks.append(section(p.say("replies.current_answer", answer=shorten(current, 2500)), verbatim=True))
    buttons = []
    if option_buttons:
        buttons = [button(o.label, f"{ACTION_PREFIX}_choice_{i}", action_value(review_key, slot.token, o.value))
                   for i, o in enumerate(step.options)]
    if keep:
        buttons.append(button(p.say("replies.skip_button" if reply.current is None else "replies.keep_button"),
                              f"{ACTION_PREFIX}_skip",
                              action_value(review_key, slot.token, "skip")))
    if buttons:
        blocks.append(actions(*buttons))
    return blocks


def _clarify(view: View, reply: Reply) -> list[dict]:
    token = "clarify"
    # Each candidate once: as a numbered button when a few, else as numbered text (the practitioner types the number).
    with_buttons = len(reply.candidates) <= 5
    # The question quotes what the practitioner typed, so all of it is neutralised.
    lines = "" if with_buttons else "\n" + "\n".join(f"{i}. {neutralise(c)}"
                                                     for i, c in enumerate(reply.candidates, start=1))
    blocks = [section(f"{neutralise(reply.text)}{lines}", verbatim=True)]
    if reply.footer:
        blocks.append(context(reply.footer))
    if with_buttons:
        blocks.append(actions(*[button(f"{i}. {c}", f"{ACTION_PREFIX}_clarify_{i}",
                                       action_value(view.review.key, token, str(i)))
                                for i, c in enumerate(reply.candidates, start=1)]))
    return blocks


def _answers(view: View, reply: Reply, with_actions: bool) -> list[dict]:
    p = view.prompts
    blocks = [header(p.say("check.header"))]
    if with_actions:
        blocks.append(context(p.say("check.intro")))
    lines: list[str] = []
    current_episode = None

    def flush():
        if lines:
            blocks.append(section("\n".join(lines), verbatim=True))
            lines.clear()

    for item in reply.items:
        episode = item.slot.episode
        if episode.key != current_episode:
            flush()
            current_episode = episode.key
            title = p.say("check.episode_header", episode_key=episode.key, episode_title=episode.title) \
                if episode.key else p.say("guide.whole_review")
            blocks.append(section("*" + title + "*"))
        if item.value is None:
            answer = p.say("check.unanswered")
        elif display(item.value) == "":
            answer = p.say("check.skipped")
        else:
            answer = shorten(neutralise(display(item.value, item.slot.step)), ANSWER_PREVIEW_CHARS, " " + p.say("check.truncated"))
        entry = f"*{item.number}. {item.slot.step.label}*\n{answer}"
        if sum(len(line) + 1 for line in lines) + len(entry) > MAX_SECTION_TEXT - 100:
            flush()
        lines.append(entry)
    flush()
    if with_actions:
        # By number and question only: the list above names each episode once, under its own heading.
        choices = [option(f"{i.number}. {i.slot.step.label}", action_value(view.review.key, "check", str(i.number)))
                   for i in reply.items[:MAX_SELECT_OPTIONS]]
        blocks.append(actions(
            button(p.say("check.submit_button"), f"{ACTION_PREFIX}_submit",
                   action_value(view.review.key, "check", "submit"), "primary"),
            {"type": "static_select", "action_id": f"{ACTION_PREFIX}_change",
             "placeholder": {"type": "plain_text", "text": shorten(p.say("check.change_placeholder"), 150)},
             "options": choices},
        ))
    return blocks


def _confirm(view: View, reply: Reply) -> list[dict]:
    """A yes/no question about something that can't be undone: the buttons type `yes` and `no`."""
    yes, no = reply.candidates
    return [section(reply.text),
            actions(button(yes, f"{ACTION_PREFIX}_confirm_yes", action_value(view.review.key, "confirm", "yes"),
                           "danger"),
                    button(no, f"{ACTION_PREFIX}_confirm_no", action_value(view.review.key, "confirm", "no")))]


def _offer(view: View, reply: Reply) -> list[dict]:
    """A gentle question with buttons that type `reply.typed`: answering it is never needed to carry on."""
    return [section(reply.text),
            actions(*[button(label, f"{ACTION_PREFIX}_offer_{i}", action_value(view.review.key, "clarify", typed))
                      for i, (label, typed) in enumerate(zip(reply.candidates, reply.typed))])]


def reply_blocks(view: View, reply: Reply, named: set[str] | None = None) -> list[dict]:
    """The blocks of one reply. `named`: the episodes the message has named so far (this reply adds its own),
    so that a question after "check your answers" or `answers` does not name its episode again."""
    named = set() if named is None else named
    if reply.kind in ("check", "answers"):
        named.update(item.slot.episode.key for item in reply.items)
    if reply.kind in ("intro", "intro_again"):
        return _intro(view, again=reply.kind == "intro_again")
    if reply.kind == "ask":
        return _ask(view, reply, named)
    if reply.kind == "clarify":
        return _clarify(view, reply)
    if reply.kind == "confirm":
        return _confirm(view, reply)
    if reply.kind == "offer":
        return _offer(view, reply)
    if reply.kind == "check":
        return _answers(view, reply, with_actions=True)
    if reply.kind == "answers":
        return _answers(view, reply, with_actions=False)
    if reply.kind == "quote":
        return [section(neutralise(reply.text), verbatim=True)]
    return [section(reply.text)]


def messages(view: View, replies: list[Reply]) -> list[dict]:
    """The chat.postMessage payloads for a list of replies, in order, within every limit."""
    blocks: list[dict] = []
    named: set[str] = set()
    for reply in replies:
        blocks.extend(reply_blocks(view, reply, named))
    return split_messages(blocks)


def offered(payloads: list[dict]) -> list[list[str]]:
    """The buttons and menu options of the last of `payloads` that has any, as [label, what clicking it types]
    (the last part of its value: see action_value), in the order shown; [] when none has any. The service keeps
    them in State.offered, so that typing a label or its number is clicking it (bot/core/buttons.py).

    >>> offered([{"blocks": [actions(button("Skip", "reflect_skip", action_value("child-d", "KPE1/x", "skip")))]}])
    [['Skip', 'skip']]
    """
    for payload in reversed(payloads):
        found = []
        for block in payload.get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                entries = element.get("options", []) if "options" in element else [element]
                found += [[entry["text"]["text"], entry.get("value", "").split("|", 2)[-1]] for entry in entries]
        if found:
            return found
    return []


def notice(text: str) -> dict:
    """A one-section message: for errors, refusals and short confirmations."""
    return {"text": shorten(text, MAX_FALLBACK_TEXT), "blocks": [section(text)]}


# ----- views: the Home tab and modals ---------------------------------------

def plain_text(text: str, limit: int = MAX_HEADER_TEXT) -> dict:
    return {"type": "plain_text", "text": shorten(text, limit), "emoji": True}


def static_select(action_id: str, placeholder: str, options: list[dict], multi: bool = False) -> dict:
    return {"type": "multi_static_select" if multi else "static_select", "action_id": action_id,
            "placeholder": plain_text(placeholder), "options": options[:MAX_SELECT_OPTIONS]}


def input_block(block_id: str, label: str, element: dict, optional: bool = False, hint: str = "") -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain_text(label, 2000), "element": element,
             "optional": optional}
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


def text_input(action_id: str, max_length: int, multiline: bool = False) -> dict:
    return {"type": "plain_text_input", "action_id": action_id, "multiline": multiline,
            "max_length": min(max_length, MAX_INPUT_LENGTH)}


def home_view(blocks: list[dict]) -> dict:
    """A Home tab. The renderer summarises to stay within the limit; the cut here is the last guard."""
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def modal(callback_id: str, title: str, submit: str, blocks: list[dict], private_metadata: str = "") -> dict:
    if len(private_metadata) > MAX_PRIVATE_METADATA:
        raise ValueError("private_metadata is longer than Slack allows")
    return {"type": "modal", "callback_id": callback_id, "title": plain_text(title, MAX_VIEW_TITLE),
            "submit": plain_text(submit, MAX_VIEW_TITLE), "close": plain_text("Cancel", MAX_VIEW_TITLE),
            "private_metadata": private_metadata, "blocks": blocks[:MAX_VIEW_BLOCKS]}
