"""Every registered site, parsed offline from its fixture pages, gives exactly its golden posts."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse

from crawlers.web.extract import element_text, extract_reviews
from crawlers.web.sites import SITES
from crawlers.web.spiders import SPIDERS
from tests.fixtures.web.harness import FETCHED_AT, WWW, crawl_offline, expected_path, read_expected

FIX_IT = (
    "site {site!r} has no golden posts at {path}. Add its fixture pages under tests/fixtures/web/www/ "
    "(self-written, Dutch), run `.venv/bin/python -m tests.fixtures.web.harness {site}` and review "
    "every line of the file it writes (see docs/how_to_add_a_spider.md)."
)


@pytest.mark.parametrize("site", list(SITES))
def test_site_matches_golden_posts(site: str) -> None:
    path = expected_path(site)
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        pytest.fail(FIX_IT.format(site=site, path=path), pytrace=False)
    posts, _ = crawl_offline(site)
    got = [json.loads(post.to_bytes()) for post in posts]
    expected = read_expected(site)
    assert [p["post_id"] for p in got] == [p["post_id"] for p in expected]
    for actual, wanted in zip(got, expected, strict=True):
        assert actual == wanted, f"{actual['post_id']} differs from its golden post"


@pytest.mark.parametrize("site", list(SITES))
def test_site_config_is_complete(site: str) -> None:
    config = SITES[site]
    assert config.name == site, f"SITES key {site!r} must equal the config's name {config.name!r}"
    assert config.kind in SPIDERS, f"no generic spider for kind {config.kind!r}"
    assert not config.base_url.endswith("/")


def test_forum_thread_replies_and_skips() -> None:
    posts, counts = crawl_offline("prikbord")
    by_id = {p.external_id: p for p in posts}
    assert by_id["70012"].in_reply_to == "forum.prikbord:70011"  # quoted post
    assert "Iemand anders ook?" not in by_id["70012"].text  # the quote is not the reply's text
    assert {p.conversation_id for p in posts} == {"t5001", "t5002", "t5003"}
    assert "70014" in by_id  # from the thread's second page
    assert "79999" not in by_id  # robots.txt disallows /forum/prive/
    assert counts["skipped/no_date"] == 1 and counts["skipped/robots"] == 1
    assert counts["skipped/invalid"] == 1  # 70024, a pasted log longer than RawPost allows


def test_review_company_reply_is_its_own_post() -> None:
    posts, _ = crawl_offline("klantenstem")
    reply = next(p for p in posts if p.external_id == "r9001-reply")
    assert reply.in_reply_to == "reviews.klantenstem:r9001"
    assert reply.author is not None and reply.author.display_name == "Spaarkist"
    assert {p.rating for p in posts if p.in_reply_to is None} == {1.0, 5.0, 2.0, 4.0}


def test_windows_1252_page_is_decoded() -> None:
    body = (WWW / "reviews/bedrijf/spaarkist/pagina-2.html").read_bytes()
    assert "€".encode("cp1252") in body and "€".encode() not in body  # the fixture really is cp1252
    # Served with only a header charset and no <meta> it must still decode.
    stripped = body.replace(b'<meta charset="windows-1252">', b"")
    response = HtmlResponse(
        url="https://www.klantenstem.test/reviews/bedrijf/spaarkist/pagina-2.html",
        body=stripped,
        headers={"Content-Type": "text/html; charset=windows-1252"},
    )
    items = [i for i in extract_reviews(response, SITES["klantenstem"], FETCHED_AT) if isinstance(i, dict)]
    assert items[0]["title"] == "Kosten van €4,50 per maand – waarom?"
    assert items[0]["author"] == {"display_name": "José Hernández"}


def test_news_comments_reply_to_article_or_comment() -> None:
    posts, counts = crawl_offline("dagkrant")
    by_id = {p.external_id: p for p in posts}
    article = "news.dagkrant:spaarkist-storing-verholpen"
    assert by_id["spaarkist-storing-verholpen#c301"].in_reply_to == article
    assert by_id["spaarkist-storing-verholpen#c302"].in_reply_to == article + "#c301"
    assert "Reacties" not in by_id["spaarkist-storing-verholpen"].text  # comments are not article text
    broken = by_id["bestelbaas-distributiecentrum-zwolle"]  # unclosed tags, stray end tags
    assert broken.published_at.isoformat() == "2026-11-13T08:15:00+01:00"
    assert broken.text.endswith("vaste contracten.")
    assert counts["skipped/not_article"] == 1


def test_element_text_keeps_blocks_as_lines() -> None:
    body = b"<div><p>Een  <b>twee</b>\n drie</p><p>vier<br>vijf<!-- advertentie --></p><script>x()</script></div>"
    response = HtmlResponse(url="https://x.test/", body=body)
    assert element_text(response.css("div")[0]) == "Een twee drie\nvier\nvijf"


def test_a_page_that_breaks_extraction_is_counted_and_the_crawl_goes_on() -> None:
    spider = SPIDERS["forum"](site=SITES["prikbord"], fetched_at=FETCHED_AT)

    def broken():
        yield {"external_id": "1"}
        raise ValueError("unexpected markup")

    assert list(spider.emit(broken(), "https://www.prikbord.test/forum/topic/t1.html")) == [{"external_id": "1"}]
    assert spider.counts["skipped/parse_error"] == 1
