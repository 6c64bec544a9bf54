"""The digest at the level of the framework's headings: which agencies named which heading in which episode,
and the headings that recur whatever the wording.

    grid = heading_grid([("KPE1", [("conditions of work", ["Police", "Health"])]), ("KPE2", [])], heading_order)
    grid.rows[0].cells                 # {'KPE1': ['Police', 'Health']}
    recurring_headings(named, Emerging(), ["KPE1", "KPE2", "KPE3"])
                                       # {'conditions of work': (['KPE1', 'KPE3'], ['Police', 'Health', ...])}

Practitioners name the same factor in their own words ("duty queue of 45 concerns", "38 patients booked",
"15 minute calls"): grouping by theme or wording cannot see that they all chose *conditions of work*. The
heading they chose can. Pure: no Slack, no SQL; bot.core.digest calls it with text already redacted.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.digest_rules import Emerging
from bot.core.matching import CATCH_ALL


@dataclass
class GridRow:
    """One framework heading: the agencies that named it in each episode that has it (in the order they came)."""
    heading: str
    cells: dict[str, list[str]]   # episode key -> agencies

    @property
    def episodes(self) -> list[str]:
        return list(self.cells)

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys(a for agencies in self.cells.values() for a in agencies))


@dataclass
class HeadingGrid:
    """Headings (rows, in the framework's order) by episodes (columns, in timeline order)."""
    episodes: list[str]
    rows: list[GridRow] = field(default_factory=list)


def heading_grid(episodes: Iterable[tuple[str, list[tuple[str, list[str]]]]], heading_order: list[str]) -> HeadingGrid:
    """The grid from each episode's (key, [(heading, agencies), ...]), headings in the framework's order
    (`heading_order`; one not in it last), so that a digest of one episode has the rows of the whole one.

    >>> grid = heading_grid([("KPE1", [("own team", ["Police"])]), ("KPE2", [("own team", ["Health"])])], [])
    >>> [(row.heading, row.cells) for row in grid.rows]
    [('own team', {'KPE1': ['Police'], 'KPE2': ['Health']})]
    """
    keys, rows = [], {}
    for key, tallies in episodes:
        keys.append(key)
        for heading, agencies in tallies:
            rows.setdefault(heading, GridRow(heading, {})).cells[key] = list(agencies)
    rank = {heading: i for i, heading in enumerate(heading_order)}
    return HeadingGrid(keys, sorted(rows.values(), key=lambda row: (rank.get(row.heading, len(rank)), row.heading)))


def recurring_headings(named: Iterable[tuple[str, str, str]], emerging: Emerging,
                       timeline: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """{heading: (its episodes in timeline order, its agencies)} for each heading of (heading, episode, agency)
    named in emerging.heading_episodes episodes or more AND by emerging.heading_agencies agencies or more.

    The catch-all *other* is never one: statements filed there share no heading, only the lack of one.

    >>> named = [("own team", "KPE1", "Police"), ("own team", "KPE2", "Health"), ("own team", "KPE2", "School")]
    >>> recurring_headings(named, Emerging(), ["KPE1", "KPE2"])
    {'own team': (['KPE1', 'KPE2'], ['Police', 'Health', 'School'])}
    >>> recurring_headings(named[:2], Emerging(), ["KPE1", "KPE2"])
    {}
    """
    order = {key: i for i, key in enumerate(timeline)}
    found: dict[str, tuple[dict, dict]] = {}
    for heading, episode, agency in named:
        if heading == CATCH_ALL:
            continue
        episodes, agencies = found.setdefault(heading, ({}, {}))
        episodes[episode], agencies[agency] = None, None
    return {heading: (sorted(episodes, key=order.get), list(agencies))
            for heading, (episodes, agencies) in found.items()
            if len(episodes) >= emerging.heading_episodes and len(agencies) >= emerging.heading_agencies}
