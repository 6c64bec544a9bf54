"""casegroup: a Slack bot for Learning Together multi-agency case reviews."""

__version__ = "0.1.0"
