from slack_bolt import App

from bot.listeners.views import review_changes


def register(app: App) -> None:
    review_changes.register(app)
