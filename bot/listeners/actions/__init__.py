from slack_bolt import App

from bot.listeners.actions import reflection


def register(app: App) -> None:
    reflection.register(app)
