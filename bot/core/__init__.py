"""The domain core: pure functions over plain data. Nothing here imports Slack."""
