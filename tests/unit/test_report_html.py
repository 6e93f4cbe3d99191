"""The HTML report (pipeline/reports/html.py) from hand-built reports: bars match the figures,
hostile post text stays text, an empty window still renders.

The page is read back with html.parser (``PageReader``, also used on the browser's DOM in
tests/integration/test_report_html.py); the bare SVG of a chart helper with xml.etree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.reports import Report, Response
from pipeline.reports.html import Bar, as_html, bar_chart, tick_step

SVG = "{http://www.w3.org/2000/svg}"


class PageReader(HTMLParser):
    """What a reader of the page sees in numbers: the bars of each chart (attributes of every
    ``rect.bar``, by the id of its ``<figure>``), each chart's viewBox and the headline figures."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.bars: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.viewboxes: dict[str, tuple[float, ...]] = {}
        self.headline: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []
        self._figure = self._card = ""
        self._in_value = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "figure":
            self._figure = a.get("id", "")
        elif tag == "svg":
            self.viewboxes[self._figure] = tuple(float(v) for v in a["viewbox"].split())
        elif tag == "rect" and a.get("class") == "bar":
            self.bars[self._figure].append(a)
        elif tag == "div" and "data-figure" in a:
            self._card = a["data-figure"]
        elif tag == "div" and a.get("class") == "value" and self._card:
            self._in_value = True

    def handle_data(self, data: str) -> None:
        if self._in_value:
            self.headline[self._card] = data
            self._in_value = False


def _report(**overrides: Any) -> Report:
    fields = dict(
        monitor="bestelbaas", name="Bestelbaas", since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 11, 4, tzinfo=UTC), mentions=0, per_day={}, channels={}, sentiment={}, intent={},
        proactive=0, proactive_posts=[], top_authors=[], most_engaged=[], negative_topics=[], share_of_voice={},
        response=Response(),
    )
    return Report(**{**fields, **overrides})


PER_DAY = {  # day -> channel counts, sentiment counts; a zero count and a day without posts on purpose
    "2026-11-01": ({"x": 3, "forum": 1, "review": 0}, {"negative": 2, "neutral": 1, "positive": 1}),
    "2026-11-02": ({}, {}),
    "2026-11-03": ({"x": 1, "whatsapp": 7}, {"negative": 5, "positive": 3}),
}


def _busy_report() -> Report:
    channels: dict[str, int] = defaultdict(int)
    sentiment: dict[str, int] = defaultdict(int)
    for by_channel, by_sentiment in PER_DAY.values():
        for c, n in by_channel.items():
            channels[c] += n
        for s, n in by_sentiment.items():
            sentiment[s] += n
    return _report(
        mentions=sum(channels.values()), channels={c: n for c, n in channels.items() if n}, sentiment=dict(sentiment),
        per_day={d: {"channel": c, "sentiment": s} for d, (c, s) in PER_DAY.items()},
        intent={"complaint": 9, "question": 3}, share_of_voice={"bestelbaas": 12, "kooptoren": 4, "pakkerij": 2},
        response=Response(addressed=6, answered=5, within_sla=3, median_minutes=25, p90_minutes=70),
    )


@pytest.mark.parametrize("figure, field", [("volume", 0), ("sentiment", 1)])
def test_one_bar_per_day_and_non_zero_series_with_heights_proportional_to_counts(figure, field):
    page = PageReader(as_html(_busy_report()))
    bars = page.bars[figure]
    expected = {(day, name, n) for day, counts in PER_DAY.items() for name, n in counts[field].items() if n}
    assert {(b["data-label"], b["data-series"], int(b["data-count"])) for b in bars} == expected
    assert len(bars) == len(expected)

    unit = sum(float(b["height"]) for b in bars) / sum(int(b["data-count"]) for b in bars)
    assert unit > 0
    for bar in bars:
        assert float(bar["height"]) == pytest.approx(int(bar["data-count"]) * unit, abs=0.01)
    _, _, width, height = page.viewboxes[figure]
    assert all(0 <= float(b["y"]) and float(b["y"]) + float(b["height"]) <= height for b in bars)
    assert all(0 <= float(b["x"]) and float(b["x"]) + float(b["width"]) <= width for b in bars)


def test_stacked_segments_of_a_day_touch_and_share_one_baseline():
    bars = PageReader(as_html(_busy_report())).bars["volume"]
    for day in ("2026-11-01", "2026-11-03"):
        segments = sorted((b for b in bars if b["data-label"] == day), key=lambda b: -float(b["y"]))
        bottoms = [float(b["y"]) + float(b["height"]) for b in segments]
        assert bottoms[0] == pytest.approx(max(float(b["y"]) + float(b["height"]) for b in bars))
        for lower, upper in zip(segments, segments[1:]):
            assert float(upper["y"]) + float(upper["height"]) == pytest.approx(float(lower["y"]), abs=0.01)


