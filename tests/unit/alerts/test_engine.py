"""The engine: rules run over posts with their state, grouped, de-duplicated, cooled down, with snapshots."""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter

from processors.alerts import MatchRule, Rule, UnansweredRule, VolumeSpikeRule
from processors.alerts.base import align
from processors.alerts.engine import FIRED_KEPT, RuleState, observe, release, tick
from processors.relevance.monitors import Monitor
from tests.unit.alerts.posts import AT, NOW, post

MONITOR = Monitor(id="bestelbaas", name="Bestelbaas", query="bestelbaas", owned_accounts=["bestelbaas_helpt"])
CRISIS = MatchRule(id="crisis", query="datalek", group_minutes=5)
SPIKE = VolumeSpikeRule(id="drukte", window_minutes=15, baseline_windows=4, factor=3, min_count=3)


def run(rule: Rule, posts, state: RuleState | None = None):
    """Observe ``posts`` as one batch, then release: the published alerts and the state."""
    state = state or RuleState()
    candidates = []
    for p in posts:
        found, state = observe(rule, MONITOR, state, p, NOW)
        candidates += found
    return release(rule, state, candidates)


def test_a_burst_of_matches_in_one_batch_is_one_alert_with_every_post():
    posts = [post(text=f"datalek bij bestelbaas nummer {i}", at=AT + timedelta(seconds=i)) for i in range(3)]
    posts.insert(1, post(text="bestelbaas levert snel"))
    alerts, _ = run(CRISIS, posts)
    matching = [p.post_id for p in posts if "datalek" in p.text]
    assert len(alerts) == 1
    assert alerts[0].count == 3
    assert alerts[0].evidence == matching
    assert [p.post_id for p in alerts[0].posts] == matching
    assert alerts[0].posts[0].text == posts[0].text


def test_a_window_already_published_is_not_published_again_in_a_later_batch():
    first, state = run(CRISIS, [post(text="datalek")])
    again, state2 = run(CRISIS, [post(text="nog een datalek", at=AT + timedelta(seconds=30))], state)
    assert len(first) == 1 and again == []
    assert state2.fired == state.fired
    later_window = AT + timedelta(minutes=CRISIS.group_minutes)
    third, _ = run(CRISIS, [post(text="datalek", at=later_window)], state2)
    assert [a.window_start for a in third] == [align(later_window, CRISIS.group_minutes)]


def test_a_replayed_batch_after_a_restart_with_the_saved_state_publishes_nothing():
    posts = [post(text="datalek", at=AT + timedelta(seconds=i)) for i in range(2)]
    alerts, state = run(CRISIS, posts)
    saved = RuleState.model_validate_json(state.model_dump_json())
    replayed, _ = run(CRISIS, posts, saved)
    assert len(alerts) == 1 and replayed == []


def test_cooldown_drops_windows_starting_within_it_and_keeps_them_dropped():
    rule = CRISIS.model_copy(update={"cooldown_minutes": 12})
    start = align(AT, 5)
    state = RuleState()
    published = []
    for minutes in (0, 5, 10, 15):  # windows at +0 (alert), +5 and +10 (cooled down), +15 (alert again)
        alerts, state = run(rule, [post(text="datalek", at=start + timedelta(minutes=minutes, seconds=1))], state)
        published += alerts
    assert [a.window_start - start for a in published] == [timedelta(0), timedelta(minutes=15)]
    again, _ = run(rule, [post(text="datalek", at=start + timedelta(minutes=5, seconds=9))], state)
    assert again == []


def test_volume_spike_publishes_once_per_window_with_the_evidence_snapshots():
    start = align(AT, 15)
    posts = [post(text=f"bestelbaas {i}", at=start + timedelta(minutes=i), followers=i * 10) for i in range(5)]
    alerts, state = run(SPIKE, posts[:3])
    assert [a.count for a in alerts] == [3]
    by_reach = [p.post_id for p in sorted(posts[:3], key=lambda p: -p.author.followers)]
    assert [p.post_id for p in alerts[0].posts] == by_reach == alerts[0].evidence
    more, _ = run(SPIKE, posts[3:], state)
    assert more == []  # the same window: its id was published


