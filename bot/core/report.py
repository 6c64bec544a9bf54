"""The report: an editable draft in the shape of a Learning Together report, from what the bot holds.

    report = compile_report(review, coverage, analysis, progress, comments, prompts, today)
    [s.heading for s in report.sections]   # ['1 Introduction', ..., "Appendix C: The case group's feedback"]
    report.findings[0].heading             # 'Finding 1: Forms ask about the adults, not the child' (agreed first)
    report.findings[0].response.summary    # "3 responses: 1 fit, 1 doesn't fit, 1 comment."

Every section is filled from the review, the case group's coverage of each episode (bot.core.digest.coverage;
None while nothing is submitted), the review team's analysis (bot.core.analysis_digest) and the agencies'
factual-accuracy comments (bot.core.accuracy), and a section with nothing yet says so in one line. Issue 17's parts
join it: under each finding the case group's response to it (bot.core.finding_responses), in Appendix A the
follow-up questions counted (never their words), and Appendix C the feedback at close in aggregate
(bot.core.feedback). The analysis, the responses and the feedback arrive pseudonymised; what the report adds (the title, the reason, the episodes' words, the comments) passes
through the same redaction here, in one batch, so no real name reaches a renderer. (The report quotes the case
group only through the team's findings: it needs the digest's counts, not its compiled text, which is most of a
digest's time.) Practitioners appear by role and agency only.
The fixed words are prompts/report.toml's. Pure: no SQL, no Slack, no docx.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from bot.core.accuracy import AccuracyComment, report_order
from bot.core.analysis_digest import QuoteShown, TeamAnalysis
from bot.core.digest import Coverage, Digest
from bot.core.feedback import MINIMUM_SHOWN, RATINGS, FeedbackSummary
from bot.core.finding_responses import FindingResponses
from bot.core.follow_ups import FollowUp
from bot.core.progress import ReviewProgress
from bot.core.redaction import Redactor
from bot.core.review import Review, day
from bot.core.text import shorten

# A section's number is the report's, not the wording's: the comments an agency adds are placed back by it
# (the headings' text starts with it), so rewording prompts/report.toml can't break the import.
NUMBERS = {"introduction": "1", "case_in_brief": "2", "appraisal_of_practice": "3", "findings": "4",
           "appendix_a": "Appendix A", "appendix_b": "Appendix B", "appendix_c": "Appendix C"}
# Below this share of the practitioners expected, an episode's coverage is a limitation of the review.
LOW_COVERAGE = 0.5
# Appendix B quotes what each comment is anchored to so that a reader can find it, not the whole paragraph: a
# comment on a long paragraph made its row a page long.
ANCHOR_QUOTED = 120


@dataclass(frozen=True)
class Section:
    name: str          # introduction, case_in_brief, ...: a key of NUMBERS
    heading: str       # '1 Introduction', 'Appendix A: The case group'
    anchor: str        # for the HTML and Markdown contents: 'section-1'


@dataclass(frozen=True)
class ChronologyRow:
    key: str
    dates: str
    title: str
    description: str


@dataclass(frozen=True)
class AppraisalRow:
    key: str
    title: str
    what_happened: str
    appraisal: str
    explanation: str
    appraised: bool    # False: the review team hasn't appraised it yet, and the row says so


@dataclass(frozen=True)
class FindingPart:
    label: str         # 'In this case'
    text: str          # '' when not written yet


@dataclass(frozen=True)
class ResponseRow:
    who: str           # by role and agency
    kind: str          # the kind in the report's words: 'doesn't fit their experience'
    text: str          # '' when they gave no words


@dataclass(frozen=True)
class CaseGroupResponse:
    """The case group's response to one finding: the counts first, a warning when it doesn't fit someone's
    experience, then each response. With none, `summary` alone says why (not shared yet, or no answer yet)."""
    summary: str       # "3 responses: 1 fit, 1 doesn't fit, 1 comment." or 'Not yet shared with the case group.'
    challenged: str    # '' or 'Challenged: 1 member of the case group said ...'
    responses: tuple[ResponseRow, ...] = ()


@dataclass(frozen=True)
class FeedbackAnnex:
    """Appendix C: the feedback at close, in aggregate only. `said`: its paragraphs (one, in italics, when there
    is nothing yet: `empty`); `ratings`: (label, count) for 1 to 5, () while held back below the minimum;
    `comments_said`: the line before the comments, or why there are none; `comments`: unattributed, sorted."""
    said: tuple[str, ...]
    empty: bool = False
    ratings: tuple[tuple[str, int], ...] = ()
    comments_said: str = ""
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportFinding:
    number: int        # its place in the report (agreed ones first): may differ from its key's number
    key: str           # F1: the bookmark the factual-accuracy comments are placed by
    heading: str       # 'Finding 1: ...'
    category: str
    draft: bool
    in_this_case: str
    evidence: tuple[QuoteShown, ...]
    how_widespread: str
    why_it_matters: str
    asks: tuple[str, ...]
    response: CaseGroupResponse


@dataclass(frozen=True)
class MemberRow:
    role: str
    agency: str
    episodes: str      # 'KPE1, KPE4'
    took_part: str     # 'gave a reflection', 'declined', ...


@dataclass(frozen=True)
class CommentRow:
    id: int
    agency: str
    section: str       # where it sits: the section, with its episode or finding
    text: str
    anchor: str
    resolution: str    # 'Open: not yet resolved', 'Accepted, text changed', 'Not accepted'
    reason: str
    open: bool


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    board: str
    kind: str                      # 'Safeguarding Adults Review'
    model: str                     # 'Using the SCIE Learning Together model (mid-range)'
    version: str                   # 'Draft, 1 Dec 2026'
    date: dt.date
    words: dict                    # prompts/report.toml [report]: the renderers' fixed words
    sections: tuple[Section, ...]
    reason: str                    # '' : words['no_reason'] is said instead
    took_part: str                 # one sentence of counts
    took_part_by_agency: tuple[tuple[str, str], ...]   # (agency, 'Health visitor, GP: 1 of 2 took part')
    limitations: tuple[str, ...]
    chronology: tuple[ChronologyRow, ...]
    appraisals: tuple[AppraisalRow, ...]
    findings: tuple[ReportFinding, ...]
    asks_label: str                # 'Questions for the board' or 'Recommendations'
    case_group: tuple[MemberRow, ...]
    follow_ups: str                # Appendix A's one line of counts
    comments: tuple[CommentRow, ...]
    feedback: FeedbackAnnex
    # The digest, when the caller made one (the HTML: it draws the digest's timeline from it).
    digest: Digest | None = field(default=None, compare=False, repr=False)

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)

    def say(self, name: str, **values) -> str:
        return self.words[name].format(**values) if values else self.words[name]


def _heading(name: str, title: str) -> str:
    number = NUMBERS[name]
    return f"{number}: {title}" if number.startswith("Appendix") else f"{number} {title}"


def _member_part(stage: str | None, words: dict) -> str:
    return {"submitted": words["member_submitted"], "declined": words["member_declined"],
            "withdrawn": words["member_withdrawn"]}.get(stage or "", words["member_not_yet"])


def _limitations(coverage: list[Coverage] | None, progress: ReviewProgress, titles: dict[str, str],
                 prompts) -> list[str]:
    """What the data says the review could not hear: who didn't take part, thin episodes, hindsight-only accounts."""
    if coverage is None:
        return [prompts.say("report_limits.nothing_submitted")]
    found = []
    for member in progress.members:
        if member.stage != "submitted":
            found.append(prompts.say("report_limits.not_taken_part", who=member.member.attribution,
                                     how=_member_part(member.stage, prompts.texts["report"])))
    for episode in coverage:
        if episode.expected and episode.contributed < episode.expected * LOW_COVERAGE:
            found.append(prompts.say("report_limits.low_coverage", key=episode.key, title=titles[episode.title],
                                     contributed=episode.contributed, expected=episode.expected))
    for episode in coverage:
        if episode.learned_later:
            found.append(prompts.say("report_limits.learned_later", key=episode.key, count=episode.learned_later))
    return found


