"""Slack incoming-webhook payloads for alerts: Block Kit, user text made harmless, Slack's limits kept.

Escaping follows Slack's "Formatting text for app surfaces": ``&``, ``<`` and ``>`` are Slack's control
characters in mrkdwn (``<!channel>``, ``<@U123>``, ``<https://evil|click>``), so exactly these three become
``&amp;`` ``&lt;`` ``&gt;``; any other entity would show literally. Plain ``@channel``/``@here``/``@everyone``
get a zero-width joiner after the ``@``, and control and bidi-override characters are dropped. Emphasis
(``*bold*``, ``_italic_``) has no escape in Slack and cannot notify anyone or hide a link, so it stays.

Limits (Block Kit reference, docs.slack.dev/reference/block-kit/blocks): a header's text is at most 150
characters, a section's text 3,000, a section has at most 10 fields of at most 2,000 characters each, a
context block at most 10 elements, a message at most 50 blocks. Slack refuses the whole message
(400 invalid_blocks) when one is exceeded, and a refused alert would be retried for ever, so every text
is cut here. Lengths are counted in UTF-16 code units, which is never less than characters however
Slack counts, so an emoji-heavy text cannot slip over a limit.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from schemas import Alert, AlertPost, Severity

HEADER_CHARS = 150
SECTION_TEXT_CHARS = 3_000  # also the limit of every other mrkdwn text object (context elements)
FIELD_CHARS = 2_000
# 4 fields (of at most 10) and at most 9 blocks (of at most 50): within Slack's limits by construction.
TOP_POSTS = 5
POST_TEXT_CHARS = 300  # two or three lines in Slack: enough to triage, the link opens the rest
NAME_CHARS = 80  # an author or a label: handles are at most ~30 characters on X and Instagram, names 50 on X

# The zone of the search filters and reports: Luister's readers are Dutch.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

SEVERITY_EMOJI: dict[Severity, str] = {
    Severity.INFO: ":information_source:",
    Severity.WARNING: ":warning:",
    Severity.CRITICAL: ":rotating_light:",
}

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# '@here' as a word, not inside an address such as 'info@here.nl'
_BROADCAST = re.compile(r"(?<!\w)@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_ZERO_WIDTH_JOINER = "\u200d"
_ELLIPSIS = "…"
# C0 and C1 controls except newline and tab, and the bidi embeddings, overrides and isolates that can
# make a text read differently from what it is (a URL shown backwards).
_DROPPED = {
    code: None
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    if chr(code) not in "\n\t"
}


def escape_mrkdwn(text: str, limit: int = SECTION_TEXT_CHARS) -> str:
    """``text`` from a user made safe to put into Slack mrkdwn, at most ``limit`` UTF-16 units long.

    Control characters are dropped, broadcast mentions neutralised, ``& < >`` escaped; a text that does
    not fit is cut with an ellipsis, never inside an entity such as ``&amp;``.
    """
    cleaned = _BROADCAST.sub("@" + _ZERO_WIDTH_JOINER, text.translate(_DROPPED))
    return _fit([_ESCAPES.get(char, char) for char in cleaned], limit)


def alert_message(alert: Alert, *, monitor_name: str, report_url: str | None = None) -> dict[str, Any]:
    """The incoming-webhook payload for ``alert``: ``text`` for notifications and ``blocks`` for the message.

    The posts shown are the first five of ``alert.posts`` (the evidence, most relevant first), each linked
    when its URL is http(s). ``monitor_name`` and ``report_url`` come from the monitors configuration.
    Every limit of Slack's is kept whatever the input; link previews are off so a post's URL cannot put
    an attacker's preview into the channel.
    """
    blocks = [_header(alert, monitor_name), _summary(alert)]
    if alert.posts:
        blocks.append({"type": "divider"})
        blocks.extend(_post_section(post) for post in alert.posts[:TOP_POSTS])
    blocks.append(_footer(alert, report_url))
    return {
        # cut like a section: Slack would truncate only at 40,000 and a notification shows a line or two
        "text": escape_mrkdwn(f"[{alert.severity}] {monitor_name} · {alert.rule_id}: {alert.summary}"),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }


def _header(alert: Alert, monitor_name: str) -> dict[str, Any]:
    # plain_text is never parsed for mentions or links, so it needs no entities (they would show literally)
    title = f"{SEVERITY_EMOJI[alert.severity]} {monitor_name} · {alert.rule_id}".translate(_DROPPED)
    return {"type": "header", "text": {"type": "plain_text", "text": _fit(list(title), HEADER_CHARS), "emoji": True}}


def _summary(alert: Alert) -> dict[str, Any]:
    count = str(alert.count) if alert.baseline is None else f"{alert.count} (baseline {alert.baseline:.1f})"
    fields = [
        _field("Severity", alert.severity.value),
        _field("Posts", count),
        _field("Window", _window(alert.window_start, alert.window_end)),
        _field("Rule type", alert.rule_type),
    ]
    return {"type": "section", "text": _mrkdwn(escape_mrkdwn(alert.summary)), "fields": fields}


def _field(label: str, value: str) -> dict[str, str]:
    head = f"*{label}*\n"
    return _mrkdwn(head + escape_mrkdwn(value, FIELD_CHARS - _units(head)))


def _window(start: datetime, end: datetime) -> str:
    """'2026-11-03 14:00–14:15 CET', or both ends in full when the window crosses a day or a clock change."""
    start, end = start.astimezone(LOCAL_ZONE), end.astimezone(LOCAL_ZONE)
    if start.date() == end.date() and start.tzname() == end.tzname():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M %Z}"
    return f"{start:%Y-%m-%d %H:%M %Z} – {end:%Y-%m-%d %H:%M %Z}"


def _post_section(post: AlertPost) -> dict[str, Any]:
    """'*@handle* · channel · sentiment · intent', the text cut, and a link when the URL is http(s).

    The channel and labels are escaped too: on the alerts topic they are plain strings that any producer
    could have written.
    """
    labels = [label for label in (post.channel, post.sentiment, post.intent) if label is not None]
    meta = " · ".join(
        [f"*{escape_mrkdwn(_author(post), NAME_CHARS)}*", *(escape_mrkdwn(label, NAME_CHARS) for label in labels)]
    )
    text = f"{meta}\n{escape_mrkdwn(post.text, POST_TEXT_CHARS)}"
    link = _link(post.url, "open")
    # a cut URL would lead somewhere else: a link too long for the section is left out whole
    if link and _units(text) + 1 + len(link) <= SECTION_TEXT_CHARS:
        text = f"{text}\n{link}"
    return {"type": "section", "text": _mrkdwn(text)}


def _author(post: AlertPost) -> str:
    """'@handle', else the name the author shows, else 'unknown author'."""
    if post.author is None:
        return "unknown author"
    if post.author.handle:
        return f"@{post.author.handle}"
    return post.author.display_name or "unknown author"


def _footer(alert: Alert, report_url: str | None) -> dict[str, Any]:
    elements = [_mrkdwn(escape_mrkdwn(f"alert_id: {alert.alert_id}"))]
    report = _link(report_url, "Open the report")
    if report and len(report) <= SECTION_TEXT_CHARS:
        elements.append(_mrkdwn(report))
    return {"type": "context", "elements": elements}


def _link(url: str | None, label: str) -> str | None:
    """``<url|label>`` for an http(s) URL, else None: other schemes (javascript:, slack:, file:) stay unlinked.

    Characters that would end or split Slack's link syntax (``| < >``, spaces, controls) are
    percent-encoded and ``&`` becomes ``&amp;``, so the link goes exactly where the URL says.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. 'http://[oops': a broken URL in a post must not stop the alert
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    target = quote(url, safe=":/?#[]@!$&'()*+,;=%~").replace("&", "&amp;")
    return f"<{target}|{label}>"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _fit(pieces: list[str], limit: int) -> str:
    """The pieces joined, or as many as fit before an ellipsis within ``limit`` UTF-16 units."""
    if _units("".join(pieces)) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    used = 0
    for piece in pieces:
        used += _units(piece)
        if used > limit - 1:
            break
        kept.append(piece)
    return "".join(kept) + _ELLIPSIS


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
