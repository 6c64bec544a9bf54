"""The floor for HTTP throughput: part 1's floor App, served exactly as `casegroup serve` serves the bot.

    python -m bench.floor_server API_URL SIGNING_SECRET   # prints the URL it listens on, as serve does
"""
from __future__ import annotations

import sys

from bench.answer_path import floor_app
from bot.server import make_server


def main() -> None:
    api_url, secret = sys.argv[1], sys.argv[2]
    server = make_server(floor_app(api_url, secret), "127.0.0.1", 0)
    print(f"the floor is listening on http://127.0.0.1:{server.effective_port}/slack/events", flush=True)
    server.run()


if __name__ == "__main__":
    main()
