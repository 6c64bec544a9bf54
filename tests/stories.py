"""Story helpers shared by tests: a practitioner typing their whole reflection."""
from __future__ import annotations

from bot.core.prompts import Prompts

FIELDS = ["involvement", "at_the_time", "front_of_mind", "options", "hoped_to_achieve", "knowledge_source",
          "factors", "went_well", "changes"]


def typed_value(reflection: dict, field: str) -> str:
    """What a practitioner types for `field`: factors one per semicolon, an empty answer as `skip`."""
    value = reflection[field]
    if isinstance(value, list):
        return "; ".join(value)
    return value if value else "skip"


def stored_words(typed: list[str], prompts: Prompts) -> list[tuple[str | None, str]]:
    """(heading, words) each typed factor is stored as: a heading's name before a colon says where the words go,
    and is not kept in them; otherwise the heading is found from the words (None here: any heading)."""
    names = {h.name for h in prompts.headings}
    return [(label, words) if label in names else (None, factor)
            for factor in typed for label, _, words in [factor.partition(": ")]]


def reflections_by_member(reflections: list[dict], review) -> dict[str, list[dict]]:
    """Each member's reflections in the order the bot asks: their episodes in timeline order."""
    order = [e.key for e in review.episodes]
    by_member: dict[str, list[dict]] = {}
    for reflection in reflections:
        by_member.setdefault(reflection["member"], []).append(reflection)
    for items in by_member.values():
        items.sort(key=lambda r: order.index(r["episode"]))
    return by_member


def answer_everything(slack, user: str, reflections: list[dict], prompts: Prompts, submit: bool = True) -> None:
    """Consent, then type every answer of every episode, then submit."""
    slack.dm(user, "yes")
    for reflection in reflections:
        for step in prompts.steps:
            slack.dm(user, typed_value(reflection, step.key))
    if submit:
        slack.dm(user, "submit")


def record(store, state, writes=(), events=(), actor: str = "") -> None:
    """Store one conversation step without typing it (in its own transaction, as the flow would)."""
    with store.transaction() as tx:
        store.conversations.record(tx, state, writes, events, actor)


def submit_directly(store, review, reflections: list[dict], prompts) -> None:
    """Each member's reflections stored as submitted (version 1), without typing them: for tests about digests.

    Factors go through the same matching as typed ones, so they are stored as the conversation stores them.
    """
    from bot.core.conversation import State
    from bot.core.matching import match_factors

    by_member = reflections_by_member(reflections, review)
    for member, items in by_member.items():
        writes = []
        for reflection in items:
            for field in FIELDS:
                value = reflection[field]
                if field == "factors":
                    found = match_factors("; ".join(value), prompts.headings)
                    assert not found.unclear, "the conversation would ask which heading: name it in the data"
                    value = [f.as_dict() for f in found.resolved]
                writes.append((reflection["episode"], field, value))
        record(store, State(review.key, member, stage="submitted", version=1), writes, events=["submitted"])
