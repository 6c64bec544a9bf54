"""Changes to a review made from Slack (a member or an episode added by a lead), checked exactly as
an import checks the review file: the changed review goes through `parse_review` again.

    review = with_member(review, "U0NEW001", "School nurse", "Northshire Schools", ["KPE4"])
    review = with_episode(review, "KPE6", "Case conference", "2025-11-03", "", "", ["U0SW0001"])

A mistake raises InvalidInput, whose `errors` name the form's field: role, agency, episodes, ...
"""
from __future__ import annotations

import dataclasses

from bot.core.review import Review, parse_review
from bot.errors import InvalidInput, ReviewFileError


def review_data(review: Review) -> dict:
    """The review as the tables of its file."""
    return {
        "review": {"key": review.key, "title": review.title, "kind": review.kind, "board": review.board,
                   "leads": list(review.leads), "team": list(review.team), "model": review.model,
                   "channel": review.channel},
        "episodes": [{"key": e.key, "title": e.title, "start": e.start.isoformat(),
                      "end": e.end.isoformat() if e.end else "", "description": e.description}
                     for e in review.episodes],
        "members": [{"slack_id": m.slack_id, "role": m.role, "agency": m.agency, "episodes": list(m.episodes)}
                    for m in review.members],
        "people": [{"label": p.label, "names": list(p.names)} for p in review.people],
    }


def _checked(review: Review, data: dict, where: str, fields: list[str]) -> Review:
    """parse_review on the changed tables; its problems about `where` become field errors."""
    try:
        changed = parse_review(data)
    except ReviewFileError as error:
        errors: dict[str, str] = {}
        for problem in error.problems:
            if not problem.startswith(where):
                continue  # the review had it before the change: not the form's fault
            rest = problem[len(where):].lstrip(": ")
            field = next((f for f in fields if rest.startswith(f) or f" {f}" in rest), fields[0])
            errors.setdefault(field, rest[0].upper() + rest[1:] + ".")
        if not errors:
            errors[fields[0]] = "This change doesn't fit the review: " + "; ".join(error.problems)
        raise InvalidInput(errors) from None
    return dataclasses.replace(changed, stage=review.stage, former=review.former)


def with_member(review: Review, slack_id: str, role: str, agency: str, episodes: list[str]) -> Review:
    """The review with one more case group member. Field names: user, role, agency, episodes."""
    if review.member(slack_id):
        raise InvalidInput({"user": "This person is already in the case group."})
    data = review_data(review)
    data["members"].append({"slack_id": slack_id, "role": role, "agency": agency, "episodes": list(episodes)})
    return _checked(review, data, f"[[members]] {slack_id}", ["episodes", "role", "agency", "user"])


def with_episode(review: Review, key: str, title: str, start: str, end: str, description: str,
                 members: list[str]) -> Review:
    """The review with one more key practice episode, assigned to `members`.
    Field names: key, title, start, end, description."""
    if review.episode(key):
        raise InvalidInput({"key": f"The review already has an episode {key}."})
    data = review_data(review)
    data["episodes"].append({"key": key, "title": title, "start": start, "end": end, "description": description})
    for member in data["members"]:
        if member["slack_id"] in members:
            member["episodes"].append(key)
    where = f"[[episodes]] {key}" if key else f"[[episodes]] #{len(data['episodes'])}"
    return _checked(review, data, where,
                    ["key", "end", "start", "title", "description"])


def hidden_by_import(stored: Review, imported: Review, answered: dict[str, set[str]]) -> list[str]:
    """What importing `imported` over `stored` would hide, one line per member or episode: answers that no
    digest, progress grid or export would show any more, though they stay in the database. `answered` is
    {member: the episode keys they have answers or submitted versions for}. An episode declared renamed
    (renamed_from) takes its answers with it, so hides nothing.

    >>> hidden_by_import(review, review_without_the_gp, {"U0GP0001": {"KPE4"}})
    ['GP (Millbrook Surgery), U0GP0001, is not in the case group of the file: their answers to KPE4 would be hidden']
    """
    renamed = dict(imported.renames)
    kept = {e.key for e in imported.episodes}
    lines = []
    for episode in stored.episodes:
        if renamed.get(episode.key, episode.key) in kept:
            continue
        who = [m for m in stored.members
               if episode.key in m.episodes and episode.key in answered.get(m.slack_id, set())]
        if who:
            lines.append(f"episode {episode.key} is not in the file: the answers of "
                         f"{', '.join(m.attribution for m in who)} to it "
                         f"would be hidden (if it was renamed, say so with renamed_from = \"{episode.key}\")")
    for member in stored.members:
        shown = sorted(set(member.episodes) & answered.get(member.slack_id, set()))
        now = imported.member(member.slack_id)
        if shown and now is None:
            lines.append(f"{member.attribution}, {member.slack_id}, is not in the case group of the file: their "
                         f"answers to {', '.join(shown)} would be hidden")
        elif shown:
            lost = [k for k in shown if renamed.get(k, k) in kept and renamed.get(k, k) not in now.episodes]
            if lost:
                lines.append(f"{member.attribution}, {member.slack_id}, is no longer given {', '.join(lost)} in the "
                             "file: their answers to it would be hidden")
    return lines
