"""`/summary`: the digest of a review's reflections, for its leads and review team.

    /summary                     the review overview: timeline, coverage, emerging patterns
    /summary KPE2                one episode, by key, number (`/summary 2`) or title words
    /summary child-d KPE2        the review named first, when the caller is in several

The middleware picks the review and checks the caller's role (the database only,
fast; bot/listeners/asked.py). Compiling runs in a lazy listener, so Slack hears
back within 3 seconds however large the review. The answer is ephemeral; the full
digest goes to the caller's DM as a Markdown file. Every run, and every refusal, is
audited.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.digest import match_episode
from bot.core.follow_ups import can_ask
from bot.core.text import neutralise
from bot.deps import Deps
from bot.digest_builder import build_digest
from bot.errors import NotFoundError, RoleError
from bot.listeners.asked import Asked, ParseOnce
from bot.listeners.error_path import reporting_errors
from bot.render.digest_blocks import (MAX_CHOICES, episode_choices, episode_messages, nothing_to_digest,
                                     overview_messages)
from bot.render.analysis_blocks import appraisal_button, pattern_buttons
from bot.render.follow_up_blocks import ask_button
from bot.render.digest_text import markdown

log = logging.getLogger("casegroup.summary")
READERS = frozenset({"lead", "team"})
HELP = ("help", "?")
USAGE = ("*`/summary`: the digest of a review's reflections*\n"
         "• `/summary`: the review overview (timeline, coverage, emerging patterns, the review team's findings)\n"
         "• `/summary KPE2`, `/summary 2` or `/summary police incident`: one key practice episode, with the "
         "review team's appraisal of it\n"
         "• `/summary child-d KPE2`: name the review first if you take part in several\n"
         "The full digest is sent to your DM as a Markdown file. Only lead reviewers and the review team can run it.")


@dataclass(frozen=True)
class SummaryRequest(Asked):
    query: str = ""     # what was typed for the episode; "" for the overview
    episode: str = ""   # the episode it matched, if it did
    offered: tuple[str, ...] = ()   # the episodes to choose from, when it matched none (or several)
    ambiguous: bool = False         # several fitted


def parse_summary(deps: Deps, command: dict) -> SummaryRequest:
    """Which review and episode the caller means; the review named first, or the caller's only one.

    Raises RoleError (someone in no review) or NotFoundError (several reviews, none named).
    """
    store, user, text = deps.store, command["user_id"], (command.get("text") or "").strip()
    if text.lower() in HELP:
        return SummaryRequest(user, answer=USAGE)
    words = text.split()
    mine = sorted(store.reviews.of_person(user))
    # Only the caller's own reviews are looked for: another review's key is read as an episode's words,
    # as any unknown word is, so the answer doesn't say which keys exist.
    known = {key.lower(): key for key in mine}
    if words and words[0].lower() in known:
        return _reading(deps, user, known[words[0].lower()], " ".join(words[1:]))
    if not mine:
        # Audited against the review named, if there is one; the words are the same either way.
        raise RoleError("Sorry, `/summary` is for the lead reviewers and review team of a case review, and "
                        "you're not part of one. If you think you should be, please ask the lead reviewers.",
                        store.reviews.key_for(words[0]) or "" if words else "")
    if len(mine) > 1:
        raise NotFoundError(f"You take part in {len(mine)} reviews ({', '.join(f'`{k}`' for k in mine)}). "
                            f"Name the one you mean first, like `/summary {mine[0]} "
                            f"{' '.join(words) or store.reviews.get(mine[0]).episodes[0].key}`.")
    return _reading(deps, user, mine[0], " ".join(words))


def _reading(deps: Deps, user: str, review_key: str, query: str) -> SummaryRequest:
    """The request, with the episode matched now (pure and quick), so that nothing is promised that can't be
    kept. What doesn't match is shown only after the role check, by the acknowledgement."""
    asked = SummaryRequest(user, review_key, READERS, "read its digest", query=query)
    if not query:
        return asked
    episodes = deps.store.reviews.get(review_key).episodes
    found = match_episode(query, episodes)
    if found.episode:
        return replace(asked, episode=found.episode.key)
    offered = found.candidates or episodes
    return replace(asked, offered=tuple(e.key for e in offered), ambiguous=found.ambiguous)


