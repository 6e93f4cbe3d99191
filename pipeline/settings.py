"""The one settings object: every knob of Luister, read once from the environment.

Environment variables use the prefix ``LUISTER_`` and ``__`` for nesting, for
example ``LUISTER_KAFKA__BOOTSTRAP_SERVERS=broker:9092`` or
``LUISTER_SEARCH__ENGINE=elasticsearch``. A ``.env`` file in the working
directory is read too (see ``.env.example``). This module is the only place in
the project that reads the environment; everything else receives a
``Settings`` instance from its entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.topics import Topic, topic_name


class KafkaSettings(BaseModel):
    """Where the Kafka cluster is and how Luister names and creates its topics."""

    bootstrap_servers: str = Field(
        "localhost:9092", description="Comma-separated host:port list of Kafka brokers."
    )
    topic_prefix: str = Field(
        "",
        description="Prepended to every topic name (e.g. 'acme.' gives 'acme.posts.raw'); "
        "lets several deployments or test runs share one cluster.",
    )
    partitions: int = Field(
        3, ge=1, description="Partitions for topics Luister creates; the upper bound on workers per role."
    )
    replication_factor: int = Field(1, ge=1, description="Replication factor for topics Luister creates.")


class SearchSettings(BaseModel):
    """The search engine the indexer writes to and `luister search` reads from."""

    engine: Literal["opensearch", "elasticsearch"] = Field(
        "opensearch",
        description="Which client adapter to use: 'elasticsearch' (official client 8.x, "
        "for Elasticsearch 8) or 'opensearch' (opensearch-py, for OpenSearch 2).",
    )
    url: str = Field("http://localhost:9200", description="Base URL of the search engine's REST API.")
    username: str | None = Field(None, description="Basic-auth user name, if the engine requires one.")
    password: SecretStr | None = Field(None, description="Basic-auth password.")
    api_key: SecretStr | None = Field(None, description="Elasticsearch API key (used instead of basic auth).")
    verify_certs: bool = Field(True, description="Verify TLS certificates for https URLs.")
    index_prefix: str = Field(
        "luister", description="Index names start with this prefix (monthly '<prefix>-posts-YYYY.MM' behind the "
        "alias '<prefix>-posts')."
    )
    request_timeout_s: float = Field(30.0, gt=0, description="Timeout for one request to the engine.")
    retention_days: int | None = Field(
        395, ge=1, description="Keep posts at least this many days (13 months: a year-on-year report still has its "
        "baseline); the lifecycle policy (ILM/ISM) or `luister es prune` deletes older monthly indices. "
        "None keeps everything.",
    )


class StackSettings(BaseModel):
    """The local development stack started by `luister stack up` (Kafka + OpenSearch from Maven Central)."""

    home: Path = Field(Path(".stack"), description="Directory for jars' classpaths, data, logs and pid files.")
    kafka_port: int = Field(9092, description="Port of the local Kafka broker listener.")
    kafka_controller_port: int = Field(9093, description="Port of the local KRaft controller listener.")
    search_port: int = Field(9200, description="HTTP port of the local OpenSearch node.")
    kafka_heap: str = Field("512m", description="Java heap for the local Kafka broker.")
    search_heap: str = Field("1g", description="Java heap for the local OpenSearch node.")
    start_timeout_s: float = Field(
        240.0, gt=0, description="How long `stack up` waits for both services to become healthy."
    )


class WorkerSettings(BaseModel):
    """How faust workers run."""

    app_id: str = Field(
        "luister", description="Base of the faust app id and consumer group ('<app_id>-<role>')."
    )
    max_record_bytes: int = Field(
        256 * 1024,
        gt=0,
        description="Raw records larger than this are dead-lettered as 'too_large' before parsing "
        "(a post is a few KB; a huge record is a bug or an attack, not a post).",
    )
    dead_letter_payload_bytes: int = Field(
        64 * 1024,
        gt=0,
        description="At most this many bytes of the original record are kept in a dead letter "
        "(with its full size and sha256) so a dead letter always fits Kafka's message limit.",
    )
    commit_interval_s: float = Field(1.0, gt=0, description="How often faust commits processed offsets.")
    session_timeout_s: float = Field(
        30.0,
        ge=6,
        description="Kafka consumer session timeout: how long a crashed worker holds its partitions "
        "before the group hands them to others (Kafka's default is 45 s; the broker's floor is 6 s).",
    )
    batch_size: int = Field(
        200, ge=1, description="Most raw posts the ingest worker processes as one batch (its kept posts are "
        "classified in one call)."
    )
    batch_window_s: float = Field(
        0.2, gt=0, description="A partial ingest batch is processed after this long (bounds added latency)."
    )
    data_dir: Path = Field(Path(".stack/faust"), description="Where faust keeps its local state per app.")
    metrics_port: int = Field(
        0,
        ge=0,
        description="Serve Prometheus metrics over HTTP from this port (0: off). Each role adds its "
        "position in the role list: ingest on the port itself, indexer on port + 1.",
    )


class DedupeSettings(BaseModel):
    """The dedupe stage: exact redeliveries, copies and near-duplicates (state in a sqlite file)."""

    copies: Literal["index", "drop"] = Field(
        "index",
        description="What happens to copies and near-duplicates: 'index' them with duplicate_of/cluster_id "
        "(analysts see the spread of a story), or 'drop' them (counted as 'duplicate').",
    )
    near_threshold: float = Field(
        0.8, gt=0, le=1, description="MinHash Jaccard similarity from which a post is a near-duplicate."
    )
    window_days: float = Field(
        7.0,
        gt=0,
        description="How long a post is remembered as an original for later copies; older state expires so "
        "memory stays bounded (a news story's copies arrive within days).",
    )
    sweep_interval_s: float = Field(
        600.0, gt=0, description="How often the ingest worker removes expired dedupe state."
    )


class RelevanceSettings(BaseModel):
    """Monitor matching: which posts belong to which customer's monitors."""

    monitors_file: Path = Field(
        Path("deploy/local/sample/monitors.yaml"),
        description="YAML file of monitors (queries, owned accounts, competitors); validated at start-up.",
    )


