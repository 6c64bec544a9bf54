"""The report as `casegroup report` and `/review report` make it, from the store.

    report = build_report(store, review, prompts, today)     # bot.core.report.Report; never None
    report = build_report(store, review, prompts, today, with_digest=True)   # for the HTML's timeline

Reads what the report needs (each episode's coverage, the team's analysis, the case group's progress, the
factual-accuracy comments, the case group's responses to the findings, the feedback at close, the follow-up
questions), then the pure core decides (bot/core/report.py). A review with nothing submitted yet
still has a report: its sections say so.
"""
from __future__ import annotations

import datetime as dt

from bot.core.analysis_digest import team_analysis
from bot.core.digest import coverage
from bot.core.feedback import feedback_summary
from bot.core.finding_responses import responses_by_finding
from bot.core.progress import review_progress
from bot.core.report import Report, compile_report
from bot.core.review import Review
from bot.digest_builder import build_digest


def build_report(store, review: Review, prompts, today: dt.date, with_digest: bool = False) -> Report:
    submitted = store.submitted.any(review.key)
    counts = (coverage(review, store.submitted.latest(review.key), store.conversations.stages(review.key), prompts)
              if submitted else None)
    analysis = team_analysis(review, store.analysis.appraisals(review.key), store.analysis.findings(review.key),
                             prompts.digest)
    progress = review_progress(review, store.conversations.progress(review.key), prompts.required_keys)
    digest = build_digest(store, review, prompts, generated_at=store.clock()) if with_digest and submitted else None
    asked, ratings, comments = store.feedback.answers(review.key)
    feedback = feedback_summary(review, asked, ratings, comments) if asked else None   # as LeadActions.feedback
    return compile_report(review, counts, analysis, progress, store.accuracy.comments(review.key), prompts, today,
                          digest, responses=responses_by_finding(review, store.finding_responses.of_review(review.key)),
                          shared=store.finding_responses.shared_findings(review.key), feedback=feedback,
                          follow_ups=store.follow_ups.of_review(review.key))
