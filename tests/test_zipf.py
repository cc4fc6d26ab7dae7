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


@pytest.mark.parametrize("language", ["en", "de", "ru", "ja", "he"])
def test_every_listed_word_gets_its_bucket(language):
    """The hashed table holds exactly wordfreq's words: each one's bucket as wordfreq's own dict
    assigns it (a later bucket wins for a word listed twice), and no two words share a key."""
    from wordfreq import get_frequency_list

    expected: dict[str, int] = {}
    for index, bucket in enumerate(get_frequency_list.__wrapped__(language)):
        expected.update(dict.fromkeys(bucket, index))
    table = zipf._centibels(language)
    assert len(table) == len(expected)
    assert [word for word, index in expected.items() if table.get(word) != index] == []


def test_words_with_the_same_internal_bytes_do_not_collide():
    """CPython hashes a string's internal bytes: "kp" (two one-byte characters) and "火" (one
    two-byte character) hash alike as strings; the table keys them by their UTF-8 bytes."""
    table = zipf._centibels("en")
    assert hash("kp") == hash("火")  # the trap, on this interpreter
    assert table.get("kp") is not None and table.get("火") is not None
    assert table.get("kp") != table.get("火")
    assert table.get("zzqxvj") is None


def test_the_table_does_not_keep_wordfreqs_word_list():
    """wordfreq caches every list it reads for the life of the process (50 MB a language, with a
    dict over it); building a table reads the list without that cache."""
    from wordfreq import get_frequency_list

    zipf._centibels.cache_clear()
    before = get_frequency_list.cache_info().currsize
    zipf._centibels("fr")
    assert get_frequency_list.cache_info().currsize == before
