"""The review team's analysis in the Markdown and HTML files, after the case group's material.

    analysis_md(digest, focus)     # lines for bot.render.digest_text.markdown (focus: an episode's file, or None)
    analysis_html(digest, focus)   # a <section class="team"> for bot.render.digest_text.html

The team's words are marked as theirs: a heading and a note of their own, and in HTML a coloured rule and
tint that the case group's material never has. The JSON export carries the same under "analysis"
(Digest.to_dict). Escaping is digest_text's, the same for every word of the digest.
"""
from __future__ import annotations

from bot.core.analysis_digest import AppraisalShown, FindingShown
from bot.core.finding_responses import FindingResponses
from bot.core.digest import Digest, EpisodeDigest
from bot.core.digest_rules import DigestWording
from bot.render.digest_text import _h, _md, _say, _say_html

STYLE = """
section.team { border-left: 6px solid #8a5a00; background: #fdf8ef; padding: .1em 1.2em 1em; margin-top: 2.5em; }
section.team h2 { border-bottom-color: #8a5a00; } section.team h3, section.team h4 { color: #6b4600; }
.finding, .appraisal { break-inside: avoid; border: 1px solid #e2cfa6; background: #fff; padding: .2em .9em;
        margin: .8em 0; } .status { font-size: .8em; padding: .1em .5em; border-radius: 3px; margin-left: .4em;
        vertical-align: middle; } .status.draft { background: #eee; color: #444; }
.status.agreed { background: #2c6a3a; color: #fff; } dl.team-fields dt { font-weight: 600; margin-top: .4em; }
dl.team-fields dd { margin-left: 0; }
.challenged { border-left: 4px solid #b00020; background: #fdecee; padding: .2em .6em; font-weight: 600; }
@media print { section.team { break-before: page; } }
"""


