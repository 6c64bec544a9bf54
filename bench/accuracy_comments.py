"""Part 7: the time to import 200 factual-accuracy comments (issue 16), against python-docx merely opening the file
and reading its 200 comments (the floor: no placing, no storing).

    python bench/accuracy_comments.py     # the one row, printed

The draft has the report's structure (tests/reportkit.py): sections, the chronology and appraisal tables of the
bench's 60 episodes, 12 findings; 200 comments spread over episode rows, findings and the introduction.
"""
from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import Row, median, ms  # noqa: E402

ROWS = ["import 200 factual-accuracy comments (.docx, 60 episodes, 12 findings)"]


def commented_draft(review, comments: int = 200) -> bytes:
    """The draft of `review` with `comments` Word comments on its episode rows, findings and introduction."""
    from tests.reportkit import comment_on, draft, saved
    document = draft(review.key, [e.key for e in review.episodes], [f"F{n}" for n in range(1, 13)])
    rows = [row for table in document.tables for row in table.rows[1:]]
    findings = [p for p in document.paragraphs if p.text.startswith(("In this case", "Question for the board"))]
    places = [row.cells[1].paragraphs[0].runs for row in rows] + [p.runs for p in findings]
    for n in range(comments):
        comment_on(document, places[n % len(places)], f"Comment {n}: the date in this row is a day out.",
                   author="Reviewer", initials=f"R{n % 7}")
    return saved(document)


def import_200(store, review, prompts, data: bytes | None = None) -> float:
    """Seconds to read, place and store 200 comments from one file, as `casegroup report comments import` does."""
    from bot.accuracy_import import comments_in, open_draft
    from bot.accuracy_review import AccuracyReview
    data = data or commented_draft(review)
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
    from bot.core.prompts import load_prompts
    from storage import Store
    prompts, review = load_prompts(), bench_review("comments")
    data = commented_draft(review)
    times, floors = [], []
    for n in range(1 if quick else 5):
        store = Store(workdir / f"comments-{n}.db")
        store.reviews.save(review, actor="bench")
        floors.append(_floor(data))
        times.append(import_200(store, store.reviews.get(review.key), prompts, data))
    value, floor = median(times), median(floors)
    return [Row("7", ROWS[0], ms(value), floor=ms(floor), ratio=round(value / floor, 2), target="< 1 s",
                met=value < 1.0, note="median of 5 fresh databases")]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        for row in measure(Path(folder), quick="--quick" in sys.argv):
            print(f"{row.name}: {row.value} (floor {row.floor}, {row.ratio}×)")
