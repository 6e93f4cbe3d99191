"""Slack payloads for alerts: one exact payload, escaping of user text, and Slack's Block Kit limits.

Expected payloads are written out by hand from Slack's docs and the brief, never produced by the code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.notify.slack import SEVERITY_EMOJI, alert_message, escape_mrkdwn
from schemas import Alert, AlertPost, Severity

ZWJ = "\u200d"


def make_alert(**changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "alert_id": "bestelbaas:datalek:2026-11-03T13:00:00+00:00",
        "monitor_id": "bestelbaas",
        "rule_id": "datalek",
        "rule_type": "match",
        "severity": "critical",
        "window_start": datetime(2026, 11, 3, 13, 0, tzinfo=UTC),
        "window_end": datetime(2026, 11, 3, 13, 15, tzinfo=UTC),
        "summary": "3 berichten over een datalek bij Bestelbaas in 15 minuten",
        "count": 3,
        "baseline": 0.4,
        "evidence": ["x:t1", "forum.prikbord:t2"],
        "created_at": datetime(2026, 11, 3, 13, 15, 2, tzinfo=UTC),
    }
    return Alert(**{**fields, **changes})


def make_post(n: int = 1, sentiment: str | None = "negative", intent: str | None = "complaint",
              **overrides: Any) -> AlertPost:
    """An evidence post as an alert carries it, numbered so ids are distinct."""
    fields: dict[str, Any] = {
        "post_id": f"x:t{n}",
        "url": f"https://x.example/p/{n}",
        "channel": "x",
        "author": {"id": f"u{n}", "handle": f"klant{n}", "display_name": f"Klant {n}", "followers": 12},
        "published_at": "2026-11-20T09:15:00+01:00",
        "text": f"@bestelbaas waar blijft mijn pakket? Bestelnummer {n}, al 3 dagen onderweg 😡",
        "sentiment": sentiment,
        "intent": intent,
    }
    return AlertPost(**{**fields, **overrides})


def post_texts(message: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in message["blocks"] if block["type"] == "section"][1:]


def units(text: str) -> int:
    """Length in UTF-16 code units: never less than characters, however Slack counts."""
    return len(text.encode("utf-16-le")) // 2


def test_exact_payload_for_a_representative_alert():
    posts = [
        make_post(1, text="Mijn gegevens staan online?! Datalek bij @bestelbaas & niemand reageert <3",
                  url="https://x.example/anja/status/1",
                  author={"handle": "anja_nl", "display_name": "Anja", "followers": 310}),
        make_post(2, sentiment=None, intent=None, post_id="forum.prikbord:t2", channel="forum",
                  text="Iemand anders ook een mail over het datalek gekregen?",
                  url="https://prikbord.example/t/9?pagina=1&sort=nieuw", author={"display_name": "Piet"}),
    ]

    message = alert_message(make_alert(posts=posts), monitor_name="Bestelbaas",
                            report_url="https://luister.example/report?monitor=bestelbaas")

    assert message == {
        "text": "[critical] Bestelbaas · datalek: 3 berichten over een datalek bij Bestelbaas in 15 minuten",
        "blocks": [
            {"type": "header",
             "text": {"type": "plain_text", "text": ":rotating_light: Bestelbaas · datalek", "emoji": True}},
            {"type": "section",
             "text": {"type": "mrkdwn", "text": "3 berichten over een datalek bij Bestelbaas in 15 minuten"},
             "fields": [
                 {"type": "mrkdwn", "text": "*Severity*\ncritical"},
                 {"type": "mrkdwn", "text": "*Posts*\n3 (baseline 0.4)"},
                 {"type": "mrkdwn", "text": "*Window*\n2026-11-03 14:00–14:15 CET"},
                 {"type": "mrkdwn", "text": "*Rule type*\nmatch"},
             ]},
            {"type": "divider"},
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                "*@anja_nl* · x · negative · complaint\n"
                "Mijn gegevens staan online?! Datalek bij @bestelbaas &amp; niemand reageert &lt;3\n"
                "<https://x.example/anja/status/1|open>")}},
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                "*Piet* · forum\n"
                "Iemand anders ook een mail over het datalek gekregen?\n"
                "<https://prikbord.example/t/9?pagina=1&amp;sort=nieuw|open>")}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": "alert_id: bestelbaas:datalek:2026-11-03T13:00:00+00:00"},
                {"type": "mrkdwn", "text": "<https://luister.example/report?monitor=bestelbaas|Open the report>"},
            ]},
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }


def test_without_baseline_posts_or_report_only_the_count_and_the_alert_id():
    message = alert_message(make_alert(baseline=None), monitor_name="Bestelbaas")

    assert [block["type"] for block in message["blocks"]] == ["header", "section", "context"]
    assert message["blocks"][1]["fields"][1] == {"type": "mrkdwn", "text": "*Posts*\n3"}
    assert message["blocks"][-1]["elements"] == [
        {"type": "mrkdwn", "text": "alert_id: bestelbaas:datalek:2026-11-03T13:00:00+00:00"}]


@pytest.mark.parametrize("severity", list(Severity))
def test_every_severity_has_an_emoji_in_the_header(severity):
    assert SEVERITY_EMOJI.get(severity), f"add an emoji for {severity!r} to SEVERITY_EMOJI in pipeline/notify/slack.py"
    header = alert_message(make_alert(severity=severity), monitor_name="Bestelbaas")["blocks"][0]
    assert header["text"]["text"] == f"{SEVERITY_EMOJI[severity]} Bestelbaas · datalek"


WINDOWS = [
    # (why, start UTC, end UTC, shown)
    ("winter, one day", datetime(2026, 11, 3, 13, 0), datetime(2026, 11, 3, 13, 15), "2026-11-03 14:00–14:15 CET"),
    ("summer time", datetime(2026, 7, 1, 10, 0), datetime(2026, 7, 1, 11, 0), "2026-07-01 12:00–13:00 CEST"),
    ("over midnight in Amsterdam", datetime(2026, 11, 3, 22, 30), datetime(2026, 11, 3, 23, 30),
     "2026-11-03 23:30 CET – 2026-11-04 00:30 CET"),
    ("over the clock change", datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 1, 30),
     "2026-10-25 02:30 CEST – 2026-10-25 02:30 CET"),
]


@pytest.mark.parametrize(("why", "start", "end", "shown"), WINDOWS, ids=[w[0] for w in WINDOWS])
def test_the_window_is_shown_in_amsterdam_time(why, start, end, shown):
    alert = make_alert(window_start=start.replace(tzinfo=UTC), window_end=end.replace(tzinfo=UTC))
    fields = alert_message(alert, monitor_name="Bestelbaas")["blocks"][1]["fields"]
    assert fields[2] == {"type": "mrkdwn", "text": f"*Window*\n{shown}"}


ESCAPES = [
    # (why, user text, in mrkdwn)
    ("channel broadcast", "<!channel> kom kijken", "&lt;!channel&gt; kom kijken"),
    ("here broadcast", "<!here|here>", "&lt;!here|here&gt;"),
    ("user mention", "bel <@U123ABC> nu", "bel &lt;@U123ABC&gt; nu"),
    ("hidden link", "<https://evil.example|x>", "&lt;https://evil.example|x&gt;"),
    ("date token", "<!date^1790000000^{date}|nu>", "&lt;!date^1790000000^{date}|nu&gt;"),
    ("plain @here", "@here let op!", f"@{ZWJ}here let op!"),
    ("plain @Channel", "Hé @Channel, kijk", f"Hé @{ZWJ}Channel, kijk"),
    ("plain @everyone", "@EVERYONE!", f"@{ZWJ}EVERYONE!"),
    ("already escaped stays visible", "&lt;!channel&gt; &amp;", "&amp;lt;!channel&amp;gt; &amp;amp;"),
    ("control characters dropped", "a\x00b\x07c\x1b[31md\x7fe\x85f", "abc[31mdef"),
    ("bidi override dropped", "lees \u202egnp.exe\u202c dit", "lees gnp.exe dit"),
    ("control between @ and here", "@\x00here", f"@{ZWJ}here"),
    ("newline and tab kept", "regel 1\nregel 2\tklaar", "regel 1\nregel 2\tklaar"),
    ("an address is no broadcast", "mail info@here.nl", "mail info@here.nl"),
    ("a longer word is no broadcast", "@hereford @channels", "@hereford @channels"),
    ("emphasis stays", "*vet* _schuin_ ~weg~", "*vet* _schuin_ ~weg~"),
]


@pytest.mark.parametrize(("why", "text", "escaped"), ESCAPES, ids=[e[0] for e in ESCAPES])
def test_escape_mrkdwn(why, text, escaped):
    assert escape_mrkdwn(text) == escaped


def test_a_long_text_is_cut_with_an_ellipsis_within_the_limit():
    text = "Pakket kwijt. " * 715  # 10,010 characters
    escaped = escape_mrkdwn(text)
    assert escaped == text[:2999] + "…"
    assert escape_mrkdwn(text[:3000]) == text[:3000]  # exactly the limit: nothing cut


def test_the_limit_counts_utf16_units_so_emoji_cannot_overflow():
    # each 😡 is two UTF-16 units: 1,499 of them and the ellipsis make 2,999
    assert escape_mrkdwn("😡" * 10_000) == "😡" * 1_499 + "…"


def test_a_cut_never_splits_an_entity():
    assert escape_mrkdwn("&&&", limit=10) == "&amp;…"


def test_broadcasts_from_authors_and_labels_are_neutralised_too():
    post = make_post(1, text="<!channel> @here", author={"handle": "channel"})
    text = post_texts(alert_message(make_alert(posts=[post]), monitor_name="Bestelbaas"))[0]
    assert text.startswith(f"*@{ZWJ}channel* · x")
    assert f"&lt;!channel&gt; @{ZWJ}here" in text


def test_channel_and_labels_from_the_topic_are_escaped():
    post = make_post(1, channel="<!channel>", sentiment="@here", intent="<@U1>")
    text = post_texts(alert_message(make_alert(posts=[post]), monitor_name="Bestelbaas"))[0]
    assert text.startswith(f"*@klant1* · &lt;!channel&gt; · @{ZWJ}here · &lt;@U1&gt;\n")


NOT_LINKED = ["javascript:alert(1)", "ftp://files.example/lijst", "slack://open?team=T1", "file:///etc/passwd",
              "mailto:klant@example.nl", "//x.example/p/1", "http://[kapot", "https:///geen-host", None]


@pytest.mark.parametrize("url", NOT_LINKED)
def test_only_http_urls_are_linked(url):
    text = post_texts(alert_message(make_alert(posts=[make_post(1, url=url)]), monitor_name="Bestelbaas"))[0]
    assert "<" not in text and "|open>" not in text


def test_a_linked_url_cannot_break_out_of_its_link():
    post = make_post(1, url="https://x.example/p?q=<!channel>|evil&x=1 2")
    text = post_texts(alert_message(make_alert(posts=[post]), monitor_name="Bestelbaas"))[0]
    assert text.endswith("\n<https://x.example/p?q=%3C!channel%3E%7Cevil&amp;x=1%202|open>")


def test_a_report_url_that_is_not_http_is_left_out():
    message = alert_message(make_alert(), monitor_name="Bestelbaas", report_url="javascript:alert(1)")
    assert len(message["blocks"][-1]["elements"]) == 1


def test_slack_limits_hold_for_huge_input():
    long_rule = "r" * 500
    posts = [make_post(n, text="<!channel> " * 4_000, author={"handle": "h" * 3_000}, channel="c" * 3_000,
                       sentiment="s" * 3_000, intent="&" * 3_000, url="https://x.example/" + "p" * 4_000)
             for n in range(20)]  # 20: the most an Alert carries
    alert = make_alert(rule_id=long_rule, rule_type="t" * 5_000, summary="&" * 2_000,
                       alert_id="a" * 5_000, baseline=10.0**300, posts=posts)

    message = alert_message(alert, monitor_name="M" * 500, report_url="https://r.example/" + "q" * 4_000)

    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert len(post_texts(message)) == 5
    header = blocks[0]["text"]["text"]
    assert units(header) <= 150 and header.endswith("…")
    for block in blocks:
        if block["type"] == "section":
            assert units(block["text"]["text"]) <= 3_000
            assert len(block.get("fields", [])) <= 10
            assert all(units(field["text"]) <= 2_000 for field in block.get("fields", []))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(units(element["text"]) <= 3_000 for element in block["elements"])
    assert units(message["text"]) <= 3_000


def test_a_post_text_is_cut_to_about_300_characters():
    post = make_post(1, text="Waar blijft mijn pakket? " * 400, url=None)
    excerpt = post_texts(alert_message(make_alert(posts=[post]), monitor_name="Bestelbaas"))[0].split("\n")[1]
    assert excerpt == ("Waar blijft mijn pakket? " * 400)[:299] + "…"
