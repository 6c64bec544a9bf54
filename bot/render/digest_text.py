"""A digest as Markdown, JSON, or one self-contained HTML page that prints well.

    markdown(digest)                 # the whole review: overview, then every episode
    markdown(digest, episode="KPE3") # one episode, and the emerging patterns it is evidence for
    as_json(digest), html(digest)    # the same, for other tools and for the case group meeting

The digest's text is already pseudonymised and free of Slack markup (bot.core.redaction);
here it is only escaped for the format: `<` in Markdown, everything in HTML.
"""
from __future__ import annotations

import html as html_lib
import json

from bot.core.digest import Digest, EmergingPattern, EpisodeDigest

FORMATS = ("md", "json", "html")
INTRO = ("Practitioners are named by role and agency only; family members by the labels in the review file. "
         "For the review team and the case group meeting: it organises what the case group said, it does not "
         "appraise it.")
NONE_YET = "None yet."


def render(digest: Digest, fmt: str, episode: str | None = None) -> str:
    """The digest in `fmt` ('md', 'json' or 'html')."""
    return {"md": markdown, "json": as_json, "html": html}[fmt](digest, episode)


def as_json(digest: Digest, episode: str | None = None) -> str:
    return json.dumps({"format": "casegroup-digest", "version": 1, **digest.to_dict(episode)},
                      ensure_ascii=False, indent=2) + "\n"


# ----- Markdown ------------------------------------------------------------------------


def _md(text: str) -> str:
    """Practitioner text for Markdown: no raw HTML, and each line kept inside its list item."""
    return text.replace("<", "&lt;").replace("\n", " ")


def _cell(text: str) -> str:
    return _md(text).replace("|", "\\|")


def _patterns_md(patterns: list[EmergingPattern]) -> list[str]:
    lines = []
    for number, pattern in enumerate(patterns, start=1):
        typology = f"{pattern.pattern} ({pattern.pattern_short})" if pattern.pattern else "not mapped to the typology"
        lines += [f"### {number}. {_md(pattern.factor)}", "",
                  f"- **Question for the review team:** {_md(pattern.question)}",
                  f"- **Typology:** {typology}",
                  f"- **Recurs in:** {', '.join(pattern.episodes)} · named by {len(pattern.agencies)} "
                  f"agenc{'y' if len(pattern.agencies) == 1 else 'ies'} ({_md(', '.join(pattern.agencies))})",
                  "- **Evidence:**"]
        lines += [f"  - {e.episode}, {_md(e.who)}: “{_md(e.words)}”" for e in pattern.evidence]
        lines.append("")
    return lines


