"""`luister search` filters: clauses, times and vocabularies, without a search engine."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.search.bodies import POSTS_MAPPINGS
from pipeline.search.filters import PostFilter, parse_when

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

ONE_OPTION = [
    # (PostFilter keyword, values, expected clause)
    ("monitors", ("bestelbaas",), {"terms": {"monitors": ["bestelbaas"]}}),
    ("sources", ("x", "forum.fietsforum"), {"terms": {"source": ["x", "forum.fietsforum"]}}),
    ("channels", ("review",), {"terms": {"channel": ["review"]}}),
    ("sentiments", ("negative", "neutral"), {"terms": {"sentiment.label": ["negative", "neutral"]}}),
    ("intents", ("complaint",), {"terms": {"intent.label": ["complaint"]}}),
    ("priorities", ("high",), {"terms": {"priority": ["high"]}}),
    ("langs", ("nl", "en"), {"terms": {"lang": ["nl", "en"]}}),
]


@pytest.mark.parametrize(("keyword", "values", "clause"), ONE_OPTION, ids=[c[0] for c in ONE_OPTION])
def test_one_option_is_one_terms_clause_with_its_values_as_alternatives(keyword, values, clause):
    assert PostFilter(**{keyword: values}).clauses() == [clause]


@pytest.mark.parametrize("clause", [c[2] for c in ONE_OPTION], ids=[c[0] for c in ONE_OPTION])
def test_every_filtered_field_is_a_keyword_in_the_posts_mapping(clause):
    # a terms filter on a text field would match analysed tokens, and on an unmapped field nothing at all
    (path,) = clause["terms"]
    mapping = POSTS_MAPPINGS
    for part in path.split("."):
        mapping = mapping["properties"][part]
    assert mapping["type"] == "keyword"


def test_no_filter_gives_no_clauses_and_no_description():
    assert PostFilter().clauses() == []
    assert PostFilter().describe() == ""


def test_different_options_are_separate_clauses_that_all_apply():
    clauses = PostFilter(
        monitors=("bestelbaas",), sentiments=("negative",), intents=("complaint", "question"), channels=("x",),
        since=datetime(2026, 11, 13, 12, 0, tzinfo=UTC),
    ).clauses()
    assert clauses == [
        {"terms": {"monitors": ["bestelbaas"]}},
        {"terms": {"channel": ["x"]}},
        {"terms": {"sentiment.label": ["negative"]}},
        {"terms": {"intent.label": ["complaint", "question"]}},
        {"range": {"published_at": {"gte": "2026-11-13T12:00:00.000+00:00"}}},
    ]


@pytest.mark.parametrize(
    ("since", "until", "bounds"),
    [
        (datetime(2026, 11, 13, 12, 0, tzinfo=UTC), None, {"gte": "2026-11-13T12:00:00.000+00:00"}),
        (None, datetime(2026, 11, 20, 12, 0, tzinfo=UTC), {"lt": "2026-11-20T12:00:00.000+00:00"}),
        # Dutch local times become UTC; sub-millisecond digits are dropped (a date field keeps milliseconds)
        (datetime(2026, 11, 1, tzinfo=AMSTERDAM), datetime(2026, 11, 2, 8, 30, 0, 123456, tzinfo=AMSTERDAM),
         {"gte": "2026-10-31T23:00:00.000+00:00", "lt": "2026-11-02T07:30:00.123+00:00"}),
        (datetime(2026, 7, 1, tzinfo=AMSTERDAM), None, {"gte": "2026-06-30T22:00:00.000+00:00"}),  # summer time
    ],
)
def test_times_are_one_half_open_range_on_published_at(since, until, bounds):
    assert PostFilter(since=since, until=until).clauses() == [{"range": {"published_at": bounds}}]


def test_description_names_every_filter_in_dutch_local_time():
    described = PostFilter(monitors=("bestelbaas",), sentiments=("negative", "neutral"),
                           since=datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
                           until=datetime(2026, 11, 2, tzinfo=AMSTERDAM)).describe()
    assert described == ("monitor bestelbaas, sentiment negative or neutral, "
                         "since 2026-11-01 00:00+01:00, until 2026-11-02 00:00+01:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", datetime(2026, 11, 13, 12, 0, tzinfo=UTC)),
        ("2w", datetime(2026, 11, 6, 12, 0, tzinfo=UTC)),
        ("0d", NOW),
        (" 7d ", datetime(2026, 11, 13, 12, 0, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 10, 31, 23, 0, tzinfo=UTC)),          # start of the Dutch day (CET)
        ("2026-07-01", datetime(2026, 6, 30, 22, 0, tzinfo=UTC)),           # ... and in summer time (CEST)
        ("2026-11-01T08:00", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),      # no zone: Dutch local time
        ("2026-11-01T08:00:00+01:00", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        ("2026-11-01T08:00:00-05:00", datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
        ("2026-11-01T08:00:00Z", datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_parse_when_reads_spans_and_iso_times(text, expected):
    when = parse_when(text, NOW)
    assert when == expected
    assert when.utcoffset() is not None


def test_a_span_keeps_the_zone_of_now():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert parse_when("24h", now).isoformat() == "2026-11-19T12:00:00+01:00"


@pytest.mark.parametrize(
    "text", ["gisteren", "7", "7 d", "7D", "-7d", "1y", "1,5d", "", "2026-13-01", "2026-11-31", "01-11-2026"]
)
def test_parse_when_refuses_other_forms_and_shows_the_accepted_ones(text):
    with pytest.raises(ValueError) as refused:
        parse_when(text, NOW)
    message = str(refused.value)
    assert repr(text) in message
    assert "30m, 24h, 7d, 2w" in message and "2026-11-01" in message


def test_parse_when_refuses_a_span_before_the_calendar_starts():
    with pytest.raises(ValueError, match="99999999w"):
        parse_when("99999999w", NOW)


@pytest.mark.parametrize(
    ("keyword", "values", "bad", "allowed"),
    [
        ("sentiments", ("negative", "boos"), "boos", "positive, neutral, negative"),
        ("sentiments", ("Negative",), "Negative", "positive, neutral, negative"),  # the stored labels are lower-case
        ("intents", ("klacht",), "klacht", "question, complaint, compliment, other"),
        ("priorities", ("urgent",), "urgent", "high, normal, low"),
    ],
)
def test_a_value_outside_the_vocabulary_is_refused_by_name(keyword, values, bad, allowed):
    with pytest.raises(ValueError) as refused:
        PostFilter(**{keyword: values})
    assert repr(bad) in str(refused.value) and allowed in str(refused.value)


def test_every_value_of_the_vocabularies_is_accepted():
    PostFilter(sentiments=("positive", "neutral", "negative"), intents=("question", "complaint", "compliment", "other"),
               priorities=("high", "normal", "low"))


def test_open_fields_take_any_value():
    # monitors, sources and languages are whatever the monitors file and the connectors say
    assert PostFilter(monitors=("nieuwe-monitor",), sources=("forum.fietsforum",), langs=("fy",)).clauses()


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
        (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),  # until is exclusive: empty
    ],
)
def test_since_must_be_before_until(since, until):
    with pytest.raises(ValueError, match="must be before"):
        PostFilter(since=since, until=until)


def test_a_time_without_zone_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        PostFilter(since=datetime(2026, 11, 1))


# The CLI refuses bad filters before it connects: the URL below has nothing listening, so a
# request would end in a connection error instead of these messages.
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sentiment", "negative", "--sentiment", "boos"], "unknown sentiment 'boos'"),
        (["--intent", "klacht"], "choose from: question, complaint, compliment, other"),
        (["--priority", "urgent"], "unknown priority 'urgent'"),
        (["--since", "gisteren"], "cannot read 'gisteren' as a time"),
        (["--until", "1y"], "cannot read '1y' as a time"),
        (["--since", "2026-11-02", "--until", "2026-11-01"], "must be before until"),
    ],
)
def test_the_cli_turns_bad_filters_into_an_error_message(args, message):
    result = CliRunner().invoke(app, ["search", "*", *args], env={"LUISTER_SEARCH__URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1
    assert "error:" in result.output and message in " ".join(result.output.split())


def test_the_cli_help_lists_the_filters():
    result = CliRunner().invoke(app, ["search", "--help"], env={"COLUMNS": "200"})
    for option in ("--monitor", "--since", "--until", "--sentiment", "--intent", "--source", "--channel",
                   "--priority", "--lang", "--size", "--json"):
        assert option in result.output
