"""The review team's analysis in `/summary`, after the case group's material.

    overview_analysis(digest)        # the findings in order, and how many episodes are appraised
    episode_analysis(digest, "KPE2") # the episode's appraisal, and the findings it is evidence for

A summary, as the rest of the Slack digest is: the team's texts shortened, the first findings listed,
the whole in the Markdown file. Marked as the team's words under a heading of their own.
"""
from __future__ import annotations

from bot.core.analysis_digest import FindingShown, TeamAnalysis
from bot.core.digest import Digest
from bot.core.digest_rules import DigestWording
from bot.core.finding_responses import FindingResponses
from bot.core.text import neutralise
from bot.render.blocks import divider
from bot.render.digest_blocks import _safe, sections

# What the message shows of the team's analysis before pointing to the file.
SHOWN_FINDINGS = 6
SHOWN_EVIDENCE = 3
TEXT_CHARS = 700         # one of an appraisal's texts
FINDING_CHARS = 300      # one of a finding's texts, or one question


def _heading(wording: DigestWording) -> str:
    return f"*{wording.say('analysis.heading')}*: _{wording.say('analysis.note')}_"


def _finding_lines(wording: DigestWording, finding: FindingShown, asks: str,
                   responses: FindingResponses | None = None) -> list[str]:
    lines = [f"*{finding.key}. {_safe(finding.title, FINDING_CHARS)}* · _{wording.say(f'analysis.{finding.status}')}_"
             f" · {neutralise(finding.category)} · {', '.join(finding.episodes)}"]
    if responses and responses.challenged:   # highlighted for the team: first, under the title
        lines.append(f"*{wording.say('analysis.responses_warning', count=responses.count('doesnt_fit'))}*")
    lines += [f"{wording.say(f'analysis.{name}')}: {_safe(getattr(finding, name), FINDING_CHARS)}"
              for name in ("in_this_case", "why_it_matters") if getattr(finding, name).strip()]
    quotes = [f"    • {e.episode} {neutralise(e.who)}: “{_safe(e.text, 120)}”" for e in finding.evidence[:SHOWN_EVIDENCE]]
    if len(finding.evidence) > SHOWN_EVIDENCE:
        quotes.append("    • " + wording.say("slack.and_more", count=len(finding.evidence) - SHOWN_EVIDENCE))
    if finding.withdrawn:
        quotes.append(f"    _{wording.say('analysis.withdrawn', count=finding.withdrawn)}_")
    if quotes:
        lines += [f"{wording.say('analysis.evidence')}:", *quotes]
    if finding.asks:
        lines.append(f"{wording.say(f'analysis.{asks}')}:")
        lines += [f"    {number}. {_safe(ask, FINDING_CHARS)}" for number, ask in enumerate(finding.asks, start=1)]
    if responses and responses.responses:
        said = [f"    • {neutralise(r.who)}: {wording.say(f'analysis.response_{r.kind}')}"
                + (f": “{_safe(r.text, 120)}”" if r.text else "") for r in responses.responses[:SHOWN_EVIDENCE]]
        if len(responses.responses) > SHOWN_EVIDENCE:
            said.append("    • " + wording.say("slack.and_more", count=len(responses.responses) - SHOWN_EVIDENCE))
        lines += [f"{wording.say('analysis.responses')}:", *said]
    return ["\n".join(lines)]


def _findings(wording: DigestWording, analysis: TeamAnalysis) -> list[str]:
    lines = []
    for finding in analysis.findings[:SHOWN_FINDINGS]:
        lines += _finding_lines(wording, finding, analysis.asks, analysis.response(finding.key))
    if len(analysis.findings) > SHOWN_FINDINGS:
        lines.append(wording.say("analysis.slack_more", count=len(analysis.findings) - SHOWN_FINDINGS))
    return lines or [wording.say("analysis.no_findings")]


def overview_analysis(digest: Digest) -> list[dict]:
    wording, analysis = digest.wording, digest.analysis
    lines = [_heading(wording),
             wording.say("analysis.slack_appraisals", count=len(analysis.appraisals), episodes=len(digest.episodes)),
             f"*{wording.say('analysis.findings')}*", *_findings(wording, analysis)]
    return [divider(), *sections(lines)]


def episode_analysis(digest: Digest, key: str) -> list[dict]:
    wording, analysis = digest.wording, digest.analysis.only(key)
    appraisal = analysis.appraisal(key)
    lines = [_heading(wording)]
    if appraisal:
        lines.append(f"*{wording.say('analysis.appraisal_of_episode')}* "
                     f"({wording.say('analysis.version', version=appraisal.version)})")
        lines += [f"*{wording.say(f'analysis.{name}')}:* {_safe(getattr(appraisal, name), TEXT_CHARS)}"
                  for name in ("what_happened", "appraisal", "explanation") if getattr(appraisal, name).strip()]
        if appraisal.factors:
            lines.append(f"*{wording.say('analysis.factors')}:* {neutralise(', '.join(appraisal.factors))}")
    else:
        lines.append(wording.say("analysis.no_appraisal"))
    lines += [f"*{wording.say('analysis.findings_of_episode')}*", *_findings(wording, analysis)]
    return [divider(), *sections(lines)]
