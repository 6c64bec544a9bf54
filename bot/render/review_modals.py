"""The modals of `/review add-member` and `/review add-episode`.

Each input's block_id is the field's name, and its action_id is "value", so a submission
reads back as {field: value} (see `submitted_values`) and field errors name the same blocks.
"""
from __future__ import annotations

from bot.core.review import Review
from bot.render.blocks import input_block, modal, option, static_select, text_input

ADD_MEMBER = "review_add_member"
ADD_EPISODE = "review_add_episode"


def add_member_modal(review: Review) -> dict:
    episodes = [option(f"{e.key}: {e.title}", e.key) for e in review.episodes]
    return modal(ADD_MEMBER, "Add to the case group", "Add", [
        input_block("user", "Who", {"type": "users_select", "action_id": "value"}),
        input_block("role", "Role", text_input("value", 60), hint="Like “Health visitor”. Outputs name people "
                                                                  "by role and agency only."),
        input_block("agency", "Agency", text_input("value", 80)),
        input_block("episodes", "Key practice episodes", static_select("value", "Choose episodes", episodes,
                                                                       multi=True)),
    ], private_metadata=review.key)


def add_episode_modal(review: Review) -> dict:
    blocks = [
        input_block("key", "Key", text_input("value", 64), hint="Letters, digits, - or _, like KPE6."),
        input_block("title", "Title", text_input("value", 140), hint="Neutral words: an episode can show good "
                                                                     "or problematic practice."),
        input_block("start", "Start", {"type": "datepicker", "action_id": "value"}),
        input_block("end", "End", {"type": "datepicker", "action_id": "value"}, optional=True),
        input_block("description", "What happened", text_input("value", 3000, multiline=True), optional=True),
    ]
    if review.members:
        blocks.append(input_block("members", "Case group members involved", static_select(
            "value", "Choose members", [option(m.attribution, m.slack_id) for m in review.members], multi=True),
            optional=True))
    return modal(ADD_EPISODE, "Add an episode", "Add", blocks, private_metadata=review.key)


def submitted_values(view: dict) -> dict:
    """{field: value} from a view submission: text, a user, a date, one chosen value, or a list of them."""
    values = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        element = elements.get("value") or {}
        if "selected_options" in element:
            values[block_id] = [o["value"] for o in element.get("selected_options") or []]
        elif "selected_option" in element:   # a static_select: one choice, or none
            values[block_id] = (element.get("selected_option") or {}).get("value") or ""
        elif "selected_user" in element:
            values[block_id] = element.get("selected_user") or ""
        elif "selected_date" in element:
            values[block_id] = element.get("selected_date") or ""
        else:
            values[block_id] = (element.get("value") or "").strip()
    return values
