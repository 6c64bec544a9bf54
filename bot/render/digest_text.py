"""A digest as Markdown, JSON, or one self-contained HTML page that prints well.

    markdown(digest)                 # the whole review: overview, then every episode
    markdown(digest, episode="KPE3") # one episode, and the emerging patterns it is evidence for
    as_json(digest), html(digest)    # the same, for other tools and for the case group meeting

The digest's text is already pseudonymised and free of Slack markup (bot.core.redaction);
here it is only escaped for the format: `<` in Markdown, everything in HTML. The headings and
notes around it are prompts/digest.toml's (`digest.wording`), escaped the same way.
"""
from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import math
import re

from bot.core.digest import Digest, EmergingPattern, EpisodeDigest, Evidence
from bot.core.digest_headings import HeadingGrid
from bot.core.digest_rules import DigestWording
from bot.core.review import MONTHS, day
from bot.core.text import one_line
from bot.render import follow_up_text

FORMATS = ("md", "json", "html")


def render(digest: Digest, fmt: str, episode: str | None = None) -> str:
    """The digest in `fmt` ('md', 'json' or 'html')."""
    return {"md": markdown, "json": as_json, "html": html}[fmt](digest, episode)


def _analysis():
    """bot.render.analysis_text: the review team's part of the files, built on this module's escaping (so
    imported when first used, not at the top: each module needs the other)."""
    from bot.render import analysis_text
    return analysis_text


def as_json(digest: Digest, episode: str | None = None) -> str:
    # Version 3 added "analysis": the review team's appraisals and findings (bot.core.analysis_digest), and within
    # it (a key added, nothing changed) "responses": the case group's response to each finding (issue 17).
    return json.dumps({"format": "casegroup-digest", "version": 3, **digest.to_dict(episode)},
                      ensure_ascii=False, indent=2) + "\n"


# ----- Markdown ------------------------------------------------------------------------


# Markdown that works inside a line: links and images ([...](...), ![...](...)), emphasis, code, and an
# escape of ours undone by a backslash. Escaped with a backslash, each shows as the character it is.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]])")
# What a line can open with to become a block (a heading, a quote, a list item or rule, a fence), up to the
# character whose backslash escape stops it: "#", ">", "+", "-", "~", or the "." of "1.".
_BLOCK_START = re.compile(r"^(\d+(?=[.)])|(?=[#>+~-]))")


