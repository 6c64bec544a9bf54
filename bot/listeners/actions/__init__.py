from slack_bolt import App

from bot.listeners.actions import analysis, finding_check, home, reflection


def register(app: App) -> None:
    reflection.register(app)
    home.register(app)
    analysis.register(app)
    finding_check.register(app)
