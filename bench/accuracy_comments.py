"""Part 8: the time to import 200 factual-accuracy comments (issue 16) from the real draft report of the bench's
60-episode review, against python-docx merely opening the file and reading its 200 comments (the floor: no placing,
no storing).

    python bench/accuracy_comments.py     # the one row, printed

The draft is `casegroup report`'s own (part 7's review: every reflection submitted, 60 appraisals, 12 findings);
the 200 comments are added with python-docx's add_comment, as an agency's reviewer adds them in Word, spread over
the chronology and appraisal rows, the findings' headings and questions, and the introduction.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import Row, median, ms  # noqa: E402

ROWS = ["import 200 factual-accuracy comments (.docx, 60 episodes, 12 findings)"]


def draft_of(store, review, prompts) -> bytes:
    """The draft report of `review` as `casegroup report` writes it, from what `store` holds."""
    from bot.render.report_docx import docx_bytes
    from bot.report_builder import build_report
    return docx_bytes(build_report(store, review, prompts, dt.date(2026, 12, 1)))


def commented(data: bytes, comments: int = 200) -> bytes:
    """The draft with `comments` Word comments on its episode rows, findings and introduction."""
    from docx import Document
    from tests.wordcomments import comment_on, saved
    document = Document(io.BytesIO(data))
    chronology, appraisal = document.tables[:2]
    rows = [row.cells[-1].paragraphs[0].runs for table in (chronology, appraisal) for row in table.rows[1:]]
    findings = [p.runs for p in document.paragraphs if p.style.name == "List Number"
                or (p.style.name == "Heading 2" and p.text.startswith("Finding"))]
    paragraphs = document.paragraphs
    first = next(n for n, p in enumerate(paragraphs) if p.style.name == "Heading 1")   # 1 Introduction
    introduction = [p.runs for p in paragraphs[first:] if not p.style.name.startswith("Heading")][:1]
    places = [runs for runs in rows + findings + introduction if runs]
    for n in range(comments):
        comment_on(document, places[n % len(places)], f"Comment {n}: the date in this row is a day out.",
                   author="Reviewer", initials=f"R{n % 7}")
    return saved(document)


def import_200(store, review, prompts, data: bytes | None = None) -> float:
    """Seconds to read, place and store 200 comments from one file, as `casegroup report comments import` does.
    Without `data`, the comments go on the draft of what `store` holds."""
    from bot.accuracy_import import comments_in, open_draft
    from bot.accuracy_review import AccuracyReview
    data = data or commented(draft_of(store, review, prompts))
    started = time.perf_counter()
    comments = comments_in(open_draft(data, "draft.docx", prompts), review, "draft.docx", prompts)
    AccuracyReview(store, prompts).bring_in(review.key, comments, review.members[0].agency, actor="bench")
    return time.perf_counter() - started


def _floor(data: bytes) -> float:
    from docx import Document
    started = time.perf_counter()
    document = Document(io.BytesIO(data))
    [(c.initials, c.text, c.timestamp) for c in document.comments]
    return time.perf_counter() - started


def measure(workdir: Path, quick: bool) -> list[Row]:
    from bench.corpus import bench_review
    from bench.digest_timings import _analysed, submitted_review
    from bot.core.prompts import load_prompts
    from storage import Store
    prompts, review = load_prompts(), bench_review("comments", episodes=6 if quick else 60,
                                                   members=8 if quick else 40)
    written = Store(workdir / "comments-draft.db")
    submitted_review(written, review, prompts, random.Random(7))
    findings = _analysed(written, review)
    data = commented(draft_of(written, review, prompts))
    times, floors = [], []
    for n in range(1 if quick else 5):
        store = Store(workdir / f"comments-{n}.db")   # a fresh one each time: the same file twice adds nothing
        store.reviews.save(review, actor="bench")
        floors.append(_floor(data))
        times.append(import_200(store, store.reviews.get(review.key), prompts, data))
    value, floor = median(times), median(floors)
    return [Row("8", ROWS[0], ms(value), floor=ms(floor), ratio=round(value / floor, 2), target="< 1 s",
                met=value < 1.0, note=f"the real draft report, {len(review.episodes)} episodes, {findings} findings, "
                                      f"{len(data) // 1024} kB; median of {len(times)} fresh databases")]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        for row in measure(Path(folder), quick="--quick" in sys.argv):
            print(f"{row.name}: {row.value} (floor {row.floor}, {row.ratio}×) {row.note}")
