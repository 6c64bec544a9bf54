"""Block Kit as readable terminal text, 80 columns wide: what `casegroup try` prints.

Buttons and menus become numbered choices; the caller clicks one by its number.

>>> screen = render_blocks([{"type": "header", "text": {"type": "plain_text", "text": "Check &amp; submit"}},
...     {"type": "actions", "elements": [{"type": "button", "action_id": "a", "value": "v",
...                                       "text": {"type": "plain_text", "text": "Submit"}}]}])
>>> print(screen.text)
Check & submit
==============
  [1] Submit
>>> screen.choices[0].label
'Submit'
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from bot.core.buttons import numbered
from bot.core.text import unescape

WIDTH = 80
CHOICE_ELEMENTS = ("button", "static_select", "overflow", "radio_buttons", "checkboxes")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_LIST_ITEM = re.compile(r"^(\s*(?:[•◦▪*-]|\d+[.)])\s+)")
ZERO_WIDTH_SPACE = "\u200b"


@dataclass
class Choice:
    """One thing to click: a button, or one option of a menu."""
    number: int
    label: str
    block_id: str
    element: dict
    option: dict | None = None   # the chosen option, for menus
    numbered: bool = False       # the bot gave it its number, as in a numbered list it showed


@dataclass
class Screen:
    text: str
    choices: list[Choice] = field(default_factory=list)


def _link(match: re.Match) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("@") or target.startswith("#"):
        return label and target[0] + label or target     # <@U123> -> @U123, <#C1|review> -> #review
    if target.startswith("!"):
        return "@" + (label or target[1:].split("^")[0])  # <!here> -> @here
    return f"{label} ({target})" if label and label != target else target


def plain(mrkdwn: str) -> str:
    """Slack mrkdwn as plain text: links spelled out, *bold* and _italic_ marks dropped, &amp; unescaped.

    >>> plain("*Do you agree?* See <https://example.org|the guide> &amp; reply `yes`. &lt;!channel&gt;")
    'Do you agree? See the guide (https://example.org) & reply `yes`. <!channel>'
    """
    # Real markup first (it has bare < >); escaped text a practitioner typed stays as they typed it.
    text = _LINK.sub(_link, mrkdwn)
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    return unescape(text).replace(ZERO_WIDTH_SPACE, "")


def wrap(text: str, indent: str = "", width: int = WIDTH) -> list[str]:
    """Wrap each line of `text`; list items hang under their first word."""
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append("")
            continue
        item = _LIST_ITEM.match(line)
        hanging = indent + " " * len(item.group(1)) if item else indent
        lines.extend(textwrap.wrap(line, width=width, initial_indent=indent, subsequent_indent=hanging,
                                   break_long_words=True, break_on_hyphens=False) or [indent])
    return lines


def _text_of(element: dict | None) -> str:
    if not isinstance(element, dict):
        return ""
    text = element.get("text", "")
    if isinstance(text, dict):
        return _text_of(text)
    return plain(text) if element.get("type") == "mrkdwn" else unescape(str(text))


def _rich_text(element) -> str:
    """The words of a rich_text block, without its styling."""
    if isinstance(element, list):
        return "".join(_rich_text(e) for e in element)
    if not isinstance(element, dict):
        return ""
    if element.get("type") in ("text", "link"):
        return element.get("text") or element.get("url", "")
    if element.get("type") == "user":
        return "@" + element.get("user_id", "")
    separator = "\n" if element.get("type") in ("rich_text_list", "rich_text") else ""
    return separator.join(_rich_text(e) for e in element.get("elements", []))


def _collect_choices(block: dict, index: int) -> list[Choice]:
    block_id = block.get("block_id") or f"b{index}"
    elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
    found = []
    for element in elements:
        if not isinstance(element, dict) or element.get("type") not in CHOICE_ELEMENTS:
            continue
        if element["type"] == "button":
            found.append(Choice(0, _text_of(element), block_id, element))
        else:
            for option in element.get("options", []):
                found.append(Choice(0, _text_of(option), block_id, element, option))
    return found


def number_choices(choices: list[Choice], listed: int = 0) -> list[Choice]:
    """Number the choices as the bot reads a typed number (bot.core.buttons.numbered): 1, 2, ... in order;
    where the bot numbered a list itself (check your answers, "did you mean"), its options keep the bot's
    number, and where the message lists `listed` things by number as text (the factor headings), the choices
    follow them, so `3` means the same to both."""
    for choice, (number, label) in zip(choices, numbered([c.label for c in choices], listed)):
        choice.numbered = label != choice.label    # its "3. " was the bot's, and is now its number
        choice.number, choice.label = number, label
    return choices


def _choice_lines(choices: list[Choice], width: int) -> list[str]:
    """Short buttons share a line; a menu's options go one per line under its placeholder. A menu whose
    options the bot numbered itself ("check your answers": each is a numbered answer shown above it) is one
    line, so that nothing is listed twice: its placeholder and the numbers to type."""
    lines: list[str] = []
    row = ""
    menu = None
    said_once = False      # the current menu was said in one line
    for choice in choices:
        if choice.option is not None and choice.element is menu and said_once:
            continue
        item = f"[{choice.number}] {choice.label}"
        if choice.option is None:
            if row and len(row) + 3 + len(item) > width - 2:
                lines.append("  " + row)
                row = ""
            row = f"{row}   {item}" if row else item
            continue
        if row:
            lines.append("  " + row)
            row = ""
        if choice.element is not menu:
            menu = choice.element
            placeholder = _text_of(menu.get("placeholder")) or "Choose one:"
            options = [c for c in choices if c.element is menu]
            said_once = all(c.numbered for c in options)
            if said_once:
                lines.extend(wrap(f"{placeholder} type its number, {options[0].number} to {options[-1].number}",
                                  "  ", width))
                continue
            lines.append("  " + placeholder)
        lines.extend(wrap(item, "    ", width))
    if row:
        lines.append("  " + row)
    return lines


def _listed(blocks: list[dict]) -> int:
    """How many things a section of the message lists by number as text ("1. the family" … "9. other")."""
    longest = 0
    for block in blocks:
        text = _text_of(block.get("text")) if block.get("type") == "section" else ""
        numbers = [int(found.group(1)) for found in re.finditer(r"^(\d+)\. ", text or "", re.MULTILINE)]
        if numbers and numbers == list(range(1, len(numbers) + 1)):
            longest = max(longest, len(numbers))
    return longest


def render_blocks(blocks: list[dict], width: int = WIDTH) -> Screen:
    """Block Kit blocks as lines of text at most `width` wide, and their numbered choices."""
    # Lines of text, and in their place each block's choices, which are numbered once all are known.
    lines: list[str | list[Choice]] = []
    all_choices: list[Choice] = []
    for index, block in enumerate(blocks):
        kind = block.get("type")
        choices = _collect_choices(block, index)
        all_choices.extend(choices)
        if lines and kind not in ("context", "actions"):
            lines.append("")  # Slack spaces blocks apart; context lines sit under what they describe
        if kind == "header":
            title = _text_of(block.get("text"))
            title_lines = wrap(title, width=width)
            lines += [*title_lines, "=" * max(3, *(len(line) for line in title_lines))]
        elif kind == "section":
            if block.get("text"):
                lines += wrap(_text_of(block["text"]), width=width)
            for field_ in block.get("fields", []):
                lines += wrap(_text_of(field_), "  ", width)
        elif kind == "context":
            words = " · ".join(t for t in (_text_of(e) if e.get("type") != "image" else ""
                                           for e in block.get("elements", [])) if t)
            lines += wrap(words, "  ", width)
        elif kind == "divider":
            lines.append("-" * width)
        elif kind == "rich_text":
            lines += wrap(_rich_text(block), width=width)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind != "actions":
            lines.append(f"[a {kind} block the terminal can't show]")
        if choices:
            lines.append(choices)
    number_choices(all_choices, _listed(blocks))
    text_lines: list[str] = []
    for line in lines:
        text_lines += _choice_lines(line, width) if isinstance(line, list) else [line]
    return Screen("\n".join(text_lines), all_choices)


def render_message(payload: dict, width: int = WIDTH) -> Screen:
    """A chat.postMessage (or response_url, ephemeral) payload: its blocks, or else its text."""
    blocks = payload.get("blocks")
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, width)
    return Screen("\n".join(wrap(plain(str(payload.get("text") or "")), width=width)))
