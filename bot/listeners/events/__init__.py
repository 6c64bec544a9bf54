from slack_bolt import App

from bot.listeners.events import app_home, direct_message, file_shared


def register(app: App) -> None:
    direct_message.register(app)
    app_home.register(app)
    file_shared.register(app)
