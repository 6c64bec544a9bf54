"""Slack's Block Kit limits, checked the way Slack checks them (../shared/docs/slack-platform.md).

Written out here, separately from bot/render/blocks.py, so that a test catches a
renderer that trusts its own constants.
"""
from __future__ import annotations

import json

MESSAGE_BLOCKS = 50
SECTION_TEXT = 3000
SECTION_FIELDS = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
# "In practice a message of more than about 13k characters of blocks fails (msg_blocks_too_long)."
MESSAGE_CHARS = 13_000


def problems(blocks: list[dict]) -> list[str]:
    """Every limit `blocks` (one message) breaks; empty when Slack would take it."""
    found = []
    if len(blocks) > MESSAGE_BLOCKS:
        found.append(f"{len(blocks)} blocks > {MESSAGE_BLOCKS}")
    size = len(json.dumps(blocks, ensure_ascii=False))
    if size > MESSAGE_CHARS:
        found.append(f"{size} characters of blocks > {MESSAGE_CHARS}")
    for number, block in enumerate(blocks):
        kind = block.get("type")
        where = f"block {number} ({kind})"
        if kind == "section":
            text = (block.get("text") or {}).get("text", "")
            if not text.strip():
                found.append(f"{where}: empty text")
            if len(text) > SECTION_TEXT:
                found.append(f"{where}: text {len(text)} > {SECTION_TEXT}")
            if len(block.get("fields", [])) > SECTION_FIELDS:
                found.append(f"{where}: more than {SECTION_FIELDS} fields")
        elif kind == "header":
            if len(block["text"]["text"]) > HEADER_TEXT:
                found.append(f"{where}: text {len(block['text']['text'])} > {HEADER_TEXT}")
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > CONTEXT_ELEMENTS:
                found.append(f"{where}: {len(elements)} elements (1 to {CONTEXT_ELEMENTS})")
            for element in elements:
                if len(element.get("text", "")) > SECTION_TEXT:
                    found.append(f"{where}: element text longer than {SECTION_TEXT}")
        elif kind == "actions":
            elements = block.get("elements", [])
            if len(elements) > ACTIONS_ELEMENTS:
                found.append(f"{where}: {len(elements)} elements > {ACTIONS_ELEMENTS}")
            for element in elements:
                if element.get("type") == "button":
                    if len(element["text"]["text"]) > BUTTON_TEXT or len(element.get("value", "")) > BUTTON_VALUE:
                        found.append(f"{where}: button text or value too long")
                for option in element.get("options", []):
                    if len(option["text"]["text"]) > OPTION_TEXT or len(option["value"]) > OPTION_VALUE:
                        found.append(f"{where}: option text or value too long")
                if len(element.get("options", [])) > SELECT_OPTIONS:
                    found.append(f"{where}: more than {SELECT_OPTIONS} options")
        elif kind != "divider":
            found.append(f"{where}: a block type this check does not know")
    return found


def assert_within_limits(message: dict) -> None:
    """A chat.postMessage / response_url payload: its blocks, and its fallback text."""
    assert message.get("text"), "a message needs fallback text for notifications"
    found = problems(message.get("blocks") or [])
    assert not found, found
