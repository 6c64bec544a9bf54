"""The review team's analysis: an appraisal of each key practice episode, and the findings.

The review team's words, kept apart from the case group's: in storage (storage/analysis.py), here, and in
every output, where they are marked as the team's. Pure: plain frozen data and the rules that check it.

    appraisal = Appraisal("KPE2", what_happened="The crew found her on the floor ...",
                          appraisal="Reasonable, given what was known that night ...",
                          explanation="Six calls were waiting ...", factors=("conditions of work",))
    finding = Finding("F1", "Referrals go unanswered", pattern="tools", episodes=("KPE2", "KPE3"),
                      asks=("How does the board know ...?",))
    problems(finding, review, typology_keys)     # [] when it can be saved; else one line per problem

SCIE's method moves from the case to the system in a last, explicit step: the team appraises practice
episode by episode (judged by what was knowable then: local rationality), then identifies and prioritises
the findings that generalise. Each finding names its category in the typology of underlying patterns,
says how it showed in this case, how widespread it is and why it matters, and ends with questions for
the board (or recommendations, as the review file chooses: `[review] asks`).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STATUSES = ("draft", "agreed", "dropped")
# What a finding ends with, as the review file's `[review] asks` chooses: questions for the board by default.
ASKS = ("questions", "recommendations")
FINDING_KEY = re.compile(r"F[1-9][0-9]{0,3}")
# The team's texts are Slack modal inputs: plain_text_input takes at most 3,000 characters.
LONGEST_TEXT = 3000
LONGEST_TITLE = 150
MOST_ASKS = 20
MOST_EVIDENCE = 50


@dataclass(frozen=True)
class Appraisal:
    """The team's appraisal of one episode: what happened (their synthesis), the appraisal of practice (what
    was reasonable given what was known at the time, and where practice fell short of what could reasonably
    be expected), and the explanation (why), linked to the episode's factor headings."""
    episode: str
    what_happened: str = ""
    appraisal: str = ""
    explanation: str = ""
    factors: tuple[str, ...] = ()     # the episode's factor headings the explanation draws on
    version: int = 0                  # 1, 2, ...: every save is a new version
    author: str = ""                  # who saved it (a Slack ID: audited, never printed)
    saved_at: str = ""

    TEXTS = ("what_happened", "appraisal", "explanation")

    def content(self) -> tuple:
        """What was written, without who and when: two saves with the same content are one version."""
        return (self.episode, self.what_happened, self.appraisal, self.explanation, self.factors)


@dataclass(frozen=True)
class Evidence:
    """One piece of a finding's evidence: a case group member's words (a quote, or a factor group's
    statement) from one episode, attributed by role and agency. `member` is kept to take their words out if
    they withdraw; it is never printed."""
    episode: str
    who: str                 # "GP (Millbrook Surgery)"
    text: str
    member: str = ""
    group: str = ""          # the factor group it came from, when it did


@dataclass(frozen=True)
class Finding:
    key: str                                  # F1, F2, ...
    title: str
    pattern: str                              # a key of prompts/typology.toml's [[patterns]]
    episodes: tuple[str, ...] = ()            # the episodes that evidence it
    evidence: tuple[Evidence, ...] = ()
    in_this_case: str = ""
    how_widespread: str = ""
    why_it_matters: str = ""
    asks: tuple[str, ...] = ()                # questions for the board, or recommendations (Review.asks)
    status: str = "draft"
    order: int = 0                            # its place among the findings; ties go by key
    withdrawn: int = 0                        # how many quotes left it when their author withdrew
    version: int = 0
    author: str = ""
    saved_at: str = ""

    TEXTS = ("title", "in_this_case", "how_widespread", "why_it_matters")

    def content(self) -> tuple:
        """What was written, without who and when: importing the same file twice changes nothing."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self)
                     if f.name not in ("version", "author", "saved_at"))


def next_key(findings: Iterable[Finding]) -> str:
    """The key for a new finding: one more than the highest so far.

    >>> next_key([Finding("F1", "a", "tools"), Finding("F3", "b", "tools")])
    'F4'
    """
    return f"F{max((int(f.key[1:]) for f in findings if FINDING_KEY.fullmatch(f.key)), default=0) + 1}"


def in_order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings as the team ranked them (`order`, then key number)."""
    return sorted(findings, key=lambda f: (f.order, int(f.key[1:]) if FINDING_KEY.fullmatch(f.key) else 0, f.key))


