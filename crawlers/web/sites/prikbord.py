"""Prikbord: a Dutch forum about providers and services (fictional; the test fixture site)."""

from crawlers.web.config import ForumSite

SITE = ForumSite(
    name="prikbord",
    source="forum.prikbord",
    base_url="https://www.prikbord.test",
    start_paths=("/forum/",),
    thread_link="a.thread-link::attr(href)",
    list_next_page="nav.pages a[rel=next]::attr(href)",
    thread_id_pattern=r"/topic/(t\d+)",
    thread_title="h1.thread-title::text",
    thread_next_page="nav.pages a[rel=next]::attr(href)",
    post="article.post",
    post_id="::attr(data-post-id)",
    author=".meta .author::text",
    author_id=".meta .author::attr(href)",
    time=".meta time::text",
    body=".post-body",
    quote="blockquote.quote",
    quote_post_id="::attr(data-post-id)",
    likes=".likes::text",
)
