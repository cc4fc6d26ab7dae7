"""Language of an article body, by an offline detector (py3langid, every language it knows), and
words as the stages count and compare them in any script."""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Every language py3langid knows (97). Until 2026-11-30 the detector was restricted to 17
# expected languages, so that a short or mixed text would not be called Maltese or Latin; measured
# on all three corpora, the restriction did the opposite. A Polish, Swedish, Norwegian,
# Lithuanian, Icelandic, Hindi, Xhosa or Zulu body came back unsure (None), and the facts and
# entities stages then read it as English ("24-godzinnym" stored as 24 of a unit). Whole bodies:
# fundus-dev 126/126 right with every language against 114/126; wikiref-dev (130) and the 181
# scrapinghub bodies the same calls. The first 60 / 150 / 400 characters of the fundus-dev and
# wikiref-dev bodies: 2 / 1 / 0 wrong calls against 5 / 8 / 8 (more short samples stay unsure).
MIN_CHARS = 20
# Enough for a sure call on news prose; the detector's cost grows with length. 1000 and 2000
# characters give the same language on all 437 bodies of the three corpora (2026-12-01), at 0.54
# against 0.71 ms a text.
SAMPLE_CHARS = 1000
MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when too short or too unsure."""
    sample = text[:SAMPLE_CHARS]
    if len(sample.strip()) < MIN_CHARS:
        return None
    lang, confidence = _identifier().classify(sample)
    return str(lang) if confidence >= MIN_CONFIDENCE else None


def warm() -> None:
    """Build the language identifier once per process (workers fork after this)."""
    _identifier()


# Chinese and Japanese write no spaces between words: each Han character, kana or kanji, is a word,
# the convention of word processors' East Asian word counts; their punctuation (、。「」) separates.
# Korean spaces its words, like the alphabets.
_HAN_OR_KANA_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_OR_KANA = re.compile(f"[{_HAN_OR_KANA_CHARS}]")
_COUNTED_WORD = re.compile(f"[{_HAN_OR_KANA_CHARS}]|[^\\s\u3000-\u303f{_HAN_OR_KANA_CHARS}\uff01-\uff0f\uff1a-\uff20]+")
_WORD_TOKEN = re.compile(f"[{_HAN_OR_KANA_CHARS}]|[^\\W{_HAN_OR_KANA_CHARS}]+")
_PLAIN_WORD = re.compile(r"\w+")


def has_han_or_kana(text: str) -> bool:
    """The text has a Chinese or Japanese character."""
    return _HAN_OR_KANA.search(text) is not None


def count_words(text: str) -> int:
    """Words in `text`: runs between spaces, and each Chinese or Japanese character on its own.
    Text without those characters is split on spaces (5x faster than the pattern, measured)."""
    if _HAN_OR_KANA.search(text) is None:
        return len(text.split())
    return sum(1 for _ in _COUNTED_WORD.finditer(text))


def word_tokens(text: str) -> list[str]:
    """The `\\w+` runs of `text`, each Chinese or Japanese character a token of its own (a run of
    them is a whole sentence, not a word)."""
    return (_WORD_TOKEN if _HAN_OR_KANA.search(text) else _PLAIN_WORD).findall(text)