def shown(findings: Iterable[Finding]) -> list[Finding]:
    """The findings outputs show, in order: every one not dropped."""
    return [f for f in in_order(findings) if f.status != "dropped"]


def without_member(finding: Finding, member: str) -> Finding:
    """The finding with `member`'s words taken out of its evidence (they withdrew), counted in `withdrawn` so
    that the finding says so. The same finding when none of its evidence is theirs."""
    kept = tuple(e for e in finding.evidence if e.member != member)
    if len(kept) == len(finding.evidence):
        return finding
    return dataclasses.replace(finding, evidence=kept, withdrawn=finding.withdrawn + len(finding.evidence) - len(kept))


def _text_problems(item, names: Sequence[str], where: str) -> list[str]:
    problems = []
    for name in names:
        value = getattr(item, name)
        if not isinstance(value, str):
            problems.append(f"{where}: {name} must be text")
        elif len(value) > (LONGEST_TITLE if name == "title" else LONGEST_TEXT):
            problems.append(f"{where}: {name} is longer than {LONGEST_TITLE if name == 'title' else LONGEST_TEXT} "
                            "characters")
    return problems


def appraisal_problems(appraisal: Appraisal, review, headings: Iterable[str]) -> list[str]:
    """What stops `appraisal` being saved for `review` (a bot.core.review.Review), one line each; [] when none.
    `headings`: the framework's heading names (an appraisal links only to those)."""
    where = f"appraisal of {appraisal.episode or '(no episode)'}"
    problems = [] if review.episode(appraisal.episode) else [f"{where}: {review.key} has no episode "
                                                             f"{appraisal.episode!r}"]
    problems += _text_problems(appraisal, Appraisal.TEXTS, where)
    if not any(str(getattr(appraisal, name) or "").strip() for name in Appraisal.TEXTS):
        problems.append(f"{where}: nothing written (what happened, the appraisal or the explanation)")
    known = set(headings)
    problems += [f"{where}: {h!r} is not a heading of the contributory factors framework"
                 for h in appraisal.factors if h not in known]
    return problems


def finding_problems(finding: Finding, review, patterns: Iterable[str]) -> list[str]:
    """What stops `finding` being saved for `review`, one line each; [] when none. `patterns`: the keys of
    prompts/typology.toml's [[patterns]]."""
    where = f"finding {finding.key or '(no key)'}"
    problems = [] if FINDING_KEY.fullmatch(finding.key or "") else [f"{where}: the key must be F and a number (F1)"]
    problems += _text_problems(finding, Finding.TEXTS, where)
    if isinstance(finding.title, str) and not finding.title.strip():
        problems.append(f"{where}: it needs a title")
    known = list(patterns)
    if finding.pattern not in known:
        problems.append(f"{where}: pattern {finding.pattern!r} is not in prompts/typology.toml "
                        f"(one of {', '.join(known)})")
    problems += [f"{where}: {review.key} has no episode {e!r}" for e in finding.episodes if not review.episode(e)]
    problems += [f"{where}: evidence from {e.episode!r}, which is not one of its episodes"
                 for e in finding.evidence if e.episode not in finding.episodes]
    if finding.status not in STATUSES:
        problems.append(f"{where}: status must be one of {', '.join(STATUSES)}, not {finding.status!r}")
    if len(finding.asks) > MOST_ASKS:
        problems.append(f"{where}: more than {MOST_ASKS} questions or recommendations")
    problems += [f"{where}: question or recommendation {i} is empty or longer than {LONGEST_TEXT} characters"
                 for i, ask in enumerate(finding.asks, start=1)
                 if not isinstance(ask, str) or not ask.strip() or len(ask) > LONGEST_TEXT]
    if len(finding.evidence) > MOST_EVIDENCE:
        problems.append(f"{where}: more than {MOST_EVIDENCE} pieces of evidence")
    return problems
