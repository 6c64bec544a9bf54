"""A digest in Block Kit, for the ephemeral answer to `/summary`.

    overview_messages(digest)          # the review overview: timeline and emerging patterns
    episode_messages(digest, "KPE3")   # one episode
    nothing_to_digest(review, stages)  # a review nobody has submitted to yet
    episode_choices(review, episodes)  # "/summary the": which episode was meant

Slack shows at most 50 blocks and about 13k characters per message, and a
response_url takes 5 posts. A digest can be far longer (60 episodes, 40
members), so the message is a summary: each section lists its first items,
each quote is shortened, and it says what was left out. The full digest goes to
the requester's DM as a Markdown file. Limits are enforced by the helpers in
bot.render.blocks.
"""
from __future__ import annotations

from bot.core.digest import ACCOUNT_FIELDS, Digest, EmergingPattern, EpisodeDigest
from bot.core.redaction import Redactor
from bot.core.review import Episode, Review
from bot.core.text import neutralise, shorten
from bot.render.blocks import MAX_SECTION_TEXT, context, divider, header, section, split_messages

# How many messages one /summary may post to its response_url (Slack allows 5 posts).
MAX_MESSAGES = 3
# How much the message shows before pointing to the file.
SHOWN = {"accounts": 5, "learned_later": 3, "patterns": 8, "evidence": 6, "remarks": 6, "flags": 8,
         "differences": 5, "people": 12, "groups": 4, "agencies": 4}
# The accounts share this many characters between them, so a big episode shows shorter quotes...
ACCOUNTS_CHARS = 7000
QUOTE_CHARS = 400        # ... and no quote is longer than this
REMARK_CHARS = 300       # one remark or difference
FLAG_CHARS = 400         # a hindsight statement, quoted whole when it can be
TITLE_CHARS = 70
FILE_NOTE = "The full digest is in your DM as a Markdown file."
MAX_CHOICES = 20         # episodes listed when a /summary could not tell which was meant


def _safe(text: str, limit: int) -> str:
    """Practitioner text for mrkdwn: neutralised (no pings, no hidden links), then shortened."""
    return shorten(neutralise(text), limit)


def _more(items: list, limit: int, what: str) -> list[str]:
    """The line that says how many of `items` a list limited to `limit` left to the file."""
    return [f"_…and {len(items) - limit} more {what} in the file._"] if len(items) > limit else []


def sections(lines: list[str], verbatim: bool = True) -> list[dict]:
    """Lines packed into as few sections as fit Slack's 3000-character section limit."""
    blocks, current = [], ""
    for line in lines:
        line = shorten(line, MAX_SECTION_TEXT - 10)
        if current and len(current) + 1 + len(line) > MAX_SECTION_TEXT - 10:
            blocks.append(section(current, verbatim))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current, verbatim))
    return blocks


def _bar(contributed: int, expected: int, width: int = 5) -> str:
    filled = round(width * contributed / expected) if expected else 0
    return "▰" * filled + "▱" * (width - filled)


def _pattern_lines(number: int, pattern: EmergingPattern) -> list[str]:
    shown = pattern.evidence[:SHOWN["evidence"]]
    evidence = "; ".join(f"{e.episode} {neutralise(e.who)}" for e in shown)
    if len(pattern.evidence) > len(shown):
        evidence += f"; and {len(pattern.evidence) - len(shown)} more"
    typology = pattern.pattern_short or "not mapped to the typology"
    return [f"*{number}. {neutralise(pattern.factor)}* · {neutralise(typology)}\n"
            f"{_safe(pattern.question, REMARK_CHARS)}\n"
            f"_Recurs in {', '.join(pattern.episodes[:12])}{'…' if len(pattern.episodes) > 12 else ''} · "
            f"{len(pattern.agencies)} agencies._ Evidence: {evidence}"]