def _episode_md(episode: EpisodeDigest, method) -> list[str]:
    lines = [f"## {episode.key}: {_md(episode.title)}", "",
             f"*{episode.dates}* · coverage **{episode.coverage}**", ""]
    if episode.description:
        lines += [f"> {_md(episode.description)}", ""]
    lines += ["### Who contributed", ""]
    lines += [f"- {_md(who)}" for who in episode.contributors] or [f"- {NONE_YET}"]
    if episode.missing:
        lines += ["", "Not yet contributed:", ""]
        lines += [f"- {_md(m.who)}: {m.status}" for m in episode.missing]
    lines += ["", "### How it looked at the time", ""]
    if not episode.contributors:
        lines += [NONE_YET, ""]
    for account in episode.at_the_time:
        lines += [f"#### {_md(account.who)}, {account.knowledge_label}", ""]
        lines += [f"- **{label}:** {_md(text)}" for label, text in account.answers.items() if text]
        lines.append("")
    if episode.learned_later:
        lines += ["### Learned later", "", "_Kept apart from the views held at the time: these contributors say "
                                           "their knowledge of this episode came afterwards._", ""]
        for account in episode.learned_later:
            lines += [f"#### {_md(account.who)}, {account.knowledge_label}", ""]
            lines += [f"- **{label}:** {_md(text)}" for label, text in account.answers.items() if text]
            lines.append("")
    lines += ["### Contributory factors", ""]
    if episode.factors:
        lines += ["| Heading | Mentions | Agencies |", "| --- | --- | --- |"]
        lines += [f"| {_cell(t.heading)} | {t.count} | {_cell(', '.join(t.agencies))} |" for t in episode.factors]
        lines.append("")
        for tally in episode.factors:
            lines += [f"#### {_md(tally.heading)}", ""]
            for group in tally.groups:
                sources = "; ".join(f"{_md(s.who)}: “{_md(s.words)}”" for s in group.statements)
                lines.append(f"- **{_md(group.name)}** ({group.count}): {sources}")
            lines.append("")
    else:
        lines += [NONE_YET, ""]
    for title, remarks in (("What went well", episode.went_well), ("Suggested changes", episode.changes)):
        lines += [f"### {title}", ""]
        lines += [f"- **{_md(r.who)}:** {_md(r.text)}" for r in remarks] or [NONE_YET]
        lines.append("")
    lines += ["### Hindsight flags", "", "_Statements that may give today's view rather than the view at the time: "
                                         "prompts for the case group meeting, quoted as written._", ""]
    lines += [f"- **{_md(f.who)}**, {f.field}: “{_md(f.statement)}” (matched: {', '.join(f.phrases)})"
              for f in episode.hindsight] or ["None found."]
    lines += ["", "### Where accounts differ", "", f"_{method.differences}_", ""]
    lines += [f"- {_md(d.detail)}" for d in episode.differences] or ["No differences under this rule."]
    lines.append("")
    return lines


def _method_md(digest: Digest) -> list[str]:
    method = digest.method
    return ["## How this digest was made", "",
            f"- **Names:** {method.pseudonyms}",
            f"- **Contributory factors:** {method.grouping}",
            f"- **Hindsight flags:** {method.hindsight}",
            f"- **Where accounts differ:** {method.differences}",
            f"- **Emerging patterns:** {method.emerging}", ""]


def _overview_md(digest: Digest) -> list[str]:
    lines = ["## Timeline", "", "| Episode | Dates | Coverage | Hindsight flags | Accounts differ |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {t.key}: {_cell(t.title)} | {t.dates} | {t.coverage} | {t.hindsight} | {t.differences} |"
              for t in digest.timeline]
    lines += ["", "## Emerging patterns", "", f"_{digest.method.emerging}_", ""]
    lines += _patterns_md(digest.patterns) or ["No factor recurs across episodes or agencies yet.", ""]
    return lines


def _title(digest: Digest, focus: EpisodeDigest | None) -> str:
    return f"{digest.title}: {focus.key} digest" if focus else f"{digest.title}: digest of the case group's reflections"


def markdown(digest: Digest, episode: str | None = None) -> str:
    focus = digest.episode(episode) if episode else None
    title = _title(digest, focus)
    lines = [f"# {_md(title)}", "",
             f"{_md(digest.board)} · generated {digest.generated_at} · "
             f"{digest.contributors} of {digest.members} case group members have submitted "
             f"({digest.reflections} episode accounts)", "", f"> {INTRO}", ""]
    if focus:
        lines += _episode_md(focus, digest.method)
        related = [p for p in digest.patterns if focus.key in p.episodes]
        lines += ["## Emerging patterns this episode is evidence for", ""]
        lines += _patterns_md(related) or ["None yet.", ""]
    else:
        lines += _overview_md(digest)
        for item in digest.episodes:
            lines += _episode_md(item, digest.method)
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
@media print { body { margin: 0; max-width: none; font-size: 10pt; } section.episode { break-before: page; }
               tr, blockquote, li { break-inside: avoid; } h2, h3, h4 { break-after: avoid; } }
