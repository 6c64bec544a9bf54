from slack_bolt import App

from bot.listeners.events import direct_message


def register(app: App) -> None:
    direct_message.register(app)
