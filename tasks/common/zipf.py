"""Word frequencies on wordfreq's Zipf scale, shared by the stages that weigh words (entities:
is a capitalised word a common one; stories: how much a word says about an article).

One table per language, built once per process (the warm worker server builds English before
it forks, so the workers share it): wordfreq's values without its per-language frequency dict
and without keeping its word list. A table is the words' hashes, sorted, with each word's bucket:
about 7 MB for a language of 700,000 words, where a dict of the words (and wordfreq's cached
list, which holds the same strings) took about 50 MB, measured. The writer weighs words in every
language of the news it loads (the stories step), so 17 languages were 850 MB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np


@cache
def wordlist_languages() -> frozenset[str]:
    """The languages wordfreq has a list for, read once (wordfreq globs its data folder on each
    call), but Chinese, Japanese and Korean: they need tokenizers wordfreq does not bring, and no
    Latin-script word is common there."""
    from wordfreq import available_languages

    return frozenset(available_languages()) - {"zh", "ja", "ko"}


def zipf_frequency(word: str, lang: str) -> float:
    """wordfreq.zipf_frequency(word, lang), the same value, read from the list's centibel buckets
    (_centibels) instead of wordfreq's frequency dict, which computes a float for each of a
    language's 300,000-700,000 words when it is built (about 0.3 s a language, measured). A word
    of lowercase ASCII letters is its own token in every language; any other goes through
    wordfreq's tokenizer, as wordfreq does. tests/test_zipf.py checks the values are equal.
    A lookup is a binary search (about 1.4 µs, measured); the callers cache their values
    (entities._zipf, stories.term_weight)."""
    from wordfreq import digit_freq, freq_to_zipf, lossy_tokenize, smash_numbers

    table = _centibels(lang)
    tokens = [word] if word.isascii() and word.isalpha() and word.islower() else lossy_tokenize(word, lang)
    if not tokens:
        return 0.0
    one_over_result = 0.0
    for token in tokens:
        smashed = smash_numbers(token)
        centibels = table.get(smashed)
        if centibels is None:
            return 0.0  # a missing word: wordfreq's minimum, Zipf 0
        freq = 10 ** (-centibels / 100)  # wordfreq's cB_to_freq(-centibels)
        if smashed != token:
            freq *= digit_freq(token)
        one_over_result += 1.0 / freq
    freq = 1.0 / one_over_result
    freq = max(freq, _MIN_FREQ)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)  # wordfreq's rounding to 3 significant digits
    return round(freq_to_zipf(freq), 2)


_MIN_FREQ = 10 ** 0.0 / 1e9  # wordfreq's zipf_to_freq(0): Zipf 0, a word it has never seen


@dataclass(frozen=True)
class BucketTable:
    """Words' buckets, looked up by the hash of the word's UTF-8 bytes (`key`): `hashes` sorted,
    `buckets[i]` the bucket of the word whose key is `hashes[i]`. Python's hash is fixed for a
    process and its forks (the workers), so a table is only used where it was built. Not the
    string's own hash: it hashes the string's internal bytes, so "kp" (two one-byte characters)
    and "火" (one two-byte character, the same two bytes) collide; 16 English pairs did. Two of
    700,000 words share a 64-bit key with odds of about 1 in 10^7, and an unlisted word hits a
    listed one's with odds of about 1 in 10^13."""

    hashes: np.ndarray
    buckets: np.ndarray

    def get(self, word: str) -> int | None:
        key = _key(word)
        i = int(self.hashes.searchsorted(key))
        if i < len(self.hashes) and int(self.hashes[i]) == key:
            return int(self.buckets[i])
        return None

    def __len__(self) -> int:
        return len(self.hashes)


def _key(word: str) -> int:
    return hash(word.encode("utf-8", "surrogatepass"))


@cache
def _centibels(lang: str) -> BucketTable:
    """Each word of wordfreq's best list for `lang` with its bucket (minus centibels), as
    wordfreq's get_frequency_dict assigns them (a later bucket wins for a word listed twice).
    The list is read without wordfreq's cache (get_frequency_list keeps every list it reads for
    the life of the process), so its strings are freed once the table is built."""
    from wordfreq import get_frequency_list

    word_lists = get_frequency_list.__wrapped__(lang)
    hashes = np.fromiter((_key(word) for bucket in word_lists for word in bucket), dtype=np.int64)
    buckets = np.repeat(np.arange(len(word_lists), dtype=np.uint16), [len(bucket) for bucket in word_lists])
    del word_lists
    order = np.argsort(hashes, kind="stable")  # equal hashes (a word listed twice) keep list order
    hashes, buckets = hashes[order], buckets[order]
    last = np.append(hashes[1:] != hashes[:-1], True)  # the last of equal hashes: the later bucket
    return BucketTable(hashes[last], buckets[last])


def warm(languages: tuple[str, ...] = ("en",)) -> None:
    """Build these languages' tables now (workers fork after this and share them)."""
    for language in languages:
        _centibels(language)
