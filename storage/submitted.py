"""Submitted reflections: each practitioner's versions, and each member's latest, as digests read them.

    submitted.versions("child-d", "U0GP0001")     # [{'version': 1, 'submitted_at': ..., 'answers': {...}}]
    submitted.latest("child-d")                   # {slack_id: {episode: {field: value}}}
    submitted.episode_answers("child-d", "KPE2")  # the same, KPE2's answers only
"""
from __future__ import annotations

import json

from storage.database import Database

# Each member's latest submitted version of a review's reflection (`r` is reflection_versions; one ? for the review).
_LATEST = ("review_key = ? and version = (select max(version) from reflection_versions "
           "where review_key = r.review_key and member = r.member)")


class SubmittedReflections:
    def __init__(self, database: Database):
        self.database = database

    def any(self, review_key: str) -> bool:
        """Whether anyone has a submitted reflection stored for the review."""
        return self.database.db.execute("select exists (select 1 from reflection_versions where review_key = ?)",
                                        [review_key]).fetchone()[0] == 1

    def versions(self, review_key: str, member: str) -> list[dict]:
        return [{"version": v, "submitted_at": at, "answers": json.loads(a)} for v, at, a in self.database.db.execute(
            "select version, submitted_at, answers from reflection_versions where review_key = ? and member = ? "
            "order by version", [review_key, member])]

    def latest(self, review_key: str) -> dict[str, dict]:
        """Each member's latest submitted reflection: {slack_id: {episode: {field: value}}}."""
        rows = self.database.db.execute(
            "select member, answers from reflection_versions r where " + _LATEST, [review_key])
        return {member: json.loads(answers) for member, answers in rows}

    def latest_for_episode(self, review_key: str, episode: str, episodes: list[str]) -> dict[str, dict]:
        """What one episode's digest needs of latest(), in the order of `episodes` (the timeline):
        `episode`'s answers in full and, of the other episodes, only {"factors": [...]}. SQLite picks them out,
        so the other episodes' long texts are never parsed."""
        # Review and episode keys are letters, digits, - and _: safe in a JSON path. Two paths or more make
        # json_extract return an array: `episode` comes first, whole, and again with the others, as factors.
        paths = ['$."' + episode + '"'] + ['$."' + key + '".factors' for key in episodes]
        rows = self.database.db.execute(
            f"select member, json_extract(answers, {', '.join('?' * len(paths))}) from reflection_versions r "
            "where " + _LATEST, [*paths, review_key])
        found = {}
        for member, values in rows:
            answers, *factors = json.loads(values)
            found[member] = {key: answers if key == episode else {"factors": value}
                             for key, value in zip(episodes, factors)
                             if (answers if key == episode else value) is not None}
        return found

    def episode_answers(self, review_key: str, episode: str) -> dict[str, dict]:
        """Of each member's latest submitted reflection, `episode`'s answers only: {slack_id: {episode: {...}}}.
        Read from `reflection_episodes` (migration 4): the whole reflections are not read."""
        rows = self.database.db.execute(
            "select r.member, e.answers from reflection_versions r left join reflection_episodes e "
            "on e.version_id = r.id and e.episode = ? where " + _LATEST, [episode, review_key])
        return {member: {episode: json.loads(answers)} if answers else {} for member, answers in rows}