def test_volume_snapshots_are_kept_for_the_two_newest_windows_only():
    start = align(AT, 15)
    state = RuleState()
    for k in range(4):
        _, state = run(SPIKE, [post(at=start + timedelta(minutes=15 * k))], state)
    newest_two = {pid for s in sorted(state.volume)[-2:] for pid in state.volume[s].post_ids}
    assert set(state.posts) == newest_two and len(newest_two) == 2


def test_unanswered_alerts_on_tick_after_the_sla_and_only_once():
    rule = UnansweredRule(id="wachten", sla_minutes=60)
    waiting = post(intent="question", addressed=["bestelbaas_helpt"])
    _, state = run(rule, [waiting])
    assert list(state.posts) == [waiting.post_id]
    early, state = tick(rule, MONITOR, state, waiting.published_at + timedelta(minutes=59))
    assert early == []
    late, state = tick(rule, MONITOR, state, waiting.published_at + timedelta(minutes=61))
    published, state = release(rule, state, late)
    assert [a.evidence for a in published] == [[waiting.post_id]]
    assert published[0].posts[0].post_id == waiting.post_id
    assert state.waiting == {} and state.posts == {}
    again, _ = tick(rule, MONITOR, state, waiting.published_at + timedelta(minutes=200))
    assert again == []


def test_a_reply_in_the_stream_means_no_alert():
    rule = UnansweredRule(id="wachten", sla_minutes=60)
    waiting = post(intent="complaint", addressed=["bestelbaas_helpt"])
    reply = post(handle="bestelbaas_helpt", owned=True, in_reply_to=waiting.post_id, intent="other",
                 at=AT + timedelta(minutes=10))
    _, state = run(rule, [waiting, reply])
    assert tick(rule, MONITOR, state, AT + timedelta(hours=5))[0] == []


def test_published_ids_are_forgotten_by_event_time_and_older_posts_no_longer_alert():
    alerts, state = run(CRISIS, [post(text="datalek")])
    first = alerts[0]
    _, state = tick(CRISIS, MONITOR, state, NOW + timedelta(days=30))  # the clock alone forgets nothing
    assert list(state.fired) == [first.alert_id]
    # A post FIRED_KEPT (plus a window) later: its alert is published, and the first id is then forgotten ...
    later = first.window_start + FIRED_KEPT + timedelta(minutes=CRISIS.group_minutes, seconds=1)
    alerts, state = run(CRISIS, [post(text="datalek", at=later)], state)
    _, state = tick(CRISIS, MONITOR, state, NOW)
    assert list(state.fired) == [alerts[0].alert_id]
    # ... and a late post of the first window is too old to alert again.
    late, _ = run(CRISIS, [post(text="weer een datalek", at=first.window_start)], state)
    assert late == []


def test_history_arriving_out_of_order_within_the_memory_still_alerts_each_window_once():
    newest, state = run(CRISIS, [post(text="datalek", at=AT)])
    older = AT - FIRED_KEPT + timedelta(minutes=2 * CRISIS.group_minutes)  # its window ends within the memory
    alerts, state = run(CRISIS, [post(text="datalek", at=older)], state)
    assert len(newest) == len(alerts) == 1
    assert run(CRISIS, [post(text="datalek!", at=older)], state)[0] == []


def test_state_round_trips_through_json():
    _, state = run(SPIKE, [post(at=AT + timedelta(seconds=i)) for i in range(4)])
    assert RuleState.model_validate_json(state.model_dump_json()) == state


def test_cooldown_is_validated_with_the_rule():
    rule = TypeAdapter(Rule).validate_python({"id": "r", "type": "match", "query": "x", "cooldown_minutes": 30})
    assert rule.cooldown_minutes == 30


def test_a_reply_seen_before_its_question_still_answers_it():
    rule = UnansweredRule(id="wachten", sla_minutes=60)
    question = post(intent="question", addressed=["bestelbaas_helpt"])
    reply = post(handle="Bestelbaas_Helpt", owned=True, in_reply_to=question.post_id, intent="other",
                 at=AT + timedelta(minutes=10))
    _, state = run(rule, [reply, question])  # on other partitions, the reply may come first
    assert state.waiting == {} and tick(rule, MONITOR, state, AT + timedelta(hours=5))[0] == []
    _, in_order = run(rule, [question])
    assert list(in_order.waiting) == [question.post_id]  # the same question without its reply waits
