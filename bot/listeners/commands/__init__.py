from slack_bolt import App

from bot.listeners.commands import review, summary


def register(app: App) -> None:
    review.register(app)
    summary.register(app)
