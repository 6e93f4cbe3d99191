"""A monitor's rules run over its posts: one state per (monitor, rule), alerts de-duplicated and cooled down.

The pure core of the alerts worker (pipeline/agents/alerts.py), which keeps a ``RuleState`` per monitor and
rule and calls, for a batch of posts:

1. ``observe`` for every post and each rule of each of its monitors: the rule's candidate alerts and its
   new state;
2. ``release`` once per rule with the batch's candidates: the alerts to publish. Candidates with one id
   (one rule, one window) become one alert (a burst of "datalek" posts in one batch is one message);
   an id already published is dropped (de-duplication by rule and window, also after a restart, because
   the state is kept with the consumed offsets); an alert whose window starts within ``cooldown_minutes``
   of the last published one's is dropped too.

``tick`` runs on a timer: the unanswered rule's due posts, and forgetting old published ids. Every alert
carries snapshots of its evidence posts (``Alert.posts``), kept in the state while they can still be
evidence, so the notifier needs no lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from processors.alerts import Rule, influencer, match, negative, unanswered, volume
from processors.alerts.base import snapshot
from processors.alerts.negative import NegativeSpikeRule, SentimentTally
from processors.alerts.tally import Tally
from processors.alerts.unanswered import UnansweredRule
from processors.alerts.volume import VolumeSpikeRule
from processors.relevance.monitors import Monitor
from schemas import Alert, AlertPost, EnrichedPost
from schemas.alert import MAX_EVIDENCE

# A published alert id is remembered until the rule's newest published window ends this much later, and no
# alert of a window that ended longer before that is published: so a late post or a replay cannot alert twice.
# Event time, not the clock: a replay of last month alerts once per window too. A month, because history
# arrives out of order (a crawler's backfill, a replay): a shorter memory would silence a valid first alert of
# a window that arrives after a newer one. At most one id per window and rule: for 5-minute windows 8,928.
FIRED_KEPT = timedelta(days=31)
# Replies remembered for questions not seen yet: out of order, a question comes seconds after its reply.
MAX_ANSWERED = 1_000


class RuleState(BaseModel):
    """Everything one rule of one monitor remembers between posts; plain data, stored as JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    volume: dict[datetime, Tally] = Field(default_factory=dict, description="volume_spike: posts per window.")
    negative: dict[datetime, SentimentTally] = Field(
        default_factory=dict, description="negative_spike: classified and negative posts per window."
    )
    waiting: dict[str, datetime] = Field(
        default_factory=dict, description="unanswered: posts waiting for a reply (post_id -> published_at)."
    )
    answered: dict[str, datetime] = Field(
        default_factory=dict, description="unanswered: posts an owned account replied to (post_id -> reply's "
        "published_at), the newest MAX_ANSWERED, so a reply seen before its question still counts.",
    )
    posts: dict[str, AlertPost] = Field(
        default_factory=dict, description="Snapshots of the posts that can still be an alert's evidence."
    )
    fired: dict[str, datetime] = Field(
        default_factory=dict, description="Published alert ids -> their window's end (de-duplication)."
    )
    last_window: datetime | None = Field(None, description="Window start of the last published alert (cooldown).")


def observe(rule: Rule, monitor: Monitor, state: RuleState, post: EnrichedPost, now: datetime
            ) -> tuple[list[Alert], RuleState]:
    """The candidate alerts of ``rule`` after ``post`` (one of ``monitor``'s posts), and the new state."""
    if isinstance(rule, match.MatchRule | influencer.InfluencerRule):
        module = match if isinstance(rule, match.MatchRule) else influencer
        alert = module.evaluate(rule, monitor.id, post, now)
        return ([] if alert is None else [_with_posts(alert, {post.post_id: snapshot(post)})]), state
    if isinstance(rule, VolumeSpikeRule):
        windows = volume.add(state.volume, post, rule)
        if windows is state.volume:
            return [], state
        state = _keep_evidence(state.model_copy(update={"volume": windows}), post, windows)
        return _candidate(volume.evaluate(rule, monitor.id, windows, post.published_at, now), state), state
    if isinstance(rule, NegativeSpikeRule):
        windows = negative.add(state.negative, post, rule)
        if windows is state.negative:
            return [], state
        tallies = {start: t.negative for start, t in windows.items()}
        state = _keep_evidence(state.model_copy(update={"negative": windows}), post, tallies)
        return _candidate(negative.evaluate(rule, monitor.id, windows, post.published_at, now), state), state
    replied = unanswered.answers(post, monitor.owned_accounts)
    answered = state.answered if replied is None else _newest({**state.answered, replied: post.published_at})
    if post.post_id in answered:  # its reply came first (another partition): it never waits
        waiting = state.waiting
    else:
        waiting = unanswered.observe(state.waiting, post, monitor.owned_accounts, rule)
    if waiting is state.waiting and answered is state.answered:
        return [], state
    posts = {pid: p for pid, p in {**state.posts, post.post_id: snapshot(post)}.items() if pid in waiting}
    return [], state.model_copy(update={"waiting": waiting, "answered": answered, "posts": posts})


