from slack_bolt import App

from bot.listeners.views import accuracy, analysis, finding_check, follow_ups, review_changes


def register(app: App) -> None:
    review_changes.register(app)
    analysis.register(app)
    accuracy.register(app)
    finding_check.register(app)
    follow_ups.register(app)
