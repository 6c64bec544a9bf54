"""The analysis file: the review team's appraisals and findings as TOML, for teams who draft in an editor.

    text = analysis_toml(review, appraisals, findings)        # what `casegroup analysis export` writes
    data = read_analysis_file("analysis.toml")                # parsed TOML; AnalysisFileError if it isn't
    appraisals, findings = analysis_from(data, review, headings, patterns, stored_findings)

`analysis_from` checks the whole file and raises AnalysisFileError with one line per problem, each naming
the entry ("finding F2: pattern 'tool' is not in prompts/typology.toml ..."), so nothing is applied unless
everything is right. What it returns is saved as new versions, and a save that says what the latest version
says changes nothing (storage/analysis.py): importing the same file twice is a no-op.

Evidence is the case group's words, not the team's: it is chosen in Slack, where each quote is taken from
a reflection with its author. The file shows it (episode, who, text: never the author's Slack ID) and can
keep it, reorder it or take it out, but a quote it adds or changes matches none of the finding's stored
evidence and is refused. So every quote still traces back to the practitioner who wrote it, and their
withdrawal can still take it out; a file written before a withdrawal can't bring their words back.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

import tomli_w

from bot.core.analysis import Appraisal, Evidence, Finding, appraisal_problems, finding_problems, in_order
from bot.core.review import Review, read_toml
from bot.errors import AnalysisFileError

HEADER = """\
# The review team's analysis of {title} ({key}): the appraisal of each key practice episode, and the findings.
# It holds case material: the team's words as they wrote them (names are not replaced by labels here), and
# the case group's words quoted as evidence. Keep it within the review, and delete it when you are done.
#
# Edit it, then `casegroup analysis import {key} FILE`. Each appraisal or finding you changed is saved as
# its next version; the others, and any not in the file, stay as they are. Findings end with
# {asks} = [...], as the review file's [review] asks says. Evidence is chosen in Slack: here it
# can be kept, reordered or removed, not changed or added. The format: README, "The analysis file".

"""
APPRAISAL_FIELDS = ("episode", "what_happened", "appraisal", "explanation", "factors")
FINDING_FIELDS = ("key", "title", "pattern", "episodes", "in_this_case", "how_widespread", "why_it_matters",
                  "questions", "recommendations", "status", "order", "evidence")
EVIDENCE_FIELDS = ("episode", "who", "text", "group")


def analysis_toml(review: Review, appraisals: Iterable[Appraisal], findings: Iterable[Finding]) -> str:
    """The analysis file of `review`: its header comment, the appraisals in timeline order, then the findings
    in the team's order (dropped ones too: the file is the whole of the team's work)."""
    by_episode = {a.episode: a for a in appraisals}
    document = {"review": review.key, "appraisals": [
        {"episode": a.episode, "what_happened": a.what_happened, "appraisal": a.appraisal,
         "explanation": a.explanation, "factors": list(a.factors)}
        for a in ([by_episode.pop(e.key) for e in review.episodes if e.key in by_episode] + list(by_episode.values()))]}
    document["findings"] = [_finding_table(f, review.asks) for f in in_order(findings)]
    # Texts with line breaks are written as multi-line strings, to be read and edited in an editor. tomli-w
    # writes a CRLF there as LF, so a text holding one is kept exact by writing the file's strings on one line.
    multiline = not any("\r\n" in text for text in _texts(document))
    return HEADER.format(title=" ".join(review.title.split()),  # a comment is one line
                          key=review.key, asks=review.asks) + tomli_w.dumps(
        {name: value for name, value in document.items() if value}, multiline_strings=multiline)


def _finding_table(finding: Finding, asks: str) -> dict:
    table = {"key": finding.key, "title": finding.title, "pattern": finding.pattern,
             "episodes": list(finding.episodes), "in_this_case": finding.in_this_case,
             "how_widespread": finding.how_widespread, "why_it_matters": finding.why_it_matters,
             asks: list(finding.asks), "status": finding.status, "order": finding.order}
    if finding.evidence:
        # Never `member`: a Slack ID, kept only so that a withdrawal can take the quote out.
        table["evidence"] = [{"episode": e.episode, "who": e.who, "text": e.text,
                              **({"group": e.group} if e.group else {})} for e in finding.evidence]
    return table


def _texts(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def read_analysis_file(path: Path | str) -> dict:
    """The file's TOML, parsed; AnalysisFileError naming the file when it can't be read or isn't TOML."""
    return read_toml(path, AnalysisFileError, "an analysis file")


def analysis_from(data: dict, review: Review, headings: Sequence[str], patterns: Sequence[str],
                  stored: Sequence[Finding]) -> tuple[list[Appraisal], list[Finding]]:
    """The appraisals and findings a parsed analysis file says, checked against `review`, the framework's
    `headings`, the typology's `patterns` and the findings `stored` (for their evidence). Raises
    AnalysisFileError (path '-') listing every problem."""
    problems: list[str] = []
    unknown = sorted(set(data) - {"review", "appraisals", "findings"})
    problems += [f"{name!r}: not part of an analysis file (it has review, [[appraisals]] and [[findings]])"
                 for name in unknown]
    if "review" in data and data["review"] != review.key:
        problems.append(f"review: the file is the analysis of {data['review']!r}, not of {review.key!r}")
    appraisals = _entries(data, "appraisals", "episode", problems)
    findings = _entries(data, "findings", "key", problems)
    parsed_appraisals = [a for a in (_appraisal(where, table, headings, review, problems)
                                     for where, table in appraisals) if a]
    by_key = {f.key: f for f in stored}
    last_order = max((f.order for f in stored), default=0)
    parsed_findings = []
    for where, table in findings:
        finding = _finding(where, table, review, patterns, by_key.get(table.get("key")), problems)
        if finding:
            if "order" not in table and finding.key not in by_key:
                last_order += 1     # a new finding written without an order comes after the others
                finding = dataclasses.replace(finding, order=last_order)
            parsed_findings.append(finding)
    if problems:
        raise AnalysisFileError("-", problems)
    return parsed_appraisals, parsed_findings


