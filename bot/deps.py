"""What every listener needs, put into the Bolt context once per request (bot/app.py).

Bolt passes a listener every context value it names, as it passes `client` or `ack`:

    def handle_app_home_opened(event, deps: Deps, client): ...
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.accuracy_files import CommentFiles
from bot.config import Settings
from bot.core.prompts import Prompts
from bot.reflect import Reflections
from storage import Store


@dataclass
class Deps:
    settings: Settings
    store: Store
    prompts: Prompts
    reflections: Reflections
    comment_files: CommentFiles | None = None   # commented draft reports dropped into the DM

    def __deepcopy__(self, memo):
        # Bolt deep-copies the context for lazy listeners; shared services are shared, not copied.
        return self