class ClassifySettings(BaseModel):
    """The classify stage: sentiment, intent and priority of every kept post (in the ingest worker)."""

    enabled: bool = Field(True, description="Classify posts; when off, posts leave with sentiment and intent None.")
    model: str = Field(
        "models/luister-nl",
        description="The model: a local model directory (config.json, tokenizer, weights) or a Hugging Face hub "
        "id (read from the local hub cache unless allow_download). Judges sentiment and, if it has intent labels, "
        "intent.",
    )
    intent_model: str | None = Field(
        None,
        description="Another model for intent (e.g. a hub sentiment model as `model` plus Luister's own model "
        "here); None: `model` judges both. Naming the same model twice loads it once.",
    )
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        "auto",
        description="'torch' (transformers), 'onnx' / 'onnx-int8' (ONNX Runtime on onnx/model.onnx or "
        "onnx/model.int8.onnx in the model directory), or 'auto': what the model's luister.json recommends, "
        "else torch.",
    )
    batch_size: int = Field(
        16, ge=1, description="Texts per model call (the ingest batch, worker.batch_size, is split into these); "
        "the onnx-int8 backend always calls per post, so batch-mates never change a post's labels."
    )
    max_length: int = Field(
        256, ge=8, description="Tokens of a post the model reads; the rest is cut (capped by the model's own limit)."
    )
    threads: int = Field(2, ge=1, description="CPU threads of one model call (torch and ONNX Runtime).")
    allow_download: bool = Field(
        False,
        description="Let the worker download a hub model that is not in the local cache; off by default so nothing "
        "is fetched at run time (use `luister model pull` instead).",
    )
    label_map: dict[str, dict[str, str]] | None = Field(
        None,
        description="Model label -> our labels, for models whose labels cannot be read automatically "
        "(e.g. '{\"LABEL_0\": {\"sentiment\": \"negative\"}}'); overrides the automatic reading of the labels "
        "it names; {} ignores a label.",
    )
    influencer_followers: int = Field(
        10_000,
        ge=0,
        description="Followers from which the author of a negative complaint about a monitored brand makes the "
        "post high priority.",
    )

    def model_options(self) -> dict[str, Any]:
        """The keyword arguments of ``processors.classify.model.load_classifiers`` (after model and intent_model)."""
        return {"backend": self.backend, "allow_download": self.allow_download, "max_length": self.max_length,
                "threads": self.threads, "batch_size": self.batch_size, "label_map": self.label_map}


