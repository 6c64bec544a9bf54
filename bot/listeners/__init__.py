"""Every Slack entry point, one small module each, found in one hop from its kind."""
from slack_bolt import App

from bot.listeners import actions, commands, events, views


def register_listeners(app: App) -> None:
    events.register(app)
    actions.register(app)
    commands.register(app)
    views.register(app)
