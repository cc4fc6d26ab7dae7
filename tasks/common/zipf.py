"""Word frequencies on wordfreq's Zipf scale, shared by the stages that weigh words (entities:
is a capitalised word a common one; stories: how much a word says about an article).

One table per language, built once per process (the warm worker server builds English before
it forks, so the workers share it): wordfreq's values without its per-language frequency dict.
"""

from __future__ import annotations

import math
from functools import cache


def zipf_frequency(word: str, lang: str) -> float:
    """wordfreq.zipf_frequency(word, lang), the same value, read from the list's centibel buckets
    (_centibels) instead of wordfreq's frequency dict, which computes a float for each of a
    language's 300,000-700,000 words when it is built (about 0.3 s a language, measured). A word
    of lowercase ASCII letters is its own token in every language; any other goes through
    wordfreq's tokenizer, as wordfreq does. tests/test_zipf.py checks the values are equal."""
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


@cache
def _centibels(lang: str) -> dict[str, int]:
    """Each word of wordfreq's best list for `lang` with its bucket (minus centibels), as
    wordfreq's get_frequency_dict assigns them (a later bucket wins for a word listed twice)."""
    from wordfreq import get_frequency_list

    table: dict[str, int] = {}
    for index, bucket in enumerate(get_frequency_list(lang)):
        table.update(dict.fromkeys(bucket, index))
    return table


def warm(languages: tuple[str, ...] = ("en",)) -> None:
    """Build these languages' tables now (workers fork after this and share them)."""
    for language in languages:
        _centibels(language)