class IndexerSettings(BaseModel):
    """The search-engine sink."""

    batch_size: int = Field(500, ge=1, description="Most posts in one bulk request.")
    flush_interval_s: float = Field(
        1.0, gt=0, description="A partial batch is flushed after this long (bounds index latency)."
    )
    retry_initial_s: float = Field(0.5, gt=0, description="First back-off after a failed bulk request.")
    retry_max_s: float = Field(30.0, gt=0, description="Back-off cap; retries go on until the engine answers.")


class AlertsSettings(BaseModel):
    """The alerts worker: the monitors' rules run over posts.enriched."""

    batch_size: int = Field(200, ge=1, description="Most posts judged as one batch (firings in it are grouped).")
    batch_window_s: float = Field(
        0.1, gt=0, description="A partial batch is judged after this long (bounds alert latency)."
    )
    tick_s: float = Field(
        5.0, gt=0, description="How often time-driven rules (unanswered) are checked and old alert ids forgotten."
    )
    quiet_s: float = Field(
        10.0, gt=0, description="After this long without posts, unanswered posts are judged by the wall clock "
        "instead of the newest post's time (which keeps a backlog's replies from coming 'too late')."
    )


class WebhookTarget(BaseModel):
    """A generic webhook receiving every alert as signed JSON."""

    url: SecretStr = Field(..., description="Where to POST (a secret: it is never logged).")
    secret: SecretStr = Field(..., description="HMAC-SHA256 key of the X-Luister-Signature header.")


class NotifySettings(BaseModel):
    """The notifier: alerts from the alerts topic to Slack incoming webhooks and generic webhooks."""

    slack: list[SecretStr] = Field(
        default_factory=list,
        description="Slack incoming-webhook URLs (secrets: never logged); every alert goes to each.",
    )
    webhooks: list[WebhookTarget] = Field(default_factory=list, description="Generic signed webhooks.")
    dry_run: bool = Field(False, description="Print each payload instead of sending it (nothing is recorded).")
    report_url: str | None = Field(
        None, description="Link under each Slack alert; '{monitor}' is replaced by the monitor id.",
    )
    timeout_s: float = Field(10.0, gt=0, description="Per-request timeout.")
    retry_initial_s: float = Field(1.0, gt=0, description="First back-off after a failed delivery.")
    retry_max_s: float = Field(
        60.0, gt=0, description="Back-off cap; retries go on (the alert waits in Kafka) until delivered."
    )


class SourceSettings(BaseModel):
    """What every source (crawler, feed poller, connector) shares."""

    state_dir: Path = Field(
        Path(".stack/sources"),
        description="Where sources persist their state (cursors, seen ids, ETags) across restarts.",
    )
    user_agent: str = Field(
        "LuisterBot/0.1 (+https://github.com/luister/luister; media monitoring)",
        description="User-Agent sent by crawlers and pollers; identifies us to site owners.",
    )
    request_timeout_s: float = Field(20.0, gt=0, description="Timeout for one HTTP request by a source.")
    backfill_days: int = Field(
        7, ge=0, description="On a first run (no saved cursor), how many days back a source fetches."
    )


