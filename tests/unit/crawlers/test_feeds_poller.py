"""The poller against a local HTTP server: statuses, conditional GET, backoff, state across restarts.

No Kafka here: a FakePublisher stands in for crawlers.publish.RawPublisher (the integration
test in tests/integration/test_feeds.py uses the real one).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from crawlers.feeds.poller import FeedPoller, FetchSlots, FetchStatus, host_key, next_delay, parse_retry_after
from crawlers.feeds.state import FeedState, FeedStateStore
from crawlers.publish import PublishReport
from pipeline.settings import FeedSettings, Settings, SourceSettings
from schemas import RawPost
from tests.fixtures.feeds.server import FeedServer, registry

START = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
INTERVAL = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakePublisher:
    """Confirms everything, or fails everything when ``failing``; keeps what it confirmed."""

    def __init__(self) -> None:
        self.posts: list[RawPost] = []
        self.report = PublishReport()
        self.failing = False

    def publish_post(self, post: RawPost) -> None:
        if self.failing:
            self.report.failed += 1
            self.report.errors.append("KafkaTimeoutError: broker down")
        else:
            self.posts.append(post)
            self.report.sent += 1

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        return self.report

    @property
    def ids(self) -> list[str]:
        return [p.post_id for p in self.posts]


@pytest.fixture
def server():
    with FeedServer(slow_s=2.0) as srv:
        yield srv


@pytest.fixture
def settings(tmp_path):
    return Settings(
        sources=SourceSettings(state_dir=tmp_path / "state", request_timeout_s=0.5, user_agent="LuisterTest/1"),
        feeds=FeedSettings(default_interval_s=INTERVAL, max_backoff_s=1000.0, max_concurrency=4),
    )


class Rig:
    """A poller with its publisher, store and clock; ``restart()`` makes a new poller and store
    on the same state directory, as a new process would."""

    def __init__(self, settings: Settings, feeds: list) -> None:
        self.settings, self.feeds = settings, feeds
        self.clock, self.publisher = Clock(), FakePublisher()
        self.store = FeedStateStore.in_dir(settings.sources.state_dir)
        self.poller = FeedPoller(feeds, settings, self.publisher, self.store, clock=self.clock)

    def poll(self) -> dict[str, object]:
        results = asyncio.run(self.poller.poll_due())
        return {r.feed.url.rsplit("/", 1)[1].removesuffix(".xml"): r for r in results}

    def restart(self) -> None:
        self.store.close()
        self.store = FeedStateStore.in_dir(self.settings.sources.state_dir)
        self.poller = FeedPoller(self.feeds, self.settings, self.publisher, self.store, clock=self.clock)

    def state(self, feed) -> FeedState:
        return self.store.load(feed.url)


@pytest.fixture
def rig(settings, server):
    made: list[Rig] = []

    def make(*names: str) -> Rig:
        made.append(Rig(settings, [server.config(n) for n in names]))
        return made[-1]

    yield make
    for r in made:
        r.store.close()


def expected_ids() -> set[str]:
    ids = set()
    for feed in registry().values():
        for line in feed.expected_path.read_text(encoding="utf-8").splitlines():
            ids.add(json.loads(line)["post_id"])
    return ids


def test_first_poll_publishes_every_entry_once_with_the_expected_statuses(rig, server):
    r = rig(*registry())
    results = r.poll()
    assert {name: str(res.status) for name, res in results.items()} == {
        name: feed.status for name, feed in registry().items()
    }
    assert sorted(r.publisher.ids) == sorted(expected_ids())  # once each: the repeated entry too
    assert all(h["user-agent"] == "LuisterTest/1" for _p, h in server.requests)
    assert results["dagbladwest"].new == 3 and results["spaarkist-repeat"].new == 2


def test_unchanged_feeds_answer_304_and_nothing_is_published_again(rig, server):
    r = rig("dagbladwest", "spaarkist-blog", "bestelbaas-truncated")
    r.poll()
    r.clock.advance(INTERVAL)
    second = r.poll()
    assert second["dagbladwest"].status is FetchStatus.NOT_MODIFIED
    assert second["spaarkist-blog"].status is FetchStatus.NOT_MODIFIED
    assert server.requests_to("/dagbladwest.xml")[-1]["if-none-match"].startswith('"')
    assert server.requests_to("/dagbladwest.xml")[-1]["if-modified-since"] == "Fri, 20 Nov 2026 12:00:00 GMT"
    # A broken feed saves no ETag: the next poll asks for the whole document again.
    assert "if-none-match" not in server.requests_to("/bestelbaas-truncated.xml")[-1]
    assert len(r.publisher.posts) == 5


def test_not_due_feeds_are_not_polled(rig, server):
    r = rig("dagbladwest")
    r.poll()
    r.clock.advance(INTERVAL - 1)
    assert r.poll() == {}
    assert len(server.requests) == 1


def test_restart_neither_re_emits_nor_forgets(rig, server):
    r = rig("dagbladwest", "spaarkist-repeat")
    r.poll()
    r.restart()
    assert r.poll() == {}, "the schedule survived the restart"
    r.clock.advance(INTERVAL)
    # Same entries in a new document (new ETag): all known, none published.
    server.bodies["/dagbladwest.xml"] = server.bodies["/dagbladwest.xml"].replace(b"Economie</title>", b"Geld</title>")
    # One new entry in the other feed: only that one is published.
    server.bodies["/spaarkist-repeat.xml"] = server.bodies["/spaarkist-repeat.xml"].replace(
        b"<item>",
        b"<item><title>Muntwerf opent kantoor in Gent</title><guid>gn-7003</guid>"
        b"<pubDate>Fri, 20 Nov 2026 10:00:00 +0100</pubDate><description>Nieuw.</description></item><item>",
        1,
    )
    r.restart()
    before = len(r.publisher.posts)
    results = r.poll()
    assert results["dagbladwest"].status is FetchStatus.OK and results["dagbladwest"].new == 0
    assert results["dagbladwest"].known == 3
    assert results["spaarkist-repeat"].new == 1
    assert r.publisher.ids[before:] == ["news.geldnieuws:gn-7003"]


def test_rate_limited_feed_honours_retry_after(rig):
    r = rig("limited", "unavailable")
    results = r.poll()
    assert results["limited"].status is FetchStatus.RATE_LIMITED and results["limited"].http_status == 429
    assert results["limited"].next_due == START + timedelta(seconds=2 * INTERVAL)  # backoff 120 s = Retry-After 120
    assert results["unavailable"].status is FetchStatus.RATE_LIMITED
    assert results["unavailable"].next_due == START + timedelta(seconds=2 * INTERVAL)  # backoff beats Retry-After 30


def test_failing_feed_backs_off_exponentially_up_to_the_cap_and_recovers(rig, server, settings):
    r = rig("error")
    delays = []
    for _ in range(6):
        result = r.poll()["error"]
        assert result.status is FetchStatus.HTTP_ERROR and result.http_status == 500
        delays.append((result.next_due - r.clock.now).total_seconds())
        r.clock.now = result.next_due
    assert delays == [120, 240, 480, 960, 1000, 1000]
    assert r.state(r.feeds[0]).failures == 6
    server.bodies["/error"] = server.bodies["/dagbladwest.xml"]  # the site is fixed
    result = r.poll()["error"]
    assert result.status is FetchStatus.OK and result.new == 3
    assert r.state(r.feeds[0]).failures == 0
    assert (result.next_due - r.clock.now).total_seconds() == INTERVAL


def test_slow_missing_and_unreachable_feeds(rig, settings):
    r = rig("slow", "missing")
    r.feeds.append(r.feeds[0].model_copy(update={"url": "http://127.0.0.1:9/feed.xml", "source": "test.dicht"}))
    r.restart()
    results = r.poll()
    assert results["slow"].status is FetchStatus.TIMEOUT
    assert results["missing"].status is FetchStatus.HTTP_ERROR and results["missing"].http_status == 404
    assert results["feed"].status is FetchStatus.NETWORK_ERROR
    assert r.publisher.posts == []


def test_too_large_feed_is_refused(settings, server, tmp_path):
    settings.feeds.max_feed_bytes = 500
    r = Rig(settings, [server.config("dagbladwest")])
    try:
        assert r.poll()["dagbladwest"].status is FetchStatus.TOO_LARGE
    finally:
        r.store.close()


def test_unconfirmed_entries_are_published_again_on_the_next_poll(rig, server):
    r = rig("dagbladwest")
    r.publisher.failing = True
    first = r.poll()["dagbladwest"]
    assert first.status is FetchStatus.PUBLISH_ERROR and "broker down" in first.error
    assert r.state(r.feeds[0]).etag is None, "no ETag saved: a 304 next time would lose the entries"
    r.publisher.failing = False
    r.clock.now = first.next_due
    second = r.poll()["dagbladwest"]
    assert second.status is FetchStatus.OK and second.new == 3
    assert "if-none-match" not in server.requests_to("/dagbladwest.xml")[-1]


def test_run_polls_each_feed_when_due_until_stopped(rig):
    r = rig("dagbladwest", "error")
    seen = []

    async def main():
        stop = asyncio.Event()

        def on_result(result):
            seen.append(result.status)
            if len(seen) == 2:
                stop.set()

        await asyncio.wait_for(r.poller.run(stop, on_result), timeout=10)

    asyncio.run(main())
    assert sorted(seen) == [FetchStatus.HTTP_ERROR, FetchStatus.OK]
    assert len(r.publisher.posts) == 3


@pytest.mark.parametrize(
    ("failures", "retry_after", "delay"),
    [(0, None, 300), (1, None, 600), (2, None, 1200), (10, None, 3600), (0, 30, 300), (1, 900, 900),
     (1, 99_999, 3600), (40, None, 3600)],
)
def test_next_delay(failures, retry_after, delay):
    assert next_delay(300, failures, 3600, retry_after) == delay


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Fri, 20 Nov 2026 12:05:00 GMT", 300.0), ("Fri, 20 Nov 2026 11:00:00 GMT", 0.0),
     ("straks", None), (None, None)],
)
def test_parse_retry_after(header, seconds):
    assert parse_retry_after(header, START) == seconds


def test_emitted_ids_are_bounded_but_ids_still_in_the_feed_are_kept(tmp_path):
    store = FeedStateStore(tmp_path / "s.sqlite3")
    try:
        url = "https://www.dagbladwest.example/rss.xml"
        for t, ids in enumerate([["a", "b"], ["c", "d"], ["e", "a"]], start=1):
            store.record(FeedState(url, last_polled=float(t)), ids, keep=3)
        kept = store.emitted(url, "abcde")
        assert len(kept) == 3 and {"a", "e"} <= kept and "b" not in kept  # a was seen again, b is the oldest
        store.record(FeedState(url, last_polled=9.0), ["v", "w", "x", "y", "z"], keep=3)
        assert store.emitted(url, "vwxyz") == set("vwxyz"), "never fewer than the feed's own entries"
    finally:
        store.close()


def test_run_survives_a_bug_met_by_one_feed(rig, monkeypatch):
    r = rig("dagbladwest", "spaarkist-blog")
    real = r.poller.poll_feed

    async def poll_feed(feed, *args):
        if "spaarkist" in feed.url:
            raise RuntimeError("een bug")
        return await real(feed, *args)

    monkeypatch.setattr(r.poller, "poll_feed", poll_feed)
    seen = []

    async def main():
        stop = asyncio.Event()

        def on_result(result):
            seen.append(result.feed.source)
            stop.set()

        await asyncio.wait_for(r.poller.run(stop, on_result), timeout=10)

    asyncio.run(main())
    assert seen == ["news.dagbladwest"]
    assert r.poller.due(r.clock.now + timedelta(seconds=INTERVAL)) == [r.feeds[0]]  # the crashed one waits longer


def test_run_polls_a_feed_again_when_it_is_due_again(rig, server):
    r = rig("dagbladwest", "spaarkist-blog")
    seen = []

    async def main():
        stop = asyncio.Event()

        def on_result(result):
            seen.append((result.feed.source, result.status))
            if len(seen) == 2:
                r.clock.advance(INTERVAL)  # both are due again
            if len(seen) == 4:
                stop.set()

        await asyncio.wait_for(r.poller.run(stop, on_result), timeout=10)

    asyncio.run(main())
    assert sorted(seen[:2]) == [("blog.spaarkist", FetchStatus.OK), ("news.dagbladwest", FetchStatus.OK)]
    assert sorted(seen[2:]) == [("blog.spaarkist", FetchStatus.NOT_MODIFIED),
                                ("news.dagbladwest", FetchStatus.NOT_MODIFIED)]
    assert len(server.requests) == 4 and len(r.publisher.posts) == 5


@pytest.mark.parametrize(
    ("url", "key"),
    [("https://www.Dagbladwest.example/rss/economie.xml", "www.dagbladwest.example:443"),
     ("http://www.dagbladwest.example/rss/sport.xml", "www.dagbladwest.example:80"),
     ("https://blog.spaarkist.example:8443/feed", "blog.spaarkist.example:8443"),
     ("http://127.0.0.1:8080/f/1.xml", "127.0.0.1:8080")],
)
def test_host_key(url, key):
    assert host_key(url) == key


def test_fetch_slots_limit_each_host_and_the_total():
    """Twelve fetches, eight to one site: never more than 2 to a host nor 3 in all."""
    urls = [f"https://www.dagbladwest.example/rss/{n}.xml" for n in range(8)] + [
        f"https://{site}.example/feed" for site in ("spaarkist", "bestelbaas", "geldnieuws", "vlaamsekrant")]
    active: dict[str, int] = {}
    peaks: dict[str, int] = {}

    async def fetch(slots: FetchSlots, url: str) -> None:
        async with slots.hold(url):
            for key in (host_key(url), "total"):
                active[key] = active.get(key, 0) + 1
                peaks[key] = max(peaks.get(key, 0), active[key])
            for _ in range(3):
                await asyncio.sleep(0)  # let the others try to get in
            for key in (host_key(url), "total"):
                active[key] -= 1

    async def main() -> None:
        slots = FetchSlots(total=3, per_host=2)
        await asyncio.gather(*(fetch(slots, url) for url in urls))

    asyncio.run(main())
    assert peaks["total"] == 3
    assert peaks["www.dagbladwest.example:443"] == 2
    assert all(active[key] == 0 for key in active)


def test_a_feed_waiting_for_its_busy_host_holds_no_slot():
    """Two slots, one per host: while the site's first feed hangs, its second feed waits for the
    host, and another site's feed still gets the free slot."""

    async def main() -> list[str]:
        slots, release, order = FetchSlots(total=2, per_host=1), asyncio.Event(), []

        async def fetch(url: str, hang: bool = False) -> None:
            async with slots.hold(url):
                order.append(url)
                if hang:
                    await release.wait()

        first = asyncio.create_task(fetch("https://www.dagbladwest.example/a.xml", hang=True))
        second = asyncio.create_task(fetch("https://www.dagbladwest.example/b.xml"))
        other = asyncio.create_task(fetch("https://blog.spaarkist.example/feed"))
        await other
        release.set()
        await asyncio.gather(first, second)
        return order

    assert asyncio.run(main()) == ["https://www.dagbladwest.example/a.xml", "https://blog.spaarkist.example/feed",
                                   "https://www.dagbladwest.example/b.xml"]