def overview_blocks(digest: Digest) -> list[dict]:
    blocks = [header(f"{digest.title}: digest of the case group's reflections"),
              context(f"{neutralise(digest.board)} · {digest.contributors} of {digest.members} case group members "
                      f"have submitted · {digest.reflections} episode accounts · generated {digest.generated_at}")]
    timeline = [f"`{t.key}` {neutralise(shorten(t.title, TITLE_CHARS))} · {t.dates} · {_bar(t.contributed, t.expected)}"
                f" *{t.coverage}*" + (f" · {t.hindsight} hindsight flag(s)" if t.hindsight else "")
                for t in digest.timeline]
    blocks += sections(["*Timeline and coverage*", *timeline])
    blocks.append(divider())
    shown = digest.patterns[:SHOWN["patterns"]]
    lines = ["*Emerging patterns*: starting points for findings, as questions"]
    for number, pattern in enumerate(shown, start=1):
        lines += _pattern_lines(number, pattern)
    if not shown:
        lines.append("No contributory factor recurs across episodes or agencies yet.")
    lines += _more(digest.patterns, SHOWN["patterns"], "patterns")
    blocks += sections(lines)
    blocks.append(context(shorten(neutralise(digest.method.emerging), MAX_SECTION_TEXT)))
    blocks.append(context(f"{FILE_NOTE} `/summary KPE1` (a key, a number or words of the title) shows one episode."))
    return blocks


def _agencies(agencies: list[str]) -> str:
    shown = ", ".join(neutralise(a) for a in agencies[:SHOWN["agencies"]])
    return shown + (f" and {len(agencies) - SHOWN['agencies']} more" if len(agencies) > SHOWN["agencies"] else "")


def _account_lines(accounts, limit: int, what: str, quote_chars: int) -> list[str]:
    lines = []
    for account in accounts[:limit]:
        answers = "\n".join(f"*{label}:* {_safe(text, quote_chars)}" for label, text in account.answers.items() if text)
        lines.append(f"*{neutralise(account.who)}* · _{neutralise(account.knowledge_label)}_\n{answers}")
    return lines + _more(accounts, limit, what)