def _md(text: str) -> str:
    """Practitioner text for Markdown, as text: no raw HTML or autolink (`<`), no link or image (a live
    remote image would be fetched by whoever opens the file), no emphasis, and kept on the line it is put
    on (every kind of line break a space), unable to start a block of its own there."""
    text = one_line(text).strip().replace("<", "&lt;")
    text = _INLINE_MARKUP.sub(r"\\\1", text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\", text, count=1)


def _cell(text: str) -> str:
    return _md(text).replace("|", "\\|")


def _wording_md(text: str) -> str:
    """A text of digest.toml for Markdown: a lead's words, trusted and shown as written (its Markdown
    works), kept on one line, with no raw HTML."""
    return one_line(text).replace("<", "&lt;")


def _say(wording: DigestWording, name: str, **values) -> str:
    """A text of digest.toml in Markdown; its `values` are escaped by the caller."""
    return wording.say_in(_wording_md, name, **values)


def _patterns_md(wording: DigestWording, patterns: list[EmergingPattern]) -> list[str]:
    lines = []
    question, typology_word = _say(wording, "file.question"), _say(wording, "file.typology")
    recurs_in, evidence = _say(wording, "file.recurs_in"), _say(wording, "file.evidence")
    for number, pattern in enumerate(patterns, start=1):
        typology = (f"{pattern.pattern} ({pattern.pattern_short})" if pattern.pattern
                    else _say(wording, "words.not_mapped"))
        named_by = _say(wording, "file.named_by", count=len(pattern.agencies),
                        agencies=_md(", ".join(pattern.agencies)))
        level = f" · _{_say(wording, 'words.heading_pattern')}_" if pattern.level == "heading" else ""
        lines += [f"### {number}. {_md(pattern.factor)}", "",
                  f"- **{question}:** {_md(pattern.question)}",
                  f"- **{typology_word}:** {typology}{level}",
                  f"- **{recurs_in}:** {', '.join(pattern.episodes)} · {named_by}",
                  f"- **{evidence}:**"]
        if pattern.level == "heading":
            for group, items in by_group(pattern.evidence).items():
                lines.append(f"  - **{_md(group)}** ({len(items)}):")
                lines += [f"    - {e.episode}, {_md(e.who)}: “{_md(e.words)}”" for e in items]
        else:
            lines += [f"  - {e.episode}, {_md(e.who)}: “{_md(e.words)}”" for e in pattern.evidence]
        lines.append("")
    return lines


def by_group(evidence: list[Evidence]) -> dict[str, list[Evidence]]:
    """A heading's pattern's evidence in its factor groups, the largest first (the groups stay as they are)."""
    groups: dict[str, list[Evidence]] = {}
    for item in evidence:
        groups.setdefault(item.group, []).append(item)
    return dict(sorted(groups.items(), key=lambda g: -len(g[1])))


def _grid_md(wording: DigestWording, grid: HeadingGrid) -> list[str]:
    """The heading × episode grid as a table: in each cell, the agencies that named the heading there."""
    if not grid.rows:
        return []
    lines = [f"## {_say(wording, 'headings.grid')}", "", f"_{_say(wording, 'file.grid_note')}_", "",
             f"| {_say(wording, 'file.columns.heading')} | {' | '.join(grid.episodes)} |",
             f"| --- |{' --- |' * len(grid.episodes)}"]
    lines += [f"| {_cell(row.heading)} | " + " | ".join(_cell(", ".join(row.cells.get(key, ())))
                                                        for key in grid.episodes) + " |" for row in grid.rows]
    return lines + [""]


def _side_by_side_md(wording: DigestWording, episode: EpisodeDigest) -> list[str]:
    """The accounts of the time question by question, a column each: only where there are two to compare."""
    accounts = episode.at_the_time
    if len(accounts) < 2:
        return []
    lines = [f"### {_say(wording, 'headings.side_by_side')}", "", f"_{_say(wording, 'file.side_by_side_note')}_", "",
             f"| {_say(wording, 'file.columns.question')} | "
             + " | ".join(f"{_cell(a.who)}, {_cell(a.knowledge_label)}" for a in accounts) + " |",
             f"| --- |{' --- |' * len(accounts)}"]
    for label in accounts[0].answers:
        lines.append(f"| {_cell(label)} | " + " | ".join(_cell(a.answers.get(label, "")) for a in accounts) + " |")
    return lines + [""]


def _accounts_md(wording: DigestWording, accounts) -> list[str]:
    lines = []
    for account in accounts:
        lines += [f"#### {_md(account.who)}, {account.knowledge_label}", ""]
        lines += [f"- **{label}:** {_md(text)}" for label, text in account.answers.items() if text]
        lines += follow_up_text.markdown_lines(wording, account.follow_ups, _md, _say)
        lines.append("")
    return lines


def _episode_md(wording: DigestWording, episode: EpisodeDigest, method) -> list[str]:
    none_yet = _say(wording, "words.none_yet")
    lines = [f"## {_say(wording, 'headings.episode', key=episode.key, title=_md(episode.title))}", "",
             _say(wording, "file.episode_meta", dates=f"*{episode.dates}*", coverage=f"**{episode.coverage}**"), ""]
    if episode.description:
        lines += [f"> {_md(episode.description)}", ""]
    lines += [f"### {_say(wording, 'headings.contributors')}", ""]
    lines += [f"- {_md(who)}" for who in episode.contributors] or [f"- {none_yet}"]
    if episode.missing:
        lines += ["", _say(wording, "file.not_yet"), ""]
        lines += [f"- {_md(m.who)}: {m.status}" for m in episode.missing]
    lines += ["", f"### {_say(wording, 'headings.at_the_time')}", ""]
    if not episode.contributors:
        lines += [none_yet, ""]
    lines += _accounts_md(wording, episode.at_the_time)
    if episode.learned_later:
        lines += [f"### {_say(wording, 'headings.learned_later')}", "", f"_{_say(wording, 'file.learned_later_note')}_",
                  ""]
        lines += _accounts_md(wording, episode.learned_later)
    if episode.other_follow_ups:
        lines += [f"#### {_say(wording, 'follow_ups.others')}", "",
                  *follow_up_text.markdown_lines(wording, episode.other_follow_ups, _md, _say), ""]
    lines += [f"### {_say(wording, 'factors.label')}", ""]
    if episode.factors:
        columns = [_say(wording, f"file.columns.{name}") for name in ("heading", "mentions", "agencies")]
        lines += [f"| {' | '.join(columns)} |", "| --- | --- | --- |"]
        lines += [f"| {_cell(t.heading)} | {t.count} | {_cell(', '.join(t.agencies))} |" for t in episode.factors]
        lines.append("")
        for tally in episode.factors:
            lines += [f"#### {_md(tally.heading)}", ""]
            for group in tally.groups:
                sources = "; ".join(f"{_md(s.who)}: “{_md(s.words)}”" for s in group.statements)
                lines.append(f"- **{_md(group.name)}** ({group.count}): {sources}")
            lines.append("")
    else:
        lines += [none_yet, ""]
    for title, remarks in ((_say(wording, "went_well.label"), episode.went_well),
                           (_say(wording, "changes.label"), episode.changes)):
        lines += [f"### {title}", ""]
        lines += [f"- **{_md(r.who)}:** {_md(r.text)}" for r in remarks] or [none_yet]
        lines.append("")
    lines += [f"### {_say(wording, 'headings.hindsight')}", "", f"_{_say(wording, 'file.hindsight_note')}_", ""]
    lines += [f"- **{_md(f.who)}**, {f.field}: “{_md(f.statement)}” "
              f"({_say(wording, 'file.matched', phrases=', '.join(f.phrases))})"
              for f in episode.hindsight] or [_say(wording, "words.none_found")]
    lines += ["", *_side_by_side_md(wording, episode)]
    lines += [f"### {_say(wording, 'headings.differences')}", "", f"_{method.differences}_", ""]
    lines += [f"- {_md(d.detail)}" for d in episode.differences] or [_say(wording, "words.no_differences")]
    lines.append("")
    if episode.names_to_check:
        lines += [f"### {_say(wording, 'headings.names_to_check')}", "", f"_{_say(wording, 'names_to_check.note')}_", ""]
        lines += [f"- **{_md(n.who)}**, {_md(n.field)}: “{_md(n.words)}” (**{_md(n.label)}**)"
                  for n in episode.names_to_check]
        lines.append("")
    return lines


def _method_md(digest: Digest) -> list[str]:
    method, wording = digest.method, digest.wording
    return [f"## {_say(wording, 'headings.method')}", "",
            f"- **{_say(wording, 'headings.names')}:** {method.pseudonyms}",
            f"- **{_say(wording, 'factors.label')}:** {method.grouping}",
            f"- **{_say(wording, 'headings.hindsight')}:** {method.hindsight}",
            f"- **{_say(wording, 'headings.differences')}:** {method.differences}",
            f"- **{_say(wording, 'headings.patterns')}:** {method.emerging}", ""]


def _overview_md(digest: Digest) -> list[str]:
    wording = digest.wording
    columns = [_say(wording, f"file.columns.{name}") for name in ("episode", "dates", "coverage", "hindsight",
                                                                  "differences")]
    lines = [f"## {_say(wording, 'headings.timeline_table')}", "", f"| {' | '.join(columns)} |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {t.key}: {_cell(t.title)} | {t.dates} | {t.coverage} | {t.hindsight} | {t.differences} |"
              for t in digest.timeline]
    lines += ["", *_grid_md(wording, digest.grid)]
    lines += [f"## {_say(wording, 'headings.patterns')}", "", f"_{digest.method.emerging}_", ""]
    lines += _patterns_md(wording, digest.patterns) or [_say(wording, "file.no_patterns"), ""]
    lines += [f"## {_say(wording, 'headings.anything_else')}", ""]
    lines += [f"- **{_md(r.who)}:** {_md(r.text)}" for r in digest.anything_else] or [_say(wording, "words.none_yet")]
    return lines + [""]


def _title(digest: Digest, focus: EpisodeDigest | None) -> str:
    wording = digest.wording
    return (wording.say("headings.episode_file", title=digest.title, key=focus.key) if focus
            else wording.say("headings.review", title=digest.title))


def markdown(digest: Digest, episode: str | None = None) -> str:
    focus = digest.episode(episode) if episode else None
    wording = digest.wording
    title = _title(digest, focus)
    lines = [f"# {_md(title)}", "",
             _say(wording, "file.meta", board=_md(digest.board), generated_at=digest.generated_at,
                  contributors=digest.contributors, members=digest.members, reflections=digest.reflections),
             "", f"> {_say(wording, 'file.intro')}", ""]
    if focus:
        lines += _episode_md(wording, focus, digest.method)
        related = [p for p in digest.patterns if focus.key in p.episodes]
        lines += [f"## {_say(wording, 'headings.patterns_of_episode')}", ""]
        lines += _patterns_md(wording, related) or [_say(wording, "words.none_yet"), ""]
    else:
        lines += _overview_md(digest)
        for item in digest.episodes:
            lines += _episode_md(wording, item, digest.method)
    lines += _analysis().analysis_md(digest, focus)
    lines += _method_md(digest)
    return "\n".join(lines).rstrip() + "\n"


# ----- HTML ------------------------------------------------------------------------------

STYLE = """
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1d2a30; margin: 2em auto;
       max-width: 60em; padding: 0 1.5em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { border-bottom: 2px solid #2c4a5a; padding-bottom: .2em; margin-top: 2em; }
h3 { margin-top: 1.4em; color: #2c4a5a; } .meta, .note { color: #55656d; } .note { font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .6em 0 1em; } th, td { border: 1px solid #c4ced3;
        padding: .35em .5em; text-align: left; vertical-align: top; } th { background: #eef2f4; }
td.who { width: 22%; font-weight: 600; } blockquote { margin: .5em 0; padding: .4em .8em; background: #f4f6f7;
        border-left: 4px solid #2c4a5a; } .flag { border-left-color: #b8860b; } ul { padding-left: 1.3em; }
.chart text { font: 11px system-ui, Arial, sans-serif; fill: #1d2a30; } .chart .done { fill: #2c4a5a; }
.chart .todo { fill: #dfe6e9; } .pattern { break-inside: avoid; border: 1px solid #c4ced3; padding: .2em .9em;
        margin: .8em 0; }
/* A block, not inline: a page may break between a long timeline's pieces (an inline pair moves as one). */
.timeline { display: block; width: 100%; height: auto; } .timeline .span, .timeline .day { fill: #b8860b; }
.timeline .stripe { fill: #f4f6f7; } .timeline line.tick { stroke: #d5dde1; } .timeline text.tick, .timeline .dates,
.timeline .column { font-size: 10px; fill: #55656d; } .timeline .key { font-weight: 600; } .timeline .inside { fill: #fff; }
table.grid td, table.grid th { font-size: .9em; } table.grid td.named { background: #e3ecf0; }
table.side { table-layout: fixed; } table.side td, table.side th { font-size: .92em; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } section.episode { break-before: page; }
               tr, blockquote, li { break-inside: avoid; } h2, h3, h4 { break-after: avoid; } }
@page { margin: 15mm; }
"""


def _h(text) -> str:
    return html_lib.escape(str(text), quote=True)


def _t(text: str) -> str:
    """Text in an element: escaped, with its quotes as written."""
    return html_lib.escape(text, quote=False)


def _say_html(wording: DigestWording, name: str, **values) -> str:
    """A text of digest.toml in HTML; its `values` are escaped (or marked up) by the caller."""
    return wording.say_in(_t, name, **values)


# The timeline's geometry, in SVG user units. The SVG is as wide as the page and 680 units is an A4 page's width
# inside its margins (180 mm): printed, its 10-11px text is 7.5-8pt; on a screen's 60em column, about the body's size.
CHART_WIDTH, ROW, AXIS_HEAD = 680, 20, 34
AXIS_START, AXIS_END, COVERAGE_START, COVERAGE_BAR = 236, 566, 576, 40
TITLE_CHARS = 32       # what fits the label column beside the key, at 11px
TICK_SPACING = 44      # month ticks at least this far apart; else every 2, 3, 6 or 12 months (or more years)
CHAR_WIDTH = 5.6       # about how wide a character of the 10px dates is, to see whether they fit beside their bar
AXIS_AGAIN_FROM = 16   # a chart of this many rows has its axis labels at the bottom too
PAGE_ROWS = 40         # rows of one SVG: 40 are about 850 units, 800px printed, within an A4 page (1010px)


def _month(date: dt.date, months: int = 0) -> dt.date:
    """The first day of `date`'s month, `months` later."""
    index = date.year * 12 + date.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _tick_step(months: int, width: float) -> int:
    """How many months between two labelled ticks, so that their labels never run into each other."""
    for step in (1, 2, 3, 6, 12):
        if width * step / months >= TICK_SPACING:
            return step
    return 12 * math.ceil(TICK_SPACING * months / width / 12)


def _shortened(text: str, limit: int = TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _chart_dates(entry) -> str:
    """The dates beside an episode's bar, without repeating a year or month: '15 to 19 Sep 2025',
    '10 Feb to 28 Mar 2025' (a week's span on a year's axis has little room; `dates` has them in full)."""
    start, end = entry.start, entry.end
    if not end or start.year != end.year:
        return entry.dates
    if start.month == end.month:
        return f"{start.day} to {day(end)}"
    return f"{start.day} {MONTHS[start.month - 1]} to {day(end)}"


def _axis(first: dt.date, months: int, x, top: float, bottom: float, labels_at: list[float]) -> list[str]:
    """The month lines from `top` to `bottom`, and their month and year labels above each y of `labels_at`."""
    step = _tick_step(months, AXIS_END - AXIS_START)
    parts, shown_year = [], None
    for number in range(months + 1):
        tick = _month(first, number)
        at = x(tick)
        # Labelled ticks fall on whole quarters, halves or years (Jan, Apr, Jul, Oct for 3); the ends are lines.
        labelled = (tick.year * 12 + tick.month - 1) % step == 0 and number < months
        if labelled or number in (0, months):
            parts.append(f'<line class="tick" x1="{at}" y1="{top}" x2="{at}" y2="{bottom}"/>')
        if labelled:
            month = MONTHS[tick.month - 1] if step < 12 else ""
            year = str(tick.year) if tick.year != shown_year else ""
            shown_year = tick.year
            parts += [f'<text class="tick" x="{round(at + 3, 1)}" y="{y - 16}">{month}</text>'
                      f'<text class="tick" x="{round(at + 3, 1)}" y="{y - 4}">{year}</text>' for y in labels_at]
    return parts


def _timeline_row(entry, top: float, x) -> list[str]:
    """One episode: its key and title, its bar (a span) or mark (one day) with its dates, and its coverage."""
    share = entry.contributed / entry.expected if entry.expected else 0
    begin, finish = x(entry.start), x((entry.end or entry.start) + dt.timedelta(days=1))   # to the end of its last day
    tooltip = _h(f"{entry.key}: {entry.title} · {entry.dates} · {entry.coverage}")
    parts = [f'<g class="episode" id="timeline-{_h(entry.key)}"><title>{tooltip}</title>'
             f'<text x="0" y="{top + 14}"><tspan class="key">{_h(entry.key)}</tspan> {_h(_shortened(entry.title))}'
             f"</text>"]
    if entry.end:
        parts.append(f'<rect class="span" x="{begin}" y="{top + 4}" width="{max(round(finish - begin, 1), 2)}" '
                     f'height="12" rx="2"/>')
    else:   # one day is a mark, not a sliver of a bar
        middle = round((begin + finish) / 2, 1)
        parts.append(f'<circle class="day" cx="{middle}" cy="{top + ROW / 2}" r="4.5"/>')
        begin, finish = middle - 5, middle + 5
    dates = _chart_dates(entry)
    width, dates = len(dates) * CHAR_WIDTH, _h(dates)
    if finish + 4 + width <= AXIS_END:
        parts.append(f'<text class="dates" x="{round(finish + 4, 1)}" y="{top + 14}">{dates}</text>')
    elif begin - 4 - width >= AXIS_START:
        parts.append(f'<text class="dates" x="{round(begin - 4, 1)}" y="{top + 14}" text-anchor="end">{dates}</text>')
    else:   # a span across most of the axis has room for its dates inside it
        parts.append(f'<text class="dates inside" x="{round(begin + 4, 1)}" y="{top + 14}">{dates}</text>')
    parts.append(f'<rect class="todo" x="{COVERAGE_START}" y="{top + 4}" width="{COVERAGE_BAR}" height="12" rx="2"/>'
                 f'<rect class="done" x="{COVERAGE_START}" y="{top + 4}" width="{round(COVERAGE_BAR * share, 1)}" '
                 f'height="12" rx="2"/><text x="{COVERAGE_START + COVERAGE_BAR + 6}" y="{top + 14}">'
                 f"{_h(entry.coverage)}</text></g>")
    return parts


def _timeline_svg(wording: DigestWording, entries: list, first: dt.date, months: int, x) -> str:
    """One SVG of the timeline: its axis and the rows of `entries`."""
    rows_end = AXIS_HEAD + ROW * len(entries)
    again = len(entries) >= AXIS_AGAIN_FROM
    height = rows_end + (AXIS_HEAD if again else 6)
    parts = [f'<svg class="chart timeline" role="img" aria-label="{_h(wording.say("file.chart"))}" '
             f'xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {CHART_WIDTH} {height}">',
             f'<text class="column" x="0" y="{AXIS_HEAD - 4}">{_say_html(wording, "file.columns.episode")}</text>'
             f'<text class="column" x="{COVERAGE_START}" y="{AXIS_HEAD - 4}">'
             f'{_say_html(wording, "file.columns.coverage")}</text>']
    # Every other row shaded, so that a long review's rows can be followed across.
    parts += [f'<rect class="stripe" x="0" y="{AXIS_HEAD + i * ROW}" width="{CHART_WIDTH}" height="{ROW}"/>'
              for i in range(1, len(entries), 2)]
    parts += _axis(first, months, x, AXIS_HEAD - 2, rows_end + 2, [AXIS_HEAD, height - 2] if again else [AXIS_HEAD])
    for i, entry in enumerate(entries):
        parts += _timeline_row(entry, AXIS_HEAD + i * ROW, x)
    return "".join(parts) + "</svg>"


def timeline_chart(digest: Digest, keys: list[str] | None = None) -> str:
    """The episodes on a date axis, as inline SVG, with each one's coverage beside it; then any without a date.

    The axis runs from the first month of the review to the end of its last, in proportion to the days, so a
    six-month gap looks six times as long as a one-month gap. A span is a bar from its first day to the end of
    its last, one day is a mark; the dates are written beside each, and its full title is its tooltip.
    """
    wording = digest.wording
    entries = [t for t in digest.timeline if keys is None or t.key in keys]
    dated = [t for t in entries if t.start]
    parts = []
    if dated:
        first = _month(min(t.start for t in dated))
        after = _month(max(t.end or t.start for t in dated), 1)
        months = (after.year - first.year) * 12 + after.month - first.month
        days = (after - first).days

        def x(date: dt.date) -> float:
            return round(AXIS_START + (date - first).days / days * (AXIS_END - AXIS_START), 1)

        # A browser prints an SVG taller than the page on a page of its own, and slices it: a long review's
        # timeline is a few SVGs of at most PAGE_ROWS rows each, on the same axis, each with its own labels.
        pieces = math.ceil(len(dated) / PAGE_ROWS)
        size = math.ceil(len(dated) / pieces)
        parts += [_timeline_svg(wording, dated[i:i + size], first, months, x) for i in range(0, len(dated), size)]
    undated = [t for t in entries if not t.start]
    if undated:
        items = "".join(f"<li><strong>{_h(t.key)}</strong> {_h(t.title)} · {_h(t.coverage)}</li>" for t in undated)
        parts.append(f'<p class="meta">{_say_html(wording, "file.undated")}</p><ul class="undated">{items}</ul>')
    return "".join(parts)


def _patterns_html(wording: DigestWording, patterns: list[EmergingPattern]) -> str:
    out = []
    typology_word, recurs_in = _say_html(wording, "file.typology"), _say_html(wording, "file.recurs_in")
    evidence_word = _say_html(wording, "file.evidence")
    for pattern in patterns:
        typology = (f"{_h(pattern.pattern)} ({_h(pattern.pattern_short)})" if pattern.pattern
                    else _say_html(wording, "words.not_mapped"))
        if pattern.level == "heading":
            evidence = "".join(f"<li><strong>{_h(group)}</strong> ({len(items)})<ul>"
                               + "".join(f"<li>{_h(e.episode)}, {_h(e.who)}: “{_h(e.words)}”</li>" for e in items)
                               + "</ul></li>" for group, items in by_group(pattern.evidence).items())
            typology += f' <span class="meta">({_say_html(wording, "words.heading_pattern")})</span>'
        else:
            evidence = "".join(f"<li>{_h(e.episode)}, {_h(e.who)}: “{_h(e.words)}”</li>" for e in pattern.evidence)
        named_by = _say_html(wording, "file.named_by", count=len(pattern.agencies),
                             agencies=_h(", ".join(pattern.agencies)))
        out.append(f'<div class="pattern"><h3>{_h(pattern.factor)}</h3><p><strong>{_h(pattern.question)}</strong></p>'
                   f"<p>{typology_word}: {typology}. {recurs_in} {_h(', '.join(pattern.episodes))}; {named_by}.</p>"
                   f"<details open><summary>{evidence_word}</summary><ul>{evidence}</ul></details></div>")
    return "".join(out)


def _grid_html(wording: DigestWording, grid: HeadingGrid) -> str:
    if not grid.rows:
        return ""
    columns = f"<th>{_say_html(wording, 'file.columns.heading')}</th>" + "".join(f"<th>{_h(k)}</th>" for k in grid.episodes)
    rows = "".join(f"<tr><td><strong>{_h(row.heading)}</strong></td>" + "".join(
        f'<td class="named">{_h(", ".join(row.cells[key]))}</td>' if key in row.cells else "<td></td>"
        for key in grid.episodes) + "</tr>" for row in grid.rows)
    return (f"<h2>{_say_html(wording, 'headings.grid')}</h2>"
            f'<p class="note">{_say_html(wording, "file.grid_note")}</p><table class="grid"><tr>{columns}</tr>{rows}</table>')


def _side_by_side_html(wording: DigestWording, episode: EpisodeDigest) -> str:
    accounts = episode.at_the_time
    if len(accounts) < 2:
        return ""
    columns = f"<th>{_say_html(wording, 'file.columns.question')}</th>" + "".join(
        f'<th>{_h(a.who)}<br><span class="meta">{_h(a.knowledge_label)}</span></th>' for a in accounts)
    rows = "".join(f"<tr><th>{_h(label)}</th>" + "".join(f"<td>{_h(a.answers.get(label, ''))}</td>" for a in accounts)
                   + "</tr>" for label in accounts[0].answers)
    return (f"<h3>{_say_html(wording, 'headings.side_by_side')}</h3>"
            f'<p class="note">{_say_html(wording, "file.side_by_side_note")}</p>'
            f'<table class="side"><tr>{columns}</tr>{rows}</table>')


def _accounts_html(wording: DigestWording, accounts) -> str:
    rows = []
    for account in accounts:
        answers = "".join(f"<p><strong>{_h(label)}:</strong> {_h(text)}</p>"
                          for label, text in account.answers.items() if text)
        answers += follow_up_text.html(wording, account.follow_ups)
        rows.append(f'<tr><td class="who">{_h(account.who)}<br><span class="meta">{_h(account.knowledge_label)}'
                    f"</span></td><td>{answers}</td></tr>")
    columns = "".join(f"<th>{_say_html(wording, f'file.columns.{name}')}</th>" for name in ("contributor", "account"))
    return f"<table><tr>{columns}</tr>{''.join(rows)}</table>"


def _episode_html(wording: DigestWording, episode: EpisodeDigest, method) -> str:
    none_yet = f"<p>{_say_html(wording, 'words.none_yet')}</p>"
    meta = _say_html(wording, "file.episode_meta", dates=_h(episode.dates),
                     coverage=f"<strong>{_h(episode.coverage)}</strong>")
    parts = [f'<section class="episode" id="{_h(episode.key)}">'
             f"<h2>{_say_html(wording, 'headings.episode', key=_h(episode.key), title=_h(episode.title))}</h2>",
             f'<p class="meta">{meta}</p>']
    if episode.description:
        parts.append(f"<blockquote>{_h(episode.description)}</blockquote>")
    missing = "".join(f"<li>{_h(m.who)}: {_h(m.status)}</li>" for m in episode.missing)
    parts.append(f"<h3>{_say_html(wording, 'headings.contributors')}</h3><ul>"
                 + ("".join(f"<li>{_h(w)}</li>" for w in episode.contributors)
                    or f"<li>{_say_html(wording, 'words.none_yet')}</li>") + "</ul>")
    if missing:
        parts.append(f"<p>{_say_html(wording, 'file.not_yet')}</p><ul>{missing}</ul>")
    parts.append(f"<h3>{_say_html(wording, 'headings.at_the_time')}</h3>")
    parts.append(_accounts_html(wording, episode.at_the_time) if episode.at_the_time else none_yet)
    if episode.learned_later:
        parts.append(f"<h3>{_say_html(wording, 'headings.learned_later')}</h3>"
                     f'<p class="note">{_say_html(wording, "file.learned_later_note")}</p>')
        parts.append(_accounts_html(wording, episode.learned_later))
    if episode.other_follow_ups:
        parts.append(f"<h4>{_say_html(wording, 'follow_ups.others')}</h4>"
                     + follow_up_text.html(wording, episode.other_follow_ups))
    parts.append(f"<h3>{_say_html(wording, 'factors.label')}</h3>")
    if episode.factors:
        rows = []
        for tally in episode.factors:
            mentions = _say_html(wording, "words.mentions", count=tally.count)
            for number, group in enumerate(tally.groups):
                heading = (f'<td rowspan="{len(tally.groups)}"><strong>{_h(tally.heading)}</strong><br>'
                           f'<span class="meta">{mentions}; {_h(", ".join(tally.agencies))}</span></td>'
                           if number == 0 else "")
                sources = "".join(f"<li>{_h(s.who)}: “{_h(s.words)}”</li>" for s in group.statements)
                rows.append(f"<tr>{heading}<td>{_h(group.name)}</td><td>{group.count}</td><td><ul>{sources}</ul></td></tr>")
        columns = "".join(f"<th>{_say_html(wording, f'file.columns.{name}')}</th>"
                          for name in ("heading", "factor", "count", "sources"))
        parts.append(f"<table><tr>{columns}</tr>" + "".join(rows) + "</table>")
    else:
        parts.append(none_yet)
    for title, remarks in ((_say_html(wording, "went_well.label"), episode.went_well),
                           (_say_html(wording, "changes.label"), episode.changes)):
        items = "".join(f"<li><strong>{_h(r.who)}:</strong> {_h(r.text)}</li>" for r in remarks)
        parts.append(f"<h3>{title}</h3>" + (f"<ul>{items}</ul>" if items else none_yet))
    parts.append(f"<h3>{_say_html(wording, 'headings.hindsight')}</h3>"
                 f'<p class="note">{_say_html(wording, "file.hindsight_note")}</p>')
    parts.append("".join(f'<blockquote class="flag"><strong>{_h(f.who)}</strong>, {_h(f.field)}: “{_h(f.statement)}”'
                         f' <span class="meta">({_say_html(wording, "file.matched", phrases=_h(", ".join(f.phrases)))})'
                         f"</span></blockquote>"
                         for f in episode.hindsight) or f"<p>{_say_html(wording, 'words.none_found')}</p>")
    parts.append(_side_by_side_html(wording, episode))
    parts.append(f"<h3>{_say_html(wording, 'headings.differences')}</h3><p class=\"note\">{_h(method.differences)}</p>")
    items = "".join(f"<li>{_h(d.detail)}</li>" for d in episode.differences)
    parts.append(f"<ul>{items}</ul>" if items else f"<p>{_say_html(wording, 'words.no_differences')}</p>")
    if episode.names_to_check:
        items = "".join(f"<li><strong>{_h(n.who)}</strong>, {_h(n.field)}: “{_h(n.words)}” (<strong>{_h(n.label)}"
                        f"</strong>)</li>" for n in episode.names_to_check)
        parts.append(f"<h3>{_say_html(wording, 'headings.names_to_check')}</h3>"
                     f'<p class="note">{_say_html(wording, "names_to_check.note")}</p><ul>{items}</ul>')
    parts.append("</section>")
    return "".join(parts)


def html(digest: Digest, episode: str | None = None) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no external assets."""
    focus = digest.episode(episode) if episode else None
    title = _title(digest, focus)
    method, wording = digest.method, digest.wording
    meta = _say_html(wording, "file.meta", board=_h(digest.board), generated_at=_h(digest.generated_at),
                     contributors=digest.contributors, members=digest.members, reflections=digest.reflections)
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_h(title)}</title><style>{STYLE}{_analysis().STYLE}</style></head><body>",
             f"<h1>{_h(title)}</h1>",
             f'<p class="meta">{meta}</p>',
             f'<p class="note">{_h(wording.say("file.intro"))}</p>']
    keys = [focus.key] if focus else None
    parts += [f"<h2>{_say_html(wording, 'headings.timeline')}</h2>", timeline_chart(digest, keys)]
    if not focus:
        parts.append(_grid_html(wording, digest.grid))
    patterns = [p for p in digest.patterns if not focus or focus.key in p.episodes]
    parts += [f"<h2>{_say_html(wording, 'headings.patterns')}</h2>", f'<p class="note">{_h(method.emerging)}</p>',
              _patterns_html(wording, patterns) or f"<p>{_say_html(wording, 'file.no_patterns')}</p>"]
    if not focus:
        items = "".join(f"<li><strong>{_h(r.who)}:</strong> {_h(r.text)}</li>" for r in digest.anything_else)
        parts.append(f"<h2>{_say_html(wording, 'headings.anything_else')}</h2>"
                     + (f"<ul>{items}</ul>" if items else f"<p>{_say_html(wording, 'words.none_yet')}</p>"))
    parts += [_episode_html(wording, e, method) for e in ([focus] if focus else digest.episodes)]
    parts.append(_analysis().analysis_html(digest, focus))
    parts += [f"<section><h2>{_say_html(wording, 'headings.method')}</h2><ul>",
              *(f"<li><strong>{_say_html(wording, name)}:</strong> {_h(text)}</li>" for name, text in (
                  ("headings.names", method.pseudonyms), ("factors.label", method.grouping),
                  ("headings.hindsight", method.hindsight), ("headings.differences", method.differences),
                  ("headings.patterns", method.emerging))),
              "</ul></section></body></html>"]
    return "\n".join(parts) + "\n"