class FeedSettings(BaseModel):
    """The RSS/Atom poller (`luister poll`)."""

    feeds_file: Path = Field(
        Path("deploy/local/sample/feeds.yaml"), description="YAML list of feeds to poll (url, source, channel, interval)."
    )
    default_interval_s: float = Field(300.0, gt=0, description="Poll interval of a feed that does not set its own.")
    max_backoff_s: float = Field(
        6 * 3600.0, gt=0, description="Longest wait between polls of a feed that keeps failing."
    )
    max_concurrency: int = Field(20, ge=1, description="Feeds fetched at the same time by one poller.")
    max_per_host: int = Field(
        2,
        ge=1,
        description="Feeds fetched at the same time from one host (host and port): a site with dozens of "
        "section feeds is asked two at a time, as a polite crawler would (scrapy allows 8 per domain for "
        "pages; feeds are cheap for us and repetitive for the site).",
    )
    remember_entries: int = Field(
        1000,
        ge=1,
        description="Per feed, how many emitted entry ids are kept to recognise entries already sent "
        "(ids still in the feed are always kept; a feed shows 10-100 entries, so 1000 leaves room "
        "for feeds that reorder or briefly drop entries).",
    )
    max_feed_bytes: int = Field(
        10 * 1024 * 1024,
        gt=0,
        description="A response larger than this is refused as 'too_large' (the biggest real feeds, "
        "podcasts with full show notes, are a few MB).",
    )


class ConnectorSettings(BaseModel):
    """Social API connectors (`luister connect NAME`). Base URLs are settings so tests and proxies can move them."""

    x_base_url: str = Field("https://api.x.com", description="X API v2 base URL.")
    x_bearer_token: SecretStr | None = Field(None, description="X API v2 app bearer token.")
    reddit_base_url: str = Field("https://oauth.reddit.com", description="Reddit API base URL.")
    reddit_token: SecretStr | None = Field(None, description="Reddit OAuth bearer token.")
    mastodon_base_url: str = Field("https://mastodon.social", description="Mastodon instance base URL.")
    mastodon_token: SecretStr | None = Field(None, description="Mastodon access token (public timelines need none).")
    x_query: str = Field(
        "Bestelbaas OR Spaarkist OR golfnl OR golfhelpt", description="Default X recent-search query (`connect x`)."
    )
    reddit_query: str = Field("Bestelbaas OR Spaarkist", description="Default Reddit search query (`connect reddit`).")
    reddit_subreddit: str | None = Field(
        None, description="Search only this subreddit (name without 'r/'); None searches all of Reddit."
    )
    mastodon_hashtag: str = Field(
        "spaarkiststoring", description="Default Mastodon hashtag, without '#' (`connect mastodon`)."
    )
    mastodon_timeline: Literal["hashtag", "public"] = Field(
        "hashtag",
        description="Mastodon timeline to follow: 'hashtag' (the query's tag timeline and hashtag stream) or "
        "'public' (the instance's public timeline and public stream; the query, default 'timeline:public', then only "
        "keys the cursor).",
    )
    bluesky_base_url: str = Field(
        "https://api.bsky.app", description="Bluesky AppView base URL (serves app.bsky.feed.searchPosts)."
    )
    bluesky_token: SecretStr | None = Field(
        None, description="Bluesky access JWT (a session token); search may be refused without one."
    )
    bluesky_query: str = Field(
        "Bestelbaas OR Spaarkist", description="Default Bluesky search query (`connect bluesky`)."
    )
    youtube_base_url: str = Field(
        "https://www.googleapis.com", description="YouTube Data API v3 base URL (serves /youtube/v3/commentThreads)."
    )
    youtube_api_key: SecretStr | None = Field(
        None,
        description="YouTube Data API key (Google Cloud console); sent as the `key` query parameter, "
        "redacted from logs. Reading public comments needs no OAuth.",
    )
    youtube_channel_id: str = Field(
        "UCq3Bestelbaas7NLwebcare",
        description="Default brand channel id ('UC…', not the @handle) whose videos' comment threads "
        "`connect youtube` fetches; the only query the connector knows.",
    )
    graph_base_url: str = Field(
        "https://graph.facebook.com",
        description="Meta Graph API base URL (Facebook Pages and Instagram business accounts).",
    )
    graph_api_version: str = Field(
        "v21.0", description="Graph API version in every path (Meta retires a version about two years after release)."
    )
    graph_comment_window_days: int = Field(
        14,
        ge=1,
        description="Facebook/Instagram: each round re-reads the comments under posts published this many days back "
        "(or since the watermark, if earlier); new comments under older posts are not seen.",
    )
    facebook_page_id: str | None = Field(
        None, description="The brand's Facebook Page id (`connect facebook`); its comments, visitor posts and tags."
    )
    facebook_page_token: SecretStr | None = Field(
        None, description="Page access token (pages_read_engagement, pages_read_user_content); sent as Bearer only."
    )
    instagram_user_id: str | None = Field(
        None, description="The brand's Instagram business account id (`connect instagram`); its comments and tags."
    )
    instagram_token: SecretStr | None = Field(
        None, description="Access token with instagram_basic and instagram_manage_comments; sent as Bearer only."
    )
    page_size: int = Field(
        100, ge=10, le=100, description="Items asked per page (X and Reddit allow at most 100, Mastodon 40)."
    )
    poll_interval_s: float = Field(
        60.0, gt=0, description="Wait between rounds once a connector has caught up (without --once)."
    )
    max_attempts: int = Field(
        5, ge=1, description="Tries per request on 429, 5xx and network errors before the page fails."
    )
    backoff_initial_s: float = Field(1.0, gt=0, description="First wait after a 5xx or network error; doubles per try.")
    backoff_max_s: float = Field(60.0, gt=0, description="Cap on the wait between retries of one request.")
    max_rate_limit_wait_s: float = Field(
        900.0,
        gt=0,
        description="Longest wait for a rate-limit window to reset (X windows are 15 minutes); "
        "a longer Retry-After ends the round as 'rate_limited'.",
    )
    mastodon_streaming_url: str | None = Field(
        None,
        description="Mastodon streaming API base URL when the instance serves it on another host (its "
        "`urls.streaming_api`); None: mastodon_base_url (`connect mastodon --stream`).",
    )
    stream_flush_posts: int = Field(
        50, ge=1, description="A stream waits for Kafka's confirmation (and saves its cursor) after this many posts."
    )
    stream_flush_interval_s: float = Field(
        1.0,
        gt=0,
        description="... or this long after the oldest unconfirmed post, whichever comes first, so a streamed "
        "post is confirmed by Kafka within about a second.",
    )
    stream_read_timeout_s: float = Field(
        60.0,
        gt=0,
        description="Reconnect a stream that sent no byte (heartbeats included) for this long: X sends a "
        "keep-alive every 20 s, Mastodon a ':thump' every 15 s, so three missed ones mean a dead connection.",
    )
    stream_network_backoff_max_s: float = Field(
        16.0,
        gt=0,
        description="Cap on the wait before reconnecting after a network error (linear from 0.25 s, X's advice).",
    )
    stream_http_backoff_max_s: float = Field(
        320.0, gt=0, description="Cap on the wait after an HTTP error (exponential from 5 s, X's advice)."
    )
    stream_rate_limit_backoff_max_s: float = Field(
        960.0,
        gt=0,
        description="Cap on the wait after a 429 (exponential from 60 s, or until the API's reset time if later).",
    )


