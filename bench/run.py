"""The benchmark: casegroup against the fastest it could be, on the same machine, in the same run.

    python bench/run.py            # everything (a few minutes); prints the table, writes bench/results.md
    python bench/run.py --quick    # under 30 s: checks the benchmark works, not the timings
    make bench                     # installs, then the first

Each part measures casegroup and its floor one after the other (or interleaved), so a
busy shared machine slows both: read the ratios, not the milliseconds.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repo's packages (bot, storage, tests, bench)
    sys.path.insert(0, str(ROOT))

from bench import accuracy_comments, answer_path, digest_timings, http_load, report_timings  # noqa: E402
from bench.report import Row, not_measured, table  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"
# (part, the rows it reports, how to measure it)
PARTS = [
    ("1", answer_path.ROWS, answer_path.measure),
    ("2 and 6", http_load.ROWS, http_load.measure),
    ("3, 4 and 5", digest_timings.ROWS, digest_timings.measure),
    ("7", report_timings.ROWS, report_timings.measure),
    ("8", accuracy_comments.ROWS, accuracy_comments.measure),
]
ROWS = [name for _, names, _ in PARTS for name in names]

NOTES = """\
## How to read it

The ratio is casegroup's figure divided by the floor's: for times lower is better, for
rates (answers/s, MB/s) higher is better.

