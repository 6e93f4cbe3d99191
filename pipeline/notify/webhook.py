"""Generic webhook bodies for alerts, and their signature (Stripe's scheme, Luister's header).

The body is compact UTF-8 JSON ``{"alert": <the Alert record without its posts>, "posts": [<AlertPost>, ...]}``;
the alert is nested rather than merged so that a field added to ``Alert`` later can never collide with ``posts``.

``X-Luister-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is HMAC-SHA256 with the receiver's secret over
``b"<t>." + body``. Signing the timestamp with the body lets a receiver refuse a replayed request (an old ``t``)
as well as a tampered one; ``verify`` accepts several ``v1`` entries so a sender can sign with an old and a
new secret while the receiver rotates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from schemas import Alert, AlertPost

SIGNATURE_HEADER = "X-Luister-Signature"
ALERT_ID_HEADER = "X-Luister-Alert-Id"
# Stripe's default: wide enough for clock skew and a retried delivery in flight, narrow enough for replays.
TOLERANCE_S = 300


class WebhookBody(BaseModel):
    """The JSON a webhook receiver gets for one alert."""

    model_config = ConfigDict(frozen=True)

    alert: Alert = Field(..., description="The alert as it is on the alerts topic, without its posts.")
    posts: list[AlertPost] = Field(..., description="The alert's evidence posts, most relevant first.")


def webhook_body(alert: Alert) -> bytes:
    """The request body for ``alert`` and its evidence posts (``alert.posts``): compact UTF-8 JSON.

    The posts are listed once, at the top level, as the alerts worker cut them (at most 20, texts of at most
    500 characters).
    The same alert always gives the same bytes, so a retried delivery carries the same signature input.
    """
    body = WebhookBody(alert=alert, posts=alert.posts)
    return body.model_dump_json(exclude={"alert": {"posts"}}).encode("utf-8")


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` under ``secret``: the ``v1`` of the header."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def headers(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The request headers for a body made by ``webhook_body``, signed at ``now``.

    The alert id is read from the body itself, so header and body cannot disagree; it is percent-encoded
    outside printable ASCII because HTTP header values are ASCII.
    """
    timestamp = int(now.timestamp())
    alert_id = json.loads(body)["alert"]["alert_id"]
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: f"t={timestamp},v1={sign(body, secret, timestamp)}",
        ALERT_ID_HEADER: quote(alert_id, safe="!#$&'()*+,/:;=?@[]~"),
    }


def verify(body: bytes, header: str, secret: str, now: datetime, tolerance_s: int = TOLERANCE_S) -> bool:
    """Whether ``header`` (an ``X-Luister-Signature`` value) signs ``body`` with ``secret`` within
    ``tolerance_s`` seconds of ``now``. Malformed headers are False, never an exception."""
    timestamp, signatures = _parse(header)
    if timestamp is None or abs(int(now.timestamp()) - timestamp) > tolerance_s:
        return False
    expected = sign(body, secret, timestamp).encode("ascii")
    # every candidate is compared (no short cut), each in constant time: timing tells nothing
    matches = [hmac.compare_digest(expected, candidate.encode("utf-8")) for candidate in signatures]
    return any(matches)


def _parse(header: str) -> tuple[int | None, list[str]]:
    """``t`` and every ``v1`` of a signature header; ``t`` None when missing, repeated or not digits."""
    pairs = [item.strip().partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in pairs if key == "t"]
    signatures = [value for key, _, value in pairs if key == "v1"]
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()):
        return None, signatures
    return int(stamps[0]), signatures

