"""The report as `casegroup report` and `/review report` make it, from the store.

    report = build_report(store, review, prompts, today)     # bot.core.report.Report; never None

Reads what the report needs (the digest, the team's analysis, the case group's progress, the factual-accuracy
comments), then the pure core decides (bot/core/report.py). A review with nothing submitted yet still has a
report: its sections say so.
"""
from __future__ import annotations

import datetime as dt

from bot.core.analysis_digest import team_analysis
from bot.core.progress import review_progress
from bot.core.report import Report, compile_report
from bot.core.review import Review
from bot.digest_builder import build_digest


def build_report(store, review: Review, prompts, today: dt.date) -> Report:
    digest = build_digest(store, review, prompts, generated_at=store.clock())
    # The digest carries the analysis; without one (nothing submitted yet) the team may still have written some.
    analysis = digest.analysis if digest else team_analysis(
        review, store.analysis.appraisals(review.key), store.analysis.findings(review.key), prompts.digest)
    progress = review_progress(review, store.conversations.progress(review.key), prompts.required_keys)
    return compile_report(review, digest, analysis, progress, store.accuracy.comments(review.key), prompts, today)
