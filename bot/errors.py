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


class AnalysisFileError(ReviewFileError):
    """An analysis file (`casegroup analysis import`) that can't be applied: the same shape, the file and one
    line per problem, each naming its entry."""


class ImportRefused(CasegroupError):
    """A re-import that would hide stored answers: `lines` says, per member or episode, what would happen."""

    def __init__(self, review_key: str, lines: list[str]):
        self.review_key = review_key
        self.lines = list(lines)
        super().__init__(f"not importing {review_key!r}: it would hide answers already given\n"
                         + "\n".join(f"  - {line}" for line in self.lines)
                         + "\nNothing was changed. Put them back in the file, declare a renamed episode with "
                           "renamed_from = \"OLD KEY\", or import with --force (the people dropped can still "
                           "read and withdraw their answers).")


class RoleError(CasegroupError):
    """The caller doesn't hold the role this command or action needs for this review."""

    def __init__(self, message: str, review_key: str = ""):
        super().__init__(message)
        self.review_key = review_key  # so that the refusal is audited against the review


class NotFoundError(CasegroupError):
    """A review, episode or member that doesn't exist."""


class StageError(CasegroupError):
    """Something the review's current stage doesn't allow (invitations outside conversations, ...)."""


class InvalidInput(CasegroupError):
    """A form filled in wrongly. `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))
