import pytest

from processors.relevance.analysis import match_fields
from processors.relevance.query import Bool, Document, Phrase, Term, Wildcard, compile_query
from tests.helpers import matchable_post

LEVERING = "De levering van mijn pakket is laat"  # de0 levering1 van2 mijn3 pakket4 is5 laat6


def _doc(text: str = "", **fields) -> Document:
    return Document.from_fields(match_fields(matchable_post(text, **fields)))


GOLF = {"title": "Storing in Zwolle", "handle": "golfhelpt", "name": "Golf Helpt", "source": "forum.Netwerkpraat",
        "channel": "forum", "mentions": ["golfhelpt"], "hashtags": ["golfstoring"]}


@pytest.mark.parametrize(
    ("query", "text", "fields", "expected"),
    [
        # case and diacritics, both ways
        ("cafe", "Het Café naast het station", {}, True),
        ("CAFÉ", "het cafe naast het station", {}, True),
        ("belgie", "Pakketje uit België", {}, True),
        # brand spellings
        ("bol.com", "Ik bestel altijd bij bol.com", {}, True),
        ("bol", "Ik bestel altijd bij bol.com", {}, True),
        ('"bol com"', "Ik bestel altijd bij bol.com", {}, True),
        ("bolcom", "Ik bestel altijd bij bol.com", {}, False),
        ("@bol_com", "@bol_com help!", {}, True),
        ("bol_com", "@bol_com help!", {}, True),
        ("bol", "@bol_com help!", {}, False),     # one token: bol_com
        ("#bolcom", "#Bolcom deals", {}, True),
        ("bolcom", "#Bolcom deals", {}, True),
        ("bol.com", "#Bolcom deals", {}, False),
        ("sim-only", "Nieuw sim only abonnement", {}, True),
        # phrases and proximity (Lucene's sloppy phrase: a swap costs 2)
        ('"mijn pakket"', LEVERING, {}, True),
        ('"pakket mijn"', LEVERING, {}, False),
        ('"levering pakket"', LEVERING, {}, False),
        ('"levering pakket"~1', LEVERING, {}, False),
        ('"levering pakket"~2', LEVERING, {}, True),
        ('"pakket levering"~3', LEVERING, {}, False),
        ('"pakket levering"~4', LEVERING, {}, True),
        ('"pakket mijn"~1', LEVERING, {}, False),
        ('"pakket mijn"~2', LEVERING, {}, True),
        ('"levering mijn laat"~2', LEVERING, {}, False),
        ('"levering mijn laat"~3', LEVERING, {}, True),
        ('"laat levering"~5', LEVERING, {}, False),  # (6 - 0) - (1 - 1) = 6
        ('"laat levering"~6', LEVERING, {}, True),
        ('"de de"', "de de pakket", {}, True),      # a repeated word is fine in an exact phrase
        ('"de de"', "de pakket de", {}, False),
        # wildcards
        ("prov*", "Mijn provider is traag", {}, True),
        ("provider*", "Mijn provider is traag", {}, True),
        ("te?t", "een test", {}, True),
        ("te?t", "een tekst", {}, False),
        ("*ing", LEVERING, {}, True),
        ("pro*", "improvisatie", {}, False),
        ("*", "😡", {}, False),                      # no token at all
        ("*", "ok", {}, True),
        # NOT, +, -, implicit OR
        ("pakket NOT laat", LEVERING, {}, False),
        ("pakket -laat", LEVERING, {}, False),
        ("pakket -vandaag", LEVERING, {}, True),
        ("pakket AND NOT vandaag", LEVERING, {}, True),
        ("NOT vandaag", LEVERING, {}, True),
        ("NOT pakket", LEVERING, {}, False),
        ("-pakket", LEVERING, {}, False),
        ("NOT NOT pakket", LEVERING, {}, True),
        ("+pakket vandaag", LEVERING, {}, True),     # the optional clause only ranks
        ("+vandaag pakket", LEVERING, {}, False),
        ("vandaag pakket", LEVERING, {}, True),
        ("vandaag OR morgen", LEVERING, {}, False),
        ("pakket AND (vandaag OR laat)", LEVERING, {}, True),
        ("(pakket AND vandaag) OR (levering AND laat)", LEVERING, {}, True),
        ("pakket^3 AND laat", LEVERING, {}, True),
        # fields
        ("storing", "", GOLF, True),                 # a field-less word looks in the title too
        ("text:storing", "", GOLF, False),
        ("title:zwolle", "", GOLF, True),
        ("author:golfhelpt", "", GOLF, True),
        ('author:"golf helpt"', "", GOLF, True),
        ("author:helpt", "", GOLF, True),
        ("golfhelpt", "", GOLF, False),              # the author is not in text or title
        ("channel:forum", "", GOLF, True),
        ("channel:x", "", GOLF, False),
        ("source:forum.netwerkpraat", "", GOLF, True),
        ("source:forum*", "", GOLF, True),
        ("source:netwerkpraat", "", GOLF, False),    # a keyword is a whole value
        ("lang:nl", "", GOLF, True),
        ("lang:NL", "", GOLF, True),
        ("mentions:@golfhelpt", "", GOLF, True),
        ("mentions:golfhelpt", "", GOLF, True),
        ("hashtags:#GolfStoring", "", GOLF, True),
        ("hashtags:golf*", "", GOLF, True),
        ("title:(zwolle AND storing)", "", GOLF, True),
        ("title:(zwolle AND -storing)", "", GOLF, False),
        # nothing to match
        ("pakket", "", {}, False),
        ("NOT pakket", "", {}, True),
        ("pakket", "😡😡😡", {}, False),
        ("NOT pakket", "😡😡😡", {}, True),
    ],
)
def test_query_matches(query, text, fields, expected):
    assert compile_query(query).matches(_doc(text, **fields)) is expected


