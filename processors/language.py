"""A LanguageGuesser backed by lingua, limited to the languages Dutch webcare meets.

Building it costs about a second and, once every language has been seen,
a few hundred MB: build one per worker and pass it to the processors.
"""

from __future__ import annotations

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Dutch first; the languages Dutch and Flemish customers also write in or that
# brand names get confused with. A short list keeps detection fast and sure.
LANGUAGES = (
    Language.DUTCH, Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH,
    Language.ITALIAN, Language.PORTUGUESE, Language.TURKISH, Language.POLISH, Language.ARABIC,
)


class LinguaGuesser:
    """Language detection for short texts with lingua (high-accuracy mode)."""

    def __init__(self) -> None:
        self._detector: LanguageDetector = LanguageDetectorBuilder.from_languages(*LANGUAGES).build()

    def guess(self, text: str) -> tuple[str, float] | None:
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)
