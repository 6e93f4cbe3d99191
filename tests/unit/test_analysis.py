from dataclasses import dataclass, field

import pytest

from processors.relevance.analysis import MAX_TOKEN_CHARS, fold, keyword, match_fields, tokens


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Café", "cafe"),
        ("België", "belgie"),
        ("ÉÉN oké", "een oke"),
        ("Straße", "strasse"),
        ("Ørsted", "orsted"),
        ("Æbleskiver Œuvre", "aebleskiver oeuvre"),
        ("Łódź", "lodz"),
        ("İstanbul", "istanbul"),
        ("ﬁets", "fiets"),        # ligature
        ("m²", "m2"),             # compatibility form
        ("㎒", "mhz"),            # NFKD yields capitals: lower-cased after
        ("𝐆𝐨𝐥𝐟", "golf"),         # mathematical bold
        ("ĳsje", "ijsje"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded
    assert fold(folded) == folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@bestelbaas_helpt waar blijft mijn pakket?", ["bestelbaas_helpt", "waar", "blijft", "mijn", "pakket"]),
        ("#Bolcom", ["bolcom"]),
        ("bol.com", ["bol", "com"]),
        ("sim-only", ["sim", "only"]),
        ("Het café in België", ["het", "cafe", "in", "belgie"]),
        ("5G en 4g!", ["5g", "en", "4g"]),
        ("1,6 procent", ["1", "6", "procent"]),
        ("😡😡 🙄", []),
        ("...!!!", []),
        ("", []),
        ("x" * MAX_TOKEN_CHARS + " ok", ["x" * MAX_TOKEN_CHARS, "ok"]),
        ("x" * (MAX_TOKEN_CHARS + 1) + " ok", ["ok"]),   # a blob is no word
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


def test_a_megabyte_of_text_is_just_many_tokens():
    text = "Bestelbaas levert 😡 niet op tijd. " * 30_000
    assert len(text) > 1_000_000
    found = tokens(text)
    assert len(found) == 30_000 * 5 and found[:2] == ["bestelbaas", "levert"]


@pytest.mark.parametrize(
    ("value", "field", "expected"),
    [("@Bestelbaas", "mentions", "bestelbaas"), ("#5G", "hashtags", "5g"), ("nl-BE", "lang", "nl-be"),
     ("reviews.Klantenoordeel", "source", "reviews.klantenoordeel"), ("@x", "source", "@x")],
)
def test_keyword(value, field, expected):
    assert keyword(value, field) == expected


@dataclass
class Author:
    handle: str | None = "golfhelpt"
    display_name: str | None = "Golf Helpt"


@dataclass
class Post:
    text: str = "@Golfhelpt storing in Zwolle 😡 #GolfStoring"
    title: str | None = "Storing!"
    author: Author | None = field(default_factory=Author)
    source: str = "forum.Netwerkpraat"
    channel: str = "forum"
    language: str | None = "nl-BE"
    mentions: list[str] = field(default_factory=lambda: ["Golfhelpt", "golfhelpt"])
    hashtags: list[str] = field(default_factory=lambda: ["golfstoring"])


def test_match_fields():
    assert match_fields(Post()) == {
        "text": "golfhelpt storing in zwolle golfstoring",
        "title": "storing",
        "author": "golfhelpt golf helpt",
        "source": "forum.netwerkpraat",
        "channel": "forum",
        "lang": "nl",
        "mentions": ["golfhelpt"],
        "hashtags": ["golfstoring"],
    }


def test_match_fields_of_a_bare_post():
    fields = match_fields(Post(text="😡", title=None, author=None, language=None, mentions=[], hashtags=[]))
    assert fields["text"] == fields["title"] == fields["author"] == "" and fields["lang"] == "und"


def test_match_fields_prefers_the_detected_language():
    post = Post()
    post.lang = "en"  # type: ignore[attr-defined]
    assert match_fields(post)["lang"] == "en"
