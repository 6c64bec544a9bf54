from slack_bolt import App

from bot.listeners.actions import accuracy, analysis, feedback, finding_check, follow_ups, home, reflection


def register(app: App) -> None:
    reflection.register(app)
    home.register(app)
    analysis.register(app)
    accuracy.register(app)
    feedback.register(app)
    finding_check.register(app)
    follow_ups.register(app)
