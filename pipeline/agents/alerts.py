"""Role 'alerts': posts.enriched -> the monitors' rules -> alerts.

Wiring only: every decision is in processors/alerts/engine.py. This module keeps each rule's state and
the offsets it has applied in one sqlite file (see pipeline/dedupe_store.py for why not a faust table),
and orders the effects of a batch so that nothing is lost or doubled:

1. posts at offsets already applied are skipped (a redelivery after a crash is not counted twice);
2. the rules' new states and the batch's offsets are written, uncommitted;
3. the alerts are sent and Kafka acknowledges them;
4. only then the sqlite transaction commits, and only after that faust may commit the offsets.

A crash before 4 rolls the states back and the batch comes again: the same alert ids are sent again, and
the notifier delivers each id once. A crash after 4 skips the batch's posts. The timer that checks the
unanswered rule shares one lock with the agent, so neither commits the other's unfinished batch.

The worker sees every partition's posts: it runs as a single instance (spike rules count all of a
monitor's posts). Posts.enriched records that are not valid posts are skipped here; the indexer
dead-letters them.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import faust
import structlog
from pydantic import ValidationError

from pipeline.app import raw_topic
from pipeline.dedupe_store import SqliteStore
from pipeline.delivery import send_all, unfinished_batch_is_a_crash
from pipeline.observability import count
from pipeline.settings import Settings, topic
from processors.alerts import Rule
from processors.alerts.engine import RuleState, observe, release, tick
from processors.relevance.monitors import Monitor, load_monitors
from schemas import Alert, EnrichedPost, Topic

STAGE = "alerts"
log = structlog.get_logger("luister.alerts")


class RuleStates:
    """Each (monitor, rule)'s RuleState in the sqlite store, read once per batch and written back.

    A rule's key carries a digest of its config: a rule changed in the monitors file starts afresh
    rather than comparing new thresholds with counts made under the old ones.
    """

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._cache: dict[str, RuleState] = {}

    def get(self, monitor: Monitor, rule: Rule) -> RuleState:
        key = _key(monitor, rule)
        if key not in self._cache:
            raw = self._store.get(key)
            self._cache[key] = RuleState() if raw is None else RuleState.model_validate_json(raw)
        return self._cache[key]

    def put(self, monitor: Monitor, rule: Rule, state: RuleState) -> None:
        key = _key(monitor, rule)
        if self._cache.get(key) is not state:
            self._cache[key] = state
            self._store[key] = state.model_dump_json()

    def applied(self, source: str, partition: int) -> int:
        """The last offset of ``partition`` whose effects are in the store (-1: none)."""
        return int(self._store.get(f"offset:{source}:{partition}", "-1"))

    def mark(self, source: str, partition: int, offset: int) -> None:
        self._store[f"offset:{source}:{partition}"] = str(offset)

    def commit(self) -> None:
        self._store.commit()

    def rollback(self) -> None:
        """Forget uncommitted writes (a failed batch): the cache too, so the store is read again."""
        self._store.rollback()
        self._cache.clear()


def _key(monitor: Monitor, rule: Rule) -> str:
    digest = hashlib.sha256(rule.model_dump_json().encode("utf-8")).hexdigest()[:12]
    return f"rule:{monitor.id}:{rule.id}:{digest}"


def run_rules(posts: Iterable[EnrichedPost], monitors: dict[str, Monitor], states: RuleStates, now: datetime
          ) -> list[Alert]:
    """Run every rule of each post's monitors over ``posts`` (one batch) and return the alerts to publish."""
    candidates: dict[tuple[str, str], list[Alert]] = {}
    for post in posts:
        for monitor_id in post.monitors:
            monitor = monitors.get(monitor_id)
            for rule in monitor.rules if monitor else ():
                try:
                    found, state = observe(rule, monitor, states.get(monitor, rule), post, now)
                except Exception:  # a bug in a rule must not stop alerting: this post is skipped for this rule
                    log.exception("rule_error", monitor=monitor_id, rule=rule.id, post_id=post.post_id)
                    count(STAGE, "invalid")
                    continue
                states.put(monitor, rule, state)
                candidates.setdefault((monitor_id, rule.id), []).extend(found)
    return _release(monitors, states, candidates)


def check_time(monitors: dict[str, Monitor], states: RuleStates, now: datetime) -> list[Alert]:
    """The time-driven part of every rule (unanswered posts past their SLA); the alerts to publish."""
    candidates: dict[tuple[str, str], list[Alert]] = {}
    for monitor in monitors.values():
        for rule in monitor.rules:
            found, state = tick(rule, monitor, states.get(monitor, rule), now)
            states.put(monitor, rule, state)
            candidates[(monitor.id, rule.id)] = found
    return _release(monitors, states, candidates)