@page { margin: 15mm; }
"""


def _h(text) -> str:
    return html_lib.escape(str(text), quote=True)


def coverage_chart(digest: Digest, keys: list[str] | None = None) -> str:
    """An inline SVG: one bar per episode in timeline order, filled for the accounts received."""
    entries = [t for t in digest.timeline if keys is None or t.key in keys]
    row, label_width, bar_width = 22, 420, 220
    height = row * len(entries) + 10
    parts = [f'<svg class="chart" role="img" aria-label="Coverage of each episode" xmlns="http://www.w3.org/2000/svg" '
             f'width="{label_width + bar_width + 70}" height="{height}" viewBox="0 0 {label_width + bar_width + 70} '
             f'{height}">']
    for i, entry in enumerate(entries):
        y = 5 + i * row
        share = entry.contributed / entry.expected if entry.expected else 0
        title = entry.title if len(entry.title) <= 40 else entry.title[:39] + "…"
        start = entry.dates.split(" to ")[0]
        parts += [f'<text x="0" y="{y + 13}">{_h(entry.key)} · {_h(start)} · {_h(title)}</text>',
                  f'<rect class="todo" x="{label_width}" y="{y + 2}" width="{bar_width}" height="14" rx="2"/>',
                  f'<rect class="done" x="{label_width}" y="{y + 2}" width="{round(bar_width * share, 1)}" '
                  f'height="14" rx="2"/>',
                  f'<text x="{label_width + bar_width + 8}" y="{y + 13}">{_h(entry.coverage)}</text>']
    parts.append("</svg>")
    return "".join(parts)


def _patterns_html(patterns: list[EmergingPattern]) -> str:
    out = []
    for pattern in patterns:
        typology = (f"{_h(pattern.pattern)} ({_h(pattern.pattern_short)})" if pattern.pattern
                    else "not mapped to the typology")
        evidence = "".join(f"<li>{_h(e.episode)}, {_h(e.who)}: “{_h(e.words)}”</li>" for e in pattern.evidence)
        out.append(f'<div class="pattern"><h3>{_h(pattern.factor)}</h3><p><strong>{_h(pattern.question)}</strong></p>'
                   f"<p>Typology: {typology}. Recurs in {_h(', '.join(pattern.episodes))}; named by "
                   f"{len(pattern.agencies)} agencies ({_h(', '.join(pattern.agencies))}).</p>"
                   f"<details open><summary>Evidence</summary><ul>{evidence}</ul></details></div>")
    return "".join(out)


def _accounts_html(accounts) -> str:
    rows = []
    for account in accounts:
        answers = "".join(f"<p><strong>{_h(label)}:</strong> {_h(text)}</p>"
                          for label, text in account.answers.items() if text)
        rows.append(f'<tr><td class="who">{_h(account.who)}<br><span class="meta">{_h(account.knowledge_label)}'
                    f"</span></td><td>{answers}</td></tr>")
    return f"<table><tr><th>Contributor</th><th>Their account</th></tr>{''.join(rows)}</table>"


def _episode_html(episode: EpisodeDigest, method) -> str:
    parts = [f'<section class="episode" id="{_h(episode.key)}"><h2>{_h(episode.key)}: {_h(episode.title)}</h2>',
             f'<p class="meta">{_h(episode.dates)} · coverage <strong>{_h(episode.coverage)}</strong></p>']
    if episode.description:
        parts.append(f"<blockquote>{_h(episode.description)}</blockquote>")
    missing = "".join(f"<li>{_h(m.who)}: {_h(m.status)}</li>" for m in episode.missing)
    parts.append("<h3>Who contributed</h3><ul>" + ("".join(f"<li>{_h(w)}</li>" for w in episode.contributors)
                                                   or f"<li>{NONE_YET}</li>") + "</ul>")
    if missing:
        parts.append(f"<p>Not yet contributed:</p><ul>{missing}</ul>")
    parts.append("<h3>How it looked at the time</h3>")
    parts.append(_accounts_html(episode.at_the_time) if episode.at_the_time else f"<p>{NONE_YET}</p>")
    if episode.learned_later:
        parts.append('<h3>Learned later</h3><p class="note">Kept apart from the views held at the time: these '
                     "contributors say their knowledge of this episode came afterwards.</p>")
        parts.append(_accounts_html(episode.learned_later))
    parts.append("<h3>Contributory factors</h3>")
    if episode.factors:
        rows = []
        for tally in episode.factors:
            for number, group in enumerate(tally.groups):
                heading = (f'<td rowspan="{len(tally.groups)}"><strong>{_h(tally.heading)}</strong><br>'
                           f'<span class="meta">{tally.count} mention(s); {_h(", ".join(tally.agencies))}</span></td>'
                           if number == 0 else "")
                sources = "".join(f"<li>{_h(s.who)}: “{_h(s.words)}”</li>" for s in group.statements)
                rows.append(f"<tr>{heading}<td>{_h(group.name)}</td><td>{group.count}</td><td><ul>{sources}</ul></td></tr>")
        parts.append("<table><tr><th>Heading</th><th>Factor</th><th>Count</th><th>Whose words</th></tr>"
                     + "".join(rows) + "</table>")
    else:
        parts.append(f"<p>{NONE_YET}</p>")
    for title, remarks in (("What went well", episode.went_well), ("Suggested changes", episode.changes)):
        items = "".join(f"<li><strong>{_h(r.who)}:</strong> {_h(r.text)}</li>" for r in remarks)
        parts.append(f"<h3>{title}</h3>" + (f"<ul>{items}</ul>" if items else f"<p>{NONE_YET}</p>"))
    parts.append('<h3>Hindsight flags</h3><p class="note">Statements that may give today\'s view rather than the view '
                 "at the time: prompts for the case group meeting, quoted as written.</p>")
    parts.append("".join(f'<blockquote class="flag"><strong>{_h(f.who)}</strong>, {_h(f.field)}: “{_h(f.statement)}”'
                         f' <span class="meta">(matched: {_h(", ".join(f.phrases))})</span></blockquote>'
                         for f in episode.hindsight) or "<p>None found.</p>")
    parts.append(f'<h3>Where accounts differ</h3><p class="note">{_h(method.differences)}</p>')
    items = "".join(f"<li>{_h(d.detail)}</li>" for d in episode.differences)
    parts.append(f"<ul>{items}</ul>" if items else "<p>No differences under this rule.</p>")
    parts.append("</section>")
    return "".join(parts)


def html(digest: Digest, episode: str | None = None) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no external assets."""
    focus = digest.episode(episode) if episode else None
    title = _title(digest, focus)
    method = digest.method
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_h(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{_h(title)}</h1>",
             f'<p class="meta">{_h(digest.board)} · generated {_h(digest.generated_at)} · {digest.contributors} of '
             f"{digest.members} case group members have submitted ({digest.reflections} episode accounts)</p>",
             f'<p class="note">{_h(INTRO)}</p>']
    keys = [focus.key] if focus else None
    parts += ["<h2>Timeline and coverage</h2>", coverage_chart(digest, keys)]
    patterns = [p for p in digest.patterns if not focus or focus.key in p.episodes]
    parts += ["<h2>Emerging patterns</h2>", f'<p class="note">{_h(method.emerging)}</p>',
              _patterns_html(patterns) or "<p>No factor recurs across episodes or agencies yet.</p>"]
    parts += [_episode_html(e, method) for e in ([focus] if focus else digest.episodes)]
    parts += ['<section><h2>How this digest was made</h2><ul>',
              *(f"<li><strong>{name}:</strong> {_h(text)}</li>" for name, text in (
                  ("Names", method.pseudonyms), ("Contributory factors", method.grouping),
                  ("Hindsight flags", method.hindsight), ("Where accounts differ", method.differences),
                  ("Emerging patterns", method.emerging))),
              "</ul></section></body></html>"]
    return "\n".join(parts) + "\n"