def _where(comment: AccuracyComment, finding_numbers: dict[str, int], words: dict) -> str:
    """'4 Findings, Finding 2 (F3)' or '3 Appraisal of practice, KPE2': where a comment sits, as the report reads
    (a finding by its number in this draft, and its key, which stays when the order changes)."""
    parts = [comment.section] if comment.section else []
    if comment.finding:
        number = finding_numbers.get(comment.finding)
        parts.append(words["finding_short"].format(number=number, key=comment.finding) if number
                     else comment.finding)
    if comment.episode:
        parts.append(comment.episode)
    return ", ".join(parts) or "-"


def _response(responses: FindingResponses | None, shared: bool, prompts) -> CaseGroupResponse:
    if responses is None or not responses.responses:
        return CaseGroupResponse(prompts.say("report.no_responses" if shared else "report.not_shared"), "")
    doesnt_fit = responses.count("doesnt_fit")
    summary = prompts.say("report.responses_counts", count=len(responses.responses), fits=responses.count("fits"),
                          doesnt_fit=doesnt_fit, comments=responses.count("comment"))
    challenged = prompts.say("report.responses_challenged", count=doesnt_fit) if responses.challenged else ""
    return CaseGroupResponse(summary, challenged, tuple(
        ResponseRow(r.who, prompts.say(f"report.response_{r.kind}"), r.text) for r in responses.responses))


