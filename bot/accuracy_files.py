"""A commented draft report dropped into the bot's DM: fetched from Slack, read, and imported once the lead says
which agency it is from (a button, or its name typed).

    files = CommentFiles(store, prompts, client)
    files.dropped("U0LEAD01", ["F0DOCX01"], "D0LEAD01")      # files.info, download, read: "Which agency ...?"
    files.answer(tx, "U0LEAD01", "police", "D0LEAD01")       # the typed answer, within the DM's step (reflect.py)
    files.agency_chosen("U0LEAD01", "child-d", "Brackenshire Police", "D0LEAD01")   # the button

Only a review's leads and review team may: anyone else who drops a file is told so, and nothing is downloaded.
The file's own properties say which review it is a draft of (bot/accuracy_import.py). The bot token goes only to
Slack's own file hosts (or the Web API's host: GovSlack, the tests' fake). Each file counts once however often
Slack tells us of it (the DM's `file_share` message, the `file_shared` event, their retries): its id is claimed
as an event. The comments wait in storage (store.accuracy.hold_file) until the agency is named.
"""
from __future__ import annotations

import logging
import urllib.request
from urllib.error import URLError
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import require_role
from bot.accuracy_import import LARGEST_FILE, CommentsFileError, comments_in, open_draft, review_key_of
from bot.accuracy_review import AccuracyReview, agencies_of
from bot.core.prompts import Prompts
from bot.core.text import unescape
from bot.reflect import Delivery
from bot.render.accuracy_blocks import agency_question
from bot.render.blocks import notice
from storage import Store, Transaction

log = logging.getLogger("casegroup.accuracy")
READERS = frozenset({"lead", "team"})
DOING = "bring in the agencies' comments"
SLACK_FILE_HOSTS = (".slack.com", ".slack-gov.com")
CANCEL = ("cancel", "set it aside", "stop")
MOST_FILES = 5   # files in one drop that are read; a lead drops one agency's draft at a time