def test_a_megabyte_of_text():
    doc = _doc("Bestelbaas levert 😡 niet op tijd. " * 30_000 + "golf glasvezel")
    assert compile_query('bestelbaas AND "tijd levert"~4 AND "golf glasvezel"').matches(doc)
    assert not compile_query('"glasvezel golf"~1').matches(doc)


@pytest.mark.parametrize(
    ("query", "compiled"),
    [
        ("title:bol.com", Phrase("title", ("bol", "com"))),
        ('author:"golf helpt"~2', Phrase("author", ("golf", "helpt"), 2)),
        ("title:Prov*", Wildcard("title", "prov*")),
        ("title:@golf*", Wildcard("title", "golf*")),
        ("mentions:@Golfhelpt", Term("mentions", "golfhelpt")),
        ('source:"Reviews.X"', Term("source", "reviews.x")),
        ("title:(a OR b OR a)", Bool(should=(Term("title", "a"), Term("title", "b")))),
        ("title:(+a b -c)", Bool(must=(Term("title", "a"),), must_not=(Term("title", "c"),))),
        ("title:(a AND (b AND c))", Bool(must=(Term("title", "a"), Term("title", "b"), Term("title", "c")))),
        ("NOT title:a", Bool(must_not=(Term("title", "a"),))),
        ("cafe", Bool(should=(Term("text", "cafe"), Term("title", "cafe")))),
        ('title:"één"~3', Term("title", "een")),    # one token: slop means nothing
        ("title:a^2", Term("title", "a")),
    ],
)
def test_compiled_tree(query, compiled):
    assert compile_query(query) == compiled


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "query is empty"),
        ("bestelbaas AND (pakket", "not valid Lucene query syntax"),
        ("prijs:[1 TO 2]", "unknown field 'prijs'"),
        ("title:[a TO b]", "ranges are not supported"),
        ("title:>5", "ranges are not supported"),
        ("bestelbaas~", "fuzzy matching"),
        ("bestelbaas~2", "fuzzy matching"),
        ("/best.*/", "regular expressions"),
        ('"prov* x"', "inside a phrase"),
        ("😡", "no letters or digits"),
        ('"🙄 !!"', "no letters or digits"),
        ("likes:10", "unknown field 'likes'"),
        ('"de pakket de"~2', "cannot repeat a word"),
        ("a && b", "AND, OR and NOT"),
        ("!pakket", "AND, OR and NOT"),
        ("title:text:x", "inside field 'title'"),
        ("sim-on*", "matches one word"),
        ('mentions:"a b"~2', "proximity needs a text field"),
        ("mentions:@", "empty value"),
        ("x" * 300, "longer than 255"),
    ],
)
def test_unsupported_queries_fail_at_compile_time(query, message):
    with pytest.raises(ValueError) as err:
        compile_query(query)
    assert message in str(err.value)
