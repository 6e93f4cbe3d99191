"""Web crawling with Scrapy: generic forum, review and news spiders driven by per-site config.

Entry point: ``crawlers.web.cli.crawl``. Sites are registered in ``crawlers.web.sites.SITES``.
"""
