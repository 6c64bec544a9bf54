"""The words the bot says, as TOML data a lead reviewer can edit.

`PROMPTS_DIR` is where the files live; `bot.core.prompts.load_prompts()` reads and
validates them at start-up.
"""
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent
