"""Check Slack payloads against the limits Slack documents in its Block Kit reference (blocks, block
elements, composition objects) and for views and message text.

Written from the documented limits, independently of bot/render/blocks.py, so that a
mistake in the renderer's constants can't hide itself.
"""
from __future__ import annotations

import json

LIMITS = {"message_blocks": 50, "surface_blocks": 100, "section_text": 3000, "section_fields": 10, "field_text": 2000,
          "header": 150, "actions": 25, "context": 10, "button_text": 75, "button_value": 2000, "option_text": 75,
          "option_value": 150, "select_options": 100, "view_text": 24, "private_metadata": 3000,
          "input_max_length": 3000, "message_chars": 13_000}


def _text(obj) -> str:
    return (obj or {}).get("text", "") if isinstance(obj, dict) else ""


def _element_problems(element: dict) -> list[str]:
    problems = []
    kind = element.get("type")
    if kind == "button":
        if len(_text(element.get("text"))) > LIMITS["button_text"]:
            problems.append("button text over 75")
        if len(element.get("value", "")) > LIMITS["button_value"]:
            problems.append("button value over 2000")
    if kind in ("static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"):
        options = element.get("options", [])
        if kind == "overflow" and not 1 <= len(options) <= 5:
            problems.append("overflow needs 1 to 5 options")
        if len(options) > LIMITS["select_options"]:
            problems.append("more than 100 options")
        for option in options:
            if len(_text(option.get("text"))) > LIMITS["option_text"]:
                problems.append("option text over 75")
            if len(option.get("value", "")) > LIMITS["option_value"]:
                problems.append("option value over 150")
    if kind == "plain_text_input" and element.get("max_length", 0) > LIMITS["input_max_length"]:
        problems.append("plain_text_input max_length over 3000")
    return problems


def block_problems(blocks: list[dict], surface: str = "message") -> list[str]:
    """Every limit the blocks break ([] when they are fine)."""
    problems = []
    cap = LIMITS["message_blocks"] if surface == "message" else LIMITS["surface_blocks"]
    if len(blocks) > cap:
        problems.append(f"{len(blocks)} blocks (max {cap})")
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if len(_text(block.get("text"))) > LIMITS["section_text"]:
                problems.append("section text over 3000")
            if block.get("text") is not None and not _text(block.get("text")).strip():
                problems.append("section with empty text")  # Slack refuses it as invalid_blocks
            fields = block.get("fields", [])
            if len(fields) > LIMITS["section_fields"] or any(len(_text(f)) > LIMITS["field_text"] for f in fields):
                problems.append("section fields over the limit")
            if block.get("accessory"):
                problems += _element_problems(block["accessory"])
        elif kind == "header" and len(_text(block.get("text"))) > LIMITS["header"]:
            problems.append("header over 150")
        elif kind == "actions":
            if len(block.get("elements", [])) > LIMITS["actions"]:
                problems.append("actions block with more than 25 elements")
            for element in block.get("elements", []):
                problems += _element_problems(element)
        elif kind == "context":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= LIMITS["context"]:
                problems.append(f"context block with {len(elements)} elements (1 to 10)")
            if any(len(_text(e)) > LIMITS["section_text"] for e in elements):
                problems.append("context element text over 3000")
        elif kind == "input":
            problems += _element_problems(block.get("element", {}))
    if surface == "message" and len(json.dumps(blocks, ensure_ascii=False)) > LIMITS["message_chars"]:
        problems.append("message blocks over about 13k characters")
    return problems


def view_problems(view: dict) -> list[str]:
    problems = block_problems(view.get("blocks", []), surface=view.get("type", "modal"))
    for key in ("title", "submit", "close"):
        if len(_text(view.get(key))) > LIMITS["view_text"]:
            problems.append(f"view {key} over 24")
    if len(view.get("private_metadata", "")) > LIMITS["private_metadata"]:
        problems.append("private_metadata over 3000")
    return problems


def call_problems(method: str, args: dict) -> list[str]:
    """The limits an outgoing Web API call breaks, for the methods that carry Block Kit."""
    if method in ("views.publish", "views.open", "views.update", "views.push"):
        return view_problems(args.get("view") or {})
    blocks = args.get("blocks") or []
    return block_problems(blocks) if isinstance(blocks, list) else ["blocks is not a list"]


def assert_within_limits(message: dict) -> None:
    """A chat.postMessage or response_url payload: its blocks, and the fallback text notifications need."""
    assert message.get("text"), "a message needs fallback text for notifications"
    found = block_problems(message.get("blocks") or [])
    assert not found, found
