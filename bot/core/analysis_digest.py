"""The review team's analysis as every output of the digest shows it, after the case group's material.

    analysis = team_analysis(review, store.analysis.appraisals(key), store.analysis.findings(key), prompts.digest)
    analysis.appraisal("KPE2").appraisal      # the latest version's words, pseudonymised
    analysis.only("KPE2")                     # its appraisal, and the findings it is evidence for

A room beside the digest (bot.core.digest), not inside it: the appraisals and findings are the review
team's words, so they are kept apart from the case group's here too, and every renderer marks them as
the team's. What the team wrote passes through the same pseudonymisation as the digest (one batch of
bot.core.redaction), so a family name typed in a finding shows as its label everywhere. Pure: no SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Iterable

from bot.core.analysis import Appraisal, Finding, shown
from bot.core.digest_rules import DigestRules
from bot.core.finding_responses import FindingResponses, Response, responses_by_finding
from bot.core.redaction import Redactor
from bot.core.review import Review


@dataclass(frozen=True)
class AppraisalShown:
    """The latest version of the team's appraisal of one episode. Who saved it is audited, never printed."""
    episode: str
    title: str                   # the episode's
    what_happened: str
    appraisal: str
    explanation: str
    factors: tuple[str, ...]     # the episode's factor headings it is linked to
    version: int


@dataclass(frozen=True)
class QuoteShown:
    """A case group member's words in a finding's evidence, by role and agency."""
    episode: str
    who: str
    text: str


@dataclass(frozen=True)
class FindingShown:
    key: str
    title: str
    pattern: str                 # its category: the typology pattern's key ...
    category: str                # ... and its name ("Human–tool operation"); the key itself if typology.toml lost it
    episodes: tuple[str, ...]
    evidence: tuple[QuoteShown, ...]
    in_this_case: str
    how_widespread: str
    why_it_matters: str
    asks: tuple[str, ...]        # questions for the board, or recommendations (TeamAnalysis.asks says which)
    status: str                  # draft or agreed (a dropped finding is not shown)
    withdrawn: int               # quotes taken out when their author withdrew: the finding says so
    version: int


@dataclass(frozen=True)
class TeamAnalysis:
    asks: str = "questions"                      # what findings end with: "questions" or "recommendations"
    appraisals: tuple[AppraisalShown, ...] = ()  # in timeline order
    findings: tuple[FindingShown, ...] = ()      # in the team's order, dropped ones left out
    # The case group's response to the findings shown (bot.core.finding_responses): their words, not the team's,
    # kept apart from the findings here too, and shown under each as "The case group's response".
    responses: tuple[FindingResponses, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.appraisals and not self.findings

    def appraisal(self, episode: str) -> AppraisalShown | None:
        return next((a for a in self.appraisals if a.episode == episode), None)

    def response(self, finding: str) -> FindingResponses:
        return next((r for r in self.responses if r.finding == finding), FindingResponses(finding))

    def only(self, episode: str | None) -> TeamAnalysis:
        """What an episode's digest shows: its appraisal, and the findings it is evidence for (whole)."""
        if episode is None:
            return self
        findings = tuple(f for f in self.findings if episode in f.episodes)
        keys = {f.key for f in findings}
        return TeamAnalysis(self.asks, tuple(a for a in self.appraisals if a.episode == episode), findings,
                            tuple(r for r in self.responses if r.finding in keys))


def team_analysis(review: Review, appraisals: dict[str, Appraisal], findings: list[Finding], rules: DigestRules,
                  episode: str | None = None, responses: Iterable[Response] = ()) -> TeamAnalysis:
    """The analysis the digest of `review` (or of one `episode`) shows, every text the team wrote
    pseudonymised in one batch. An episode's digest redacts only what it shows (its appraisal, and the
    findings it is evidence for), as its digest compiles only its own reflections. `responses`: the case
    group's responses to the findings (store.finding_responses.of_review), those to the findings shown kept."""
    timeline = [e for e in review.episodes if e.key in appraisals and episode in (None, e.key)]
    kept = [f for f in shown(findings) if episode is None or episode in f.episodes]
    raw = [e.title for e in timeline]
    raw += [text for e in timeline for text in (appraisals[e.key].what_happened, appraisals[e.key].appraisal,
                                                appraisals[e.key].explanation)]
    raw += [text for f in kept for text in (f.title, f.in_this_case, f.how_widespread, f.why_it_matters, *f.asks)]
    raw += [text for f in kept for e in f.evidence for text in (e.who, e.text)]
    unique = list(dict.fromkeys(raw))
    clean = dict(zip(unique, Redactor.for_review(review).clean_many(unique))) if unique else {}
    names = {p.key: p.label for p in rules.patterns}
    keys = {f.key for f in kept}
    answered = responses_by_finding(review, [r for r in responses if r.finding in keys])
    return TeamAnalysis(
        getattr(review, "asks", "questions"),
        tuple(AppraisalShown(e.key, clean[e.title], *(clean[getattr(appraisals[e.key], name)]
                                                       for name in Appraisal.TEXTS),
                             appraisals[e.key].factors, appraisals[e.key].version) for e in timeline),
        tuple(FindingShown(f.key, clean[f.title], f.pattern, names.get(f.pattern, f.pattern), f.episodes,
                           tuple(QuoteShown(e.episode, clean[e.who], clean[e.text]) for e in f.evidence),
                           clean[f.in_this_case], clean[f.how_widespread], clean[f.why_it_matters],
                           tuple(clean[ask] for ask in f.asks), f.status, f.withdrawn, f.version) for f in kept),
        tuple(answered[f.key] for f in kept if f.key in answered))