Every figure has its floor, measured in the same run on the same machine: what the
fastest possible bot would do with the same input. The machine is shared (other
developers' tests run on it too), so milliseconds move from run to run; the ratios
move much less.

- **1. Answer path.** A signed `message.im` event carrying one typed answer, dispatched
  to the real Bolt `App` (bot/app.py, with its middleware and error handler). The bot
  claims the event id, stores the answer and the conversation state in a real SQLite file
  (WAL), and posts the next question to a loopback stand-in for Slack's Web API
  (bot/offline/webapi.py) over HTTP, all before `dispatch` returns. The floor is an `App`
  with the same settings whose only listener posts one `chat.postMessage` to the same
  stand-in. The bot and its two floors take turns, one request each, so a busy moment of
  this shared machine slows all three alike (in batches of 100, the same code measured
  anywhere from 1.4× to 1.7× its floor from one run to the next). Four members each answer
  their 60 episodes in turn, so a member has up to 540 stored answers.
- **Where an answer's time goes.** One step, in order: `BEGIN IMMEDIATE`; claim the event id;
  one read of the reviews the person is in with their conversation state (the review itself
  is the process's kept copy while its revision holds, and carries each member's episodes);
  one read of the answers the step needs (`episodes_needed`: the episode being answered, and
  at its edges the one before or after); decide (pure); store the answer, the state and one
  audit row; `COMMIT` (4 pages to the WAL); render the next question and post it. The
  code-health work (issue 12) removed the shortcuts that had pushed the ratio from 1.56× to
  1.44×: a lazy mapping that ran SQL while the core decided, the cursor's answered fields
  parsed inside SQL, a hand-rolled transaction class, a render cache that handed the same
  Block Kit dicts to different people, and one-member copies of a review. Side by side (the
  old and the new code, alternating runs of part 1 on the same machine) the plain design
  costs about 0.03× of the floor: a second read per step and rendering each question afresh.
  The one shortcut kept is that a review works out each member's part (`Review.assignments`)
  when it is made, instead of on every message (9 µs a message). Issue 13 added three things to
  every answer, which put the ratio from about 1.49× to about 1.63× (alternating runs of the
  code before and after it): reading typed words as an offered button or number, storing the
  buttons each question offers (`State.offered`), and the gentle hindsight check on each account
  of the time (one answer scored against `hindsight.toml` in a plain loop with a score cutoff:
  about 60 µs; a `cdist` batch's set-up cost 160 µs).
- **Encrypted.** The same bot on a database encrypted with SQLCipher (`CASEGROUP_DB_KEY`, a
  raw key), a file of its own, answering the same script, taking its turn with the others and
  measured against the same floor. Its note says what encryption costs against the unencrypted
  bot: SQLCipher encrypts the pages each commit writes (about 5); reads come from the page cache.
- **Why `process_before_response=True`** (what bot/app.py ships, and what the floor uses).
  With it, the listener runs before Slack gets its HTTP 200, so an answer Slack has seen
  acknowledged is already committed: a crash or restart can lose nothing, and a Slack
  retry of the same event is recognised by its event id and stored once. Bolt's default
  runner acknowledges events first and works on a thread afterwards (an acknowledged
  answer can then be lost), and for commands and buttons its request thread polls for the
  listener's `ack()` every 10 ms: the row "Bolt's default runner" shows what that costs a
  no-op slash command, against the same command run inline. Work too slow for Slack's
  3 seconds (digests) goes in lazy listeners.
- **2. Throughput.** `casegroup serve` as its own process (waitress, 8 threads), 8 client
  threads over keep-alive connections, every member of a 60-episode × 40-member review
  answering in turn: each client types for 5 members and waits for each reply. Every
  answer is read back from the database afterwards and compared with what was typed
  ("answers lost"). The floor is part 1's floor `App` behind the same waitress server.
- **3. Digest.** The same shape of review (2,400 submitted reflections, texts of 50 to
  400 characters, 5 factors each), stored through `store.conversations.record` as submissions are.
  Each time is what `/summary` does after its acknowledgement (`bot.digest_builder.build_digest`):
  read the reflections and compile the digest (redaction, factor grouping, hindsight
  flags, patterns), then render the overview or one episode as Block Kit, or the whole
  review as Markdown (as `casegroup export` does). The review-wide part of a digest (the
  factor groups and the emerging patterns, which need every episode's factors) is kept in
  SQLite: after each submission, revision or withdrawal commits, the App refreshes it on a
  worker thread ("refresh": the part computed from every episode's factors, read by
  SQLite's `json_extract`, and stored), and triggers empty it on any change to the
  reflections. Each digest is timed as a new process's first (nothing kept in memory, no
  refresh under way) and reads the kept part: one episode reads its own answers (kept
  apart by episode, migration 4) and the patterns it is evidence for, and compiles its own
  sections. *Recomputed*, the kept part is missing (the first digest after an upgrade, or
  one read while a refresh is under way): the digest computes it, as every digest did
  before, and stores it. The floor is one plain SQL query reading the same rows (for one
  episode, `json_extract` of that episode from the submitted reflections). The
  acknowledgement is `/summary` dispatched to the real `App` (its lazy digest awaited
  before the next), against a no-op command. *With the team's analysis*: the same overview and
  episode once the review team has appraised every episode and written 12 findings (six quotes and
  three questions each; `store.analysis`), read afresh and pseudonymised by every digest.
- **4. Redaction.** `Redactor.redact_many` over every text answer of that review (a new
  `Redactor` each run, as each digest makes one), 20 people with 4 name variants each
  (full name, first name, honorific and surname, nickname), against exact `str.replace`
  of the same 80 names. Practitioners misspell a name now and then (bench/corpus.py);
  "fuzzy matches" counts the words exact replacement leaves that the redactor takes for
  names.
- **5. Factor grouping.** The digest's grouping step (`_group_factors`: themes from
  prompts/typology.toml, then wording under each heading by average linkage, both on
  rapidfuzz `cdist` batches) on 1k, 5k and 10k statements, against grouping identical
  wording (one dict).
- **6. Memory.** The serve process's peak resident memory (`VmHWM` in /proc), after the
  whole review has been answered through it, and again after the lead's `/summary` of
  the whole review.
- **7. Report.** `casegroup report`'s docx of the 60-episode review once the team has appraised every episode
  and written 12 findings: the digest, the analysis and the progress read from the store, the report's own texts
  pseudonymised, and the document written (styles, fields, bookmarks) to bytes. The floor is python-docx writing
  the same paragraphs and tables, already made, with no logic.
- **8. Factual-accuracy comments.** `casegroup report comments import`'s work on the real
  draft report of part 7's review (its chronology and appraisal tables, 60 appraisals, 12
  findings) carrying 200 Word comments added with python-docx's add_comment: open the .docx,
  place each comment (section, episode row, finding) and read its anchor, and store them
  with their agency, against python-docx only opening the file and reading the 200 comments
  (bench/accuracy_comments.py).

All names and texts are invented (bench/corpus.py).
"""


def run(quick: bool) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="casegroup-bench-") as workdir:
        for part, names, measure in PARTS:
            started = time.perf_counter()
            try:
                found = measure(Path(workdir), quick)
            except Exception as error:  # noqa: BLE001 - one broken part must not hide the others
                traceback.print_exc()
                found = not_measured(part.split()[0], names, f"error: {type(error).__name__}: {error}"[:200])
            print(f"part {part}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
            rows += found
    return sorted(rows, key=lambda row: row.part)


def machine() -> str:
    return (f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (under 30 s) that checks the script works")
    parser.add_argument("--out", type=Path, help="where to write the table (default: bench/results.md; "
                                                  "--quick writes nothing unless given)")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    text = (f"{'Quick run (smoke test: the timings mean nothing)' if args.quick else 'Benchmark'}, "
            f"{time.strftime('%Y-%m-%d')}, {machine()}.\n\n{table(rows)}\n")
    print(text)
    out = args.out or (None if args.quick else RESULTS)
    if out:
        out.write_text(f"# casegroup benchmark\n\n{text}\n{NOTES}")
    return 1 if any(row.value.startswith("not measured: error") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
