"""Owned accounts: posts to and from the brand's own accounts, and proactive webcare.

Posts the brand's accounts write or receive belong to its monitor whatever they
say. And a stranded traveller who tweets about the railway without tagging its account
will not get an answer unless webcare finds the post itself. Such a post is
*proactive* for a monitor it matches when it is not written by, addressed to,
or replying to one of that monitor's owned accounts.
"""

from __future__ import annotations

from collections.abc import Iterable

from processors.relevance.monitors import Monitor
from schemas import RawPost


def _handle(post: RawPost) -> str:
    return post.author.handle.lstrip("@").lower() if post.author and post.author.handle else ""


def owned_contact(post: RawPost, monitors: Iterable[Monitor]) -> list[str]:
    """Ids of the monitors one of whose owned accounts wrote the post or is addressed by it
    (replied to, sent a DM, commented on its page), compared case-insensitively.

    Such posts belong to the monitor whatever their text says: "Waar blijft mijn pakket?"
    sent to the brand never names it, and the brand's answers are what response times
    are measured from.
    """
    handle = _handle(post)
    reached = {h.lstrip("@").lower() for h in post.addressed}
    return [m.id for m in monitors if (handle and handle in m.owned_accounts) or reached & set(m.owned_accounts)]


def is_brand_post(post: RawPost, monitors: Iterable[Monitor]) -> bool:
    """True when one of these monitors' owned accounts wrote the post (compared case-insensitively)."""
    author = _handle(post)
    return bool(author) and any(author in m.owned_accounts for m in monitors)


def is_proactive(post: RawPost, matched: Iterable[Monitor]) -> bool:
    """True when, for at least one matched monitor, the post reaches none of its owned accounts.

    `addressed` already holds reply targets, DM recipients and tagged pages (each source
    fills it); handles are compared case-insensitively and without '@'. A post written by
    the brand's own account is never proactive.
    """
    author = _handle(post)
    reached = {h.lstrip("@").lower() for h in post.addressed}
    for monitor in matched:
        owned = set(monitor.owned_accounts)
        if author in owned:
            continue
        if not reached & owned:
            return True
    return False
