"""The report as Markdown (for pasting, with a linked contents list) and as HTML (self-contained, print-ready on A4).

    render(report, "md")      # or "html"; the .docx is bot/render/report_docx.py's

The same sections as the Word draft, in the same order and words. Every text is escaped the digest's way
(bot/render/digest_text.py: practitioner text can't become markup, a link or an image); the HTML's timeline is
the digest's own SVG (digest_text.timeline_chart), drawn from the digest the report was made from.
"""
from __future__ import annotations

from bot.core.report import Report
from bot.render.digest_text import STYLE as DIGEST_STYLE
from bot.render.digest_text import _cell, _h, _md, timeline_chart


def render(report: Report, fmt: str) -> str:
    return markdown(report) if fmt == "md" else html(report)


# ----- Markdown --------------------------------------------------------------------------------------------------

def _table_md(headings: list[str], rows) -> list[str]:
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(_cell(text) for text in row) + " |" for row in rows]
    return lines + [""]


def _heading_md(report: Report, name: str) -> list[str]:
    section = report.section(name)
    return [f'<a id="{section.anchor}"></a>', "", f"## {_md(section.heading)}", ""]


def markdown(report: Report) -> str:
    say = report.say
    lines = [f"# {_md(report.title)}", "", f"**{_md(report.board)}**  ", f"{_md(report.kind)}  ",
             f"{_md(report.model)}", "", f"**{say('confidential')}**", "", _md(report.version), "",
             f"## {say('contents')}", ""]
    lines += [f"- [{_md(s.heading)}](#{s.anchor})" for s in report.sections] + [""]

    lines += _heading_md(report, "introduction")
    lines += [f"### 1.1 {say('reason')}", "", _md(report.reason) if report.reason else f"_{say('no_reason')}_", ""]
    lines += [f"### 1.2 {say('method')}", "", say("method_text"), ""]
    lines += [f"### 1.3 {say('who_took_part')}", "", _md(report.took_part), ""]
    lines += [f"- **{_md(agency)}**: {_md(line)}" for agency, line in report.took_part_by_agency] + [""]
    lines += [f"### 1.4 {say('limitations')}", ""]
    lines += [f"- {_md(line)}" for line in report.limitations or (say("no_limitations"),)] + [""]

    lines += _heading_md(report, "case_in_brief")
    lines += (_table_md([say("column_episode"), say("column_dates"), say("column_title"), say("column_description")],
                        [(r.key, r.dates, r.title, r.description) for r in report.chronology])
              if report.chronology else [f"_{say('no_episodes')}_", ""])

    lines += _heading_md(report, "appraisal_of_practice")
    lines += (_table_md([say("column_episode"), say("column_what_happened"), say("column_appraisal"),
                         say("column_explanation")],
                        [(r.key, r.what_happened, r.appraisal, r.explanation) if r.appraised
                         else (r.key, say("not_appraised"), "", "") for r in report.appraisals])
              if report.appraisals else [f"_{say('no_episodes')}_", ""])

    lines += _heading_md(report, "findings")
    if not report.findings:
        lines += [f"_{say('no_findings')}_", ""]
    none = f"_{say('none_written')}_"
    for finding in report.findings:
        lines += [f"### {_md(finding.heading)}", ""]
        if finding.draft:
            lines += [f"_{say('finding_draft')}_", ""]
        lines += [f"**{say('category')}:** {_md(finding.category)}", "",
                  f"**{say('in_this_case')}**", "", _md(finding.in_this_case) or none, ""]
        if finding.evidence:
            lines += [f"**{say('evidence')}**", ""]
            lines += [f"> “{_md(q.text)}” _({_md(q.who)}, {q.episode})_" for q in finding.evidence] + [""]
        lines += [f"**{say('how_widespread')}**", "", _md(finding.how_widespread) or none, "",
                  f"**{say('why_it_matters')}**", "", _md(finding.why_it_matters) or none, "",
                  f"**{report.asks_label}**", ""]
        lines += [f"{number}. {_md(ask)}" for number, ask in enumerate(finding.asks, start=1)] or [none]
        lines += [""] + _response_md(report, finding.response)

    lines += _heading_md(report, "appendix_a")
    lines += (_table_md([say("column_role"), say("column_agency"), say("column_episodes"), say("column_took_part")],
                        [(m.role, m.agency, m.episodes, m.took_part) for m in report.case_group])
              if report.case_group else [f"_{say('no_case_group')}_", ""])
    if report.case_group:
        lines += [_md(report.follow_ups), ""]

    lines += _heading_md(report, "appendix_b")
    if report.comments:
        lines += [say("comments_intro"), ""]
        lines += _table_md([say("column_number"), say("column_agency"), say("column_section"), say("column_comment"),
                            say("column_resolution")], [_comment_row(report, c) for c in report.comments])
    else:
        lines += [f"_{say('no_comments')}_", ""]

    lines += _heading_md(report, "appendix_c")
    feedback = report.feedback
    lines += [f"_{_md(line)}_" if feedback.empty else _md(line) for line in feedback.said] + [""]
    if not feedback.empty:
        if feedback.ratings:
            lines += _table_md([say("column_rating"), say("column_answers")],
                               [(label, str(count)) for label, count in feedback.ratings])
        lines += [f"**{_md(feedback.comments_said)}**" if feedback.comments else f"_{_md(feedback.comments_said)}_",
                  ""]
        lines += [f"- {_md(comment)}" for comment in feedback.comments] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _response_md(report: Report, response) -> list[str]:
    lines = [f"**{report.say('responses')}**", ""]
    if not response.responses:
        return lines + [f"_{_md(response.summary)}_", ""]
    lines += [_md(response.summary), ""]
    if response.challenged:
        lines += [f"**{_md(response.challenged)}**", ""]
    lines += [f"- **{_md(r.who)}**: {_md(r.kind)}" + (f": “{_md(r.text)}”" if r.text else "")
              for r in response.responses]
    return lines + [""]


