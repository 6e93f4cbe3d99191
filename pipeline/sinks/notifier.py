"""Role 'notifier': alerts -> Slack incoming webhooks and signed generic webhooks.

Never lost: a destination that is down or rate-limits (429 Retry-After) is retried with back-off, and
the batch's offsets are not acked meanwhile, so the alert waits in Kafka and a restart resumes it.
Never doubled: each (destination, alert id) delivered is recorded in a sqlite file under the data dir
right after the destination accepted it, and skipped when it comes again (a redelivered batch, the alerts
worker sending an id twice). The one gap is a crash between the destination's 200 and that write: Slack's
incoming webhooks take no idempotency key, so that alert would be posted twice. Generic webhooks get
the alert id in a header and can de-duplicate themselves.

A destination that refuses an alert for good (400 invalid_payload, 404 no_service, 410
channel_is_archived) cannot take it however often we try: the alert goes to the dead-letter topic with
the destination's answer, and delivery goes on. Webhook URLs are secrets: logs name a destination by
kind and a digest of its URL, never by the URL.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime

import faust
import httpx
import structlog
from pydantic import SecretStr, ValidationError

from pipeline.app import raw_topic
from pipeline.dead_letter import dead_letter_of
from pipeline.dedupe_store import SqliteStore
from pipeline.delivery import send_all, unfinished_batch_is_a_crash
from pipeline.notify.send import Destination, Refused, deliver, request
from pipeline.observability import count
from pipeline.settings import NotifySettings, Settings, topic
from processors.relevance.monitors import load_monitors
from schemas import Alert, DeadReason, Topic

STAGE = "notify"
log = structlog.get_logger("luister.notifier")


def destinations(conf: NotifySettings) -> list[Destination]:
    """The configured destinations, each named by its kind and a digest of its URL: a stable name for
    logs and for the record of what was delivered where, which reveals nothing of the URL."""
    def name(kind: str, url: str) -> str:
        return f"{kind}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"

    slack = [Destination(name("slack", u.get_secret_value()), "slack", u, None) for u in conf.slack]
    hooks = [Destination(name("webhook", w.url.get_secret_value()), "webhook", w.url, w.secret)
             for w in conf.webhooks]
    if conf.dry_run and not slack + hooks:  # a dry run shows what Slack would get even before one is set up
        return [Destination("slack-dry-run", "slack", SecretStr("https://hooks.slack.com/services/dry/run"))]
    return slack + hooks


def register(app: faust.App, settings: Settings) -> None:
    """Attach the notifier agent to the app."""
    conf = settings.notify
    source = raw_topic(app, settings, Topic.ALERTS)
    dead = raw_topic(app, settings, Topic.DEAD)
    targets = destinations(conf)
    path = settings.relevance.monitors_file
    names = {m.id: m.name for m in load_monitors(path.read_text(encoding="utf-8"), str(path))}
    delivered = SqliteStore(settings.worker.data_dir / f"{app.conf.id}-delivered.sqlite")
    client = httpx.AsyncClient(timeout=conf.timeout_s)
    if not targets:
        log.warning("no_destinations", hint="set LUISTER_NOTIFY__SLACK or LUISTER_NOTIFY__WEBHOOKS")

    def dead_letter(event: faust.EventT, reason: DeadReason, error: str) -> tuple[faust.TopicT, bytes | None, bytes]:
        letter = dead_letter_of(event, stage=STAGE, reason=reason, error=error, topic=topic(settings, Topic.ALERTS),
                                worker=app.conf.id, keep_bytes=settings.worker.dead_letter_payload_bytes)
        log.error("dead_letter", stage=STAGE, reason=reason.value, error=error[:300])
        return (dead, event.key, letter.to_bytes())

    async def notify_one(alert: Alert, target: Destination) -> str | None:
        """Deliver ``alert`` to ``target`` unless it was; the refusal's reason when it never can be."""
        key = f"{target.name}:{alert.alert_id}"
        if key in delivered:
            count(STAGE, "already_delivered")
            return None
        monitor_name = names.get(alert.monitor_id, alert.monitor_id)
        report_url = conf.report_url.replace("{monitor}", alert.monitor_id) if conf.report_url else None

        def make_request() -> tuple[bytes, dict[str, str]]:
            return request(target, alert, monitor_name=monitor_name, report_url=report_url, now=datetime.now(UTC))

        if conf.dry_run:
            body, _ = make_request()
            print(json.dumps({"destination": target.name, "alert_id": alert.alert_id,
                              "payload": json.loads(body)}, ensure_ascii=False, indent=2), file=sys.stdout, flush=True)
            return None
        outcome = await deliver(client, target, make_request, initial_s=conf.retry_initial_s, max_s=conf.retry_max_s)
        if isinstance(outcome, Refused):
            count(STAGE, "refused")
            return f"{target.name} refused alert {alert.alert_id}: {outcome.reason}"
        delivered[key] = datetime.now(UTC).isoformat()
        delivered.commit()
        count(STAGE, "delivered")
        log.info("delivered", destination=target.name, alert_id=alert.alert_id)
        return None

    @app.agent(source, concurrency=1)  # >1 can commit past unprocessed records (faust-streaming #606)
    async def notify(stream: faust.StreamT) -> None:
        async for events in stream.take_events(50, within=0.05):
            letters = []
            async with unfinished_batch_is_a_crash(STAGE):
                for event in events:
                    try:
                        alert = Alert.model_validate_json(event.value)
                    except (ValidationError, ValueError, TypeError) as exc:
                        letters.append(dead_letter(event, DeadReason.INVALID_SCHEMA, f"invalid Alert: {exc}"))
                        continue
                    for target in targets:
                        refusal = await notify_one(alert, target)
                        if refusal:
                            letters.append(dead_letter(event, DeadReason.REFUSED_BY_RECEIVER, refusal))
                await send_all(letters)
