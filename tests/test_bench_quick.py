"""The benchmark's smoke run: `bench/run.py --quick` works and reports every row (timings not checked)."""
from __future__ import annotations

import subprocess
import sys

from bench.run import ROWS
from tests.processes import ROOT, casegroup_env


def test_the_quick_benchmark_reports_every_row_of_the_table(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
                          cwd=tmp_path, env=casegroup_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    written = out.read_text()
    for name in ROWS:
        row = next((line for line in written.splitlines() if f"| {name} |" in line), None)
        assert row is not None, f"no row {name!r} in:\n{written}"
        assert "not measured: error" not in row, row
        assert row in done.stdout
