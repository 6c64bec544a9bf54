"""Part 7 of the benchmark: the docx report of the bench's 60-episode review, with 60 appraisals and 12 findings.

The floor is python-docx writing the same paragraphs and tables (the same texts, already made) with no logic:
no store, no pseudonymisation, no styles looked up, no fields or bookmarks.
"""
from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

import docx

from bench.corpus import bench_review
from bench.digest_timings import _analysed, _best, submitted_review
from bench.report import Row, ms
from bot.core.prompts import load_prompts
from bot.digest_builder import forget
from bot.render.report_docx import docx_bytes
from bot.report_builder import build_report
from storage import Store

ROWS = ["report: docx of the whole review"]


def _floor(report) -> bytes:
    """The same words and tables, written by python-docx with nothing else."""
    document = docx.Document()
    for text in (report.board, report.title, report.kind, report.model, report.version, report.reason,
                 report.took_part, *report.limitations):
        document.add_paragraph(text)
    tables = [[(r.key, r.dates, r.title, r.description) for r in report.chronology],
              [(r.key, r.what_happened, r.appraisal, r.explanation) for r in report.appraisals],
              [(m.role, m.agency, m.episodes, m.took_part) for m in report.case_group]]
    for rows in tables:
        table = document.add_table(rows=1, cols=4)
        for row in rows:
            for cell, text in zip(table.add_row().cells, row):
                cell.text = text
    for f in report.findings:
        document.add_heading(f.heading, 2)
        for text in (f.category, f.in_this_case, *(q.text for q in f.evidence), f.how_widespread, f.why_it_matters,
                     *f.asks):
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def measure(workdir: Path, quick: bool) -> list[Row]:
    review = bench_review("report", episodes=6 if quick else 60, members=8 if quick else 40)
    prompts = load_prompts()
    store = Store(workdir / "report.db")
    submitted_review(store, review, prompts, random.Random(7))
    findings = _analysed(store, review)
    today = dt.date(2026, 12, 1)
    runs = 3 if quick else 5

    def made() -> bytes:
        forget()
        return docx_bytes(build_report(store, review, prompts, today))

    took = _best(made, runs)
    report = build_report(store, review, prompts, today)
    floor = _best(lambda: _floor(report), runs)
    return [Row("7", ROWS[0], ms(took), ms(floor), took / floor, "< 1 s and ≤ 3× floor",
                took < 1.0 and took / floor <= 3,
                note=f"{len(review.episodes)} episodes, {len(report.appraisals)} appraisal rows, {findings} findings: "
                     "read, pseudonymised, written; floor: python-docx writing the same texts")]