class WebhookSettings(BaseModel):
    """The push-channel receiver (`luister webhook serve`): Meta (WhatsApp, Messenger) and live chat.

    A route answers only when its secret is set: Meta needs both `meta_app_secret` and
    `meta_verify_token`, the live-chat route needs `chat_secret`.
    """

    host: str = Field(
        "127.0.0.1", description="Interface to listen on; put a TLS-terminating proxy in front for the internet."
    )
    port: int = Field(8686, ge=1, le=65535, description="TCP port to listen on.")
    meta_app_secret: SecretStr | None = Field(
        None, description="Meta app secret: POST /webhooks/meta must carry its HMAC-SHA256 in X-Hub-Signature-256."
    )
    meta_verify_token: SecretStr | None = Field(
        None, description="The verify token entered in the Meta app dashboard; answers the GET subscribe handshake."
    )
    chat_secret: SecretStr | None = Field(
        None, description="Shared HMAC secret of POST /webhooks/chat/{vendor} (X-Luister-Signature)."
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        gt=0,
        description="Larger request bodies are refused with 413 (a Meta delivery of text messages, at most "
        "4096 characters each, is a few KB; a bigger body is a misconfigured sender or an attack).",
    )
    chat_max_age_s: float = Field(
        300.0,
        gt=0,
        description="A live-chat request whose X-Luister-Timestamp is further than this from our clock is "
        "refused (replay protection; 5 minutes absorbs clock skew and the sender's retries).",
    )
    publish_timeout_s: float = Field(
        4.0,
        gt=0,
        description="How long a request waits for Kafka to confirm its posts before answering 503 so the "
        "sender retries (Messenger asks for an answer within 5 s; Kafka confirms in milliseconds when healthy).",
    )


