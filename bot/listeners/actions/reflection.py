"""Buttons and menus in the reflection DM: shortcuts for what can be typed."""
import re

from slack_bolt import App

from bot.delivery import send_and_report
from bot.deps import Deps
from bot.render.blocks import ACTION_PREFIX


def handle_reflection_action(ack, body, action, deps: Deps, client):
    """No role middleware: the reflection flow finds the clicker's review itself, as for what they type."""
    ack()
    user = body["user"]["id"]
    value = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
    review_key, _, rest = value.partition("|")
    token, _, typed = rest.partition("|")
    channel = (body.get("channel") or {}).get("id") or user
    # A double click, or Slack retrying, arrives with the same action_ts: count it once.
    event_key = f"action:{user}:{action.get('action_ts') or body.get('trigger_id')}:{action.get('action_id')}"
    if not review_key or not token:
        deliveries = deps.reflections.take(user, "help", channel, event_key)
    else:
        deliveries = deps.reflections.click(user, review_key, token, typed, channel, event_key)
    send_and_report(client, deliveries, deps.reflections)


def register(app: App) -> None:
    app.action(re.compile(rf"^{ACTION_PREFIX}_"))(handle_reflection_action)