def test_headline_figures():
    report = _busy_report()
    negative = report.sentiment["negative"]
    headline = PageReader(as_html(report)).headline
    assert headline == {"mentions": str(report.mentions), "negative": f"{round(100 * negative / report.mentions)}%",
                        "within-sla": "50%", "median-response": "25 min"}


def test_share_of_voice_and_intents_are_bars_as_long_as_their_counts():
    page = PageReader(as_html(_busy_report()))
    voice = {b["data-label"]: b for b in page.bars["share-of-voice"]}
    assert {k: int(b["data-count"]) for k, b in voice.items()} == {"bestelbaas": 12, "kooptoren": 4, "pakkerij": 2}
    assert float(voice["bestelbaas"]["width"]) == pytest.approx(3 * float(voice["kooptoren"]["width"]), abs=0.01)
    assert float(voice["kooptoren"]["width"]) == pytest.approx(2 * float(voice["pakkerij"]["width"]), abs=0.01)
    intents = {b["data-label"]: int(b["data-count"]) for b in page.bars["intent"]}
    assert intents == {"question": 3, "complaint": 9, "compliment": 0, "other": 0}


HOSTILE = '<script>alert("pakket kwijt")</script><img src=x onerror="alert(1)">'


def test_hostile_text_stays_text():
    post = {"post_id": "forum:1", "published_at": "2026-11-03T10:00:00+00:00", "channel": "forum",
            "author": {"handle": '"><svg onload=alert(2)>'}, "text": HOSTILE, "url": "javascript:alert(3)",
            "engagement": {"likes": 2}, "sentiment": {"label": "negative"}}
    report = _report(
        name="Bestel<b>baas</b>", mentions=1, channels={"forum": 1}, proactive=1, proactive_posts=[post],
        most_engaged=[post], top_authors=[('"><svg onload=alert(2)>', 1)], negative_topics=[("<i>", 3)],
        per_day={"2026-11-03": {"channel": {"forum": 1}, "sentiment": {"negative": 1}}},
        share_of_voice={"bestelbaas": 1, "<script>": 1},
    )
    page = as_html(report)
    assert "<script" not in page and "<img" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;pakket kwijt&quot;)&lt;/script&gt;" in page  # shown, as text
    reader = PageReader(page)
    assert not [(tag, a) for tag, a in reader.tags if tag in ("script", "img", "i", "b")
                or any(name.startswith("on") for name in a)]
    assert not [a for tag, a in reader.tags if tag == "a"]  # a javascript: URL is no link
    assert {b["data-label"] for b in reader.bars["share-of-voice"]} == {"bestelbaas", "<script>"}  # read back intact


def test_empty_report_renders_without_bars():
    days = {d: {"channel": {}, "sentiment": {}} for d in ("2026-11-01", "2026-11-02", "2026-11-03")}
    page = as_html(_report(per_day=days))
    reader = PageReader(page)
    assert not reader.bars["volume"] and not reader.bars["sentiment"] and not reader.bars["share-of-voice"]
    assert {int(b["data-count"]) for b in reader.bars["intent"]} == {0}
    assert reader.headline == {"mentions": "0", "negative": "–", "within-sla": "–", "median-response": "–"}
    assert "no posts in this window" in page and "None in this window." in page


@pytest.mark.parametrize("largest, step", [(0, 1), (4, 1), (5, 2), (8, 2), (9, 5), (20, 5), (21, 10), (801, 500)])
def test_axis_ticks_are_round_numbers(largest, step):
    assert tick_step(largest) == step


def test_bar_chart_is_well_formed_svg():
    svg = ET.fromstring(bar_chart([Bar("spaarkist", 30, "#000"), Bar("muntwerf & co", 10, "#999")],
                                  title="Aandeel <stem>", whole=40))
    assert svg.tag == f"{SVG}svg" and svg.find(f"{SVG}title").text == "Aandeel <stem>"
    rects = svg.findall(f".//{SVG}rect")
    assert [r.get("data-label") for r in rects] == ["spaarkist", "muntwerf & co"]
    assert float(rects[0].get("width")) == pytest.approx(3 * float(rects[1].get("width")), abs=0.01)
    assert [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "value"] == ["30 (75%)", "10 (25%)"]


def test_report_command_refuses_an_unknown_format():
    result = CliRunner().invoke(app, ["report", "--monitor", "bestelbaas", "--format", "pdf"])
    assert result.exit_code == 1 and "table, json or html" in result.output
