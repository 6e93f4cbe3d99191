"""The alerts and notifier workers' wiring without Kafka: rule states in sqlite, commit and rollback; destinations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr

from pipeline.agents import alerts as agent
from pipeline.agents.alerts import RuleStates, check_time, judging_time, run_rules
from pipeline.dedupe_store import SqliteStore
from pipeline.settings import NotifySettings, WebhookTarget
from pipeline.sinks.notifier import destinations
from processors.alerts import MatchRule, UnansweredRule, VolumeSpikeRule
from processors.relevance.monitors import Monitor
from tests.unit.alerts.posts import AT, NOW, post

CRISIS = MatchRule(id="crisis", query="datalek")
SPIKE = VolumeSpikeRule(id="drukte", min_count=2, factor=3)


def monitors(*rules) -> dict[str, Monitor]:
    return {"bestelbaas": Monitor(id="bestelbaas", name="Bestelbaas", query="bestelbaas", rules=list(rules))}


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "state.sqlite"


def test_a_committed_alert_is_not_published_again_after_a_restart(store_path):
    posts = [post(text="datalek bij bestelbaas")]
    states = RuleStates(SqliteStore(store_path))
    assert [a.rule_id for a in run_rules(posts, monitors(CRISIS), states, NOW)] == ["crisis"]
    states.commit()
    restarted = RuleStates(SqliteStore(store_path))
    assert run_rules(posts, monitors(CRISIS), restarted, NOW) == []


def test_a_rolled_back_batch_publishes_its_alert_again(store_path):
    posts = [post(text="datalek bij bestelbaas")]
    states = RuleStates(SqliteStore(store_path))
    first = run_rules(posts, monitors(CRISIS), states, NOW)
    states.rollback()  # Kafka never took the alert
    assert run_rules(posts, monitors(CRISIS), states, NOW) == first


def test_applied_offsets_are_kept_with_the_state(store_path):
    states = RuleStates(SqliteStore(store_path))
    assert states.applied("posts.enriched", 0) == -1
    states.mark("posts.enriched", 0, 41)
    states.commit()
    states.mark("posts.enriched", 0, 42)
    states.rollback()
    assert RuleStates(SqliteStore(store_path)).applied("posts.enriched", 0) == 41


def test_a_changed_rule_starts_with_empty_windows(store_path):
    states = RuleStates(SqliteStore(store_path))
    run_rules([post(at=AT)], monitors(SPIKE), states, NOW)
    states.commit()
    stricter = SPIKE.model_copy(update={"min_count": 3})
    restarted = RuleStates(SqliteStore(store_path))
    assert sum(t.count for t in restarted.get(monitors(SPIKE)["bestelbaas"], SPIKE).volume.values()) == 1
    assert restarted.get(monitors(stricter)["bestelbaas"], stricter).volume == {}


def test_a_rule_that_raises_skips_the_post_for_that_rule_only(store_path, monkeypatch):
    observe = agent.observe

    def broken_for_spikes(rule, *args):
        if rule.type == "volume_spike":
            raise RuntimeError("bug")
        return observe(rule, *args)

    monkeypatch.setattr(agent, "observe", broken_for_spikes)
    states = RuleStates(SqliteStore(store_path))
    posts = [post(text="datalek", at=AT + timedelta(seconds=i)) for i in range(3)]
    published = run_rules(posts, monitors(SPIKE, CRISIS), states, NOW)
    assert [a.rule_id for a in published] == ["crisis"]


def test_posts_of_monitors_without_rules_are_ignored(store_path):
    states = RuleStates(SqliteStore(store_path))
    other = post(text="datalek").model_copy(update={"monitors": ["spaarkist"]})
    assert run_rules([other], monitors(CRISIS), states, NOW) == []


def test_destinations_are_named_by_a_digest_of_their_url_and_a_dry_run_always_has_one():
    url = "https://hooks.slack.com/services/T1/B1/geheim"
    conf = NotifySettings(slack=[SecretStr(url)],
                          webhooks=[WebhookTarget(url=SecretStr("https://example.nl/hook"), secret="s")])
    names = [d.name for d in destinations(conf)]
    assert names[0].startswith("slack-") and names[1].startswith("webhook-") and len(set(names)) == 2
    assert all("geheim" not in n and "example" not in n for n in names)
    assert names == [d.name for d in destinations(conf)]  # stable: the delivered record's key
    assert destinations(NotifySettings()) == []
    assert [d.kind for d in destinations(NotifySettings(dry_run=True))] == ["slack"]


def test_unanswered_waits_are_judged_by_the_stream_while_it_flows_and_by_the_clock_once_quiet():
    wall = NOW + timedelta(days=10)  # working off a backlog ten days old
    assert judging_time(wall, None, quiet=False) is None  # nothing seen yet: no judgement
    assert judging_time(wall, NOW, quiet=False) == NOW
    assert judging_time(wall, NOW, quiet=True) == wall
    assert judging_time(NOW, NOW + timedelta(hours=1), quiet=False) == NOW  # a post from the future: the clock caps it


def test_a_question_answered_later_in_a_backlog_does_not_alert(store_path):
    rule = UnansweredRule(id="wachten", sla_minutes=60)
    brand = {"bestelbaas": Monitor(id="bestelbaas", name="B", query="bestelbaas", owned_accounts=["bestelbaas"],
                                   rules=[rule])}
    states = RuleStates(SqliteStore(store_path))
    question = post(intent="question", addressed=["bestelbaas"])
    run_rules([question], brand, states, NOW)
    states.commit()
    wall = AT + timedelta(days=10)
    assert len(check_time(brand, states, wall)) == 1  # by the wall clock it is overdue at once
    states.rollback()  # (that check never happened)
    assert list(states.get(brand["bestelbaas"], rule).waiting) == [question.post_id]
    # by the stream's time (the question is the newest post) it is not, and the reply comes next
    assert check_time(brand, states, judging_time(wall, question.published_at, quiet=False)) == []
    reply = post(handle="bestelbaas", owned=True, in_reply_to=question.post_id, intent="other",
                 at=AT + timedelta(minutes=20))
    run_rules([reply], brand, states, NOW)
    assert check_time(brand, states, wall) == []

