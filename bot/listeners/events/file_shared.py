"""A file shared in the bot's DM (`file_shared`): a commented draft report, perhaps (bot/accuracy_files.py).

The DM's `file_share` message says the same (bot/listeners/events/direct_message.py); whichever comes first
reads the file, and the other finds its id already claimed. Files shared in channels are not ours to read.
"""
from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.listeners.error_path import reporting_errors
from bot.listeners.events.direct_message import acknowledge_now


def handle_file_shared(event, deps: Deps, client, context):
    channel, user, file_id = event.get("channel_id") or "", event.get("user_id"), event.get("file_id")
    if not (channel.startswith("D") and user and file_id and deps.comment_files):
        return
    if user == context.bot_user_id:   # the bot's own upload (the digest file /summary sends): not a drop
        return
    send_and_report(client, deps.comment_files.dropped(user, [file_id], channel), deps.reflections)


def register(app: App) -> None:
    # Acknowledged at once, the file read after (a download can outlast Slack's 3 seconds for an event).
    app.event("file_shared")(ack=acknowledge_now, lazy=[reporting_errors(handle_file_shared)])
