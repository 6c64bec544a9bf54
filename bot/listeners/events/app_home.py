"""The App Home tab: what each person sees depends on their role in each review."""
from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.render.blocks import home_view
from bot.render.home_blocks import home_blocks
from bot.lead_actions import LeadActions


def publish_home(client: WebClient, deps: Deps, user: str) -> None:
    """Render the person's Home tab from the records, as they are now (after every change a lead makes too)."""
    home = LeadActions(deps.store, deps.prompts, deps.settings).home(user)
    client.views_publish(user_id=user, view=home_view(home_blocks(deps.prompts, home)))


def handle_app_home_opened(event, deps: Deps, client):
    if event.get("tab") != "home" or not event.get("user"):
        return  # the Messages tab is the reflection DM
    publish_home(client, deps, event["user"])


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
