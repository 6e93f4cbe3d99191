"""Alerting end to end on real Kafka: rules in the stream, the alerts topic, Slack and a signed webhook.

The sample replays with a brand ('testmerk') that only the injected posts mention: a spike of posts in
one 15-minute window, a crisis word inside it, and two crisis posts in an earlier window. Exactly three
alerts are expected, worked out by hand below. They must reach the fake Slack and the webhook once each,
while Slack fails (503, 429 with Retry-After), the notifier is killed mid-way and Slack is down for a while.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer
from pydantic import SecretStr

from crawlers.publish import RawPublisher
from pipeline import progress
from pipeline.notify.slack import alert_message
from pipeline.notify.webhook import SIGNATURE_HEADER, verify
from pipeline.settings import Settings, WebhookTarget, topic
from pipeline.topics import ensure_topics
from schemas import Alert, Topic
from tests.fakes.fake_slack import FakeSlack
from tests.helpers import raw_post_dict
from tests.integration.workers import Worker, wait_until

pytestmark = pytest.mark.integration

SAMPLE = "deploy/local/sample/posts.jsonl"
MONITORS = """
monitors:
  - id: testmerk
    name: Testmerk <Webcare> & Co
    query: testmerk
    owned_accounts: [testmerk_helpt]
    rules:
      - {id: crisis, type: match, query: datalek, severity: critical}
      - {id: drukte, type: volume_spike, window_minutes: 15, baseline_windows: 4, factor: 3, min_count: 8}
