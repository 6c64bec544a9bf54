from slack_bolt import App

from bot.listeners.views import analysis, follow_ups, review_changes


def register(app: App) -> None:
    review_changes.register(app)
    analysis.register(app)
    follow_ups.register(app)