def _entries(data: dict, name: str, key: str, problems: list[str]) -> list[tuple[str, dict]]:
    """[[name]]'s tables, each with how a problem names it ("finding F2", "appraisal of KPE3", or "#2")."""
    raw = data.get(name, [])
    if not isinstance(raw, list):
        problems.append(f"{name}: must be [[{name}]] tables")
        return []
    entries, seen = [], set()
    for index, table in enumerate(raw, start=1):
        label = table.get(key) if isinstance(table, dict) else None
        shown = label if isinstance(label, str) and label else f"#{index}"
        where = f"appraisal of {shown}" if name == "appraisals" else f"finding {shown}"
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table")
            continue
        if not isinstance(label, str) or not label:
            problems.append(f"{where}: {key} is missing")
            continue
        if label in seen:
            problems.append(f"{where}: it is in the file twice")
            continue
        seen.add(label)
        entries.append((where, table))
    return entries


def _unknown_fields(table: dict, fields: Sequence[str], where: str, problems: list[str]) -> bool:
    # A typo'd field must not vanish silently: `titel = "..."` would otherwise save a finding without its title.
    unknown = [name for name in table if name not in fields]
    problems += [f"{where}: unknown field {name!r} (the fields are {', '.join(fields)})" for name in unknown]
    return bool(unknown)


def _texts_list(table: dict, name: str, where: str, problems: list[str]) -> tuple[str, ...] | None:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{where}: {name} must be a list of texts ([\"...\", \"...\"])")
        return None
    return tuple(value)


def _appraisal(where: str, table: dict, headings: Sequence[str], review: Review,
               problems: list[str]) -> Appraisal | None:
    if _unknown_fields(table, APPRAISAL_FIELDS, where, problems):
        return None
    factors = _texts_list(table, "factors", where, problems)
    if factors is None:
        return None
    appraisal = Appraisal(table["episode"], **{name: table.get(name, "") for name in Appraisal.TEXTS},
                          factors=factors)
    found = appraisal_problems(appraisal, review, headings)
    problems += found
    return None if found else appraisal


def _finding(where: str, table: dict, review: Review, patterns: Sequence[str], stored: Finding | None,
             problems: list[str]) -> Finding | None:
    if _unknown_fields(table, FINDING_FIELDS, where, problems):
        return None
    other = "recommendations" if review.asks == "questions" else "questions"
    if other in table:
        problems.append(f"{where}: {review.key} asks for {review.asks} ([review] asks = {review.asks!r} in its "
                        f"review file): write {review.asks} = [...], not {other}")
        return None
    lists = {name: _texts_list(table, name, where, problems) for name in ("episodes", review.asks)}
    order = table.get("order", stored.order if stored else 0)
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= 10_000:
        problems.append(f"{where}: order must be a whole number from 0 to 10000 (its place among the findings)")
        return None
    evidence = _evidence(where, table.get("evidence", []), stored, problems)
    if None in lists.values() or evidence is None:
        return None
    finding = Finding(table["key"], table.get("title", ""), table.get("pattern", ""), lists["episodes"],
                      evidence, **{name: table.get(name, "") for name in Finding.TEXTS if name != "title"},
                      asks=lists[review.asks], status=table.get("status", "draft"), order=order,
                      withdrawn=stored.withdrawn if stored else 0)
    found = finding_problems(finding, review, patterns)
    problems += found
    return None if found else finding


def _evidence(where: str, raw, stored: Finding | None, problems: list[str]) -> tuple[Evidence, ...] | None:
    """The finding's evidence as the file keeps it: each entry one of its stored pieces (with its author)."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        problems.append(f"{where}: evidence must be [[findings.evidence]] tables")
        return None
    kept = {(e.episode, e.who, e.text, e.group): e for e in (stored.evidence if stored else ())}
    evidence, ok = [], True
    for index, table in enumerate(raw, start=1):
        if _unknown_fields(table, EVIDENCE_FIELDS, f"{where}, evidence {index}", problems):
            ok = False
            continue
        said = tuple(table.get(name, "") for name in EVIDENCE_FIELDS)
        if not all(isinstance(value, str) for value in said):
            problems.append(f"{where}, evidence {index}: {', '.join(EVIDENCE_FIELDS)} must be texts")
            ok = False
            continue
        piece = kept.get(said)
        if piece is None:
            problems.append(f"{where}, evidence {index}: not one of the finding's evidence as stored: evidence is "
                            "the case group's words, chosen in Slack; the file can keep or remove it, not add or "
                            "change it")
            ok = False
        else:
            evidence.append(piece)
    return tuple(evidence) if ok else None
