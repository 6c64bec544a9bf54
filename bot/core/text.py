"""Making practitioner text safe to show in Slack.

Practitioner text arrives with Slack markup in it (`<!channel>`, `<@U1>`,
`<https://x|label>`). Echoed back raw it would ping people and hide links, so
everything a practitioner wrote is neutralised before it is shown to anyone.

>>> neutralise("<!channel> see <https://evil.example|the policy> & ask <@U0LEAD01>")
'&lt;!channel&gt; see &lt;https://evil.example|the policy&gt; &amp; ask &lt;@U0LEAD01&gt;'
>>> neutralise("fish &amp; chips &lt;3")
'fish &amp; chips &lt;3'

Neutralised text shown to others is also kept from laying itself out as the bot's own lines: an
account is a quote, every line of it marked as quoted, and no line of it can open mrkdwn:

>>> quoted("It was a quiet night.\\n\\n*Health visitor (Northshire)* · _from memory_")
'>It was a quiet night.\\n>\\n>＊Health visitor (Northshire)* · _from memory_'
>>> one_line("fine\\r# a heading\\u2028next")
'fine # a heading next'
"""
from __future__ import annotations

import re

_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
# Slack may turn a plain "@channel" into a broadcast when verbatim is off; a zero-width space stops it.
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"
# Every line break that str.splitlines() knows: Slack, a Markdown viewer or a terminal may honour any of
# them, so a bare \r or U+2028 would start a new line as surely as \n.
LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# What a mrkdwn line can open with (bold, italic, strike, code, a quote: ">" arrives as "&gt;"), and the
# look-alike that shows the same character without its meaning. Slack has no escape for these.
_LINE_START = re.compile(r"^([ \t]*)(&gt;|[*_~`>])")
_INERT = {"*": "\uff0a", "_": "\uff3f", "~": "\uff5e", "`": "\uff40", ">": "\uff1e", "&gt;": "\uff1e"}


def neutralise(text: str) -> str:
    """Escape Slack control characters so that `text` pings nobody and hides no link."""
    text = _BARE_AMPERSAND.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)


def one_line(text: str) -> str:
    """`text` with each line break made a space: it stays on the line it is put on."""
    return LINE_BREAK.sub(" ", text)


def quoted(text: str) -> str:
    """Neutralised text as a mrkdwn quote, line by line, each line unable to open mrkdwn (so a practitioner
    cannot write a line that looks like the digest's own "*Role (Agency)* · _from memory_")."""
    return "\n".join(">" + _LINE_START.sub(lambda m: m.group(1) + _INERT[m.group(2)], line)
                      for line in LINE_BREAK.split(text))


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
