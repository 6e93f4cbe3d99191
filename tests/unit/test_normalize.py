import pytest

from processors.language import LinguaGuesser
from processors.normalize import canonical_url, clean_text, detect_lang, fingerprint, fold, normalize


@pytest.fixture(scope="module")
def lingua():
    return LinguaGuesser()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Pakket <b>niet</b> ontvangen</p><p>Wat nu?</p>", "Pakket niet ontvangen\nWat nu?"),
        ("CafÃ© om de hoek", "Café om de hoek"),                       # UTF-8 read as Latin-1
        ("Cafe\u0301 om de hoek", "Café om de hoek"),                  # decomposed é -> NFC
        ("veel    te\u00a0laat  \t!", "veel te laat !"),
        ("regel 1\r\n\r\n\r\n\r\nregel 2", "regel 1\n\nregel 2"),
        ("5 < 6 en 7 > 3", "5 < 6 en 7 > 3"),                          # not HTML: left alone
        ("", ""),
        ("😡😡😡", "😡😡😡"),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Bestelbaas.NL/actie?utm_source=x&utm_medium=social&id=7#reacties", "https://bestelbaas.nl/actie?id=7"),
        ("https://www.nieuws.example/a?fbclid=abc&b=2&a=1", "https://www.nieuws.example/a?a=1&b=2"),
        ("http://spaarkist.example:80", "http://spaarkist.example/"),
        ("https://golf.example/storing.", "https://golf.example/storing"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_fingerprint_sees_through_retweets_links_case_and_accents():
    original = "Storing bij Golf: geen internet in héél Utrecht https://t.co/abc"
    assert fingerprint(original) == fingerprint("RT @nieuwsnl: storing bij golf — geen internet in heel Utrecht!!")
    assert fingerprint(original) != fingerprint("Storing bij Golf: geen internet in Amersfoort")
    assert fold("Één Café") == "een cafe"


class Sure:
    def __init__(self, lang, confidence):
        self.result = (lang, confidence)

    def guess(self, text):
        return self.result


@pytest.mark.parametrize(
    ("text", "hint", "guesser", "lang"),
    [
        ("Allee, da's nu al de derde keer", "nl-BE", Sure("de", 0.9), "nl"),  # the source's tag wins
        ("Waar blijft mijn pakket?", None, Sure("nl", 0.9), "nl"),
        ("Top!", None, Sure("nl", 0.2), "und"),                               # unsure: undetermined
        ("👍👍 @bestelbaas #top", None, Sure("nl", 0.99), "und"),             # nothing to read
    ],
)
def test_detect_lang_rules(text, hint, guesser, lang):
    assert detect_lang(text, hint, guesser) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@bestelbaas waar blijft mijn pakket?? al drie dagen onderweg", "nl"),
        ("Goed bezig jongens, weer 2 uur vertraging 👏", "nl"),
        ("Amai, da's nu al de derde keer dat ge mij dat aandoet", "nl"),
        ("My order never arrived and nobody answers the phone", "en"),
        ("Ich warte seit Tagen auf mein Paket von Bestelbaas", "de"),
        ("Je n'ai toujours pas reçu ma commande", "fr"),
    ],
)
def test_real_detector_on_dutch_webcare_text(lingua, text, lang):
    assert detect_lang(text, None, lingua) == lang


def test_normalize_collects_entities(lingua):
    norm = normalize(
        "RT @Golf_Helpt: Storing opgelost! #Storing #GolfNL info: https://golf.example/s?utm_source=tw",
        None, None, lingua,
    )
    assert norm.mentions == ("golf_helpt",)
    assert norm.hashtags == ("storing", "golfnl")
    assert norm.links == ("https://golf.example/s",)
    assert norm.lang == "nl"