def episode_blocks(digest: Digest, key: str) -> list[dict]:
    episode: EpisodeDigest = digest.episode(key)
    blocks = [header(f"{episode.key}: {episode.title}"),
              context(f"{episode.dates} · coverage *{episode.coverage}* · {len(episode.hindsight)} hindsight flag(s)"
                      f" · {digest.title}")]
    if episode.description:
        blocks.append(section(_safe(episode.description, 1500), verbatim=True))

    people = [f"• {neutralise(who)}" for who in episode.contributors[:SHOWN["people"]]]
    people += _more(episode.contributors, SHOWN["people"], "contributors")
    lines = [f"*Who contributed* ({episode.coverage})", *people]
    if episode.missing:
        missing = [f"• {neutralise(m.who)}: {m.status}" for m in episode.missing[:SHOWN["people"]]]
        lines += ["*Not yet*", *missing, *_more(episode.missing, SHOWN["people"], "people")]
    blocks += sections(lines)

    blocks += [divider(), section("*How it looked at the time*")]
    shown = min(len(episode.at_the_time), SHOWN["accounts"]) + min(len(episode.learned_later), SHOWN["learned_later"])
    quote_chars = min(QUOTE_CHARS, ACCOUNTS_CHARS // max(1, shown) // len(ACCOUNT_FIELDS))
    if episode.at_the_time:
        for text in _account_lines(episode.at_the_time, SHOWN["accounts"], "accounts", quote_chars):
            blocks += sections([text])
    else:
        blocks.append(context("No account from the time yet."))
    if episode.learned_later:
        blocks.append(section("*Learned later*: kept apart from the views held at the time"))
        for text in _account_lines(episode.learned_later, SHOWN["learned_later"], "accounts", quote_chars):
            blocks += sections([text])

    lines = ["*Contributory factors*, by heading"]
    for tally in episode.factors:
        lines.append(f"*{neutralise(tally.heading)}* · {tally.count} mention(s) · {_agencies(tally.agencies)}")
        for group in tally.groups[:SHOWN["groups"]]:
            words = "; ".join(f"{neutralise(s.who)}: “{_safe(s.words, 120)}”" for s in group.statements[:3])
            more = f"; and {group.count - 3} more" if group.count > 3 else ""
            lines.append(f"    • {neutralise(group.name)} ({group.count}): {words}{more}")
        lines += _more(tally.groups, SHOWN["groups"], "groups")
    if not episode.factors:
        lines.append("None yet.")
    blocks += [divider(), *sections(lines)]

    for title, remarks in (("What went well", episode.went_well), ("Suggested changes", episode.changes)):
        lines = [f"*{title}*"] + [f"• *{neutralise(r.who)}:* {_safe(r.text, REMARK_CHARS)}"
                                  for r in remarks[:SHOWN["remarks"]]]
        lines += _more(remarks, SHOWN["remarks"], "remarks") or ([] if remarks else ["None yet."])
        blocks += sections(lines)

    lines = ["*Hindsight flags*: may give today's view rather than the view at the time. Prompts for the case "
             "group meeting, quoted as written."]
    lines += [f"• *{neutralise(f.who)}*, {f.field}: “{_safe(f.statement, FLAG_CHARS)}” _({', '.join(f.phrases)})_"
              for f in episode.hindsight[:SHOWN["flags"]]] or ["None found."]
    lines += _more(episode.hindsight, SHOWN["flags"], "flags")
    blocks += [divider(), *sections(lines)]

    lines = ["*Where accounts differ*"]
    lines += [f"• {_safe(d.detail, REMARK_CHARS)}" for d in episode.differences[:SHOWN["differences"]]] \
        or ["No differences under this rule."]
    lines += _more(episode.differences, SHOWN["differences"], "differences")
    blocks += sections(lines)
    blocks.append(context(shorten(neutralise(digest.method.differences), MAX_SECTION_TEXT)))
    blocks.append(context(f"{FILE_NOTE} `/summary` shows the whole review's timeline and emerging patterns."))
    return blocks


def fit(blocks: list[dict]) -> list[dict]:
    """Message payloads within Slack's limits, at most MAX_MESSAGES of them; the rest is in the file."""
    messages = split_messages(blocks)
    if len(messages) <= MAX_MESSAGES:
        return messages
    kept = messages[:MAX_MESSAGES]
    last = kept[-1]["blocks"]
    if len(last) >= 50:
        last.pop()
    last.append(context(f"_This digest is too long for one Slack answer. {FILE_NOTE}_"))
    return kept


def overview_messages(digest: Digest) -> list[dict]:
    return fit(overview_blocks(digest))


def episode_messages(digest: Digest, key: str) -> list[dict]:
    return fit(episode_blocks(digest, key))


def nothing_to_digest(review: Review, stages: dict[str, str]) -> str:
    """What a lead hears instead of an empty digest: where the case group is."""
    started = sum(1 for stage in stages.values() if stage in ("asking", "checking"))
    return (f"Nobody has submitted a reflection on *{neutralise(review.title)}* yet, so there is nothing to digest. "
            f"Of {len(review.members)} case group members, {started} are part-way through and "
            f"{len(review.members) - len(stages)} haven't been invited yet. Leads can invite the case group with "
            f"`/review invite {review.key}`; the review team is told as each reflection is submitted.")


def episode_choices(review: Review, episodes: list[Episode], ambiguous: bool) -> str:
    """The episodes to choose from, each with the command that shows it."""
    shown = episodes[:MAX_CHOICES]
    titles = Redactor.for_review(review).clean_many([e.title for e in shown])
    intro = ("That could be more than one episode. Did you mean:" if ambiguous
             else "I couldn't match that to an episode. The episodes are:")
    return "\n".join([intro, *(f"• `/summary {review.key} {e.key}`: {neutralise(shorten(title, TITLE_CHARS))}"
                                for e, title in zip(shown, titles))])
