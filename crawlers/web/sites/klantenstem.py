"""Klantenstem: a Dutch review site, ratings 1-5 (fictional; the test fixture site)."""

from crawlers.web.config import ReviewSite

SITE = ReviewSite(
    name="klantenstem",
    source="reviews.klantenstem",
    base_url="https://www.klantenstem.test",
    start_paths=("/reviews/bedrijf/spaarkist/",),
    next_page="nav a[rel=next]::attr(href)",
    review="div.review",
    review_id="::attr(data-review-id)",
    rating=".stars::attr(data-rating)",
    title=".review-title::text",
    text=".review-text",
    author=".reviewer .name::text",
    time=".reviewer time::text",
    reply=".company-reply",
    reply_author=".reply-author::text",
    reply_text=".reply-text",
    reply_time=".reply-time::text",
)
