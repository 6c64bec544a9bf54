"""Synthetic reviews of any size, for load tests and the benchmark. All invented."""
from __future__ import annotations

import datetime as dt

from bot.core.review import Episode, Member, Person, Review

AGENCIES = ["Community Health", "Police", "Children's Social Care", "Adult Social Care", "GP practice",
            "Housing", "Nursery", "Ambulance Service", "Probation", "School"]
ROLES = ["Health visitor", "Response officer", "Social worker", "Team manager", "GP", "Housing officer",
         "Key worker", "Paramedic", "Probation officer", "Designated safeguarding lead"]


def member_id(index: int) -> str:
    return f"U9M{index:07d}"


def synthetic_review(key: str = "synthetic", episodes: int = 60, members: int = 40, people: int = 20,
                     episodes_per_member: int | None = None) -> Review:
    """A review with `episodes` episodes and `members` members; each member is in every episode unless
    `episodes_per_member` limits it (member i then takes episodes i, i+1, ... round the timeline)."""
    start = dt.date(2024, 1, 1)
    episode_list = [Episode(f"KPE{i + 1}", f"Episode {i + 1}: a visit, a call and a decision",
                            start + dt.timedelta(days=7 * i), start + dt.timedelta(days=7 * i + 3),
                            "An invented episode for load tests.") for i in range(episodes)]
    keys = [e.key for e in episode_list]
    member_list = []
    for i in range(members):
        mine = keys if episodes_per_member is None else [keys[(i + j) % episodes]
                                                         for j in range(episodes_per_member)]
        member_list.append(Member(member_id(i), ROLES[i % len(ROLES)], f"Testshire {AGENCIES[i % len(AGENCIES)]}",
                                  tuple(mine)))
    person_list = [Person(f"Person {chr(65 + i % 26)}{i // 26 or ''}",
                          (f"Firstname{i} Surname{i}", f"Firstname{i}", f"Mx Surname{i}", f"Firstname{i}'s"))
                   for i in range(people)]
    return Review(key=key, title=f"Synthetic review {key}", kind="adults", board="Testshire Safeguarding Board",
                  leads=("U9LEAD001",), team=("U9TEAM001",), episodes=episode_list, members=member_list,
                  people=person_list)
