"""Push-channel payloads to RawPosts: pure functions behind the webhook receiver (`webhook.py`).

A delivery (one HTTP request) holds events: messages, and things that are not messages
(delivery statuses, read receipts, echoes of our own replies). `map_meta` and `map_chat`
turn a parsed body into a `Mapped`: the RawPosts to publish plus every other event as a
`Skipped` with an outcome (`ignored` or `bad_payload`) and a kind from a fixed vocabulary.
They raise `PayloadError` only when the body as a whole has the wrong shape (→ 400); one
event that cannot be mapped is skipped and counted, never fatal.

Mapping decisions (the same for every push channel):

- These are direct messages to the brand, so `addressed` is always the brand's account
  (WhatsApp: the business phone number; Messenger: the page id; chat: `to`, when given).
- `conversation_id` is the customer's id (wa_id, page-scoped id PSID, or the chat's own
  conversation id): one customer, one thread. Customer ids are personal data; they are
  kept as `author.id` because webcare must answer the right person, and erasure works by author.
- A message without text (a photo, voice note, sticker, location, reaction) is ignored as
  `no_text`: a placeholder like "[afbeelding]" would be searched, matched and classified as
  if the customer wrote it. A photo or video *with a caption* is a post with the caption as text.
  (A RawPost field for attachments would let webcare see "sent a photo"; not in the schema yet.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from schemas import Author, Channel, RawPost, make_post_id


class Outcome(StrEnum):
    """What became of an event or a request. The only values in logs, responses and metrics."""

    PUBLISHED = "published"
    IGNORED = "ignored"
    BAD_SIGNATURE = "bad_signature"
    BAD_PAYLOAD = "bad_payload"
    PUBLISH_FAILED = "publish_failed"


class Kind(StrEnum):
    """Why an event was skipped (log field only; never taken from the payload)."""

    STATUS = "status"  # WhatsApp sent/delivered/read/failed of our own messages
    ERRORS = "errors"  # WhatsApp out-of-band errors about the business account
    ECHO = "echo"  # Messenger: a message the page itself sent
    RECEIPT = "receipt"  # Messenger delivery and read receipts
    NO_TEXT = "no_text"  # media without caption, stickers, locations, reactions, …
    OTHER_FIELD = "other_field"  # a subscription field that carries no customer messages
    OTHER_EVENT = "other_event"  # Messenger optins, referrals, handover, …
    UNSUPPORTED_OBJECT = "unsupported_object"  # an `object` we do not map (e.g. instagram)
    UNMAPPABLE = "unmappable"  # a message whose fields are missing or malformed


class PayloadError(ValueError):
    """The body parsed as JSON but is not a delivery of this route (top-level shape wrong).
    Raised by `map_meta`/`map_chat`; the receiver answers 400 and publishes nothing."""


@dataclass(frozen=True)
class Skipped:
    """An event that produced no post: `outcome` is `ignored` (by design) or `bad_payload`."""

    outcome: Outcome
    kind: Kind
    event_id: str | None = None


@dataclass
class Mapped:
    """Everything one delivery contained: posts to publish, in payload order, and the rest."""

    posts: list[RawPost] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def ignore(self, kind: Kind, event_id: object = None) -> None:
        self.skipped.append(Skipped(Outcome.IGNORED, kind, _str_or_none(event_id)))

    def add(self, event_id: object, build: Callable[[], RawPost | None]) -> None:
        """Add the post `build()` makes; None means a message without text. An event whose
        fields are missing or malformed is recorded as bad_payload and the delivery goes on."""
        try:
            post = build()
        except (ValidationError, ValueError, KeyError, TypeError, AttributeError):
            self.skipped.append(Skipped(Outcome.BAD_PAYLOAD, Kind.UNMAPPABLE, _str_or_none(event_id)))
            return
        if post is None:
            self.ignore(Kind.NO_TEXT, event_id)
        else:
            self.posts.append(post)


# ---------------------------------------------------------------- Meta (WhatsApp, Messenger)


def map_meta(payload: Any, received_at: datetime) -> Mapped:
    """A Meta webhook delivery: `object` 'whatsapp_business_account' (WhatsApp Business
    Cloud API) or 'page' (Messenger Platform). Raises PayloadError when `object` or `entry`
    is missing; an `object` we do not map is one bad_payload event."""
    if not isinstance(payload, dict) or not isinstance(payload.get("object"), str):
        raise PayloadError("expected a JSON object with an 'object' string")
    entries = payload.get("entry")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PayloadError("'entry' must be a list of objects")
    mapped = Mapped()
    map_entry = {"whatsapp_business_account": _map_whatsapp_entry, "page": _map_messenger_entry}.get(payload["object"])
    if map_entry is None:
        mapped.skipped.append(Skipped(Outcome.BAD_PAYLOAD, Kind.UNSUPPORTED_OBJECT))
        return mapped
    for entry in entries:
        try:
            map_entry(entry, received_at, mapped)
        except (KeyError, TypeError, AttributeError):  # a malformed entry is one bad event, not a bad delivery
            mapped.skipped.append(Skipped(Outcome.BAD_PAYLOAD, Kind.UNMAPPABLE, _str_or_none(entry.get("id"))))
    return mapped


def _map_whatsapp_entry(entry: dict, received_at: datetime, mapped: Mapped) -> None:
    for change in _dicts(entry.get("changes")):
        value = change.get("value")
        if change.get("field") != "messages" or not isinstance(value, dict):
            mapped.ignore(Kind.OTHER_FIELD)
            continue
        for status in _dicts(value.get("statuses")):
            mapped.ignore(Kind.STATUS, status.get("id"))
        for _error in _dicts(value.get("errors")):
            mapped.ignore(Kind.ERRORS)
        for message in _dicts(value.get("messages")):
            mapped.add(message.get("id"), lambda message=message: _whatsapp_post(message, value, received_at))


def _whatsapp_post(message: dict, value: dict, received_at: datetime) -> RawPost | None:
    text = _whatsapp_text(message)
    if text is None:
        return None
    customer = _id(message["from"])
    names = {c["wa_id"]: (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
    context = message.get("context") or {}
    metadata = value["metadata"]
    business = metadata.get("display_phone_number") or metadata["phone_number_id"]
    return RawPost(
        source="whatsapp",
        external_id=_id(message["id"]),
        channel=Channel.WHATSAPP,
        author=Author(id=customer, display_name=names.get(customer)),
        text=text,
        published_at=_from_epoch(int(message["timestamp"])),
        fetched_at=received_at,
        in_reply_to=make_post_id("whatsapp", _id(context["id"])) if context.get("id") else None,
        conversation_id=customer,
        addressed=[_id(business)],
    )


def _whatsapp_text(message: dict) -> str | None:
    """The words the customer sent: a text body, the title of a tapped button or list row,
    or the caption of a photo, video or document. None for anything else."""
    kind = message["type"]
    if kind == "text":
        return _text(message["text"]["body"])
    if kind == "interactive":  # a reply to our interactive message: button_reply or list_reply
        reply = message["interactive"]
        if reply.get("type") in ("button_reply", "list_reply"):
            return _text(reply[reply["type"]]["title"])
        return None
    if kind == "button":  # a quick-reply button of a template message
        return _text(message["button"]["text"])
    if kind in ("image", "video", "document"):
        caption = (message.get(kind) or {}).get("caption")
        return _text(caption) if caption else None
    return None


def _map_messenger_entry(entry: dict, received_at: datetime, mapped: Mapped) -> None:
    if "changes" in entry:  # page feed subscriptions (comments, posts) are not messages
        mapped.ignore(Kind.OTHER_FIELD)
    for _event in _dicts(entry.get("standby")):  # another app owns the thread (handover protocol)
        mapped.ignore(Kind.OTHER_EVENT)
    for event in _dicts(entry.get("messaging")):
        message, postback = event.get("message"), event.get("postback")
        if isinstance(message, dict):
            if message.get("is_echo"):
                mapped.ignore(Kind.ECHO, message.get("mid"))
            else:
                mapped.add(message.get("mid"), lambda event=event: _messenger_post(event, received_at))
        elif isinstance(postback, dict) and postback.get("mid"):
            mapped.add(postback.get("mid"), lambda event=event: _messenger_post(event, received_at))
        elif "delivery" in event or "read" in event:
            mapped.ignore(Kind.RECEIPT)
        elif "reaction" in event:
            mapped.ignore(Kind.NO_TEXT, (event["reaction"] or {}).get("mid"))
        else:
            mapped.ignore(Kind.OTHER_EVENT)


def _messenger_post(event: dict, received_at: datetime) -> RawPost | None:
    """A message (its text; a quick reply's text is the tapped title) or a postback (the
    tapped button's title). Attachments without text are None."""
    if "message" in event:
        body = event["message"]
        text = body.get("text")
        reply_to = (body.get("reply_to") or {}).get("mid")
    else:
        body = event["postback"]
        text = body["title"]
        reply_to = None
    if text is None:
        return None
    customer = _id(event["sender"]["id"])
    return RawPost(
        source="messenger",
        external_id=_id(body["mid"]),
        channel=Channel.MESSENGER,
        author=Author(id=customer),  # the webhook carries no name; the User Profile API would
        text=_text(text),
        published_at=_from_epoch(int(event["timestamp"]) / 1000),  # milliseconds
        fetched_at=received_at,
        in_reply_to=make_post_id("messenger", _id(reply_to)) if reply_to else None,
        conversation_id=customer,
        addressed=[_id(event["recipient"]["id"])],
    )


# ---------------------------------------------------------------- generic live chat


def map_chat(vendor: str, payload: Any, received_at: datetime) -> Mapped:
    """A live-chat delivery: one message object or a list of them (see docs/how_to_add_a_connector.md):

        {"id": "c-1001", "conversation_id": "gesprek-77", "author": {"id": "bezoeker-42", "name": "Sanne"},
         "text": "…", "sent_at": "2026-11-25T10:15:00+01:00", "in_reply_to": "c-1000", "to": "bestelbaas"}

    `in_reply_to` and `to` (the brand account or chat widget) are optional; `sent_at` must
    carry a time zone. Source is 'chat.<vendor>'. Raises PayloadError for any other JSON value.
    """
    messages = payload if isinstance(payload, list) else [payload]
    if not messages or not all(isinstance(m, dict) for m in messages):
        raise PayloadError("expected a message object or a non-empty list of message objects")
    mapped = Mapped()
    for message in messages:
        mapped.add(message.get("id"), lambda message=message: _chat_post(vendor, message, received_at))
    return mapped


def _chat_post(vendor: str, message: dict, received_at: datetime) -> RawPost:
    source = f"chat.{vendor}"
    author = message["author"]
    reply_to = message.get("in_reply_to")
    return RawPost(
        source=source,
        external_id=_id(message["id"]),
        channel=Channel.CHAT,
        author=Author(id=_id(author["id"]), display_name=author.get("name")),
        text=_text(message["text"]),
        published_at=message["sent_at"],
        fetched_at=received_at,
        in_reply_to=make_post_id(source, _id(reply_to)) if reply_to is not None else None,
        conversation_id=_id(message["conversation_id"]),
        addressed=[_id(message["to"])] if message.get("to") is not None else [],
    )


# ---------------------------------------------------------------- helpers


def _dicts(value: object) -> Iterable[dict]:
    """The objects of a list field; a missing field is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"expected a list, got {type(value).__name__}")
    return [v for v in value if isinstance(v, dict)]


def _id(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise TypeError("an id must be a non-empty string or an integer")
    return str(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("text must be a string")
    return value


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
