"""Typed errors. Listeners raise them; one error handler turns them into a friendly message."""


class CasegroupError(Exception):
    """Base class. `str(error)` is a message fit to show to the person who caused it."""


class ConfigError(CasegroupError):
    """A missing or malformed setting. The message names the variable."""


class PromptsError(CasegroupError):
    """A mistake in a prompts/*.toml file. The message names the file, key and line."""


class ReviewFileError(CasegroupError):
    """A review file that can't be imported. `problems` lists every mistake found."""

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__("\n".join(f"{self.path}: {p}" for p in self.problems))


class RoleError(CasegroupError):
    """The caller doesn't hold the role this command or action needs for this review."""


class NotFoundError(CasegroupError):
    """A review, episode or member that doesn't exist."""
