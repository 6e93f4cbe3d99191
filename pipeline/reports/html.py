"""A report as one self-contained HTML page: figures, charts and tables a person can open or mail.

Self-contained because the page is mailed, archived and opened on machines without our network:
CSS is inline, charts are inline SVG drawn here, there is no script and nothing is fetched.
Post text, author handles and brand names come from strangers, so every text is escaped with
``html.escape`` and a post's link is kept only when it is http(s) (a ``javascript:`` URL is text).

Every bar carries its numbers (``data-label``, ``data-series``, ``data-count``) and a ``<title>``
tooltip, so a reader can hover for exact figures and a test can read them back from the DOM.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pipeline.reports.kpis import ENGAGEMENT, MAX_THREAD_POSTS, TIME_ZONE, Report
from schemas import INTENTS, Channel

WIDTH = 960  # SVG user units; the page scales charts to its width
COLUMN_HEIGHT = 240  # plot area of a column chart
BAR_HEIGHT = 22  # one row of a horizontal bar chart
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28  # room for tick labels (left) and day labels (bottom)
LABEL_WIDTH = 160  # names left of horizontal bars
MAX_DAY_LABELS = 16  # more than this under 960 units overlap: label every n-th day
POST_CHARS = 280  # a tweet's length: enough to know what a post is about, short enough for a table row

# Fixed per channel (the vocabulary of schemas.Channel), so a channel has one colour in every report.
CHANNEL_COLOURS = {
    Channel.X: "#1d3557", Channel.FACEBOOK: "#3b5bdb", Channel.INSTAGRAM: "#c2255c", Channel.YOUTUBE: "#e03131",
    Channel.REDDIT: "#f76707", Channel.MASTODON: "#6741d9", Channel.BLUESKY: "#1c7ed6",
    Channel.WHATSAPP: "#2f9e44", Channel.MESSENGER: "#0ca678", Channel.CHAT: "#66a80f", Channel.FORUM: "#f59f00",
    Channel.REVIEW: "#ae3ec9", Channel.NEWS: "#495057", Channel.BLOG: "#a0522d",
}
SENTIMENT_COLOURS = {"negative": "#d6336c", "neutral": "#adb5bd", "positive": "#37b24d"}
BRAND_COLOUR, COMPETITOR_COLOUR, INTENT_COLOUR, OTHER_COLOUR = "#1098ad", "#adb5bd", "#7048e8", "#868e96"


class Series(NamedTuple):
    """One stacked segment kind of a column chart: its key in the counts, and its colour."""
    name: str
    colour: str


class Column(NamedTuple):
    """One column of a column chart: ``key`` goes into the data attributes, ``label`` under the column."""
    key: str
    label: str
    counts: Mapping[str, int]


class Bar(NamedTuple):
    """One row of a horizontal bar chart."""
    label: str
    count: int
    colour: str


def tick_step(largest: int, ticks: int = 4) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … that reaches ``largest`` in at most ``ticks`` steps:
    round numbers on the axis instead of 0, 7.25, 14.5."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))
    while step * ticks < largest:
        step = round(step * next(factors))
    return step


def column_chart(columns: Sequence[Column], series: Sequence[Series], *, title: str) -> str:
    """Stacked columns as SVG: per column, one rectangle per series with a non-zero count, stacked in
    ``series`` order from the bottom; heights are proportional to the counts, on one scale for all columns."""
    tallest = max((sum(c.counts.get(s.name, 0) for s in series) for c in columns), default=0)
    step = tick_step(tallest)
    axis_top = step * max(1, math.ceil(tallest / step))
    unit = COLUMN_HEIGHT / axis_top
    baseline = TOP + COLUMN_HEIGHT
    pitch = (WIDTH - LEFT - RIGHT) / max(1, len(columns))
    every = math.ceil(len(columns) / MAX_DAY_LABELS) or 1
    parts = [_svg_open(title, WIDTH, baseline + BOTTOM)]
    for value in range(0, axis_top + 1, step):
        y = baseline - value * unit
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.2f}" y2="{y:.2f}"/>'
                     f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.2f}" text-anchor="end">{value}</text>')
    for i, column in enumerate(columns):
        x, top = LEFT + i * pitch + pitch * 0.1, baseline  # a column fills 80 % of its slot, centred
        parts.append(f'<g class="column" data-label="{escape(column.key)}">')
        for s in series:
            count = column.counts.get(s.name, 0)
            if count:
                top -= count * unit
                parts.append(_rect(x, top, pitch * 0.8, count * unit, s.colour, column.key, s.name, count))
        parts.append("</g>")
        if i % every == 0:
            parts.append(f'<text class="label" x="{x + pitch * 0.4:.2f}" y="{baseline + 18}" '
                         f'text-anchor="middle">{escape(column.label)}</text>')
    if tallest == 0:
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{TOP + COLUMN_HEIGHT / 2}" '
                     'text-anchor="middle">no posts in this window</text>')
    return "".join(parts) + "</svg>"


def bar_chart(bars: Sequence[Bar], *, title: str, whole: int | None = None) -> str:
    """Horizontal bars as SVG, one row per bar, lengths proportional to the counts; each row ends with
    its count and, given ``whole``, its share of it."""
    longest = max((b.count for b in bars), default=0)
    plot = WIDTH - LABEL_WIDTH - 110  # room on the right for "1234 (100%)"
    parts = [_svg_open(title, WIDTH, TOP * 2 + BAR_HEIGHT * max(1, len(bars)))]
    for i, bar in enumerate(bars):
        y = TOP + i * BAR_HEIGHT
        length = plot * bar.count / longest if longest else 0
        share = f" ({bar.count / whole:.0%})" if whole else ""
        parts.append(f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(bar.label)}</text>'
                     + _rect(LABEL_WIDTH, y + 3, length, BAR_HEIGHT - 6, bar.colour, bar.label, None, bar.count)
                     + f'<text class="value" x="{LABEL_WIDTH + length + 6:.2f}" y="{y + 15}">'
                     f'{bar.count}{share}</text>')
    if not bars:
        parts.append(f'<text class="empty" x="{LABEL_WIDTH}" y="{TOP + 15}">none in this window</text>')
    return "".join(parts) + "</svg>"


def legend(series: Sequence[Series]) -> str:
    """The colour key under a column chart, as HTML (it wraps with the page, unlike SVG text)."""
    items = "".join(f'<li><span class="swatch" style="background:{s.colour}"></span>{escape(s.name)}</li>'
                    for s in series)
    return f'<ul class="legend">{items}</ul>'


def _svg_open(title: str, width: float, height: float) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')


def _rect(x: float, y: float, width: float, height: float, colour: str, label: str, series: str | None,
          count: int) -> str:
    tip = f"{label} · {series}: {count}" if series else f"{label}: {count}"
    data = f' data-series="{escape(series)}"' if series else ""
    return (f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" height="{height:.2f}" fill="{colour}" '
            f'data-label="{escape(label)}"{data} data-count="{count}"><title>{escape(tip)}</title></rect>')


def as_html(report: Report) -> str:
    """The whole page: headline figures, then charts, then the tables behind them."""
    zone = ZoneInfo(TIME_ZONE)
    since, until = (t.astimezone(zone).strftime("%Y-%m-%d %H:%M") for t in (report.since, report.until))
    title = f"{report.name}: webcare report {since} → {until}"
    body = [
        f"<header><h1>{escape(report.name)} <small>({escape(report.monitor)})</small></h1>",
        f'<p class="window">{since} → {until} ({TIME_ZONE}), generated by Luister</p></header>',
        _headline(report),
        _charts(report),
        _tables(report),
    ]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
            f'<body>{"".join(body)}</body></html>\n')


def _headline(report: Report) -> str:
    r = report.response
    negative = report.sentiment.get("negative", 0)
    figures = [
        ("mentions", "mentions", f"{report.mentions:,}", "posts about the brand, not by its accounts"),
        ("negative", "negative", _share(negative, report.mentions), f"{negative} of {report.mentions} mentions"),
        ("within-sla", f"answered within {r.sla_minutes:g} min", _share(r.within_sla, r.addressed),
         f"{r.within_sla} of {r.addressed} posts addressed to us; {r.answered} answered"),
        ("median-response", "median response", _minutes(r.median_minutes), f"p90 {_minutes(r.p90_minutes)}"),
    ]
    cards = "".join(f'<div class="figure" data-figure="{key}"><div class="name">{escape(name)}</div>'
                    f'<div class="value">{escape(value)}</div><div class="note">{escape(note)}</div></div>'
                    for key, name, value, note in figures)
    cut = (f'<p class="note">Response figures cover the first {MAX_THREAD_POSTS:,} addressed posts only.</p>'
           if r.truncated else "")
    return f'<section class="headline">{cards}</section>{cut}'


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _minutes(minutes: float | None) -> str:
    return "–" if minutes is None else f"{minutes:,.0f} min"


def _charts(report: Report) -> str:
    days = list(report.per_day.items())
    channels = [Series(c, CHANNEL_COLOURS.get(c, OTHER_COLOUR))
                for c in sorted(report.channels, key=lambda c: (-report.channels[c], c))]
    sentiments = [Series(s, colour) for s, colour in SENTIMENT_COLOURS.items()]  # negative on the baseline
    voice = [Bar(name, n, BRAND_COLOUR if name == report.monitor else COMPETITOR_COLOUR)
             for name, n in sorted(report.share_of_voice.items(), key=lambda kv: (-kv[1], kv[0]))]
    intents = [Bar(label, report.intent.get(label, 0), INTENT_COLOUR) for label in INTENTS]
    return "".join([
        _figure("volume", "Volume per day and channel",
                column_chart([Column(d, _day_label(d), f["channel"]) for d, f in days], channels,
                             title="Mentions per day, stacked by channel"), legend(channels)),
        _figure("sentiment", "Sentiment per day",
                column_chart([Column(d, _day_label(d), f["sentiment"]) for d, f in days], sentiments,
                             title="Mentions per day, stacked by sentiment"), legend(sentiments)),
        _figure("share-of-voice", "Share of voice",
                bar_chart(voice, title="Posts per brand", whole=sum(report.share_of_voice.values()))),
        _figure("intent", "What people want",
                bar_chart(intents, title="Mentions per intent", whole=report.mentions)),
    ])


def _day_label(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.day} {d:%b}"


def _figure(key: str, heading: str, chart: str, after: str = "") -> str:
    return f'<figure id="{key}"><figcaption>{escape(heading)}</figcaption>{chart}{after}</figure>'


def _tables(report: Report) -> str:
    engaged = [[str(_engagement(p)), _when(p), escape(p.get("channel", "")), _author(p),
                escape((p.get("sentiment") or {}).get("label", "")), _text(p)] for p in report.most_engaged]
    proactive = [[_when(p), escape(p.get("channel", "")), _author(p), _text(p)] for p in report.proactive_posts]
    return "".join([
        _table("top-authors", "Top authors", ["author", "posts"],
               [[escape(handle), str(n)] for handle, n in report.top_authors]),
        _table("most-engaged", "Most engaged posts (likes + replies + shares)",
               ["engagement", "time", "channel", "author", "sentiment", "text"], engaged),
        _table("negative-topics", "Recurring in negative posts", ["term", "negative posts"],
               [[escape(term), str(n)] for term, n in report.negative_topics]),
        _table("proactive", f"Proactive opportunities: {report.proactive} posts not addressed to us (newest)",
               ["time", "channel", "author", "text"], proactive),
    ])


def _table(key: str, heading: str, columns: list[str], rows: list[list[str]]) -> str:
    """A table of cells that are already escaped HTML."""
    if not rows:
        return f'<section id="{key}"><h2>{escape(heading)}</h2><p class="empty">None in this window.</p></section>'
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<section id="{key}"><h2>{escape(heading)}</h2><table><tr>{head}</tr>{body}</table></section>'


def _engagement(post: Mapping[str, Any]) -> int:
    counts = post.get("engagement") or {}
    return sum(counts.get(k) or 0 for k in ENGAGEMENT)


def _when(post: Mapping[str, Any]) -> str:
    published = datetime.fromisoformat(post["published_at"]).astimezone(ZoneInfo(TIME_ZONE))
    return published.strftime("%Y-%m-%d %H:%M")


def _author(post: Mapping[str, Any]) -> str:
    return escape((post.get("author") or {}).get("handle") or "")


def _text(post: Mapping[str, Any]) -> str:
    """The post's text, cut to ``POST_CHARS``, linked to the post when its URL is http(s)."""
    text = post.get("text") or ""
    shown = escape(text if len(text) <= POST_CHARS else text[:POST_CHARS] + "…")
    url = post.get("url") or ""
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url)}">{shown}</a>'
    return shown


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;margin:0 auto;
max-width:1000px;padding:24px}
h1{margin:0;font-size:26px}h1 small{color:#868e96;font-weight:normal;font-size:16px}
h2,figcaption{font-size:18px;font-weight:600;margin:0 0 8px}
.window,.note,.empty{color:#868e96}
.headline{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:20px 0}
.figure{border:1px solid #dee2e6;border-radius:8px;padding:12px}
.figure .name{color:#495057;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
.figure .value{font-size:30px;font-weight:700}.figure .note{font-size:12px}
figure,section{margin:28px 0}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#e9ecef}svg text{font-size:11px;fill:#495057}svg .empty{font-size:14px;fill:#868e96}
.legend{list-style:none;padding:0;margin:6px 0 0 44px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid #dee2e6}
td{white-space:nowrap}td:last-child{white-space:normal}
th{background:#f1f3f5}a{color:#1971c2}
@media print{body{padding:0}}
"""