def tick(rule: Rule, monitor: Monitor, state: RuleState, now: datetime) -> tuple[list[Alert], RuleState]:
    """What ``rule`` does as time passes: the unanswered rule's alerts for posts past their SLA at ``now``
    (as candidates for ``release``); every rule forgets published ids older than FIRED_KEPT (see there)."""
    fired = {alert_id: end for alert_id, end in state.fired.items() if end >= _forget_before(state)}
    if len(fired) != len(state.fired):
        state = state.model_copy(update={"fired": fired})
    if not isinstance(rule, UnansweredRule) or not state.waiting:
        return [], state
    alerts, waiting = unanswered.due(rule, monitor.id, state.waiting, now)
    if not alerts:
        return [], state
    done = [_with_posts(alert, state.posts) for alert in alerts]
    posts = {pid: p for pid, p in state.posts.items() if pid in waiting}
    return done, state.model_copy(update={"waiting": waiting, "posts": posts})


def release(rule: Rule, state: RuleState, candidates: Sequence[Alert]) -> tuple[list[Alert], RuleState]:
    """The alerts to publish from one batch's ``candidates`` of ``rule``, and the state that remembers them.

    Candidates with one id are one alert: per-post rules merge them (count and evidence grow), a spike
    rule keeps the newest (its count is the window's latest). An id published before is not published
    again, nor one whose window ended FIRED_KEPT before the newest published one's (its id may be
    forgotten). With a cooldown, an alert whose window starts less than ``cooldown_minutes`` after the
    last published window's start is dropped, and remembered as handled so it stays dropped.
    """
    published: list[Alert] = []
    fired, last = dict(state.fired), state.last_window
    cooldown, too_old = timedelta(minutes=rule.cooldown_minutes), _forget_before(state)
    for alert in _grouped(rule, candidates):
        if alert.alert_id in fired or alert.window_end < too_old:
            continue
        fired[alert.alert_id] = alert.window_end
        if last is not None and cooldown and last <= alert.window_start < last + cooldown:
            continue
        published.append(alert)
        last = alert.window_start if last is None else max(last, alert.window_start)
    if not published and fired == state.fired:
        return [], state
    return published, state.model_copy(update={"fired": fired, "last_window": last})


def _newest(answered: dict[str, datetime]) -> dict[str, datetime]:
    """``answered`` cut to its MAX_ANSWERED newest replies."""
    if len(answered) <= MAX_ANSWERED:
        return answered
    return dict(sorted(answered.items(), key=lambda item: item[1])[-MAX_ANSWERED:])


def _forget_before(state: RuleState) -> datetime:
    """Window ends before this are forgotten: FIRED_KEPT before the newest published window's end."""
    if not state.fired:
        return datetime.min.replace(tzinfo=UTC)  # nothing published yet: no post is too old
    return max(state.fired.values()) - FIRED_KEPT


def _grouped(rule: Rule, candidates: Iterable[Alert]) -> list[Alert]:
    """One alert per id, in the order the ids first appeared."""
    by_id: dict[str, Alert] = {}
    for alert in candidates:
        earlier = by_id.get(alert.alert_id)
        if earlier is None or not isinstance(rule, match.MatchRule | influencer.InfluencerRule):
            by_id[alert.alert_id] = alert
            continue
        module = match if isinstance(rule, match.MatchRule) else influencer
        merged = module.merge(rule, alert.monitor_id, earlier, alert)
        by_id[alert.alert_id] = _with_posts(merged, {p.post_id: p for p in (*earlier.posts, *alert.posts)})
    return list(by_id.values())


def _candidate(alert: Alert | None, state: RuleState) -> list[Alert]:
    return [] if alert is None else [_with_posts(alert, state.posts)]


def _with_posts(alert: Alert, snapshots: dict[str, AlertPost]) -> Alert:
    """``alert`` carrying the snapshots of its evidence that are known, in evidence order."""
    posts = [snapshots[pid] for pid in alert.evidence if pid in snapshots][:MAX_EVIDENCE]
    return alert.model_copy(update={"posts": posts})


def _keep_evidence(state: RuleState, post: EnrichedPost, tallies: dict[datetime, Tally]) -> RuleState:
    """``state`` keeping snapshots for the evidence of the two newest windows only: an older window is
    baseline, its evidence is never shown (a late post firing it shows the posts still known)."""
    newest = sorted(tallies)[-2:]
    wanted = {pid for start in newest for pid in tallies[start].post_ids}
    known = {**state.posts, post.post_id: snapshot(post)}
    return state.model_copy(update={"posts": {pid: p for pid, p in known.items() if pid in wanted}})