def acknowledge_summary(ack, asked: SummaryRequest, deps: Deps):
    """Answer within Slack's 3 seconds: the episodes to choose from, or 'working on it' (a refusal or a
    usage line was the middleware's)."""
    review = deps.store.reviews.get(asked.review_key)
    if asked.offered:
        ack(text=episode_choices(review, [review.episode(key) for key in asked.offered], asked.ambiguous))
        return
    ack(text=f"Putting together the digest of *{neutralise(review.title)}*"
             f"{' for ' + asked.episode if asked.episode else ''}…")


DIGEST_FILE_COMMENT = ("The full digest, as a Markdown file. It holds pseudonymised case material: keep it within "
                       "the review.")


def send_file(client, user: str, filename: str, title: str, content: str | bytes,
              comment: str = DIGEST_FILE_COMMENT) -> str:
    """Upload a file (the Markdown digest, the report's .docx) to the caller's DM. Returns '' or what went wrong
    (no text of the file)."""
    try:
        channel = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(channel=channel, content=content, filename=filename, title=title,
                               initial_comment=comment, request_file_info=False)
        return ""
    except SlackApiError as error:
        return (error.response.get("error") if error.response is not None else None) or "unknown_error"
    except (SlackClientError, OSError) as error:
        return type(error).__name__


def run_summary(asked: SummaryRequest, deps: Deps, respond, client):
    store, user = deps.store, asked.user
    review = store.reviews.get(asked.review_key)
    if asked.offered:   # the acknowledgement listed them
        store.audit.add(user, "summary.viewed", review.key,
                        "episode unclear; offered " + ", ".join(asked.offered[:MAX_CHOICES]))
        return
    if not store.submitted.any(review.key):
        respond(nothing_to_digest(review, store.conversations.stages(review.key)))
        store.audit.add(user, "summary.viewed", review.key, "no submitted reflections yet")
        return
    episode = asked.episode or None

    digest = build_digest(store, review, deps.prompts, episode, store.clock())
    if digest is None:  # every reflection was withdrawn a moment ago
        respond(nothing_to_digest(review, store.conversations.stages(review.key)))
        return
    # The review team's buttons (/summary is only for leads and the team): write the appraisal, make a finding.
    # ... and, until the analysis stage, ask a practitioner a follow-up question about their account.
    asking = ask_button(deps.prompts, review.key, episode) if episode and can_ask(review.stage) else None
    messages = (episode_messages(digest, episode, appraisal_button(deps.prompts, review.key, episode), asking) if episode
                else overview_messages(digest, pattern_buttons(deps.prompts, review.key,
                                                               [p.factor for p in digest.patterns])))
    for message in messages:
        respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False)
    filename = f"{review.key}-{episode}-digest.md" if episode else f"{review.key}-digest.md"
    failed = send_file(client, user, filename, f"{digest.title}: {episode or 'review'} digest",
                        markdown(digest, episode))
    if failed:
        log.warning("could not upload the digest to %s: %s", user, failed)
        respond(f"I couldn't put the full digest in your DM ({failed}). `casegroup export {review.key}` writes it "
                "from the command line.")
    store.audit.add(user, "summary.viewed", review.key,
                f"{'episode ' + episode if episode else 'overview'}; file "
                f"{'not sent: ' + failed if failed else 'sent to DM'}")


def register(app: App) -> None:
    app.command("/summary", middleware=[ParseOnce(parse_summary)])(ack=acknowledge_summary,
                                                                   lazy=[reporting_errors(run_summary)])
