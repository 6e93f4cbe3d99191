"""The registry of crawled web sites: one config file per site, one line here.

Add a site: write ``crawlers/web/sites/<name>.py`` holding ``SITE = ForumSite(...)``
(or ``ReviewSite`` / ``NewsSite``), add it below, and add its fixture pages and
expected posts under ``tests/fixtures/web/`` (see docs/how_to_add_a_spider.md).
"""

from __future__ import annotations

from crawlers.web.config import Site
from crawlers.web.sites import dagkrant, klantenstem, prikbord

SITES: dict[str, Site] = {
    "prikbord": prikbord.SITE,
    "klantenstem": klantenstem.SITE,
    "dagkrant": dagkrant.SITE,
}
