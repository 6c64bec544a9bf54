from slack_bolt import App

from bot.listeners.commands import review


def register(app: App) -> None:
    review.register(app)
