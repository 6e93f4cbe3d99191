"""make_app: one faust app (and so one consumer group) per worker role."""

from __future__ import annotations

from collections.abc import Callable

import faust

from pipeline.settings import Settings, topic
from schemas import Topic

ROLES = ("ingest", "indexer", "alerts", "notifier")


def make_app(settings: Settings, role: str) -> faust.App:
    """A faust app for one role, with that role's agents registered."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    app_id = f"{settings.kafka.topic_prefix}{settings.worker.app_id}-{role}"
    if role == "notifier" and settings.notify.dry_run:
        app_id += "-dry-run"  # its own consumer group: a dry run must not mark alerts as handled for the real one
    app = faust.App(
        app_id,
        broker=[f"kafka://{server.strip()}" for server in settings.kafka.bootstrap_servers.split(",")],
        datadir=str(settings.worker.data_dir),
        web_enabled=False,
        # Our code decodes bytes itself so that no bad record can escape the loop.
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        broker_commit_interval=settings.worker.commit_interval_s,
        broker_session_timeout=settings.worker.session_timeout_s,
        broker_heartbeat_interval=settings.worker.session_timeout_s / 10,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
    )
    _REGISTER[role](app, settings)
    return app


def raw_topic(app: faust.App, settings: Settings, base: Topic) -> faust.TopicT:
    """A faust topic of raw bytes for one of Luister's topics."""
    return app.topic(topic(settings, base), key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


def _register_ingest(app: faust.App, settings: Settings) -> None:
    from pipeline.agents.ingest import register

    register(app, settings)


def _register_indexer(app: faust.App, settings: Settings) -> None:
    from pipeline.sinks.indexer import register

    register(app, settings)


def _register_alerts(app: faust.App, settings: Settings) -> None:
    from pipeline.agents.alerts import register

    register(app, settings)


def _register_notifier(app: faust.App, settings: Settings) -> None:
    from pipeline.sinks.notifier import register

    register(app, settings)


_REGISTER: dict[str, Callable[[faust.App, Settings], None]] = {
    "ingest": _register_ingest,
    "indexer": _register_indexer,
    "alerts": _register_alerts,
    "notifier": _register_notifier,
}
