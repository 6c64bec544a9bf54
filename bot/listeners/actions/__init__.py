from slack_bolt import App

from bot.listeners.actions import analysis, follow_ups, home, reflection


def register(app: App) -> None:
    reflection.register(app)
    home.register(app)
    analysis.register(app)
    follow_ups.register(app)
