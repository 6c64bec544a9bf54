"""Running `casegroup` as a real process in tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def casegroup_env(**values) -> dict:
    """A clean environment: no Slack settings from the developer's shell, and no .env (cwd is a tmp dir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CASEGROUP_"))}
    env.update({k: str(v) for k, v in values.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_casegroup(*args, cwd, env=None, timeout=60, input=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env or casegroup_env(),
                          capture_output=True, text=True, timeout=timeout, input=input)


def start_casegroup(*args, cwd, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
