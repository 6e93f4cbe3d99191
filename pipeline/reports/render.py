"""A report for a person (rich tables in the terminal) or for a script (JSON)."""

from __future__ import annotations

import json

from rich.console import Group
from rich.markup import escape
from rich.table import Table

from pipeline.reports.kpis import Report
from schemas import INTENTS, SENTIMENTS


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False)


def _share(part: int | None, whole: int | None) -> str:
    return f"{part / whole:.0%}" if part is not None and whole else "–"


def as_tables(report: Report) -> Group:
    """The KPIs in the order a team lead reads them: how much, how it feels, what people want, how fast we were."""
    since, until = report.since.strftime("%Y-%m-%d %H:%M"), report.until.strftime("%Y-%m-%d %H:%M")
    head = Table(title=escape(f"{report.name}: {report.mentions} mentions, {since} → {until}"), show_header=True)
    for col in ("sentiment", "posts", "share"):
        head.add_column(col)
    for label in SENTIMENTS:
        head.add_row(label, str(report.sentiment.get(label, 0)), _share(report.sentiment.get(label, 0),
                                                                         report.mentions))
    intents = Table("intent", "posts", "share", title="What people want")
    for label in INTENTS:
        intents.add_row(label, str(report.intent.get(label, 0)), _share(report.intent.get(label, 0), report.mentions))
    intents.add_row("proactive (not addressed to us)", str(report.proactive), _share(report.proactive,
                                                                                     report.mentions))

    r = report.response
    response = Table("response", "value", title=f"Webcare response (service level {r.sla_minutes:g} min)")
    response.add_row("posts addressed to us", str(r.addressed))
    response.add_row("answered", f"{r.answered} ({_share(r.answered, r.addressed)})")
    response.add_row("answered within the service level", f"{r.within_sla} ({_share(r.within_sla, r.addressed)})")
    response.add_row("median / p90 response time",
                     " / ".join("–" if m is None else f"{m:,.0f} min" for m in (r.median_minutes, r.p90_minutes)))

    voice_total = sum(report.share_of_voice.values())
    voice = Table("brand", "posts", "share of voice", title="Share of voice")
    for name, n in sorted(report.share_of_voice.items(), key=lambda kv: -kv[1]):
        voice.add_row(escape(name), str(n), _share(n, voice_total))

    channels = sorted(report.channels, key=lambda c: -report.channels[c])
    days = Table("day", *channels, "negative", title="Volume per day and channel")
    days.columns[0].no_wrap = True
    for day, figures in report.per_day.items():
        days.add_row(day, *(str(figures["channel"].get(c, 0)) for c in channels),
                     str(figures["sentiment"].get("negative", 0)))

    authors = Table("author", "posts", title="Top authors")
    for handle, n in report.top_authors:
        authors.add_row(escape(handle), str(n))
    engaged = Table("engagement", "channel", "author", "text", title="Most engaged posts")
    for post in report.most_engaged:
        total = sum((post.get("engagement") or {}).get(k) or 0 for k in ("likes", "replies", "shares"))
        engaged.add_row(str(total), post["channel"], escape((post.get("author") or {}).get("handle") or ""),
                        escape(post["text"][:100]))
    topics = Table("term", "negative posts", title="Recurring in negative posts")
    for term, n in report.negative_topics:
        topics.add_row(escape(term), str(n))
    return Group(head, intents, response, voice, days, authors, engaged, topics)