"""
SPIKE_WINDOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
# Twelve different customers in one window (different words, so dedupe keeps each); the seventh names
# the crisis word. The volume rule fires at the eighth post: the baseline windows hold 2 posts, 2/4 x 3 < 8.
SPIKE_TEXTS = [
    "testmerk app start niet meer op mijn telefoon sinds vanochtend",
    "Kan iemand van testmerk uitleggen waarom mijn bestelling weg is?",
    "al een uur in de wachtrij bij testmerk, niemand neemt op",
    "testmerk site geeft foutmelding 500 bij afrekenen",
    "Heb ik weer: testmerk rekent twee keer verzendkosten",
    "mijn pakket van testmerk staat al drie dagen op 'onderweg'",
    "Lees net over een datalek bij testmerk, zijn mijn gegevens veilig?",
    "testmerk klantenservice chat hangt bij het inloggen",
    "Waarom krijg ik geen bevestigingsmail van testmerk?",
    "testmerk bezorger heeft mijn doos bij de buren van drie huizen verder gezet",
    "retourlabel van testmerk werkt niet in de printer",
    "kortingscode testmerk wordt niet geaccepteerd bij de kassa",
]
EARLY_CRISIS = [  # two posts, one 5-minute group window: one crisis alert
    (datetime(2026, 11, 24, 9, 21, tzinfo=UTC), "Datalek bij testmerk? Mijn wachtwoord stond op een lijst"),
    (datetime(2026, 11, 24, 9, 23, tzinfo=UTC), "ook mijn adres uit het testmerk datalek opgedoken, wat nu"),
]
EXPECTED = {
    "testmerk:drukte:2026-11-24T10:00:00+00:00",
    "testmerk:crisis:2026-11-24T10:05:00+00:00",  # the seventh spike post, at 10:06
    "testmerk:crisis:2026-11-24T09:20:00+00:00",
}


def injected() -> tuple[list[dict], list[dict]]:
    spike = [
        raw_post_dict(90_000 + i, text=text, addressed=[], published_at=(SPIKE_WINDOW + timedelta(minutes=i)).isoformat())
        for i, text in enumerate(SPIKE_TEXTS)
    ]
    early = [raw_post_dict(91_000 + i, text=text, addressed=[], published_at=at.isoformat())
             for i, (at, text) in enumerate(EARLY_CRISIS)]
    return early, spike


@pytest.fixture
def env(stack, settings, unique, tmp_path):
    name = unique("alerts")
    test_settings = settings.model_copy(deep=True)
    test_settings.kafka.topic_prefix = f"{name}."
    test_settings.worker.data_dir = tmp_path / "faust"
    test_settings.worker.session_timeout_s = 8.0
    # Offsets committed seldom: the notifier killed after a delivery surely gets that alert again.
    test_settings.worker.commit_interval_s = 10.0
    test_settings.classify.enabled = False  # the rules here need no labels; classify has its own tests
    test_settings.relevance.monitors_file = tmp_path / "monitors.yaml"
    test_settings.relevance.monitors_file.write_text(MONITORS, encoding="utf-8")
    test_settings.notify.retry_initial_s = 0.2
    test_settings.notify.retry_max_s = 1.0
    ensure_topics(test_settings)
    with FakeSlack() as fake:
        test_settings.notify.slack = [SecretStr(fake.url("/services/T0TEST/B0TEST/geheimgeheim"))]
        test_settings.notify.webhooks = [WebhookTarget(url=fake.url("/hooks/luister"), secret="s3cret-hook")]
        workers = {role: Worker(test_settings, role, tmp_path) for role in ("ingest", "alerts", "notifier")}
        yield test_settings, workers, fake
        for w in workers.values():
            w.stop()


def publish(settings: Settings, posts: list[dict]) -> None:
    with RawPublisher(settings) as publisher:
        for post in posts:
            key = post.get("post_id") or f"{post['source']}:{post['external_id']}"
            publisher.publish_bytes(key.encode(), json.dumps(post, ensure_ascii=False).encode())
    assert publisher.report.failed == 0, publisher.report.errors


def read_alerts(settings: Settings) -> list[Alert]:
    consumer = KafkaConsumer(topic(settings, Topic.ALERTS), bootstrap_servers=settings.kafka.bootstrap_servers,
                             auto_offset_reset="earliest", consumer_timeout_ms=2_000)
    try:
        return [Alert.model_validate_json(record.value) for record in consumer]
    finally:
        consumer.close()


def slack_ids(fake: FakeSlack) -> list[str]:
    return [block["elements"][0]["text"].removeprefix("alert_id: ")
            for r in fake.requests("/services/") for block in r.json["blocks"] if block["type"] == "context"]


def hook_ids(fake: FakeSlack) -> list[str]:
    return [json.loads(r.body)["alert"]["alert_id"] for r in fake.requests("/hooks/")]


def test_spike_and_crisis_alert_exactly_once_through_a_notifier_crash_and_a_slack_outage(env):
    settings, workers, fake = env
    fake.fail_next(503)
    fake.fail_next(429, retry_after=1)
    for w in workers.values():
        w.start()
    sample = [json.loads(line) for line in open(SAMPLE, "rb") if line.strip()]
    early, spike = injected()
    # The early posts first, and the spike only once they are judged: the spike's baseline is then known.
    publish(settings, sample[:150] + early)
    wait_until(lambda: any(a.rule_id == "crisis" for a in read_alerts(settings)), 120, "the early crisis alert",
               list(workers.values()))
    publish(settings, spike + sample[150:])

    everything = list(workers.values())
    wait_until(lambda: len(fake.requests("/services/")) >= 1, 120, "the first Slack message", everything)
    workers["notifier"].kill()  # a crash mid-way: no shutdown, no final commit
    fake.down()
    workers["notifier"].start()
    time.sleep(4)  # the restarted notifier meets a Slack that refuses connections
    fake.up()

    def all_delivered() -> bool:
        return set(slack_ids(fake)) == EXPECTED and set(hook_ids(fake)) == EXPECTED and \
            progress.lag(settings, "notifier", Topic.ALERTS) == 0 and progress.lag(settings, "alerts", Topic.ENRICHED) == 0

    wait_until(all_delivered, 180, "every alert delivered", everything)
    time.sleep(3)  # room for a late duplicate to show
    assert sorted(slack_ids(fake)) == sorted(EXPECTED)  # once each, across the crash
    assert sorted(hook_ids(fake)) == sorted(EXPECTED)

    published = {}
    for alert in read_alerts(settings):
        published.setdefault(alert.alert_id, alert)
    assert set(published) == EXPECTED
    spike = published["testmerk:drukte:2026-11-24T10:00:00+00:00"]
    # It fires at the eighth post; posts judged in the same batch still count in it.
    assert 8 <= spike.count <= len(SPIKE_TEXTS) and spike.baseline == pytest.approx(2 / 4)
    assert len(spike.evidence) == spike.count and [p.post_id for p in spike.posts] == spike.evidence
    assert {p.text for p in spike.posts} <= set(SPIKE_TEXTS)
    early = published["testmerk:crisis:2026-11-24T09:20:00+00:00"]
    assert {p.text for p in early.posts} <= {text for _, text in EARLY_CRISIS}

    for request in fake.requests("/services/"):  # exactly the payload the alert on the topic makes
        alert_id = next(b for b in request.json["blocks"] if b["type"] == "context")["elements"][0]["text"]
        alert = published[alert_id.removeprefix("alert_id: ")]
        assert request.json == alert_message(alert, monitor_name="Testmerk <Webcare> & Co")
    for request in fake.requests("/hooks/"):
        assert verify(request.body, request.headers[SIGNATURE_HEADER], "s3cret-hook", datetime.now(UTC))
    logs = "".join(w.log_text() for w in everything)
    assert "geheimgeheim" not in logs and "/hooks/luister" not in logs  # webhook URLs are secrets


def test_the_alerts_worker_killed_mid_spike_neither_loses_nor_counts_twice(env):
    settings, workers, fake = env
    # Offsets committed every 60 s: the worker killed below surely gets its posts again after the restart.
    settings.worker.commit_interval_s = 60.0
    for w in workers.values():
        w.start()
    early, spike = injected()
    publish(settings, early)
    wait_until(lambda: len(read_alerts(settings)) == 1, 120, "the early crisis alert", list(workers.values()))
    publish(settings, spike[:5])  # five of the eight the spike needs
    time.sleep(3)  # judged, and the state committed to sqlite; Kafka's offsets are not
    workers["alerts"].kill()
    workers["alerts"].start()
    publish(settings, spike[5:])
    wait_until(lambda: len(fake.requests("/services/")) == 3, 120, "three Slack messages", list(workers.values()))
    time.sleep(3)  # room for a late duplicate to show
    alerts = read_alerts(settings)
    assert sorted(a.alert_id for a in alerts) == sorted(EXPECTED)  # once each on the topic too
    spike_alert = next(a for a in alerts if a.rule_id == "drukte")
    # The redelivered five were skipped, not counted again: the count is of distinct posts.
    assert 8 <= spike_alert.count == len(set(spike_alert.evidence)) <= len(SPIKE_TEXTS)
    assert sorted(slack_ids(fake)) == sorted(EXPECTED)


def test_a_dry_run_prints_payloads_in_its_own_group_and_a_refusal_is_dead_lettered(env):
    settings, workers, fake = env
    dry = settings.model_copy(deep=True)
    dry.notify.dry_run = True
    dry_run = Worker(dry, "notifier", settings.worker.data_dir.parent / "dry")
    dry_run.log_dir.mkdir()
    fake.fail_next(404, body="no_service")  # the first alert's Slack message: a revoked webhook
    workers["ingest"].start()
    workers["alerts"].start()
    dry_run.start()
    try:
        early, _ = injected()
        publish(settings, early)
        wait_until(lambda: "testmerk:crisis:2026-11-24T09:20:00+00:00" in dry_run.log_text(), 120,
                   "the dry run's payload", [dry_run])
    finally:
        dry_run.stop()
    printed = dry_run.log_text()
    assert '"type": "header"' in printed and "geheimgeheim" not in printed
    assert fake.received == []  # nothing was sent

    workers["notifier"].start()  # the real notifier still has every alert: the dry run had its own group
    wait_until(lambda: len(fake.requests("/hooks/")) == 1, 60, "the webhook delivery", [workers["notifier"]])
    letters = progress.read_dead_letters(settings)
    assert [(letter.stage, letter.reason.value) for letter in letters] == [("notify", "refused_by_receiver")]
    assert "404 no_service" in letters[0].error and "geheimgeheim" not in letters[0].error
    refused = Alert.model_validate_json(base64.b64decode(letters[0].payload_b64))
    assert refused.alert_id == "testmerk:crisis:2026-11-24T09:20:00+00:00"


def test_a_record_on_the_alerts_topic_that_is_no_alert_is_dead_lettered_and_delivery_goes_on(env):
    settings, workers, fake = env
    alert = Alert(alert_id="testmerk:crisis:2026-11-24T09:20:00+00:00", monitor_id="testmerk", rule_id="crisis",
                  rule_type="match", severity="critical", window_start=datetime(2026, 11, 24, 9, 20, tzinfo=UTC),
                  window_end=datetime(2026, 11, 24, 9, 25, tzinfo=UTC), summary="1 post matched 'datalek'.",
                  count=1, evidence=["x:t1"], created_at=datetime.now(UTC))
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    for value in (b'{"alert_id": "half', alert.to_bytes()):
        producer.send(topic(settings, Topic.ALERTS), key=b"testmerk", value=value).get(timeout=30)
    producer.close()
    workers["notifier"].start()
    wait_until(lambda: len(fake.requests("/services/")) == 1, 60, "the valid alert in Slack", [workers["notifier"]])
    wait_until(lambda: len(progress.read_dead_letters(settings)) == 1, 30, "the dead letter", [workers["notifier"]])
    letter = progress.read_dead_letters(settings)[0]
    assert (letter.stage, letter.reason.value) == ("notify", "invalid_schema")
    assert base64.b64decode(letter.payload_b64) == b'{"alert_id": "half'
    assert slack_ids(fake) == [alert.alert_id]