class CrawlSettings(BaseModel):
    """The Scrapy web crawler (`luister crawl SITE`); polite by default (see crawlers/web/settings.py)."""

    download_delay_s: float = Field(
        1.0, ge=0, description="Seconds between requests to one site; AutoThrottle adapts upwards from here."
    )
    concurrent_per_domain: int = Field(
        2, ge=1, description="Requests in flight to one site at once (small: we are a guest there)."
    )
    max_page_bytes: int = Field(
        5 * 1024 * 1024,
        gt=0,
        description="Pages larger than this are abandoned and counted as 'too_large' (an article is well under 1 MB).",
    )
    max_redirects: int = Field(5, ge=0, description="Redirects followed per request; more is counted as a loop.")
    retry_times: int = Field(2, ge=0, description="Retries of a failed or timed-out request before it is skipped.")
    max_pages: int = Field(0, ge=0, description="Stop a crawl after this many pages (0: no limit).")
    publish_batch: int = Field(
        100,
        ge=1,
        description="Posts published before waiting for Kafka's confirmation and recording them as emitted.",
    )
    http_cache: bool = Field(
        False, description="Development only: cache responses on disk so re-running a crawl hits no site."
    )
    http_cache_dir: Path = Field(Path(".stack/httpcache"), description="Where the development HTTP cache lives.")


class Settings(BaseSettings):
    """All of Luister's settings. Build once at the entry point and pass down."""

    model_config = SettingsConfigDict(
        env_prefix="LUISTER_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings, description="Kafka connection and topics.")
    search: SearchSettings = Field(default_factory=SearchSettings, description="Search engine connection.")
    stack: StackSettings = Field(default_factory=StackSettings, description="Local development stack.")
    worker: WorkerSettings = Field(default_factory=WorkerSettings, description="Faust workers.")
    dedupe: DedupeSettings = Field(default_factory=DedupeSettings, description="Dedupe stage.")
    relevance: RelevanceSettings = Field(default_factory=RelevanceSettings, description="Monitor matching.")
    classify: ClassifySettings = Field(
        default_factory=ClassifySettings, description="Classify stage (sentiment, intent, priority)."
    )
    indexer: IndexerSettings = Field(default_factory=IndexerSettings, description="Search-engine indexer sink.")
    alerts: AlertsSettings = Field(default_factory=AlertsSettings, description="Alerts worker (rules).")
    notify: NotifySettings = Field(
        default_factory=NotifySettings, description="Notifier: Slack and webhook delivery of alerts."
    )
    sources: SourceSettings = Field(default_factory=SourceSettings, description="All sources.")
    feeds: FeedSettings = Field(default_factory=FeedSettings, description="Feed poller.")
    connectors: ConnectorSettings = Field(default_factory=ConnectorSettings, description="Social API connectors.")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings, description="Web crawler (Scrapy).")
    webhook: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Push-channel webhook receiver."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level.")
    log_format: Literal["console", "json"] = Field(
        "console", description="'console' for people, 'json' for log shippers."
    )


def masked(settings: Settings) -> dict:
    """The settings as plain data; SecretStr fields serialize as '**********'."""
    return settings.model_dump(mode="json")


def topic(settings: Settings, base: Topic) -> str:
    """The full name of one of Luister's topics under this deployment's prefix."""
    return topic_name(base, settings.kafka.topic_prefix)