def _written(item, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(the digest.toml [analysis] name of its label, text) of each of the team's texts that was written."""
    return [(f"analysis.{name}", getattr(item, name)) for name in names if getattr(item, name).strip()]


_APPRAISAL_TEXTS = ("what_happened", "appraisal", "explanation")
_FINDING_TEXTS = ("in_this_case", "how_widespread", "why_it_matters")


# ----- Markdown ------------------------------------------------------------------------


def _appraisal_md(wording: DigestWording, appraisal: AppraisalShown) -> list[str]:
    lines = [f"_{_say(wording, 'analysis.version', version=appraisal.version)}_", ""]
    lines += [f"- **{_say(wording, label)}:** {_md(text)}" for label, text in _written(appraisal, _APPRAISAL_TEXTS)]
    if appraisal.factors:
        lines.append(f"- **{_say(wording, 'analysis.factors')}:** {_md(', '.join(appraisal.factors))}")
    return lines + [""]


def _responses_md(wording: DigestWording, responses: FindingResponses) -> list[str]:
    """The case group's response under a finding: their words, by role and agency, a ⚠ line first if it doesn't
    fit someone's experience. Nothing when nobody has answered."""
    if not responses.responses:
        return []
    lines = [f"- **{_say(wording, 'analysis.responses')}:**"]
    if responses.challenged:
        lines.append(f"  - **{_say(wording, 'analysis.responses_warning', count=responses.count('doesnt_fit'))}**")
    lines += [f"  - {_md(r.who)}: {_say(wording, f'analysis.response_{r.kind}')}" + (f": “{_md(r.text)}”" if r.text else "")
              for r in responses.responses]
    return lines


def _finding_md(wording: DigestWording, finding: FindingShown, asks: str,
                responses: FindingResponses | None = None) -> list[str]:
    lines = [f"#### {finding.key}. {_md(finding.title)} · {_say(wording, f'analysis.{finding.status}')}", "",
             f"- **{_say(wording, 'analysis.category')}:** {_md(finding.category)}",
             f"- **{_say(wording, 'analysis.episodes')}:** {', '.join(finding.episodes)}"]
    lines += [f"- **{_say(wording, label)}:** {_md(text)}" for label, text in _written(finding, _FINDING_TEXTS)]
    if finding.evidence or finding.withdrawn:
        lines.append(f"- **{_say(wording, 'analysis.evidence')}:**")
        lines += [f"  - {e.episode}, {_md(e.who)}: “{_md(e.text)}”" for e in finding.evidence]
        if finding.withdrawn:
            lines.append(f"  - _{_say(wording, 'analysis.withdrawn', count=finding.withdrawn)}_")
    if finding.asks:
        lines.append(f"- **{_say(wording, f'analysis.{asks}')}:**")
        lines += [f"  {number}. {_md(ask)}" for number, ask in enumerate(finding.asks, start=1)]
    lines += _responses_md(wording, responses or FindingResponses(finding.key))
    return lines + [""]


def analysis_md(digest: Digest, focus: EpisodeDigest | None) -> list[str]:
    wording, analysis = digest.wording, digest.analysis.only(focus.key if focus else None)
    lines = [f"## {_say(wording, 'analysis.heading')}", "", f"_{_say(wording, 'analysis.note')}_", ""]
    if focus:
        appraisal = analysis.appraisal(focus.key)
        lines += [f"### {_say(wording, 'analysis.appraisal_of_episode')}", ""]
        lines += _appraisal_md(wording, appraisal) if appraisal else [_say(wording, "analysis.no_appraisal"), ""]
        lines += [f"### {_say(wording, 'analysis.findings_of_episode')}", ""]
    else:
        lines += [f"### {_say(wording, 'analysis.appraisals')}", ""]
        for appraisal in analysis.appraisals:
            lines += [f"#### {_say(wording, 'analysis.appraisal_of', key=appraisal.episode, title=_md(appraisal.title))}",
                      "", *_appraisal_md(wording, appraisal)]
        if not analysis.appraisals:
            lines += [_say(wording, "words.none_yet"), ""]
        lines += [f"### {_say(wording, 'analysis.findings')}", ""]
    for finding in analysis.findings:
        lines += _finding_md(wording, finding, analysis.asks, analysis.response(finding.key))
    return lines if analysis.findings else lines + [_say(wording, "analysis.no_findings"), ""]


# ----- HTML ------------------------------------------------------------------------------


def _dl(pairs: list[tuple[str, str]]) -> str:
    """Label and text pairs: the labels are digest.toml's (escaped), the texts the team's."""
    return ('<dl class="team-fields">' + "".join(f"<dt>{label}</dt><dd>{text}</dd>" for label, text in pairs)
            + "</dl>") if pairs else ""


def _appraisal_html(wording: DigestWording, appraisal: AppraisalShown, heading: str) -> str:
    pairs = [(_say_html(wording, label), _h(text)) for label, text in _written(appraisal, _APPRAISAL_TEXTS)]
    if appraisal.factors:
        pairs.append((_say_html(wording, "analysis.factors"), _h(", ".join(appraisal.factors))))
    version = _say_html(wording, "analysis.version", version=appraisal.version)
    return f'<div class="appraisal">{heading}<p class="meta">{version}</p>{_dl(pairs)}</div>'


def _responses_html(wording: DigestWording, responses: FindingResponses) -> list[tuple[str, str]]:
    if not responses.responses:
        return []
    items = "".join(f"<li>{_h(r.who)}: {_say_html(wording, f'analysis.response_{r.kind}')}"
                    + (f": “{_h(r.text)}”" if r.text else "") + "</li>" for r in responses.responses)
    count = responses.count("doesnt_fit")
    warning = (f'<p class="challenged">{_say_html(wording, "analysis.responses_warning", count=count)}</p>'
               if responses.challenged else "")
    return [(_say_html(wording, "analysis.responses"), f'{warning}<ul class="responses">{items}</ul>')]


def _finding_html(wording: DigestWording, finding: FindingShown, asks: str,
                  responses: FindingResponses | None = None) -> str:
    status = f'<span class="status {_h(finding.status)}">{_say_html(wording, f"analysis.{finding.status}")}</span>'
    pairs = [(_say_html(wording, "analysis.category"), _h(finding.category)),
             (_say_html(wording, "analysis.episodes"), _h(", ".join(finding.episodes)))]
    pairs += [(_say_html(wording, label), _h(text)) for label, text in _written(finding, _FINDING_TEXTS)]
    if finding.evidence or finding.withdrawn:
        quotes = "".join(f"<li>{_h(e.episode)}, {_h(e.who)}: “{_h(e.text)}”</li>" for e in finding.evidence)
        if finding.withdrawn:
            quotes += f'<li class="note">{_say_html(wording, "analysis.withdrawn", count=finding.withdrawn)}</li>'
        pairs.append((_say_html(wording, "analysis.evidence"), f"<ul>{quotes}</ul>"))
    if finding.asks:
        pairs.append((_say_html(wording, f"analysis.{asks}"),
                      "<ol>" + "".join(f"<li>{_h(ask)}</li>" for ask in finding.asks) + "</ol>"))
    pairs += _responses_html(wording, responses or FindingResponses(finding.key))
    return (f'<div class="finding" id="{_h(finding.key)}"><h4>{_h(finding.key)}. {_h(finding.title)}{status}</h4>'
            f"{_dl(pairs)}</div>")


def analysis_html(digest: Digest, focus: EpisodeDigest | None) -> str:
    wording, analysis = digest.wording, digest.analysis.only(focus.key if focus else None)
    parts = [f'<section class="team"><h2>{_say_html(wording, "analysis.heading")}</h2>'
             f'<p class="note">{_say_html(wording, "analysis.note")}</p>']
    if focus:
        appraisal = analysis.appraisal(focus.key)
        heading = f"<h3>{_say_html(wording, 'analysis.appraisal_of_episode')}</h3>"
        parts.append(_appraisal_html(wording, appraisal, heading) if appraisal
                     else f"{heading}<p>{_say_html(wording, 'analysis.no_appraisal')}</p>")
        parts.append(f"<h3>{_say_html(wording, 'analysis.findings_of_episode')}</h3>")
    else:
        parts.append(f"<h3>{_say_html(wording, 'analysis.appraisals')}</h3>")
        parts += [_appraisal_html(wording, a, "<h4>" + _say_html(wording, "analysis.appraisal_of", key=_h(a.episode),
                                                                  title=_h(a.title)) + "</h4>")
                  for a in analysis.appraisals] or [f"<p>{_say_html(wording, 'words.none_yet')}</p>"]
        parts.append(f"<h3>{_say_html(wording, 'analysis.findings')}</h3>")
    parts += [_finding_html(wording, f, analysis.asks, analysis.response(f.key)) for f in analysis.findings] \
        or [f"<p>{_say_html(wording, 'analysis.no_findings')}</p>"]
    return "".join(parts) + "</section>"
