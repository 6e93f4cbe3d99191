"""The RSS/Atom feed poller: conditional GET with httpx, parsing with feedparser,
one RawPost per new entry, per-feed schedule and backoff, state in sqlite.

Modules: ``config`` (the feeds YAML), ``mapping`` (bytes -> entries -> RawPost, pure),
``state`` (what the poller remembers across restarts), ``poller`` (fetch, schedule,
publish), ``cli`` (``luister poll``).
"""