def _follow_ups_line(follow_ups: list[FollowUp], prompts) -> str:
    """Counts only: the questions and answers are a practitioner's account, which the board reads only as the
    team's findings quote it; the digest shows them in full, under each account."""
    if not follow_ups:
        return prompts.say("report.no_follow_ups")
    status = Counter(f.status for f in follow_ups)
    return prompts.say("report.follow_ups", asked=len(follow_ups), answered=status["answered"],
                       declined=status["declined"], open=status["asked"])


def _feedback_annex(review: Review, feedback: FeedbackSummary | None, prompts) -> FeedbackAnnex:
    if feedback is None or not feedback.asked:
        return FeedbackAnnex((prompts.say("report.feedback_nobody" if review.stage == "closed"
                                          else "report.feedback_not_yet"),), empty=True)
    said = [prompts.say("report.feedback_asked", asked=feedback.asked, board=review.board),
            prompts.say("report.feedback_rated", rated=feedback.rated, asked=feedback.asked)]
    ratings: tuple[tuple[str, int], ...] = ()
    if feedback.ratings_shown:
        # The scale as the practitioners were shown it ("1. Very hard"): the board reads the same words.
        ratings = tuple((prompts.say(f"feedback.rating_{n}"), feedback.ratings.get(n, 0)) for n in RATINGS)
    elif feedback.rated:
        said.append(prompts.say("report.feedback_ratings_held", minimum=MINIMUM_SHOWN))
    if feedback.comments:
        comments_said = prompts.say("report.feedback_comments")
    elif feedback.comments_held:
        comments_said = prompts.say("report.feedback_comments_held", count=feedback.comments_held,
                                    minimum=MINIMUM_SHOWN)
    else:
        comments_said = prompts.say("report.feedback_no_comments")
    return FeedbackAnnex(tuple(said), False, ratings, comments_said, feedback.comments)


