"""Dagkrant: a Dutch news site with reader comments (fictional; the test fixture site)."""

from crawlers.web.config import NewsSite

SITE = NewsSite(
    name="dagkrant",
    source="news.dagkrant",
    base_url="https://www.dagkrant.test",
    sitemap_paths=("/nieuws/sitemap.xml",),
    feed_paths=("/nieuws/rss.xml",),
    article_pattern=r"^/nieuws/artikel/([a-z0-9-]+)\.html$",
    published=(
        'meta[property="article:published_time"]::attr(content)',
        "article time::attr(datetime)",
        ".byline .datum::text",
    ),
    comment="#comments li.comment",
    comment_id="::attr(id)",
    comment_author=".author::text",
    comment_time="time::attr(datetime)",
    comment_text=".text",
    comment_reply_to="::attr(data-reply-to)",
)
