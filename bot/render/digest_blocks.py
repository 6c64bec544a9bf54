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

The words around the digest's data (headings, notes, "…and 3 more accounts in the file.")
are prompts/digest.toml's, carried by the digest (`digest.wording`); only Slack's markup is
added here.
"""
from __future__ import annotations

from bot.core.digest import Digest, EmergingPattern, EpisodeDigest
from bot.core.digest_rules import DigestWording
from bot.core.redaction import Redactor
from bot.core.review import Episode, Review
from bot.core.text import neutralise, one_line, quoted, shorten
from bot.render import follow_up_text
from bot.render.blocks import MAX_SECTION_TEXT, context, divider, header, section, split_messages

# How many messages one /summary may post to its response_url (Slack allows 5 posts).
MAX_MESSAGES = 3
# How much the message shows before pointing to the file.
SHOWN = {"accounts": 5, "learned_later": 3, "patterns": 8, "evidence": 6, "remarks": 6, "flags": 8,
         "differences": 5, "people": 12, "groups": 4, "agencies": 4, "names": 8, "grid_episodes": 12}
# The accounts share this many characters between them, so a big episode shows shorter quotes...
ACCOUNTS_CHARS = 7000
QUOTE_CHARS = 400        # ... and no quote is longer than this
REMARK_CHARS = 300       # one remark or difference
FLAG_CHARS = 400         # a hindsight statement, quoted whole when it can be
TITLE_CHARS = 70
MAX_CHOICES = 20         # episodes listed when a /summary could not tell which was meant


def _analysis():
    """bot.render.analysis_digest_blocks: the review team's part of the answer, built on this module's helpers
    (so imported when first used, not at the top: each module needs the other)."""
    from bot.render import analysis_digest_blocks
    return analysis_digest_blocks


def _safe(text: str, limit: int) -> str:
    """Practitioner text for mrkdwn: neutralised (no pings, no hidden links), on one line (so it cannot start a
    line of its own that looks like the digest's), then shortened."""
    return shorten(one_line(neutralise(text)), limit)


def _quote(text: str, limit: int) -> str:
    """A practitioner's answer, shortened, as a quote: every line of it is marked as theirs, and none can
    open mrkdwn, so no line they write reads as the digest's own (an attribution, a heading)."""
    return quoted(shorten(neutralise(text), limit))


def _more(wording: DigestWording, items: list, limit: int, what: str) -> list[str]:
    """The line that says how many of `items` a list limited to `limit` left to the file (digest.toml [slack.more])."""
    return [wording.say(f"slack.more.{what}", count=len(items) - limit)] if len(items) > limit else []


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


def _pattern_lines(wording: DigestWording, number: int, pattern: EmergingPattern) -> list[str]:
    shown = pattern.evidence[:SHOWN["evidence"]]
    evidence = "; ".join(f"{e.episode} {neutralise(e.who)}" for e in shown)
    if len(pattern.evidence) > len(shown):
        evidence += "; " + wording.say("slack.and_more", count=len(pattern.evidence) - len(shown))
    typology = pattern.pattern_short or wording.say("words.not_mapped")
    episodes = f"{', '.join(pattern.episodes[:12])}{'…' if len(pattern.episodes) > 12 else ''}"
    level = f" · _{wording.say('words.heading_pattern')}_" if pattern.level == "heading" else ""
    return [f"*{number}. {neutralise(pattern.factor)}* · {neutralise(typology)}{level}\n"
            f"{_safe(pattern.question, REMARK_CHARS)}\n"
            + wording.say("slack.pattern_recurs", episodes=episodes, count=len(pattern.agencies), evidence=evidence)]


def _grid_lines(digest: Digest) -> list[str]:
    """The heading × episode grid, compact: a line per heading, its episodes with how many agencies named it there."""
    wording, limit = digest.wording, SHOWN["grid_episodes"]
    lines = [f"*{wording.say('headings.grid')}*: {wording.say('slack.grid_note')}"]
    for row in digest.grid.rows:
        episodes = ", ".join(f"{key} ({len(agencies)})" for key, agencies in list(row.cells.items())[:limit])
        episodes += "…" if len(row.cells) > limit else ""
        lines.append(f"• *{neutralise(row.heading)}* · "
                     + wording.say("slack.grid_row", episodes=episodes, count=len(row.agencies)))
    return lines if digest.grid.rows else [*lines, wording.say("words.none_yet")]


def overview_blocks(digest: Digest, pattern_actions: dict | None = None) -> list[dict]:
    """`pattern_actions`: an actions block put after the emerging patterns (the team's *Make this a finding*)."""
    wording = digest.wording
    blocks = [header(wording.say("headings.review", title=digest.title)),
              context(wording.say("slack.overview_context", board=neutralise(digest.board),
                                contributors=digest.contributors, members=digest.members,
                                reflections=digest.reflections, generated_at=digest.generated_at))]
    timeline = [f"`{t.key}` {neutralise(shorten(t.title, TITLE_CHARS))} · {t.dates} · {_bar(t.contributed, t.expected)}"
                f" *{t.coverage}*" + (f" · {wording.say('slack.timeline_flags', count=t.hindsight)}"
                                      if t.hindsight else "")
                for t in digest.timeline]
    blocks += sections([f"*{wording.say('headings.timeline')}*", *timeline])
    blocks += [divider(), *sections(_grid_lines(digest))]
    blocks.append(divider())
    shown = digest.patterns[:SHOWN["patterns"]]
    lines = [f"*{wording.say('headings.patterns')}*: {wording.say('slack.patterns_note')}"]
    for number, pattern in enumerate(shown, start=1):
        lines += _pattern_lines(wording, number, pattern)
    if not shown:
        lines.append(wording.say("slack.no_patterns"))
    lines += _more(wording, digest.patterns, SHOWN["patterns"], "patterns")
    blocks += sections(lines)
    if pattern_actions and shown:
        blocks.append(pattern_actions)
    blocks.append(context(shorten(neutralise(digest.method.emerging), MAX_SECTION_TEXT)))
    remarks = digest.anything_else
    lines = [f"*{wording.say('headings.anything_else')}*"] + [f"• *{neutralise(r.who)}:* {_safe(r.text, REMARK_CHARS)}"
                                                            for r in remarks[:SHOWN["remarks"]]]
    lines += _more(wording, remarks, SHOWN["remarks"], "remarks") or ([] if remarks else [wording.say("words.none_yet")])
    blocks += [divider(), *sections(lines)]
    blocks += _analysis().overview_analysis(digest)
    blocks.append(context(wording.say("slack.overview_footer", first=digest.timeline[0].key if digest.timeline else "1")))
    return blocks


def _agencies(wording: DigestWording, agencies: list[str]) -> str:
    shown = ", ".join(neutralise(a) for a in agencies[:SHOWN["agencies"]])
    left = len(agencies) - SHOWN["agencies"]
    return shown + (" " + wording.say("slack.and_more", count=left) if left > 0 else "")


def _account_lines(wording: DigestWording, accounts, limit: int, quote_chars: int) -> list[str]:
    lines = []
    for account in accounts[:limit]:
        answers = "\n".join(f"*{label}:*\n{_quote(text, quote_chars)}" for label, text in account.answers.items() if text)
        answers += "".join(f"\n{line}" for line in follow_up_text.slack_lines(wording, account.follow_ups, quote_chars))
        lines.append(f"*{neutralise(account.who)}* · _{neutralise(account.knowledge_label)}_\n{answers}")
    return lines + _more(wording, accounts, limit, "accounts")


def _account_sections(text: str, account, account_button) -> list[dict]:
    """An account's sections; the first carries the team's *Ask a follow-up* button (an accessory adds no block)."""
    blocks = sections([text])
    button = account_button(account) if account_button and account.member else None
    if button and blocks:
        blocks[0]["accessory"] = button
    return blocks


def episode_blocks(digest: Digest, key: str, episode_actions: dict | None = None, account_button=None) -> list[dict]:
    """`episode_actions`: an actions block put under the episode's heading (the team's *Write the appraisal*);
    `account_button(account)`: a button beside each account (the team's *Ask a follow-up*), or None."""
    episode: EpisodeDigest = digest.episode(key)
    wording = digest.wording
    blocks = [header(wording.say("headings.episode", key=episode.key, title=episode.title)),
              context(wording.say("slack.episode_context", dates=episode.dates, coverage=episode.coverage,
                                count=len(episode.hindsight), title=digest.title))]
    if episode_actions:
        blocks.append(episode_actions)
    if episode.description:
        blocks.append(section(_safe(episode.description, 1500), verbatim=True))

    people = [f"• {neutralise(who)}" for who in episode.contributors[:SHOWN["people"]]]
    people += _more(wording, episode.contributors, SHOWN["people"], "contributors")
    lines = [f"*{wording.say('headings.contributors')}* ({episode.coverage})", *people]
    if episode.missing:
        missing = [f"• {neutralise(m.who)}: {m.status}" for m in episode.missing[:SHOWN["people"]]]
        lines += [f"*{wording.say('slack.not_yet')}*", *missing,
                  *_more(wording, episode.missing, SHOWN["people"], "people")]
    blocks += sections(lines)

    blocks += [divider(), section(f"*{wording.say('headings.at_the_time')}*")]
    shown = min(len(episode.at_the_time), SHOWN["accounts"]) + min(len(episode.learned_later), SHOWN["learned_later"])
    # Every account has the same fields (prompts/digest.toml [account]): the quotes share ACCOUNTS_CHARS.
    fields = max((len(a.answers) for a in (*episode.at_the_time, *episode.learned_later)), default=1)
    quote_chars = min(QUOTE_CHARS, ACCOUNTS_CHARS // max(1, shown) // fields)
    if episode.at_the_time:
        for text, account in zip(_account_lines(wording, episode.at_the_time, SHOWN["accounts"], quote_chars),
                                 [*episode.at_the_time[:SHOWN["accounts"]], None]):
            blocks += _account_sections(text, account, account_button) if account else sections([text])
    else:
        blocks.append(context(wording.say("slack.no_account")))
    if episode.learned_later:
        blocks.append(section(f"*{wording.say('headings.learned_later')}*: {wording.say('slack.learned_later_note')}"))
        for text, account in zip(_account_lines(wording, episode.learned_later, SHOWN["learned_later"], quote_chars),
                                 [*episode.learned_later[:SHOWN["learned_later"]], None]):
            blocks += _account_sections(text, account, account_button) if account else sections([text])
    if episode.other_follow_ups:
        blocks += sections([f"*{wording.say('follow_ups.others')}*",
                            *(f"• *{neutralise(f.who)}* {line}" for f in episode.other_follow_ups
                              for line in follow_up_text.slack_lines(wording, [f], REMARK_CHARS))])

    lines = [f"*{wording.say('factors.label')}*, {wording.say('slack.factors_note')}"]
    mentions, and_more = wording.template("words.mentions"), wording.template("slack.and_more")
    for tally in episode.factors:
        lines.append(f"*{neutralise(tally.heading)}* · {mentions(count=tally.count)} · "
                     f"{_agencies(wording, tally.agencies)}")
        for group in tally.groups[:SHOWN["groups"]]:
            quoted = "; ".join(f"{neutralise(s.who)}: “{_safe(s.words, 120)}”" for s in group.statements[:3])
            more = f"; {and_more(count=group.count - 3)}" if group.count > 3 else ""
            lines.append(f"    • {neutralise(group.name)} ({group.count}): {quoted}{more}")
        lines += _more(wording, tally.groups, SHOWN["groups"], "groups")
    if not episode.factors:
        lines.append(wording.say("words.none_yet"))
    blocks += [divider(), *sections(lines)]

    for title, remarks in ((wording.say("went_well.label"), episode.went_well),
                           (wording.say("changes.label"), episode.changes)):
        lines = [f"*{title}*"] + [f"• *{neutralise(r.who)}:* {_safe(r.text, REMARK_CHARS)}"
                                  for r in remarks[:SHOWN["remarks"]]]
        lines += (_more(wording, remarks, SHOWN["remarks"], "remarks")
                  or ([] if remarks else [wording.say("words.none_yet")]))
        blocks += sections(lines)

    lines = [f"*{wording.say('headings.hindsight')}*: {wording.say('slack.hindsight_note')}"]
    lines += [f"• *{neutralise(f.who)}*, {f.field}: “{_safe(f.statement, FLAG_CHARS)}” _({', '.join(f.phrases)})_"
              for f in episode.hindsight[:SHOWN["flags"]]] or [wording.say("words.none_found")]
    lines += _more(wording, episode.hindsight, SHOWN["flags"], "flags")
    blocks += [divider(), *sections(lines)]

    lines = [f"*{wording.say('headings.differences')}*"]
    lines += [f"• {_safe(d.detail, REMARK_CHARS)}" for d in episode.differences[:SHOWN["differences"]]] \
        or [wording.say("words.no_differences")]
    lines += _more(wording, episode.differences, SHOWN["differences"], "differences")
    blocks += sections(lines)
    blocks.append(context(shorten(neutralise(digest.method.differences), MAX_SECTION_TEXT)))
    if episode.names_to_check:
        lines = [f"*{wording.say('headings.names_to_check')}*: {neutralise(wording.say('names_to_check.note'))}"]
        lines += [f"• *{neutralise(n.who)}*, {neutralise(n.field)}: “{_safe(n.words, REMARK_CHARS)}” "
                  f"(*{neutralise(n.label)}*)" for n in episode.names_to_check[:SHOWN["names"]]]
        lines += _more(wording, episode.names_to_check, SHOWN["names"], "names")
        blocks += [divider(), *sections(lines)]
    blocks += _analysis().episode_analysis(digest, key)
    blocks.append(context(wording.say("slack.episode_footer")))
    return blocks


def fit(blocks: list[dict], wording: DigestWording) -> list[dict]:
    """Message payloads within Slack's limits, at most MAX_MESSAGES of them; the rest is in the file."""
    messages = split_messages(blocks)
    if len(messages) <= MAX_MESSAGES:
        return messages
    kept = messages[:MAX_MESSAGES]
    last = kept[-1]["blocks"]
    if len(last) >= 50:
        last.pop()
    last.append(context(wording.say("slack.too_long")))
    return kept


def overview_messages(digest: Digest, pattern_actions: dict | None = None) -> list[dict]:
    return fit(overview_blocks(digest, pattern_actions), digest.wording)


def episode_messages(digest: Digest, key: str, episode_actions: dict | None = None,
                     account_button=None) -> list[dict]:
    return fit(episode_blocks(digest, key, episode_actions, account_button), digest.wording)


def nothing_to_digest(review: Review, stages: dict[str, str]) -> str:
    """What a lead hears instead of an empty digest: where the case group is, and the next thing to do."""
    started = sum(1 for stage in stages.values() if stage in ("asking", "checking"))
    not_invited = len(review.members) - len(stages)
    next_step = (f"Leads can invite them with `/review invite {review.key}`" if not_invited else
                 f"Leads can nudge those with something outstanding with `/review remind {review.key}`")
    return (f"Nobody has submitted a reflection on *{neutralise(review.title)}* yet, so there is nothing to digest. "
            f"Of {len(review.members)} case group members, {started} are part-way through and "
            f"{not_invited} haven't been invited yet. {next_step}; the review team is told as each reflection "
            f"is submitted.")


def episode_choices(review: Review, episodes: list[Episode], ambiguous: bool) -> str:
    """The episodes to choose from, each with the command that shows it."""
    shown = episodes[:MAX_CHOICES]
    titles = Redactor.for_review(review).clean_many([e.title for e in shown])
    intro = ("That could be more than one episode. Did you mean:" if ambiguous
             else "I couldn't match that to an episode. The episodes are:")
    return "\n".join([intro, *(f"• `/summary {review.key} {e.key}`: {neutralise(shorten(title, TITLE_CHARS))}"
                                for e, title in zip(shown, titles))])
