"""tasks/common/zipf.py: wordfreq's own Zipf values, from the bucket table."""

from __future__ import annotations

import pytest

from tasks.common import zipf


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "ru", "tr", "ar", "pl"])
def test_zipf_values_are_wordfreqs_own(language):
    """The bucket table gives what wordfreq.zipf_frequency gives, for plain words and for the
    ones its tokenizer changes (case, accents, apostrophes, hyphens, digits, other scripts)."""
    from wordfreq import zipf_frequency

    words = ["story", "government", "zzqxv", "über", "Straße", "l'état", "l’amour", "well-known", "covid19",
             "2024", "istanbul", "İstanbul", "ırak", "москва", "بغداد", "łódź", "naïve", "ÉTAT", "don't", "a-b-c"]
    for word in words:
        assert zipf.zipf_frequency(word, language) == zipf_frequency(word, language), word
