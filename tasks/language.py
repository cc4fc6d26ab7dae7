"""Language of an article body, by an offline detector restricted to the languages we expect."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# News languages seen in our sources and the benchmark (English, Arabic, Hebrew, Persian,
# Turkish, Russian, French, German, Spanish, Portuguese, Italian, Korean, Japanese, Chinese,
# Indonesian). Restricting the set keeps the detector from inventing rare languages for
# short or mixed texts.
LANGUAGES = ["en", "ar", "he", "fa", "tr", "ru", "fr", "de", "es", "pt", "it", "ko", "ja", "zh", "id", "nl", "uk"]
MIN_CHARS = 20
SAMPLE_CHARS = 2000  # enough for a sure call on news prose; the detector's cost grows with length
MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when too short or too unsure."""
    sample = text[:SAMPLE_CHARS]
    if len(sample.strip()) < MIN_CHARS:
        return None
    lang, confidence = _identifier().classify(sample)
    return str(lang) if confidence >= MIN_CONFIDENCE else None