def _release(monitors: dict[str, Monitor], states: RuleStates, candidates: dict[tuple[str, str], list[Alert]]
             ) -> list[Alert]:
    published: list[Alert] = []
    for (monitor_id, rule_id), found in candidates.items():
        monitor = monitors[monitor_id]
        rule = next(r for r in monitor.rules if r.id == rule_id)
        alerts, state = release(rule, states.get(monitor, rule), found)
        states.put(monitor, rule, state)
        published += alerts
        count(STAGE, "suppressed", len({a.alert_id for a in found}) - len(alerts))
    return published


def judging_time(wall: datetime, newest: datetime | None, quiet: bool) -> datetime | None:
    """The time the unanswered rule judges waits by: the stream's time (the newest ``published_at`` seen)
    while posts flow, the wall clock once the stream has been quiet; None before any post.

    While a backlog is worked off (a replay, a connector catching up, this worker restarted after an
    outage) the wall clock is far ahead of the posts: judged by it, every question in the backlog would
    be overdue before its reply, a few batches later, is seen. The stream's time waits for the reply;
    the wall clock, once the stream is quiet, still catches a question nobody answers at night.
    """
    if quiet:
        return wall
    return None if newest is None else min(wall, newest)


class StreamClock:
    """The newest ``published_at`` the worker has seen and when it last saw a post: ``judging_time``'s inputs."""

    def __init__(self, quiet_s: float) -> None:
        self._quiet_s = quiet_s
        self._newest: datetime | None = None
        self._last_post = time.monotonic()

    def saw(self, posts: list[EnrichedPost]) -> None:
        if posts:
            newest = max(post.published_at for post in posts)
            self._newest = newest if self._newest is None else max(self._newest, newest)
            self._last_post = time.monotonic()

    def judging_time(self) -> datetime | None:
        quiet = time.monotonic() - self._last_post >= self._quiet_s
        return judging_time(datetime.now(UTC), self._newest, quiet)


def decode(events: Iterable[faust.EventT]) -> list[EnrichedPost]:
    """The batch's valid posts; an invalid record is logged and skipped (the indexer dead-letters it)."""
    posts = []
    for event in events:
        try:
            posts.append(EnrichedPost.model_validate_json(event.value))
        except (ValidationError, ValueError, TypeError) as exc:
            log.warning("invalid_post_skipped", offset=event.message.offset, error=str(exc)[:300])
            count(STAGE, "invalid")
    return posts


def register(app: faust.App, settings: Settings) -> None:
    """Attach the alerts agent and its timer to the app."""
    source = raw_topic(app, settings, Topic.ENRICHED)
    alerts_topic = raw_topic(app, settings, Topic.ALERTS)
    source_name = topic(settings, Topic.ENRICHED)
    path = settings.relevance.monitors_file
    monitors = {m.id: m for m in load_monitors(path.read_text(encoding="utf-8"), str(path)) if m.rules}
    states = RuleStates(SqliteStore(settings.worker.data_dir / f"{app.conf.id}-state.sqlite"))
    lock = asyncio.Lock()  # one batch or tick at a time: each commits only its own writes
    conf = settings.alerts

    async def publish(alerts: list[Alert]) -> None:
        """Send the alerts, wait for Kafka, then make the batch's state durable."""
        try:
            await send_all([(alerts_topic, a.monitor_id.encode("utf-8"), a.to_bytes()) for a in alerts])
        except BaseException:
            states.rollback()
            raise
        states.commit()
        for alert in alerts:
            log.info("alert", alert_id=alert.alert_id, rule_type=alert.rule_type, count=alert.count)
        count(STAGE, "published", len(alerts))

    clock = StreamClock(conf.quiet_s)

    @app.timer(interval=conf.tick_s)
    async def check_unanswered() -> None:
        at = clock.judging_time()
        if at is None:
            return
        async with lock, unfinished_batch_is_a_crash(STAGE):
            fired = datetime.now(UTC)  # `at` may be the stream's time; an alert's created_at is when it fired
            await publish([a.model_copy(update={"created_at": fired}) for a in check_time(monitors, states, at)])

    @app.agent(source, concurrency=1)  # >1 can commit past unprocessed records (faust-streaming #606)
    async def judge_posts(stream: faust.StreamT) -> None:
        async for events in stream.take_events(conf.batch_size, within=conf.batch_window_s):
            async with lock, unfinished_batch_is_a_crash(STAGE):
                fresh = [e for e in events if e.message.offset > states.applied(source_name, e.message.partition)]
                posts = decode(fresh)
                alerts = run_rules(posts, monitors, states, datetime.now(UTC))
                for event in fresh:
                    states.mark(source_name, event.message.partition, event.message.offset)
                await publish(alerts)
            count(STAGE, "replayed", len(events) - len(fresh))
            clock.saw(posts)
