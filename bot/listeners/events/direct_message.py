"""A practitioner types in the bot's DM: one step of their guided reflection."""
from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.listeners.error_path import reporting_errors

# Edits, deletions, joins and the bot's own posts are not answers.
IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join", "message_replied"}


def handle_direct_message(body, event, deps: Deps, client):
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES:
        return
    user = event.get("user")
    if not user:
        return
    text = event.get("text") or ""
    if event.get("files") and deps.comment_files:   # a file dropped in the DM: a commented draft report, perhaps
        files = [f["id"] for f in event["files"] if f.get("id")]
        send_and_report(client, deps.comment_files.dropped(user, files, event["channel"]), deps.reflections)
        if not text.strip() or deps.comment_files.takes_files_from(user):
            return   # a lead's words with a file are about the file; a practitioner's are still their answer
    # Slack retries an event it thinks we missed: the event id makes each one count once.
    event_key = body.get("event_id") or f"msg:{event.get('channel')}:{event.get('ts')}"
    deliveries = deps.reflections.take(user, text, event["channel"], event_key, event.get("thread_ts") or "")
    send_and_report(client, deliveries, deps.reflections)


def acknowledge_now(ack):
    ack()


def register(app: App) -> None:
    # A file dropped in the DM is fetched from Slack (up to 20 MB) before it is read: that runs after the
    # acknowledgement, in a lazy listener, or Slack would retry an event not answered within 3 seconds. Bolt runs
    # the first listener that matches, so this one goes first.
    app.event({"type": "message", "subtype": "file_share"})(ack=acknowledge_now,
                                                            lazy=[reporting_errors(handle_direct_message)])
    app.event("message")(handle_direct_message)
