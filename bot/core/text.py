"""Making practitioner text safe to show in Slack.

Practitioner text arrives with Slack markup in it (`<!channel>`, `<@U1>`,
`<https://x|label>`). Echoed back raw it would ping people and hide links, so
everything a practitioner wrote is neutralised before it is shown to anyone.

>>> neutralise("<!channel> see <https://evil.example|the policy> & ask <@U0LEAD01>")
'&lt;!channel&gt; see &lt;https://evil.example|the policy&gt; &amp; ask &lt;@U0LEAD01&gt;'
>>> neutralise("fish &amp; chips &lt;3")
'fish &amp; chips &lt;3'
"""
from __future__ import annotations

import re

_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
# Slack may turn a plain "@channel" into a broadcast when verbatim is off; a zero-width space stops it.
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def neutralise(text: str) -> str:
    """Escape Slack control characters so that `text` pings nobody and hides no link."""
    text = _BARE_AMPERSAND.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)


def shorten(text: str, limit: int, marker: str = "…") -> str:
    """`text` cut to at most `limit` characters, never inside an &entity;."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(marker))]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + marker


def unescape(text: str) -> str:
    """Slack's escaping undone, for plain-text outputs (files, terminal)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