def compile_report(review: Review, coverage: list[Coverage] | None, analysis: TeamAnalysis,
                   progress: ReviewProgress, comments: list[AccuracyComment], prompts, today: dt.date,
                   digest: Digest | None = None, *, responses: dict[str, FindingResponses], shared: set[str],
                   feedback: FeedbackSummary | None, follow_ups: list[FollowUp]) -> Report:
    """The report of `review` as of `today`. `coverage` is None while nobody has submitted a reflection; `digest`,
    if given, is kept for a renderer that draws its timeline. `responses`: the case group's, by finding
    (responses_by_finding); `shared`: the findings shared with anyone; `feedback`: None before anyone was asked;
    `follow_ups`: every follow-up question of the review."""
    words = dict(prompts.texts["report"])
    comments = list(comments)
    # What the report adds to the (already pseudonymised) digest and analysis, redacted in one batch.
    raw = [review.title, review.reason, *(e.title for e in review.episodes), *(e.description for e in review.episodes)]
    raw += [text for c in comments for text in (c.text, c.anchor, c.reason)]
    unique = list(dict.fromkeys(t for t in raw if t))
    clean = dict(zip(unique, Redactor.for_review(review).clean_many(unique))) if unique else {}
    clean[""] = ""

    kind = words["kind_children"] if review.kind == "children" else words["kind_adults"]
    model = words["model_named"].format(model=review.model) if review.model else words["model"]
    version = words["draft"]
    sections = tuple(Section(name, _heading(name, words[name]), f"section-{i}")
                     for i, name in enumerate(NUMBERS, start=1))

    members = progress.members
    took = [m for m in members if m.stage == "submitted"]
    took_part = (prompts.say("report.took_part", took=len(took), count=len(members),
                             agencies=len({m.member.agency for m in took}))
                 if took else words["nobody_yet"])
    by_agency: dict[str, list] = {}
    for m in members:
        by_agency.setdefault(m.member.agency, []).append(m)
    took_part_by_agency = tuple(
        (agency, words["agency_took_part"].format(
            roles=", ".join(role + (f" ×{n}" if n > 1 else "")
                            for role, n in Counter(m.member.role for m in group).items()),
            took=sum(1 for m in group if m.stage == "submitted"), count=len(group)))
        for agency, group in by_agency.items())

    chronology = tuple(ChronologyRow(e.key, e.dates, clean[e.title], clean[e.description]) for e in review.episodes)
    appraisals = []
    for e in review.episodes:
        shown = analysis.appraisal(e.key)
        appraisals.append(AppraisalRow(e.key, clean[e.title], shown.what_happened, shown.appraisal,
                                       shown.explanation, True) if shown
                          else AppraisalRow(e.key, clean[e.title], "", "", "", False))

    # Agreed findings first, then drafts (each in the team's order); dropped ones never reach here.
    ordered = [f for f in analysis.findings if f.status == "agreed"] + [f for f in analysis.findings
                                                                        if f.status != "agreed"]
    findings = tuple(ReportFinding(number, f.key, words["finding"].format(number=number, title=f.title), f.category,
                                   f.status != "agreed", f.in_this_case, f.evidence, f.how_widespread,
                                   f.why_it_matters, f.asks,
                                   _response(responses.get(f.key), f.key in shared, prompts))
                     for number, f in enumerate(ordered, start=1))
    numbers = {f.key: f.number for f in findings}

    case_group = tuple(MemberRow(m.member.role, m.member.agency, ", ".join(m.member.episodes),
                                 _member_part(m.stage, words)) for m in members)
    resolutions = {"open": words["resolution_open"], "accepted": words["resolution_accepted"],
                   "not-accepted": words["resolution_not_accepted"]}
    front = (words["title_page"], words["contents"])   # the places before the first section, as the import names them
    comment_rows = tuple(CommentRow(c.id, c.agency, _where(c, numbers, words), clean[c.text],
                                    shorten(clean[c.anchor], ANCHOR_QUOTED),
                                    resolutions.get(c.status, c.status), clean[c.reason], c.open)
                         for c in sorted(comments, key=lambda c: report_order(c, front)))
    return Report(
        key=review.key, title=clean[review.title], board=review.board, kind=kind, model=model,
        version=words["version"].format(version=version, date=day(today)), date=today, words=words,
        sections=sections, reason=clean[review.reason], took_part=took_part,
        took_part_by_agency=took_part_by_agency,
        limitations=tuple(_limitations(coverage, progress, clean, prompts)), chronology=chronology,
        appraisals=tuple(appraisals), findings=findings,
        asks_label=words["recommendations"] if analysis.asks == "recommendations" else words["questions"],
        case_group=case_group, follow_ups=_follow_ups_line(follow_ups, prompts), comments=comment_rows,
        feedback=_feedback_annex(review, feedback, prompts), digest=digest)
