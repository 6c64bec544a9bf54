"""`casegroup try` at a real terminal (a pseudo-terminal, through pexpect): typing, choices, back, pause, resume."""
from __future__ import annotations

import io
import os
import signal
import sys

import pexpect
import pytest

PROMPT = "Paramedic> "


class Terminal:
    """One `casegroup try` process at a pseudo-terminal; everything it printed is kept in `.screen`."""

    def __init__(self, tmp_path, *args: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CASEGROUP_"))}
        env["TERM"] = "dumb"
        self.log = io.StringIO()
        # Ctrl-C as at a real terminal, even when the suite itself was started with SIGINT ignored (as a
        # shell does for a background job), which the child would otherwise inherit.
        self.child = pexpect.spawn(sys.executable, ["-m", "bot", "try", *args], cwd=str(tmp_path), env=env,
                                   encoding="utf-8", timeout=20, dimensions=(40, 80),
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.child.logfile_read = self.log

    def type(self, line: str, expect: str) -> str:
        """Type a line and wait for `expect`, then for the next prompt. Returns what was printed between."""
        self.child.sendline(line)
        self.child.expect_exact(expect)
        printed = self.child.before + expect
        self.child.expect_exact(PROMPT)
        return printed + self.child.before

    @property
    def screen(self) -> str:
        return self.log.getvalue()

    def ended(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def db_args(tmp_path):
    return ["--db", str(tmp_path / "try.db"), "--as", "1"]


def test_a_paramedic_types_answers_clicks_a_choice_goes_back_pauses_quits_and_resumes(tmp_path, db_args):
    terminal = Terminal(tmp_path, *db_args)
    terminal.child.expect_exact("[1] Yes, I agree   [2] No, not now")
    terminal.child.expect_exact(PROMPT)
    terminal.type("yes", "question 1 of 9")
    terminal.type("We found her on the floor; she declined hospital.", "question 2 of 9")
    terminal.type("A frail woman who wanted to stay at home.", "question 3 of 9")
    terminal.type("Whether she had capacity to refuse.", "question 4 of 9")
    terminal.type("Convey her, or leave her with a referral.", "question 5 of 9")
    terminal.type("Someone to visit within a day or two.", "question 6 of 9")
    clicked = terminal.type("3", "question 7 of 9")  # the numbered choice, read by the bot as in Slack
    assert "Got it: something I learned later." in " ".join(clicked.split())
    back = terminal.type("back", "question 6 of 9")
    assert "Your answer so far: Something I learned later" in " ".join(back.split())
    assert "[4] Keep my answer" in back
    assert "Paused." in terminal.type("pause", "Everything you've written is saved")
    terminal.child.sendline("/quit")
    terminal.child.expect_exact("Session ended")
    assert terminal.ended() == 0

    again = Terminal(tmp_path, *db_args)
    again.child.expect_exact("Type `resume` to see where you were.")
    again.child.expect_exact(PROMPT)
    resumed = again.type("resume", "question 6 of 9")
    assert "Welcome back" in resumed and "Where does what you've told me" in resumed
    again.type("1", "question 7 of 9")  # the choices of the message shown after resuming
    again.child.sendline("/quit")
    assert again.ended() == 0
    assert "Traceback" not in terminal.screen + again.screen


def test_bad_input_at_the_terminal_gets_a_clear_message_and_nothing_breaks(tmp_path, db_args):
    terminal = Terminal(tmp_path, *db_args)
    terminal.child.expect_exact(PROMPT)
    unknown = terminal.type("/frobnicate now", "casegroup has no such command")
    assert "/review help" in unknown
    # A number the invitation has no button for goes to the bot, as in Slack: the invitation again, nothing kept.
    out_of_range = terminal.type("7", "nothing you write is kept until you agree")
    assert "[1] Yes, I agree   [2] No, not now" in out_of_range
    assert "Nothing sent" in terminal.type("", "Slack doesn't send empty messages")
    terminal.type("yes", "question 1 of 9")  # still working after all of that
    terminal.child.sendeof()  # Ctrl-D
    terminal.child.expect_exact("(Ctrl-D: end of input)")
    terminal.child.expect_exact("Session ended")
    assert terminal.ended() == 0

    interrupted = Terminal(tmp_path, *db_args)
    interrupted.child.expect_exact(PROMPT)
    interrupted.child.sendintr()  # Ctrl-C
    interrupted.child.expect_exact("(Ctrl-C)")
    assert interrupted.ended() == 0
    assert "Traceback" not in terminal.screen + interrupted.screen