def _comment_row(report: Report, comment) -> tuple[str, ...]:
    said = comment.text + (f" ({report.say('on_text', anchor=comment.anchor)})" if comment.anchor else "")
    return (str(comment.id), comment.agency, comment.section, said,
            comment.resolution + (f": {comment.reason}" if comment.reason else ""))


# ----- HTML ------------------------------------------------------------------------------------------------------

STYLE = """
.title-page { text-align: center; padding: 4em 0 2em; } .title-page h1 { font-size: 2.4em; margin: .3em 0; }
.confidential { font-weight: 700; letter-spacing: .03em; margin-top: 2.5em; } nav ol { list-style: none; padding: 0; }
.draft { font-style: italic; color: #55656d; } .finding { break-inside: auto; }
td.key { font-weight: 600; width: 3.5em; }
.open { color: #8a5a00; font-weight: 600; }
.challenged { color: #9c1c1c; font-weight: 700; } .responses li { margin: .2em 0; }
@page { size: A4; margin: 20mm 18mm; }
@media print { .title-page, nav { break-after: page; } section.report { break-before: page; } }
"""


def _table_html(headings: list[str], rows, key_first: bool = True) -> str:
    head = "".join(f"<th>{_h(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f'<td class="key">{_h(text)}</td>' if i == 0 and key_first else f"<td>{text}</td>"
                                    for i, text in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _p(text: str, none: str) -> str:
    return f"<p>{_h(text)}</p>" if text else f'<p class="draft">{_h(none)}</p>'


def _section_html(report: Report, name: str, body: str) -> str:
    section = report.section(name)
    return f'<section class="report" id="{section.anchor}"><h2>{_h(section.heading)}</h2>{body}</section>'


def html(report: Report) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no external assets."""
    say = report.say
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_h(report.title)}</title><style>{DIGEST_STYLE}{STYLE}</style></head><body>",
             f'<header class="title-page"><p>{_h(report.board)}</p><h1>{_h(report.title)}</h1>'
             f"<p>{_h(report.kind)}</p><p>{_h(report.model)}</p>"
             f'<p class="confidential">{_h(say("confidential"))}</p><p>{_h(report.version)}</p></header>',
             f"<nav><h2>{_h(say('contents'))}</h2><ol>"
             + "".join(f'<li><a href="#{s.anchor}">{_h(s.heading)}</a></li>' for s in report.sections)
             + "</ol></nav>"]

    agencies = "".join(f"<li><strong>{_h(agency)}</strong>: {_h(line)}</li>"
                       for agency, line in report.took_part_by_agency)
    limits = "".join(f"<li>{_h(line)}</li>" for line in report.limitations or (say("no_limitations"),))
    parts.append(_section_html(report, "introduction",
                               f"<h3>1.1 {_h(say('reason'))}</h3>{_p(report.reason, say('no_reason'))}"
                               f"<h3>1.2 {_h(say('method'))}</h3><p>{_h(say('method_text'))}</p>"
                               f"<h3>1.3 {_h(say('who_took_part'))}</h3><p>{_h(report.took_part)}</p>"
                               f"<ul>{agencies}</ul><h3>1.4 {_h(say('limitations'))}</h3><ul>{limits}</ul>"))

    chart = timeline_chart(report.digest) if report.digest else ""
    chronology = _table_html([say("column_episode"), say("column_dates"), say("column_title"),
                              say("column_description")],
                             [(r.key, _h(r.dates), _h(r.title), _h(r.description)) for r in report.chronology])
    parts.append(_section_html(report, "case_in_brief",
                               chart + chronology if report.chronology else _p("", say("no_episodes"))))

    appraisals = _table_html([say("column_episode"), say("column_what_happened"), say("column_appraisal"),
                              say("column_explanation")],
                             [(r.key, _h(r.what_happened), _h(r.appraisal), _h(r.explanation)) if r.appraised
                              else (r.key, f'<span class="draft">{_h(say("not_appraised"))}</span>', "", "")
                              for r in report.appraisals])
    parts.append(_section_html(report, "appraisal_of_practice",
                               appraisals if report.appraisals else _p("", say("no_episodes"))))

    none, findings = say("none_written"), []
    for f in report.findings:
        quotes = "".join(f"<blockquote>“{_h(q.text)}” <em>({_h(q.who)}, {_h(q.episode)})</em></blockquote>"
                         for q in f.evidence)
        asks = "".join(f"<li>{_h(ask)}</li>" for ask in f.asks)
        findings.append(
            f'<article class="finding" id="finding-{_h(f.key)}"><h3>{_h(f.heading)}</h3>'
            + (f'<p class="draft">{_h(say("finding_draft"))}</p>' if f.draft else "")
            + f"<p><strong>{_h(say('category'))}:</strong> {_h(f.category)}</p>"
            f"<h4>{_h(say('in_this_case'))}</h4>{_p(f.in_this_case, none)}"
            + (f"<h4>{_h(say('evidence'))}</h4>{quotes}" if quotes else "")
            + f"<h4>{_h(say('how_widespread'))}</h4>{_p(f.how_widespread, none)}"
            f"<h4>{_h(say('why_it_matters'))}</h4>{_p(f.why_it_matters, none)}"
            f"<h4>{_h(report.asks_label)}</h4>" + (f"<ol>{asks}</ol>" if asks else _p("", none))
            + _response_html(report, f.response) + "</article>")
    parts.append(_section_html(report, "findings", "".join(findings) or _p("", say("no_findings"))))

    case_group = _table_html([say("column_role"), say("column_agency"), say("column_episodes"),
                              say("column_took_part")],
                             [(m.role, _h(m.agency), _h(m.episodes), _h(m.took_part)) for m in report.case_group])
    parts.append(_section_html(report, "appendix_a", case_group + f"<p>{_h(report.follow_ups)}</p>"
                               if report.case_group else _p("", say("no_case_group"))))

    rows = [tuple(_h(text) for text in _comment_row(report, c)) for c in report.comments]
    rows = [(*row[:4], f'<span class="open">{row[4]}</span>' if c.open else row[4])
            for row, c in zip(rows, report.comments)]
    comments = (f"<p>{_h(say('comments_intro'))}</p>"
                + _table_html([say("column_number"), say("column_agency"), say("column_section"),
                               say("column_comment"), say("column_resolution")], rows, key_first=False))
    parts.append(_section_html(report, "appendix_b", comments if report.comments else _p("", say("no_comments"))))
    parts.append(_section_html(report, "appendix_c", _feedback_html(report)))
    return "".join(parts) + "</body></html>\n"


def _response_html(report: Report, response) -> str:
    heading = f"<h4>{_h(report.say('responses'))}</h4>"
    if not response.responses:
        return heading + _p("", response.summary)
    items = "".join(f"<li><strong>{_h(r.who)}</strong>: {_h(r.kind)}" + (f": “{_h(r.text)}”" if r.text else "")
                    + "</li>" for r in response.responses)
    challenged = f'<p class="challenged">{_h(response.challenged)}</p>' if response.challenged else ""
    return f'{heading}<p>{_h(response.summary)}</p>{challenged}<ul class="responses">{items}</ul>'


def _feedback_html(report: Report) -> str:
    feedback = report.feedback
    if feedback.empty:
        return "".join(_p("", line) for line in feedback.said)
    body = "".join(f"<p>{_h(line)}</p>" for line in feedback.said)
    if feedback.ratings:
        body += _table_html([report.say("column_rating"), report.say("column_answers")],
                            [(_h(label), str(count)) for label, count in feedback.ratings], key_first=False)
    if feedback.comments:
        body += f"<p><strong>{_h(feedback.comments_said)}</strong></p><ul>"
        body += "".join(f"<li>{_h(comment)}</li>" for comment in feedback.comments) + "</ul>"
    else:
        body += _p("", feedback.comments_said)
    return body