class CommentFiles:
    def __init__(self, store: Store, prompts: Prompts, client: WebClient):
        self.store = store
        self.prompts = prompts
        self.client = client
        self.accuracy = AccuracyReview(store, prompts)

    def _say(self, name: str, /, **values) -> str:
        return self.prompts.say(f"accuracy.{name}", **values)

    # ----- the drop -------------------------------------------------------

    def _readable(self, user: str) -> set[str]:
        """The reviews whose drafts this person may bring comments in for."""
        return {key for key, roles in self.store.reviews.of_person(user).items() if roles & READERS}

    def takes_files_from(self, user: str) -> bool:
        return bool(self._readable(user))

    def dropped(self, user: str, file_ids: list[str], channel: str) -> list[Delivery]:
        """Files shared in the DM: for a lead or the team, each read and its agency asked; for anyone else, a
        friendly line (once), and nothing downloaded."""
        readable = self._readable(user)
        if not readable:
            return self._once([f"file:{f}" for f in file_ids], channel, self._say("not_yours"))
        deliveries = []
        for file_id in file_ids[:MOST_FILES]:
            deliveries += self._read(user, file_id, channel, readable)
        return deliveries

    def _once(self, event_keys: list[str], channel: str, text: str) -> list[Delivery]:
        """`text`, said the first time any of these files is heard of (not again for Slack's retries)."""
        with self.store.transaction() as tx:
            fresh = [self.store.conversations.claim_event(tx, key) for key in event_keys]
        return [Delivery(channel, [notice(text)])] if any(fresh) else []

    def _read(self, user: str, file_id: str, channel: str, readable: set[str]) -> list[Delivery]:
        event_key = f"file:{file_id}"
        if self.store.accuracy.file_seen(event_key):   # before the download: the same drop, told twice
            return []
        with self.store.transaction() as tx:
            # Claimed before the download: the file_share message and the file_shared event, read at once on two
            # threads (both after their acknowledgement), fetch the file once.
            if not self.store.conversations.claim_event(tx, f"fetch:{file_id}"):
                return []
        try:
            info = self.client.files_info(file=file_id)["file"]
        except (SlackApiError, SlackClientError, OSError) as error:
            return [Delivery(channel, [notice(self._say("download_failed", name=file_id, code=_code(error)))])]
        name = str(info.get("name") or info.get("title") or file_id)
        try:
            if not name.lower().endswith(".docx") and info.get("filetype") != "docx":
                raise CommentsFileError(self._say("not_docx", name=name))
            if int(info.get("size") or 0) > LARGEST_FILE:
                raise CommentsFileError(self._say("file_too_big", name=name, mb=LARGEST_FILE // (1024 * 1024)))
            data = self._download(str(info.get("url_private_download") or info.get("url_private") or ""), name)
            document = open_draft(data, name, self.prompts)
            review_key = review_key_of(document)
            if review_key not in readable:   # another review's draft, or nobody's: which one is not said
                raise CommentsFileError(self._say("not_a_review_draft", name=name))
            review = self.accuracy.review(review_key, changing=True)
            comments = comments_in(document, review, name, self.prompts)
        except CommentsFileError as error:
            return self._once([event_key], channel, str(error))
        except _DownloadFailed as error:
            return [Delivery(channel, [notice(self._say("download_failed", name=name, code=str(error)))])]
        with self.store.transaction() as tx:
            before = self.store.accuracy.held_file(tx, user)
        if not self.store.accuracy.hold_file(review.key, user, name, comments, event_key):
            return []
        replaced = before.file_name if before and before.file_name != name else ""
        return [Delivery(channel, [agency_question(self.prompts, review, agencies_of(review), name, len(comments),
                                                   replaced)], review.key)]

    def _download(self, url: str, name: str) -> bytes:
        """The file's bytes, fetched with the bot token (Slack's private URLs need it), from Slack's hosts only."""
        if not self._may_send_token(url):
            raise _DownloadFailed("not a Slack file URL")
        request = urllib.request.Request(url)
        # Unredirected: urllib copies a request's headers into any redirect it follows, so a redirect elsewhere
        # would carry the bot token with it.
        request.add_unredirected_header("Authorization", f"Bearer {self.client.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                data = response.read(LARGEST_FILE + 1)
                html = "text/html" in (response.headers.get("Content-Type") or "")
        except (URLError, OSError) as error:
            raise _DownloadFailed(type(error).__name__) from None
        if html or data[:15].lstrip().lower().startswith((b"<!doctype", b"<html")):
            # Slack sends its sign-in page, not the file, to a token without files:read.
            log.warning("Slack sent a web page, not the file: does the app have the files:read scope?")
            raise _DownloadFailed("Slack sent a sign-in page: the app needs the files:read scope")
        return data

    def _may_send_token(self, url: str) -> bool:
        where, api = urlparse(url), urlparse(self.client.base_url)
        if where.hostname and where.hostname == api.hostname and where.scheme == api.scheme:
            return True
        host = where.hostname or ""
        return where.scheme == "https" and (host in ("slack.com", "slack-gov.com") or host.endswith(SLACK_FILE_HOSTS))

    # ----- which agency ---------------------------------------------------

    def answer(self, tx: Transaction, user: str, text: str, channel: str, review_key: str = "") -> list[Delivery] | None:
        """The DM's hook (Reflections.take, in its transaction): when a file of this person waits for its agency,
        `text` names it (or `cancel` sets the file aside); None when nothing waits, so the DM goes on as ever."""
        held = self.store.accuracy.held_file(tx, user)
        if held is None or (review_key and held.review_key != review_key):
            return None
        typed = " ".join(unescape(text).split())
        if typed.casefold().rstrip(".!") in CANCEL:
            self.store.accuracy.drop_file(tx, user)
            return [Delivery(channel, [notice(self._say("cancelled", name=held.file_name))])]
        require_role(self.store, self.prompts, held.review_key, user, READERS, DOING)   # still on the team?
        said = self.accuracy.bring_in(held.review_key, held.comments, typed, actor=user, name=held.file_name, tx=tx)
        self.store.accuracy.drop_file(tx, user)
        return [Delivery(channel, [notice(said)], held.review_key)]

    def agency_chosen(self, user: str, review_key: str, agency: str, channel: str) -> list[Delivery]:
        """An agency's button under the question: the same as typing its name."""
        with self.store.transaction() as tx:
            said = self.answer(tx, user, agency, channel, review_key)
        return said or [Delivery(channel, [notice(self._say("nothing_waiting"))])]


class _DownloadFailed(Exception):
    """Slack wouldn't give the file: the reason, in a few words (never the file's content)."""


def _code(error: Exception) -> str:
    if isinstance(error, SlackApiError) and error.response is not None:
        return error.response.get("error") or "unknown_error"
    return type(error).__name__
