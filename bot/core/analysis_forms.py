"""Between the review team's modals and the analysis (bot/core/analysis.py): pure, no Slack.

    draft = finding_from_pattern(pattern, review, prompts.digest.patterns)   # "Make this a finding"
    field_errors(finding_problems(finding, review, keys), FINDING_FIELDS)     # {"title": "it needs a title"}
    asks_from("How does the board know?\\nWho checks?")                        # ('How does the board know?', ...)

An emerging pattern of the digest becomes a draft finding: its category (the typology key of the
pattern's label), its episodes, and its statements as evidence, each attributed by role and agency and
keeping the member whose words they are, so that a withdrawal takes them out (storage/analysis.py).
"""
from __future__ import annotations

from collections.abc import Iterable

from bot.core.analysis import Evidence, Finding
from bot.core.digest import EmergingPattern
from bot.core.redaction import Redactor
from bot.core.review import Review

# The modal's fields, each with the words of a problem (bot.core.analysis) that belong to it, in the order
# checked: a problem that names none goes to the first field.
APPRAISAL_FIELDS = {"what_happened": ("what_happened", "nothing written", "no episode"),
                    "appraisal": ("appraisal",), "explanation": ("explanation",), "factors": ("heading",)}
FINDING_FIELDS = {"title": ("title", "key"), "pattern": ("pattern",), "episodes": ("episode", "evidence"),
                  "in_this_case": ("in_this_case",), "how_widespread": ("how_widespread",),
                  "why_it_matters": ("why_it_matters",), "questions": ("question",), "status": ("status",)}


def field_errors(problems: Iterable[str], fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each problem under the modal field it is about (`response_action: errors`), without its "finding F1: ".

    >>> field_errors(["finding F1: it needs a title"], FINDING_FIELDS)
    {'title': 'it needs a title'}
    """
    errors: dict[str, str] = {}
    for problem in problems:
        said = problem.partition(": ")[2] or problem
        name = next((name for name, words in fields.items() if any(w in said for w in words)), next(iter(fields)))
        errors[name] = f"{errors[name]} {said}" if name in errors else said
    return errors


def asks_from(text: str) -> tuple[str, ...]:
    """Questions for the board (or recommendations), typed one per line; blank lines and bullets left out."""
    return tuple(line.strip().lstrip("•-* ").strip() for line in text.splitlines() if line.strip().lstrip("•-* "))


def member_of(review: Review, redactor: Redactor, episode: str, who: str) -> str:
    """The Slack ID of the member of `episode` the digest attributes as `who` (their role and agency, cleaned).
    Two members with the same role and agency in one episode can't be told apart here: the first is kept."""
    return next((m.slack_id for m in review.members
                 if episode in m.episodes and redactor.clean(m.attribution) == who), "")


def finding_from_pattern(pattern: EmergingPattern, review: Review, typology: Iterable) -> Finding:
    """A draft finding (no key yet) from an emerging pattern of the digest: the texts are already the digest's,
    cleaned by redaction."""
    redactor = Redactor.for_review(review)
    key = next((p.key for p in typology if p.label == pattern.pattern), "")
    evidence = tuple(Evidence(e.episode, e.who, e.words, member_of(review, redactor, e.episode, e.who),
                              group=pattern.factor) for e in pattern.evidence)
    return Finding("", pattern.factor, key, episodes=tuple(pattern.episodes), evidence=evidence)
