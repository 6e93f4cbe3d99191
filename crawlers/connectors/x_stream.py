"""X (Twitter) API v2 filtered stream.

- Endpoint: `GET /2/tweets/search/stream` (X API v2), Bearer (app-only) auth, with the same
  `tweet.fields`, `expansions` and `user.fields` as recent search (`x.py`), so a streamed
  tweet maps to exactly the RawPost a polled one does (`XConnector.to_raw_post`).
- Wire format: chunked newline-delimited JSON, one tweet per line:
  `{"data": {tweet}, "includes": {"users": [...]}, "matching_rules": [{"id", "tag"}]}`;
  a blank line (`\\r\\n`) every ~20 s as keep-alive; a line with only `errors`
  (e.g. `operational-disconnect`) means X ends the stream: reconnect. A line with `data` and
  `errors` (a partial error, e.g. a withheld author) is still a tweet.
- Rules: what the stream delivers is decided by the app's rules
  (`GET/POST /2/tweets/search/stream/rules`). `prepare()` makes them equal to the query:
  rules with another value are deleted (`{"delete": {"ids": [...]}}`), the query is added
  (`{"add": [{"value": query, "tag": "luister"}]}`) when missing; nothing is sent when
  they already match, so a restart changes nothing. One app has one rule set and (on
  Basic/Pro) one stream connection: run one `connect x --stream` per app.
- Rate limits: rules endpoints 450 requests / 15 min, stream connects 50 / 15 min; a 429 on
  connect waits for `x-rate-limit-reset` (or backs off from 1 minute, doubling).
- Delivery: at-least-once, with gaps closed by a recent-search round on every connect (see
  `stream_runner.py`); the cursor (`since_id`) is shared with `connect x`.
"""

from __future__ import annotations

import json
from typing import Any

from crawlers.connectors.base import FetchError, Status
from crawlers.connectors.stream import Event, LineParser, StreamConnector, StreamEvent
from crawlers.connectors.x import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, XConnector, join_users, users_by_id

STREAM_PATH = "/2/tweets/search/stream"
RULES_PATH = "/2/tweets/search/stream/rules"
RULE_TAG = "luister"  # comes back in each tweet's matching_rules; shows where a rule came from in X's console
MAX_RULES = 1000  # one page of rules: X's largest rule allowance (Pro) fits


class XStreamConnector(StreamConnector):
    """X API v2 filtered stream for one query (one rule)."""

    name = "x"
    poller_class = XConnector

    def prepare(self) -> None:
        """Make the app's stream rules equal to [query]: delete the others, add it when missing."""
        data = self.poller.api.get(RULES_PATH, {"max_results": MAX_RULES}).data
        rules = data.get("data") if isinstance(data, dict) else None
        if rules is None and not (isinstance(data, dict) and isinstance(data.get("meta"), dict)):
            raise FetchError(Status.BAD_PAYLOAD, "stream rules response has neither 'data' nor 'meta'")
        rules = [r for r in rules or [] if isinstance(r, dict)]
        stale = [str(r["id"]) for r in rules if r.get("value") != self.query and "id" in r]
        if stale:
            self.poller.api.post(RULES_PATH, {"delete": {"ids": stale}})
        if not any(r.get("value") == self.query for r in rules):
            added = self.poller.api.post(RULES_PATH, {"add": [{"value": self.query, "tag": RULE_TAG}]}).data
            _check_added(added)

    def request(self) -> tuple[str, dict[str, str]]:
        return STREAM_PATH, {"tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS}

    def parser(self) -> LineParser:
        return XLineParser()


class XLineParser:
    """One line of the filtered stream → one event (the format has no multi-line records)."""

    def feed(self, line: str) -> list[StreamEvent]:
        if not line.strip():
            return [StreamEvent(Event.HEARTBEAT)]
        try:
            obj = json.loads(line)
        except ValueError:
            return [StreamEvent(Event.BAD_PAYLOAD, detail="line is not JSON")]
        if not isinstance(obj, dict):
            return [StreamEvent(Event.BAD_PAYLOAD, detail="line is not a JSON object")]
        tweet = obj.get("data")
        if isinstance(tweet, dict):
            includes = obj.get("includes")
            users = includes.get("users") if isinstance(includes, dict) else None
            by_id = users_by_id(users if isinstance(users, list) else [])
            return [StreamEvent(Event.POST, item=join_users([tweet], by_id)[0])]
        if isinstance(obj.get("errors"), list):
            return [StreamEvent(Event.ERROR, detail=_error_title(obj["errors"]))]
        return [StreamEvent(Event.BAD_PAYLOAD, detail="line has neither 'data' nor 'errors'")]


def _error_title(errors: list[Any]) -> str:
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    # X's titles and disconnect types are a fixed vocabulary ("operational-disconnect", "ConnectionException")
    return str(first.get("title") or first.get("disconnect_type") or "unknown")[:80]


def _check_added(data: Any) -> None:
    """X answers an invalid rule with `errors` next to `meta.summary.invalid`; a duplicate is fine."""
    errors = data.get("errors") if isinstance(data, dict) else None
    refused = [e for e in errors or [] if isinstance(e, dict) and e.get("title") != "DuplicateRule"]
    if refused:
        raise FetchError(Status.HTTP_ERROR, f"X refused the stream rule ({_error_title(refused)})")
