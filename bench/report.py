"""The benchmark's table: one row per measurement, with its floor, the ratio and the target.

    Row("1", "answer path: median", ms(0.0041), floor=ms(0.0021), ratio=1.95, target="≤ 1.5× floor", met=False)
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Row:
    part: str            # the numbering: 1 answer path ... 6 memory
    name: str            # what is measured; the --quick smoke test looks rows up by it
    value: str           # casegroup's figure
    floor: str = ""      # the fastest it could be, measured in the same run
    ratio: float | None = None
    target: str = ""
    met: bool | None = None  # None: no target, or not measured
    note: str = ""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    """The 99th percentile (the value 99% of the samples are at or under)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def not_measured(part: str, names: list[str], why: str) -> list[Row]:
    return [Row(part, name, f"not measured: {why}") for name in names]


def table(rows: list[Row]) -> str:
    """A Markdown table, readable as plain text too."""
    lines = ["| # | measurement | casegroup | floor | ratio | target | met |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        value = row.value + (f" ({row.note})" if row.note else "")
        lines.append(f"| {row.part} | {row.name} | {value} | {row.floor} | {ratio} | {row.target} | {met} |")
    return "\n".join(lines)
