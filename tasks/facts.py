"""Facts stage: numeric claims with what is counted, the action, the speaker and the polarity."""

from __future__ import annotations

import csv
import hashlib
import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from spacy.attrs import LOWER
from spacy.tokens import Doc, Span

from tasks.common.frames import facts_frame
from tasks.common.isolation import keep_checked, per_article
from tasks.common.models import Article, Batch, Fact, Mention
from tasks.common.nlp import parse
from tasks.entities import LOCAL_PREFIX, ORG_WORDS, entity_ids, load_gazetteer

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000,
    "billion": 1_000_000_000, "trillion": 1_000_000_000_000, "dozen": 12,
    # South Asian English: "50 lakh masks" are five million, "Rs 2,000 crore" twenty billion
    "lakh": 100_000, "lakhs": 100_000, "crore": 10_000_000, "crores": 10_000_000,
}
MULTIPLIERS = ("hundred", "thousand", "million", "billion", "trillion", "lakh", "lakhs", "crore", "crores")
# Denominators of fractions written in words ("two-thirds", "a quarter of", "half of").
FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5, "fifths": 5,
             "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8, "tenth": 10, "tenths": 10}
# Shares are facts of their own kind, kept in `category`: "40%" is 40 percent, "two-thirds" 0.667.
SHARE_KINDS = ("percent", "fraction")
# Words joining the two ends of a range: "30 to 40", "30-40", "two or three", "between 30 and 40".
RANGE_JOINERS = {"to", "-", "–", "or"}
# Vague quantities: (value, low, high). `value` follows ACLED's coding (dozens = 12,
# hundreds = 100, ...): the smallest figure the word can stand for, so sums never overstate.
# `high` is the largest figure the word still fits before the next word would be used.
VAGUE_QUANTITIES = {
    "hundreds of thousands": (100000.0, 100000.0, 999999.0),
    "tens of thousands": (10000.0, 10000.0, 99999.0),
    "millions": (1000000.0, 1000000.0, 9999999.0),
    "dozens": (12.0, 12.0, 99.0),
    "scores": (20.0, 20.0, 99.0),
    "hundreds": (100.0, 100.0, 999.0),
    "thousands": (1000.0, 1000.0, 9999.0),
}
QUALIFIERS = [
    "more than", "less than", "fewer than", "at least", "at most", "up to", "as many as",
    "nearly", "almost", "about", "around", "roughly", "approximately", "some", "over", "under",
    "an estimated", "estimated", "above", "below",
]
# Fraction of the stated figure a qualifier allows the true one to differ by: used for the
# value range here and for grouping facts into claims (tasks/syndication.py).
QUALIFIER_TOLERANCE = {
    None: 0.0, "about": 0.1, "around": 0.1, "roughly": 0.1, "approximately": 0.1, "some": 0.1,
    "nearly": 0.1, "almost": 0.1, "an estimated": 0.1, "estimated": 0.1, "as many as": 0.1,
    "more than": 0.1, "over": 0.1, "at least": 0.1, "less than": 0.1, "fewer than": 0.1,
    "under": 0.1, "up to": 0.1, "at most": 0.1, "above": 0.1, "below": 0.1,
}
TIME_UNITS = {"second", "minute", "hour", "day", "night", "evening", "morning", "afternoon", "weekend",
              "week", "fortnight", "month", "season", "year", "decade", "century", "time", "percent", "am", "pm", "gmt",
              "utc"}
# Measures, not counts of things ("a 16-inch screen", "5 inches (127 millimeters)").
MEASURE_UNITS = {"km", "kilometer", "kilometre", "mile", "meter", "metre", "inch", "foot", "feet", "yard",
                 "centimeter", "centimetre", "millimeter", "millimetre", "cm", "mm", "liter", "litre", "gallon",
                 "pound", "lb", "kilogram", "kg", "gram", "ounce", "oz", "ton", "tonne", "horsepower", "hp",
                 "calorie", "pixel", "mph", "degree", "acre", "hectare", "volt", "watt", "kilowatt", "megawatt", "gigawatt",
                 "kwh", "gb", "mb", "tb", "ghz", "tablespoon", "teaspoon", "cup", "dollar", "euro", "yen", "yuan",
                 "rupee", "cent",
                 # page furniture: counters of comments, shares, views and photos
                 "comment", "share", "reply", "retweet", "like", "view", "slide", "photo", "image", "page",
                 "word", "character",  # "The full article contains 259 words"
                 "pence", "penny", "franc", "peso", "ruble", "rouble", "lira", "dinar", "riyal", "shekel",
                 "percentage", "billion", "trillion", "million", "thousand",
                 "hundred", "dozen",
                 "m", "bn", "mn", "k",  # "12m", "$2bn": millions and billions written short
                 "thing", "story", "storey", "size", "megapixel", "nit", "fps", "frame", "point", "way", "strong", "handed", "fold", "sided"}
NOT_UNITS = TIME_UNITS | MEASURE_UNITS
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
SPEECH_VERBS = {"said", "says", "say", "added", "announced", "warned", "stated", "claimed", "reported",
                "told", "confirmed", "denied", "denies", "estimated", "noted", "insisted", "accused"}
# Things that count what something is made of ("the 17-bus convoy"): the action is `comprised`.
CONTAINERS = {"convoy", "fleet", "column", "caravan", "motorcade", "flotilla",
              # bodies counted by their seats or members: "the 300-seat parliament", "a 15-member council"
              "parliament", "assembly", "chamber", "senate", "legislature", "council", "cabinet", "congress",
              "committee", "panel", "jury", "squad", "delegation"}
ACTIONS = {
    "killed": "killed", "kill": "killed", "killing": "killed", "died": "killed", "dead": "killed",
    "wounded": "wounded", "injured": "wounded",
    "stranded": "stranded", "stuck": "stranded",
    "crossed": "crossed", "cross": "crossed",
    "fled": "fled", "flee": "fled", "fleeing": "fled",
    # carried, transported and travelling on: the same movement seen from the vehicle or the people
    "transported": "transported", "transporting": "transported", "transport": "transported",
    "carrying": "transported", "carried": "transported", "travelling": "transported", "traveling": "transported",
    "evacuated": "evacuated", "evacuating": "evacuated",
    "left": "left", "leave": "left",
    "reached": "reached", "reach": "reached",
    "remained": "remained", "remaining": "remained", "remain": "remained", "still": "remained",
    "targeted": "targeted", "struck": "targeted", "hit": "targeted",
    "arrested": "arrested", "detained": "arrested", "captured": "captured", "displaced": "displaced",
    "waiting": "waiting", "drove": "drove",
    "hurt": "wounded", "injuring": "wounded", "wounding": "wounded", "die": "killed", "dies": "killed",
    "abducted": "abducted", "kidnapped": "abducted", "rescued": "rescued", "missing": "missing",
    "aboard": "transported",
}
# A unit that names its own action: "130 deaths" were killed, "19 injuries" wounded, passengers carried.
UNIT_ACTIONS = {"death": "killed", "fatality": "killed", "injury": "wounded", "passenger": "transported",
                "hostage": "taken hostage"}
DENIAL_WORDS = {"denied", "denies", "deny", "denying", "rejected", "dismissed", "refuted"}
# Markers of conditions, threats, plans and modal or future statements.
HYPOTHETICAL_BEFORE = {"if", "unless", "could", "would", "might", "may", "threat", "threats", "threaten",
                       "threatened", "threatens", "vowed", "plans", "plan", "planned", "will", "should",
                       "forecast", "forecasts"}
# Forecast words that are hypothetical only before "to": "is expected to contract", not "the expected lineup".
HYPOTHETICAL_BEFORE_TO = {"expected", "projected", "predicted", "set", "likely"}
HYPOTHETICAL_AFTER = {"could", "would", "might", "may", "will", "should"}
# Words that start a new clause: a modal before them does not govern a number after them.
CLAUSE_WORDS = {"because", "but", "while", "although", "though", "since", "after", "before", "when",
                "whereas", "as"}
# Words that end a subject noun phrase when walking back from a speech verb.
SUBJECT_STOP = {"that", "after", "before", "when", "while", "because", "and", "but", "which", "who",
                "as", "since", "if", "though", "although", "where", "came", "news", "yet"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
SUBJECT_SKIP = {"also", "earlier", "later", "yesterday", "today", "then", "again", "previously",
                "recently", "on", "late", "last", "overnight", "had", "has", "have"} | WEEKDAYS
PRONOUNS = {"it", "they", "he", "she"}
PERSON_PRONOUNS = {"he", "she"}
PLACE_TYPES = {"GPE", "LOC", "FAC"}
# "half the votes", "half its members": "half" needs no "of" before a determiner.
HALF_OF = {"the", "its", "their", "his", "her", "our", "all"}
STATEMENT_WORDS = {"statement", "communique", "communiqué", "announcement", "report", "release"}
# Words ending in "men" that are no plural of "man".
NOT_MEN_PLURALS = {"specimen", "abdomen", "omen", "regimen", "acumen", "hymen", "semen", "stamen", "amen",
                   "yemen", "bitumen", "albumen", "cyclamen", "dolmen", "germen", "lumen", "rumen", "nomen"}



def _inflect_engine() -> Any:
    """inflect's engine, imported without typeguard's run-time checks.

    inflect wraps each of its methods in typeguard's @typechecked, which re-compiles them when
    the module is imported: 1.7 s of every worker's start-up, and each call three times slower
    (measured). We only ever pass it lower-case strings; over the 20,000 commonest English words
    its answers are the same without the checks (the empty string, which typeguard refused,
    now comes back unchanged).
    """
    import typeguard

    checked = typeguard.typechecked
    typeguard.typechecked = lambda target=None, **_kw: target if target is not None else (lambda f: f)  # type: ignore[assignment]
    try:
        import inflect
    finally:
        typeguard.typechecked = checked
    return inflect.engine()


_inflect = _inflect_engine()


@lru_cache(maxsize=1)
def unit_categories(directory: Path = GAZETTEER_DIR) -> dict[str, str | None]:
    """Counted noun -> category, from gazetteer/units.csv (None: a known counted noun of no family)."""
    with (directory / "units.csv").open(encoding="utf-8") as f:
        return {r["unit"]: r["category"] or None for r in csv.DictReader(f)}


@lru_cache(maxsize=4096)
def singular(word: str) -> str:
    """Singular lower-case form of a noun ("buses" -> "bus"; "people" stays)."""
    lower = word.strip().lower()
    if not lower.isalpha():  # a stray space, a number or a symbol is no noun (inflect raises on blanks)
        return lower
    if lower in ("people", "police", "personnel", "media", "news", "series") or lower in unit_categories():
        return lower
    if lower.endswith(("ss", "us", "is")):
        return lower  # inflect would turn "bus" into "bu"
    result = _inflect.singular_noun(lower)  # type: ignore[arg-type]
    if not lower.endswith("s"):  # irregular plurals only when they are known units: "children", "women"
        if lower.endswith("men") and lower not in NOT_MEN_PLURALS and result == lower[:-3] + "man":
            return result  # compounds of "man": "policemen", "gunmen", "servicemen"
        return result if isinstance(result, str) and result in unit_categories() else lower
    return result if isinstance(result, str) else lower


@dataclass(frozen=True, slots=True)
class NumberSpan:
    """A number in a doc: tokens [start, end), its value, range and qualifier."""

    start: int
    end: int
    value: float
    low: float
    high: float
    qualifier: str | None
    is_vague: bool = False
    kind: str = "count"  # count, or one of SHARE_KINDS


_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")


def _value_of(word: str) -> float | None:
    """The value of one lower-case token, or None."""
    if word[:1].isdigit() and _DIGITS.fullmatch(word):
        return float(word.replace(",", ""))
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else None


_VAGUE_WORDS = [(phrase.split(), rng) for phrase, rng in VAGUE_QUANTITIES.items()]
_VAGUE_FIRST = {w[0] for w, _ in _VAGUE_WORDS}


def lower_tokens(doc: Doc) -> list[str]:
    """Lower-case token texts: read once per doc, since each Token access builds an object."""
    strings = doc.vocab.strings
    return [strings[int(h)] for h in doc.to_array(LOWER)]


def find_numbers(doc: Doc, lower: list[str] | None = None) -> list[NumberSpan]:
    """Number expressions: digits, number words, 'a hundred', vague quantities, with qualifiers."""
    lower = lower if lower is not None else lower_tokens(doc)
    out: list[NumberSpan] = []
    i = 0
    size = len(lower)
    while i < size:
        word = lower[i]
        if word in _VAGUE_FIRST:
            vague = next(((len(w), rng) for w, rng in _VAGUE_WORDS if lower[i : i + len(w)] == w), None)
            if vague:
                n, (value, low, high) = vague
                out.append(NumberSpan(i, i + n, value, low, high, None, is_vague=True))
                i += n
                continue
        token_value = _value_of(word)
        if token_value is None:
            i += 1
            continue
        value = token_value
        start, end = i, i + 1
        if start > 0 and lower[start - 1] in ("a", "an") and word in (*MULTIPLIERS, "dozen"):
            start -= 1
        fraction = _fraction_at(lower, i)
        if fraction is not None:  # "two-thirds of the passengers" is 0.667 of them, not 2 "thirds"
            n_tokens, share = fraction
            out.append(NumberSpan(i, i + n_tokens, share, share, share, None, kind="fraction"))
            i += n_tokens
            continue
        # "twenty-five", "two hundred", "1.5 million"
        if end + 1 < size and lower[end] == "-" and value in (20, 30, 40, 50, 60, 70, 80, 90) \
                and (unit_value := _value_of(lower[end + 1])) is not None and unit_value < 10:
            value += unit_value
            end += 2
        while end < size and lower[end] in MULTIPLIERS:
            value *= NUMBER_WORDS[lower[end]]
            end += 1
        kind = "count"
        if end < size and lower[end] in ("%", "percent"):
            kind, end = "percent", end + 1
        elif end + 1 < size and lower[end] == "per" and lower[end + 1] == "cent":
            kind, end = "percent", end + 2
        out.append(NumberSpan(start, end, value, value, value, None, kind=kind))
        i = end
    for i, word in enumerate(lower):  # "half of", "a third of", "one in five" has no span of its own
        if word in FRACTIONS and i + 1 < size and (lower[i + 1] == "of" or word == "half" and lower[i + 1] in HALF_OF) \
                and (word == "half" or (i > 0 and lower[i - 1] in ("a", "one"))):
            first = i if word == "half" else i - 1
            if not any(n.start <= first < n.end for n in out):
                share = 1 / FRACTIONS[word]
                out.append(NumberSpan(first, i + 1, share, share, share, None, kind="fraction"))
    out.sort(key=lambda n: n.start)
    return _ranges(lower, [_with_qualifier(lower, n) for n in out])


def _fraction_at(lower: list[str], i: int) -> tuple[int, float] | None:
    """(tokens, share) of a fraction starting at token i ("two-thirds", "three quarters"), else None."""
    numerator = NUMBER_WORDS.get(lower[i])
    if numerator is None or numerator > 10:
        return None
    j = i + 1
    if j < len(lower) and lower[j] in ("-", "–"):
        j += 1
    if j < len(lower) and lower[j] in FRACTIONS and (lower[j] not in ("half", "quarter", "third") or numerator == 1):
        return j + 1 - i, numerator / FRACTIONS[lower[j]]
    return None


def _ranges(lower: list[str], numbers: list[NumberSpan]) -> list[NumberSpan]:
    """'30 to 40', '30-40', 'two or three', 'between 30 and 40', '30-60 per cent' -> one span, low 30, high 40
    (value: the low end, as vague words do). 'from 30 to 40' is a change: only 40 stays."""
    out: list[NumberSpan] = []
    k = 0
    while k < len(numbers):
        n = numbers[k]
        m = numbers[k + 1] if k + 1 < len(numbers) else None
        if m is not None and m.start == n.end + 1 and n.kind == "count" and m.kind in ("count", "percent") \
                and not n.is_vague and not m.is_vague and m.qualifier is None:
            joiner = lower[n.end]
            if joiner == "in" and 0 < n.value < m.value and m.kind == "count":  # "one in five adults": a share
                share = n.value / m.value
                out.append(NumberSpan(n.start, m.end, share, share, share, n.qualifier, kind="fraction"))
                k += 2
                continue
            before = lower[n.start - 1] if n.start > 0 else ""
            if before == "from" and joiner == "to":
                k += 1  # "rose from 100 to 130": the old figure is no claim
                continue
            if n.value < m.value and joiner in RANGE_JOINERS or (joiner == "and" and before == "between"):
                start = n.start - 1 if before == "between" else n.start
                low = n.low if n.qualifier else n.value
                out.append(NumberSpan(start, m.end, n.value, low, m.value, n.qualifier, kind=m.kind))  # "30-60 per cent"
                k += 2
                continue
        if m is not None and m.start == n.end + 2 and lower[n.end : n.end + 2] == ["out", "of"] and n.kind == m.kind == "count" \
                and not n.is_vague and not m.is_vague and m.qualifier is None and 0 < n.value <= m.value:
            share = n.value / m.value  # "eight out of ten companies": a share, not ten companies
            out.append(NumberSpan(n.start, m.end, share, share, share, n.qualifier, kind="fraction"))
            k += 2
            continue
        out.append(n)
        k += 1
    return out


_QUALIFIER_WORDS = [q.split() for q in sorted(QUALIFIERS, key=len, reverse=True)]


def _with_qualifier(lower: list[str], n: NumberSpan) -> NumberSpan:
    if n.kind == "percent" and n.start > 1 and lower[n.start - 1] in ("a", "an"):
        # "at least a 12 percent drop": the article belongs to the share's noun phrase
        widened = _with_qualifier(lower, NumberSpan(n.start - 1, n.end, n.value, n.low, n.high, None, n.is_vague, n.kind))
        if widened.qualifier is not None:
            return widened
    for words in _QUALIFIER_WORDS:
        if n.start >= len(words) and lower[n.start - len(words) : n.start] == words:
            q = " ".join(words)
            low, high = n.low, n.high
            tol = QUALIFIER_TOLERANCE.get(q, 0.1)
            if q in ("more than", "over", "at least", "above"):
                low, high = n.value, float("inf")
            elif q in ("less than", "fewer than", "under", "up to", "at most", "below"):
                low, high = 0.0, n.value
            elif q in ("nearly", "almost"):
                low, high = n.value * (1 - tol), n.value
            else:
                low, high = min(low, n.value * (1 - tol)), max(high, n.value * (1 + tol))
            # An open upper bound is stored as a large finite number: checks require finite values.
            return NumberSpan(n.start - len(words), n.end, n.value, low, min(high, 1e15), q, n.is_vague, n.kind)
    return n


_LINE_NUMBER = re.compile(r"^[ \t]*(\d{1,3})[.)]?[ \t]+(?=[\"'‘“(]?[A-Z0-9])", re.M)
LIST_RUN = 3  # paragraphs numbered in a row before their numbers are read as a list's


def list_numbers(text: str) -> frozenset[int]:
    """Character offsets of the numbers that number a list's paragraphs ("1 The First Division
    play-off ...", "2 In 2001-02, 32 clubs ..."): runs of at least LIST_RUN lines opening with
    consecutive integers. Such a number counts paragraphs, not what the words after it name;
    a single line opening with a figure ("12 people died ...") is no list and stays a count."""
    found = [(int(m.group(1)), m.start(1)) for m in _LINE_NUMBER.finditer(text)]
    out: set[int] = set()
    run: list[int] = []
    for i, (value, at) in enumerate(found):
        if run and value != found[i - 1][0] + 1:
            out.update(run if len(run) >= LIST_RUN else ())
            run = []
        run.append(at)
    out.update(run if len(run) >= LIST_RUN else ())
    return frozenset(out)


def _is_excluded(doc: Doc, n: NumberSpan, mention_spans: list[tuple[int, int]],
                 listed: frozenset[int] = frozenset()) -> bool:
    """Years, dates, times, ordinals, list numbers and numbers that are part of a name are not claims."""
    first, last = doc[n.start], doc[n.end - 1]
    if any(s <= last.idx < e for s, e in mention_spans):
        return True
    if first.idx in listed:
        return True
    if _is_year(last.text):
        return True
    prev = doc[n.start - 1] if n.start > 0 else None
    nxt = doc[n.end] if n.end < len(doc) else None
    if prev is not None and prev.lower_.strip(".") in MONTHS:
        return True
    if nxt is not None and nxt.lower_.strip(".") in MONTHS:
        return True
    if nxt is not None and nxt.text in (":", "/"):
        return True  # times, dates, scores written "18:39", "3/4"
    if nxt is not None and nxt.text == "." and not last.whitespace_ and not nxt.whitespace_ \
            and n.end + 1 < len(doc) and doc[n.end + 1].text[:1].isdigit():
        return True  # "18.39" split by the tokenizer; a figure ending its sentence stays
    if prev is not None and (prev.text in ("/", "#", "€", "£", "¥", "₹") or prev.text.endswith("$")):
        return True  # money ("$5", "US$10"), fractions of a page, ranks
    if prev is not None and prev.lower_ in ("aged", "age", "ages", "page", "pages", "chapter", "number", "no.", "top", "bottom"):
        return True  # ages, page and list numbers, ranks ("the top four")
    if prev is not None and prev.lower_ == "of" and n.start > 1 and doc[n.start - 2].lower_ in ("age", "ages"):
        return True  # "players under the age of 21"
    if prev is not None and prev.lower_ in LABEL_NOUNS and n.qualifier is None and not n.is_vague \
            and (nxt is None or singular(nxt.text) not in unit_categories()):
        return True  # "Phase six includes", "in round two", "Phase 2 trials": labels; "last week 30 soldiers" counts
    if prev is not None and prev.text in ("-", "–", "/") and n.start > 1 and not prev.whitespace_ \
            and not doc[n.start - 2].whitespace_ and _is_year(doc[n.start - 2].text):
        return True  # the second year of a season or a financial year: "from 2013-14 onwards"
    if prev is not None and prev.text == "-" and n.start > 1 and not prev.whitespace_ and first.text[:1].isdigit() \
            and not doc[n.start - 2].whitespace_ and _model_number(doc[n.start - 2].text, n.value):
        return True  # a model's number, not a range: "787-9 Dreamliners", "A350-900 jets"
    if prev is not None and prev.lower_ == "or" and n.start > 2 and doc[n.start - 3].lower_ in ("a", "an") \
            and doc[n.start - 2].is_alpha and n.qualifier is None:
        return True  # "a line or two", "a day or two": a vague few of the noun before, not a count of the one after
    if first.lower_ == "one" and nxt is not None and nxt.lower_ == "of":
        return True  # "one of the last strongholds": a figure of speech, not a count
    if prev is not None and prev.lower_ == "no" and first.lower_ == "one":
        return True  # "no one knows"
    if _is_reference(doc, n):
        return True
    if prev is not None and n.kind == "count" and first.text[:1].isdigit() and _value_of(prev.lower_) is not None and n.qualifier is None:
        return True  # "five 787 Dreamliners", "400 737 Max jets": a number right after a count is a model's name
    if prev is not None and _is_name_word(prev.text) and prev.is_alpha and n.value < 1000 \
            and (first.text.isdigit() or (n.kind == "count" and _VERSION.fullmatch(first.text))) \
            and (not prev.is_sent_start or not prev.is_stop) and not _starts_a_count_after_a_name(doc, n, mention_spans):
        return True  # "DeirEzzor 24", "Route 4", "Thunderbolt 3 docks", "iPhone 7", "GFXBench 3.0": a number glued to a name
    return nxt is not None and nxt.lower_ in ("st", "nd", "rd", "th")


_VERSION = re.compile(r"\d+\.\d+")  # "3.0", "4.4": after a name, a version; a count of things is whole


def _is_name_word(text: str) -> bool:
    """Capitalised ("Route") or a brand written in camel case ("iPhone", "eBay")."""
    return text[:1].isupper() or (text[:1].islower() and any(c.isupper() for c in text[1:]))


def _model_number(before: str, value: float) -> bool:
    """The part before the hyphen of "787-9" or "A350-900": letters and digits, or a larger number
    (a range goes up: "30-60 per cent")."""
    if not any(c.isdigit() for c in before):
        return False
    if not before.replace(",", "").replace(".", "").isdigit():
        return True
    return float(before.replace(",", "")) > value


def _is_year(text: str) -> bool:
    return text.isdigit() and len(text) == 4 and 1800 <= int(text) <= 2100


# Nouns a number labels when it follows them ("Phase six", "round two", "Category 5").
LABEL_NOUNS = {"phase", "stage", "section", "article", "part", "round", "level", "grade", "category", "game",
               "week", "episode", "season", "volume", "step", "tier", "figure", "table", "gate", "terminal",
               "platform", "paragraph", "clause", "annex", "appendix", "act", "scene", "track", "unit", "block",
               "ward", "district", "zone", "sector", "lane", "exit", "division", "league", "class", "form"}
# Prepositions whose object can be a name or a day, written with no comma before a count:
# "In Syria 17 people were killed", "On Monday 40 people died".
NAME_PREPOSITIONS = {"in", "on", "at", "from", "across", "throughout", "near", "outside", "inside", "since", "by"}


def _starts_a_count_after_a_name(doc: Doc, n: NumberSpan, mention_spans: list[tuple[int, int]]) -> bool:
    """'On Monday 17 people were killed', 'In Syria 17 civilians died': the capitalised word before
    the number is a weekday with a plural noun after the number, or ends a listed name that a
    preposition governs with a counted noun of gazetteer/units.csv after the number: the number
    starts a count, it is not part of a name ('Route 4', 'DeirEzzor 24 reported', 'Corso
    Monforte 15 features')."""
    prev = doc[n.start - 1]
    nxt = doc[n.end] if n.end < len(doc) else None
    if nxt is None or not nxt.is_lower:
        return False
    counted = singular(nxt.text) in unit_categories()
    if prev.lower_ in WEEKDAYS:
        return counted or _looks_plural(nxt.text)
    if not counted:
        return False  # "in Corso Monforte 15 features a light installation": a house number and a verb
    span = next(((s, e) for s, e in mention_spans if s <= prev.idx < e), None)
    if span is None:
        return False
    k = n.start - 1
    while k > 0 and doc[k - 1].idx >= span[0]:
        k -= 1  # the name's first token
    return k > 0 and doc[k - 1].lower_ in NAME_PREPOSITIONS


def _is_reference(doc: Doc, n: NumberSpan) -> bool:
    """'the two parties', 'those two parties', 'the other two parties', 'the two protesters': a small
    number written as a word after a definite determiner re-names a set the reader already knows;
    it counts nothing new. Figures in digits ('the 300-seat parliament', 'the 17 buses') and
    hedged ones ('the more than 10 million users') are still counts."""
    if n.kind != "count" or n.qualifier is not None or n.is_vague or n.end - n.start != 1 or n.value > 10:
        return False
    if not doc[n.start].is_alpha:
        return False
    k = n.start - 1
    if k >= 0 and doc[k].lower_ == "other":
        k -= 1
    return k >= 0 and doc[k].lower_ in ("the", "those", "these")


def _compound_modifier(doc: Doc, j: int) -> bool:
    """The first word of a hyphenated modifier ("well-established", "so-called")."""
    return j + 2 < len(doc) and doc[j + 1].text == "-" and doc[j + 2].is_alpha and doc[j].whitespace_ == ""


def _compound_end(doc: Doc, j: int) -> bool:
    """The last word of a hyphenated modifier ("Russian-made", "U.S.-led")."""
    return j >= 2 and doc[j - 1].text == "-" and doc[j - 1].whitespace_ == "" and doc[j - 2].whitespace_ == ""


def _plural_form_differs(word: str) -> bool:
    """A countable noun in the singular ("jet", not "people", "police" or "aircraft")."""
    plural = _inflect_engine().plural_noun(word)
    return isinstance(plural, str) and plural != word


def _looks_plural(word: str) -> bool:
    """A lower-case word inflect can make singular ("rounds", "jets"), not "various" or "news"."""
    return word.isalpha() and singular(word) != word


def _counted_noun(doc: Doc, n: NumberSpan, mention_by_token: dict[int, Mention]) -> tuple[str | None, int | None, str | None]:
    """(unit, token index of the head noun, entity of a name inside the phrase)."""
    categories = unit_categories()
    i = n.end
    if i + 1 < len(doc) and doc[i].text == "-" and doc[i + 1].is_alpha:  # "the 17-bus convoy"
        word = singular(doc[i + 1].lower_)
        return (None, None, None) if word in NOT_UNITS or doc[i + 1].is_stop else (word, i + 1, None)
    if i < len(doc) and doc[i].lower_ == "of":  # "dozens of fighters", "a hundred of the jihadists"
        i += 1
        if i < len(doc) and doc[i].lower_ in ("the", "its", "their", "them", "these", "those"):
            i += 1
    subject: str | None = None
    subject_token = len(doc)
    listed = False
    for j in range(i, min(i + 9, len(doc))):
        tok = doc[j]
        if j in mention_by_token:
            if subject is None:
                subject, subject_token = mention_by_token[j].entity_id, j
            continue
        if tok.text == "-" or tok.lower_ in ("'s", "’s"):
            continue  # "lightly-armed", "the group's vehicles"
        if j == i and tok.text.isdigit() and j + 1 < len(doc) and doc[j + 1].is_alpha:
            continue  # "400 737 Max jets": the model's number
        if tok.lower_ in (",", "and", "or") and j > i and doc[j - 1].is_lower and not _looks_plural(doc[j - 1].lower_) \
                and j + 1 < len(doc) and doc[j + 1].is_lower and doc[j + 1].is_alpha and _value_of(doc[j + 1].lower_) is None:
            listed = True
            continue  # "90 air, sea and ground-launched missiles": modifiers in a list
        if tok.is_punct or tok.is_space or (listed and _looks_like_verb(tok.lower_) and doc[j - 1].text != "-"):
            break
        lower = tok.lower_
        if j + 1 < len(doc):
            two = f"{singular(lower)} {singular(doc[j + 1].lower_)}"
            if two in categories:
                return two, j + 1, subject
        word = singular(lower)
        if word in NOT_UNITS:
            return None, None, None
        if word in categories and doc[j - 1].text == "-" and j + 1 < len(doc) and doc[j + 1].is_alpha:
            continue  # the end of a hyphenated modifier: "one in-person meeting" is a meeting, "one neo-bank CEO" a CEO
        if word in categories:
            # "12 civilian vehicles": the head is the last counted noun of the run
            if j + 2 < len(doc) and f"{singular(doc[j + 1].lower_)} {singular(doc[j + 2].lower_)}" in categories:
                return f"{singular(doc[j + 1].lower_)} {singular(doc[j + 2].lower_)}", j + 2, subject
            if j + 1 < len(doc) and doc[j + 1].is_alpha and singular(doc[j + 1].lower_) in categories:
                return singular(doc[j + 1].lower_), j + 1, subject
            if word == lower and n.value > 1 and _plural_form_differs(word) and any(doc[k].text[:1].isupper() for k in range(i, j)):
                return None, None, None  # "its popular 737 Max jet": a model's number before a name, one jet
            nxt = doc[j + 1] if j + 1 < len(doc) else None
            if word == lower and nxt is not None and n.value != 1 and nxt.is_lower and not nxt.is_stop and nxt.lower_ not in ACTIONS \
                    and _looks_plural(nxt.lower_) and singular(nxt.lower_) not in NOT_UNITS:
                return singular(nxt.lower_), j + 1, subject  # "two tank rounds" are rounds; "five fighter jets", jets
            return word, j, subject
        if not tok.is_alpha or (tok.is_stop and lower not in ("more", "other") and not _compound_modifier(doc, j)
                                and not _compound_end(doc, j)):
            break  # "42 other people" are people; "two well-established families", "17 Russian-made jets"
    # an uncategorised noun: the first plural of the words after the number ("three police officers");
    # not after "one" ("as one observer puts it": a verb, not a plural)
    # four words, a hyphenated one counting once ("40 stay-at-home parents")
    hyphens = sum(1 for k in range(i + 1, min(i + 13, len(doc))) if _compound_end(doc, k))
    for j in range(i, min(i + 4 + 2 * hyphens, len(doc)) if n.value != 1 else 0):
        tok = doc[j]
        if j in mention_by_token or tok.text == "-":
            continue
        if not tok.is_alpha or not tok.is_lower or (tok.is_stop and not _compound_modifier(doc, j) and not _compound_end(doc, j)) \
                or tok.lower_ in ACTIONS or tok.lower_ in SPEECH_VERBS \
                or singular(tok.lower_) in ACTIONS:
            break
        if _looks_plural(tok.lower_):
            word = singular(tok.lower_)  # a name after the noun is no part of its phrase ("grenades outside Skai ...")
            return (None, None, None) if word in NOT_UNITS else (word, j, subject if subject_token < j else None)
    return None, None, subject


def _share_of(doc: Doc, n: NumberSpan) -> tuple[str, int] | None:
    """What a percentage or a fraction is a share of: '30 per cent of the vote' -> vote; 'half the
    votes' -> vote; '5 percent of the country's output' -> output; 'of voters backed parties' ->
    voter (the run ends at its first plural); 'of the total' names no whole."""
    j = n.end
    if j < len(doc) and doc[j].lower_ == "of":
        j += 1
    elif not (j < len(doc) and doc[n.end - 1].lower_ == "half" and doc[j].lower_ in HALF_OF):
        return None
    last: int | None = None
    while True:
        while j < len(doc) and (doc[j].lower_ in HALF_OF or _value_of(doc[j].lower_) is not None):
            if _is_year(doc[j].text) and not (j + 1 < len(doc) and doc[j + 1].is_alpha and doc[j + 1].is_lower
                                              and not _looks_like_verb(doc[j + 1].lower_)):
                return None  # "the first half of 2019": a part of a year; "30% of 2019 revenue" is of revenue
            j += 1  # "half of the 17 buses"
        while j < len(doc) and j < n.end + 8 and doc[j].is_alpha and doc[j].is_lower \
                and (not doc[j].is_stop or doc[j].lower_ in GENERIC_WHOLES  # spaCy lists "amount" as a stop word
                     or _compound_modifier(doc, j) or _compound_end(doc, j)):
            if last is not None and _verb_after_whole(doc[j].lower_):
                break  # "30% of the revenue came from ads": the whole ends before its verb
            if _compound_modifier(doc, j):
                j += 2  # a word of a hyphenated modifier: "three-quarters of stay-at-home moms" are moms
                continue
            last, j = j, j + 1
            if _looks_plural(doc[j - 1].lower_):
                break
        if last == j - 1 and j < len(doc) and (doc[j].lower_ in ("'s", "’s") or _plural_possessive(doc, j)):
            j += 1  # "the country's gross domestic product", "their countries' output": the whole is the possessed noun
            continue
        break
    if last is not None and doc[last].lower_ in GENERIC_WHOLES:
        return ("percent" if n.kind == "percent" else "fraction"), last
    if last is None or singular(doc[last].lower_) in NOT_UNITS:
        return None
    return singular(doc[last].lower_), last


def _plural_possessive(doc: Doc, j: int) -> bool:
    """The apostrophe of "members' spending": written onto a plural in -s and followed by a word."""
    if not (doc[j].text in ("'", "’") and doc[j].whitespace_ and not doc[j - 1].whitespace_
            and doc[j - 1].lower_.endswith("s") and j + 1 < len(doc)):
        return False
    word = doc[j + 1].lower_  # a verb after it makes the apostrophe a closing quote: "of voters' said"
    return doc[j + 1].is_alpha and not doc[j + 1].is_stop and word not in SPEECH_VERBS and word not in ACTIONS \
        and word not in IRREGULAR_PAST


def _verb_after_whole(word: str) -> bool:
    """A verb that can follow a share's whole ("came", "said", "rose"); not a plural ("gains")."""
    return (word in IRREGULAR_PAST or word in SPEECH_VERBS or word in CHANGE_VERBS or word in HOLDING_VERBS
            or word in AUXILIARIES or word in MOTION_VERBS) and not _looks_plural(word)


MOTION_VERBS = {"came", "went", "come", "comes", "go", "goes", "going", "gone"}


# Words that name no whole of their own: "0.2% of the eurozone total" is a plain percentage.
GENERIC_WHOLES = {"total", "amount", "figure", "level", "rate"}


def _subject_after(doc: Doc, head: int, mention_by_token: dict[int, Mention]) -> str | None:
    """'85 members of Hezbollah', 'fighters from the Islamic State group': the name after the head
    noun (not a place: '7 people from Brussels' are not Brussels)."""
    j = head + 1
    if j >= len(doc) or doc[j].lower_ not in ("of", "from"):
        return None
    j += 1
    if j < len(doc) and doc[j].lower_ in ("the", "a", "an"):
        j += 1
    m = mention_by_token.get(j)
    return m.entity_id if m is not None and not is_place(m.entity_id) else None


# The word before a figure that follows its noun: "the toll has risen to 130", "stood at 31".
AFTER_NOUN_LINKS = {"to", "at", "reached", "hit", "was", "is", "stands", "stood", "of", "now"}
# Actions only people take or suffer: a bare figure before them counts people ("13 hurt").
# What a share of a population can undergo ("killed 10 percent of the villagers", "a third of residents
# fled"); a share is never what remained, was left, reached or went missing: those verbs then move
# the quantity ("still down from 21.8 percent", "10% left on the battery").
SHARE_ACTIONS = {"killed", "wounded", "arrested", "abducted", "evacuated", "rescued", "displaced", "fled"}
HUMAN_ACTIONS = {"killed", "wounded", "arrested", "abducted", "evacuated", "rescued", "displaced", "missing",
                 "taken hostage"}
AUXILIARIES = {"were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "do", "does", "did",
               "reportedly", "also", "later"}


# ----------------------------------------------------------------------------------------- subjects
# Verbs that say what the clause's subject has, wins or is, or how it changed: the figure after them
# belongs to that subject ("Golden Dawn party got 18 seats", "Commerzbank was down 3.6%", "Mexico's
# economy grew 1.1%"). Only these: after other verbs the figure is often someone else's ("Russia
# shot down 33 drones", "police arrested 12 people"), and a wrong subject splits claims.
HOLDING_VERBS = {
    "has", "have", "had", "having", "holds", "hold", "held", "holding", "got", "gets", "get", "getting",
    "won", "win", "wins", "winning", "gained", "gain", "gains", "gaining", "took", "take", "takes", "taking",
    "secured", "secures", "securing", "earned", "earns", "earning", "received", "receives", "receiving",
    "retained", "retains", "kept", "keeps", "owns", "own", "owned", "controls", "controlled", "employs",
    "employed", "boasts", "polled", "scored", "scores", "accounts", "accounted", "stands", "stood",
    "remains", "remained", "reached", "reaching", "reaches", "placed", "came", "comes", "finished", "finishes",
    "ended", "ranked",
}
CHANGE_VERBS = {
    "rose", "rise", "rises", "rising", "risen", "fell", "fall", "falls", "falling", "fallen", "grew", "grow",
    "grows", "growing", "grown", "shrank", "shrink", "shrinks", "shrinking", "shrunk", "contracted",
    "contract", "contracts", "contracting", "expanded", "expand", "expands", "expanding", "dropped", "drop",
    "drops", "dropping", "climbed", "climb", "climbs", "climbing", "jumped", "jump", "jumps", "slipped",
    "slid", "declined", "decline", "declines", "declining", "increased", "increase", "increases",
    "increasing", "decreased", "decrease", "decreases", "lost", "lose", "loses", "losing", "surged",
    "soared", "slumped", "plunged", "tumbled", "sank", "edged", "advanced", "eased", "raised", "raise",
    "raises", "raising", "cut", "cuts", "cutting",
}
# Words that tie a subject to the figure right after them, with or without a verb: "showed New
# Democracy with 30 percent", "Commerzbank was down 3.6%", "BNP down 3.3%".
FIGURE_LINKS = {"with", "down", "up", "off"}
# Verbs of saying or thinking: their subject speaks about the figure, it does not hold it.
SAYING = SPEECH_VERBS | {"cited", "claims", "claim", "saying", "says", "tells", "telling", "reports", "announces",
                         "estimates", "believes", "thinks", "sees", "expects", "predicts", "according"}
# A clause's own subject when it is a pronoun: the walk back to a name stops there.
SUBJECT_PRONOUNS = {"i", "we", "you", "he", "she", "they", "it", "there"}
# Other words a subject and its figure may have between them (adverbs, particles, places in a race).
SUBJECT_LINK_WORDS = AUXILIARIES | {
    "now", "also", "still", "only", "just", "already", "then", "again", "not", "overall", "combined",
    "sharply", "slightly", "further", "respectively", "in", "at", "to", "by", "of", "from", "for", "on",
    "around", "about", "nearly", "almost", "some", "over", "under", "than", "the", "a", "an", "its", "their",
    "first", "second", "third", "fourth", "fifth", "sixth", "last", "place", "position", ",", "'s", "’s",
    "will", "would", "could", "can", "may", "might", "should", "must",
}
# Words that open a noun phrase: a participle after one is an adjective ("the reported deaths").
DETERMINERS = {"a", "an", "the", "its", "their", "his", "her", "our", "this", "these", "those"}
# Past forms that do not end in -ed: a clause with one of them is not about what its subject holds.
IRREGULAR_PAST = {
    "shot", "met", "beat", "sent", "hit", "struck", "led", "told", "saw", "fought", "made", "said", "brought",
    "put", "set", "sold", "bought", "paid", "built", "found", "gave", "threw", "drew", "fired", "downed",
    "sought", "caught", "taught", "thought", "wrote", "ran", "left", "chose", "bit", "tore", "wore", "broke",
    "spread", "born", "gone", "done", "seen", "given", "taken", "known",
}
# Prepositions: a name after one is no clause subject ("in central Athens", "with Europe").
PREPOSITIONS = {"in", "at", "on", "of", "from", "to", "by", "with", "for", "near", "against", "across",
                "into", "onto", "than", "over", "under", "about", "around", "between", "among", "through",
                "inside", "outside", "within", "without", "toward", "towards", "behind", "beyond", "via",
                "like", "unlike", "including", "after", "before", "during", "since", "until"}
# Words that open another clause: the walk back to a figure's subject stops there.
SUBJECT_CLAUSE_STOPS = {";", ":", "while", "whereas", "but", "although", "though", "because", "when", "if",
                        "after", "before", "since", "that", "where", "unless", "whether", "so", "—", "–"}
RELATIVES = {"which", "who", "whose"}
# A participle or relative that opens an aside between commas: "X, known for ..., won 18 seats".
ASIDE_OPENERS = RELATIVES | {"known", "led", "headed", "based", "founded", "once", "formerly", "now"}
POSSESSIVE_PRONOUNS = {"its", "their"}


def _looks_like_verb(word: str) -> bool:
    """A past form, a participle or a past irregular verb ("shot", "-ed", "-ing")."""
    return word in IRREGULAR_PAST or (len(word) > 4 and word.isalpha() and word.endswith(("ed", "ing")))


def _mention_first(mention_by_token: dict[int, Mention], j: int) -> int:
    m = mention_by_token[j]
    while j - 1 in mention_by_token and mention_by_token[j - 1] is m:
        j -= 1
    return j


def _is_object(lower: list[str], seg_start: int, first: int) -> bool:
    """A name governed by a preposition ("in central Athens", "with the EU", "of live Premier League")."""
    k = first - 1
    skipped = 0
    while k >= seg_start and skipped < 3 and lower[k] not in PREPOSITIONS and (
            lower[k] in ("the", "a", "an", "-", "'s", "’s") or (lower[k].isalpha() and lower[k] not in SUBJECT_LINK_WORDS
                                                               and not _looks_like_verb(lower[k]) and lower[k] not in HOLDING_VERBS)):
        k, skipped = k - 1, skipped + 1
    return k >= seg_start and lower[k] in PREPOSITIONS


def _coordinated_name(lower: list[str], seg_start: int, first: int, mention_by_token: dict[int, Mention]) -> bool:
    """'Michelle and Barack Obama have two daughters', 'Real Madrid and Barcelona, its two ...':
    a name joined to another one, so a figure after them is no single one's."""
    k = first - 1
    if k < seg_start:
        return False
    return (lower[k] in ("and", "or", "&", "nor") or lower[k] == ",") and k - 1 in mention_by_token


def _aside_start(lower: list[str], seg_start: int, comma: int) -> int | None:
    """Token of the opening comma of an aside closed by the comma at `comma`, else None."""
    for k in range(comma - 1, max(seg_start - 1, comma - 30), -1):
        if lower[k] == ",":
            return k if k + 1 < comma and lower[k + 1] in ASIDE_OPENERS else None
        if lower[k] in (";", ".") or lower[k] in SPEECH_VERBS:
            return None
    return None


def _zone_holds(zone: list[str]) -> bool:
    """Words between a subject and its figure: a verb of holding or change, or a word that ties
    the two ("with 30 percent", "down 3.6%", or nothing: "Syriza 26.9%"); no verb that would make
    the figure someone else's, and few other words (a long stretch is another phrase's)."""
    unknown = [0, 0]  # other words before the verb (the subject's own noun phrase) and after it
    verb_seen = 0
    for k, word in enumerate(zone):
        if word in SAYING or (word in ACTIONS and ACTIONS[word] not in ("remained", "reached")):
            return False
        if word in HOLDING_VERBS or word in CHANGE_VERBS:
            verb_seen = 1
            continue
        if word in SUBJECT_LINK_WORDS:
            continue
        if (_looks_like_verb(word) and not (k > 0 and zone[k - 1] in DETERMINERS)) or not word.isalpha():
            return False  # a verb of another kind; after a determiner an -ing word is a noun ("the voting")
        unknown[verb_seen] += 1
        if unknown[verb_seen] > 3:
            return False
    return not zone or zone[-1] in FIGURE_LINKS or any(w in HOLDING_VERBS or w in CHANGE_VERBS for w in zone)


def _clause_subject(lower: list[str], seg_start: int, at: int, mention_by_token: dict[int, Mention],
                    text: str, *, pronoun: bool = False) -> str | None:
    """The name the clause before token `at` is about: walking back over the verb phrase to the
    nearest name that is no prepositional object, skipping asides between commas. With `pronoun`
    (resolving "its"/"their") any verb may stand between, but no other organisation or place; else
    only verbs of holding or change. None when unsure."""
    zone: list[str] = []
    j = at - 1
    while j >= seg_start and len(zone) < 16:
        word = lower[j]
        m = mention_by_token.get(j)
        if m is not None and m.mention_kind == "name":
            first = _mention_first(mention_by_token, j)
            if _is_modifier(text, m) or _coordinated_name(lower, seg_start, first, mention_by_token):
                return None
            if not _is_object(lower, seg_start, first):
                if pronoun:
                    return m.entity_id if not _is_person(m) else None
                return m.entity_id if _zone_holds(zone[::-1]) else None
            if pronoun and not _is_person(m):
                return None  # "Fifa ... with the Premier League over its 20-club size": either may own it
            zone.append("name")  # a prepositional object: keep walking to the clause's subject
            j = first - 1
            continue
        if word in RELATIVES and j - 2 >= seg_start and lower[j - 1] == "," and (m2 := mention_by_token.get(j - 2)) is not None \
                and m2.mention_kind == "name" and _is_person(m2) == (word == "who"):
            # "New Democracy, which gained 129 seats": the relative clause is about its antecedent
            if pronoun:
                return m2.entity_id if not _is_person(m2) else None
            return m2.entity_id if _zone_holds(zone[::-1]) else None
        if word in SUBJECT_CLAUSE_STOPS or word in RELATIVES or word in SUBJECT_PRONOUNS or word in ("and", "or", ".") \
                or _value_of(word) is not None:
            return None
        if word == ",":
            if (opening := _aside_start(lower, seg_start, j)) is not None:
                j = opening - 1  # "The Syriza party, which had surged ..., was in second place"
                continue
            if j + 1 < at and lower[j + 1] in DETERMINERS:
                return None  # "By incorporating X, the image sensor will have 30 percent ...": that phrase is the subject
        zone.append(word)
        j -= 1
    return None


def _possessor(lower: list[str], seg_start: int, n: NumberSpan, mention_by_token: dict[int, Mention],
               text: str) -> str | None:
    """'Greece's two rescue packages' -> Greece; 'its two main banks' -> the clause's subject when
    it is an organisation or a place."""
    j = n.start - 1
    if j < seg_start:
        return None
    if lower[j] in ("'s", "’s") and (m := mention_by_token.get(j - 1)) is not None and m.mention_kind == "name" \
            and not _is_modifier(text, m):
        return m.entity_id
    if lower[j] in POSSESSIVE_PRONOUNS:
        return _clause_subject(lower, seg_start, j, mention_by_token, text, pronoun=True)
    return None


# Words that join a figure to the one before it in one clause: "27 percent of the vote and 72
# seats", "6.9 per cent of the vote, earning 18 seats", "129 seats ..., including a bonus 50 seats".
COORDINATORS = {"and", ",", "(", "including", "earning", "winning", "gaining", "taking", "plus", "giving"}


def _coordinated_subject(lower: list[str], n: NumberSpan, before: list[tuple[NumberSpan, int, Fact]],
                         mention_by_token: dict[int, Mention]) -> str | None:
    """A figure coordinated with an earlier one of its clause shares that one's subject ("27 percent
    of the vote and 72 seats"), as does one in a participle clause with no subject of its own
    ("... to contract five per cent this year after shrinking seven per cent"); never across a name,
    another clause, a verb of its own, or a figure that is not a plain count or share."""
    earlier = [(m, last, f) for m, last, f in before if f.action != "comprised"]
    if not earlier:
        return None
    m, last, fact = earlier[-1]
    if fact.subject_entity_id is None:
        return None
    k = n.start - 1
    while k > last and lower[k] in ("a", "an", "the", "another"):
        k -= 1
    if k > last + 1 and k == n.start - 1 and lower[k].isalpha() and lower[k - 1] in ("a", "an") and not _looks_like_verb(lower[k]):
        k -= 2  # "including a bonus 50 seats": an adjective before the figure
    if k <= last or not (lower[k] in COORDINATORS or _participle_clause(lower, k)):
        return None
    comprised = {x.start for x, _l, f in before if f.action == "comprised"}
    j = last + 1
    while j < n.start:
        word = lower[j]
        if j + 1 < n.start and word in PARTICIPLE_OPENERS and _participle_clause(lower, j + 1):
            j += 2
            continue
        if j in mention_by_token or word in SUBJECT_CLAUSE_STOPS or word in RELATIVES or word in SPEECH_VERBS \
                or word in ACTIONS or word == "." or (_looks_like_verb(word) and word not in COORDINATORS):
            return None
        if _value_of(word) is not None and j not in comprised:
            return None
        j += 1
    return fact.subject_entity_id if n.start - last <= 12 else None


# Words opening a participle clause whose subject is the main clause's: "after shrinking 7%".
PARTICIPLE_OPENERS = {"after", "before", "while", "since", "despite", "by", ",", "and"}


def _participle_clause(lower: list[str], k: int) -> bool:
    """Token k is a participle of holding or change opening a clause with no subject of its own."""
    return k > 0 and lower[k].endswith("ing") and (lower[k] in CHANGE_VERBS or lower[k] in HOLDING_VERBS) \
        and lower[k - 1] in PARTICIPLE_OPENERS


def _bracket_unit(lower: list[str], seg_start: int, n: NumberSpan) -> str | None:
    """A bare figure in brackets after a share takes the noun of an earlier bracket of the same list:
    '29.7% of the vote (129 seats), Syriza 26.9% (71)' -> seat."""
    if n.start - 1 < seg_start or lower[n.start - 1] != "(" or n.end >= len(lower) or lower[n.end] != ")":
        return None
    if n.start < 2 or lower[n.start - 2] not in ("%", "percent", "cent"):
        return None
    for k in range(n.start - 3, seg_start, -1):
        if lower[k] == "(" and k + 3 < n.start and _value_of(lower[k + 1]) is not None and lower[k + 3] == ")" \
                and lower[k - 1] in ("%", "percent", "cent", "vote", "votes"):
            word = singular(lower[k + 2])
            return word if lower[k + 2].isalpha() and word not in NOT_UNITS else None
    return None


def _noun_before(doc: Doc, lower: list[str], n: NumberSpan, seg_start: int,
                 mention_by_token: dict[int, Mention]) -> tuple[str, int, str | None, str | None] | None:
    """A figure after its noun: 'The death toll ... has risen to 130' (deaths, killed); 'the
    number of fighters killed ... to at least 535' (fighters). (unit, head, action, subject)."""
    if n.start == seg_start or lower[n.start - 1] not in AFTER_NOUN_LINKS:
        return None
    for k in range(n.start - 2, max(seg_start - 1, n.start - 25), -1):
        word = lower[k]
        if word in (".", ";", ":") or word in SPEECH_VERBS:
            return None
        if word == "toll":
            if lower[n.start - 1] == "of" and k != n.start - 2:
                return None  # "of" links only "a death toll of 130"
            kind = lower[k - 1] if k > seg_start else ""
            if kind in ("injury", "casualty"):
                return ("injury", k, "wounded", None) if kind == "injury" else ("casualty", k, None, None)
            return "death", k, "killed", None
        if word == "number" and k + 1 < n.start and lower[k + 1] == "of":
            subject = None
            for j in range(k + 2, min(k + 7, n.start)):
                if j in mention_by_token:
                    subject = subject or mention_by_token[j].entity_id
                    continue
                if lower[j] in ("the", "-") or not doc[j].is_lower:
                    continue
                if _looks_plural(lower[j]) or singular(lower[j]) in unit_categories():
                    word = singular(lower[j])
                    return None if word in NOT_UNITS else (word, j, None, subject)
                if not doc[j].is_alpha or doc[j].is_stop:
                    break
            return None
    return None


def _implied_people(lower: list[str], n: NumberSpan, seg_end: int) -> bool:
    """'about 250 taken hostage', '13 hurt', 'three were arrested': a bare figure before an action
    only people take or suffer counts people."""
    j = n.end
    while j < seg_end and lower[j] in AUXILIARIES:
        j += 1
    if j >= seg_end:
        return False
    word = lower[j]
    if word in ("taken", "held") and j + 1 < seg_end and lower[j + 1] == "hostage":
        return True
    return ACTIONS.get(word) in HUMAN_ACTIONS


def _is_composition(doc: Doc, n: NumberSpan, head: int) -> bool:
    """'the 17-bus convoy', 'a convoy of 17 buses', 'the convoy's 17 buses'."""
    if head + 1 < len(doc) and doc[head - 1].text == "-" and doc[head + 1].lower_ in CONTAINERS:
        return True
    if n.start >= 2 and doc[n.start - 1].lower_ in ("of", "'s", "’s") and doc[n.start - 2].lower_ in CONTAINERS:
        return True
    if n.start >= 3 and doc[n.start - 1].lower_ in ("'s", "’s") and doc[n.start - 2].lower_ in CONTAINERS:
        return True
    # "There are 300 seats in parliament": what a body is made of, stated as existing
    k = head + 2 if head + 2 < len(doc) and doc[head + 2].lower_ == "the" else head + 1
    return n.start >= 2 and doc[n.start - 2].lower_ == "there" and doc[n.start - 1].lower_ in ("are", "were", "is") \
        and head + 1 < len(doc) and doc[head + 1].lower_ in ("in", "on") and k + 1 < len(doc) and doc[k + 1].lower_ in CONTAINERS


def _action_word(lower: list[str], j: int) -> str | None:
    """The normalised action a token stands for, reading two-word ones ("taken hostage", "on board")."""
    word = lower[j]
    if word == "hostage" or word == "hostages":
        return "taken hostage" if j > 0 and lower[j - 1] in ("taken", "held", "took", "seized", "as") else None
    if word == "board":
        return "transported" if j > 0 and lower[j - 1] == "on" else None
    return ACTIONS.get(word)


def _negated(lower: list[str], j: int) -> bool:
    """'did not reach', 'failed to reach', 'never left': the verb at j is negated."""
    return j > 0 and (lower[j - 1] in ("not", "never", "n't", "no") or (
        j > 1 and lower[j - 1] == "to" and lower[j - 2] in ("failed", "fail", "fails", "failing", "unable")))


def _action(doc: Doc, lower: list[str], head: int, n: NumberSpan, seg_start: int, seg_end: int,
            number_starts: frozenset[int]) -> str | None:
    """The verb the figure goes with: the one right before it ("has killed more than 52,000"),
    else the first after its noun, else one before; never across another figure ("... 52,000
    people and wounded about 118,000": 52,000 are killed, 118,000 wounded). A negated verb is
    no action ("19 missiles failed to reach their targets")."""
    if _is_composition(doc, n, head):
        return "comprised"
    word = _action_verb(lower, head, n, seg_start, seg_end, number_starts)
    if word is None or _negated(lower, word[1]):
        return None
    k = word[1] - 1
    while k > seg_start and lower[k] in ("also", "reportedly", "later", "then", "still", "just", "all"):
        k -= 1
    if word[0] == "left" and (word[1] < n.start or lower[k] in PASSIVE_AUXILIARIES):
        return _left_in_state(lower, head, seg_end)
    return word[0]


# Prepositions that put a figure in a place or a time of another figure's phrase.
PLACE_PREPOSITIONS = {"in", "across", "from", "at", "inside", "near", "throughout"}
# A relative clause after the counted noun ("17 buses, which left Aleppo") is the figure's; one after
# a later noun is that noun's.
RELATIVE_PRONOUNS = {"which", "who", "whom", "whose"}
# Auxiliaries of a passive: "two adults were left in a critical condition" were put in a state.
PASSIVE_AUXILIARIES = {"was", "were", "been", "being", "be", "is", "are", "got", "get", "gets"}


def _left_in_state(lower: list[str], head: int, seg_end: int) -> str | None:
    """'left' with the figure as its object ("which left 350 people dead", "have left its two main
    banks crippled") or in a passive ("were left in a critical condition") puts the things in a
    state; it is no departure. The action is that state when it is one ("dead": killed), else None."""
    return _action_word(lower, head + 1) if head + 1 < seg_end and lower[head + 1] not in ("left", "leave") else None


# Prepositions that put the figure in another phrase than a verb before it: "a fight aboard a train
# between two men", "a life told in five blocks".
BACKWARD_STOPS = {"between", "among", "than", "like", "unlike", "including"}


def _aside_before_verb(lower: list[str], comma: int, seg_end: int) -> bool:
    """'about 40 vehicles, moving near the convoy, had been targeted': the comma opens an aside that
    closes before the figure's own verb (an auxiliary or an action right after the closing comma)."""
    close = next((k for k in range(comma + 1, min(comma + 12, seg_end)) if lower[k] == ","), None)
    return close is not None and close + 1 < seg_end and (lower[close + 1] in AUXILIARIES or _action_word(lower, close + 1) is not None)


def _modifies_next_noun(lower: list[str], j: int) -> bool:
    """A participle between a determiner and the noun it qualifies ("their remaining time", "the
    wounded soldiers"): an adjective of that noun, no verb of a figure further on. "the killing of
    ..." names an act: a preposition after it keeps it."""
    return 0 < j < len(lower) - 1 and lower[j].endswith(("ing", "ed")) and lower[j - 1] in DETERMINERS \
        and lower[j + 1].isalpha() and lower[j + 1] not in PREPOSITIONS and lower[j + 1] not in ("and", "or")


def _action_verb(lower: list[str], head: int, n: NumberSpan, seg_start: int, seg_end: int,
                 number_starts: frozenset[int]) -> tuple[str, int] | None:
    """(action, token) of the verb the figure goes with, as _action reads it."""
    for j in range(n.end, head + 1):  # "about 250 taken hostage", "200 wounded soldiers"
        if (word := _action_word(lower, j)) is not None:
            return word, j
    if n.start - 1 > seg_start and lower[n.start - 1] in PLACE_PREPOSITIONS \
            and any(k in number_starts for k in range(max(seg_start, n.start - 7), n.start - 1)):
        return None  # "106 protesters in 21 cities have been killed": the verb is the first figure's
    j = n.start - 1
    while j >= seg_start and lower[j] in AUXILIARIES:
        j -= 1
    if j >= seg_start and (word := _action_word(lower, j)) is not None:
        return word, j
    for j in range(head + 1, min(head + 14, seg_end)):
        if lower[j] in RELATIVE_PRONOUNS and j > head + 1 + (lower[head + 1] == ","):
            break  # "hundreds of arrests after an attack which left three girls dead": the attack's clause
        if (word := _action_word(lower, j)) is not None:
            return word, j
        if (j in number_starts and lower[j - 1] not in PLACE_PREPOSITIONS) or lower[j] == ";" or lower[j] in CLAUSE_WORDS \
                or lower[j] in SAYING:
            break  # a figure in a place phrase ("106 protesters in 21 cities have been killed") is crossed
        if lower[j] == "," and j > head + 1 and j + 1 < seg_end and lower[j + 1] not in RELATIVE_PRONOUNS \
                and lower[j + 1] not in AUXILIARIES and _action_word(lower, j + 1) is None \
                and not _aside_before_verb(lower, j, seg_end):
            break  # "Seven questions heading into the debate, to be carried on MSNBC": another phrase's verb
    for j in range(n.start - 1, max(n.start - 18, seg_start - 1), -1):
        if j < n.start - 1 and _modifies_next_noun(lower, j):
            continue  # "devote their remaining time and resources to seven states": the time remains
        if (word := _action_word(lower, j)) is not None:
            return word, j
        if lower[j] in (";", ".", ",") or lower[j] in SPEECH_VERBS or lower[j] in CLAUSE_WORDS or lower[j] in BACKWARD_STOPS:
            break
    return None


@dataclass(slots=True)
class Attribution:
    """Who a sentence's statement comes from: the speech verb's token and its subject."""

    verb: int
    entity_id: str | None
    text: str
    start: int  # first token of the phrase before the verb: trailing attributions follow a comma
    is_state: bool = False  # a country speaking through its state bodies ("Russian authorities")


@dataclass(slots=True)
class _DocContext:
    """What attribution needs from earlier sentences: the last speakers seen."""

    text: str
    lower: list[str]
    verbs: list[int]  # tokens that may attribute: speech verbs and "cited"
    statements: list[int]  # tokens naming a statement
    mentions: list[Mention]
    mention_starts: list[int]
    mention_by_token: dict[int, Mention]
    demonym_by_token: dict[int, Mention] = field(default_factory=dict)
    last_speaker: str | None = None
    last_speaker_is_state: bool = False
    last_statement_speaker: str | None = None
    by_sentence: dict[int, list[Attribution]] = field(default_factory=dict)
    _persons: frozenset[str] | None = None

    def person_ids(self) -> frozenset[str]:
        """Entities of this article that are people (a surname alone shares its full name's id)."""
        if self._persons is None:
            people = [m for m in self.mentions if _is_person(m)]
            surnames = {m.surface.split()[-1] for m in people}
            # "Ed Alvarez ... Alvarez says": a surname alone, as a local name of its own, is that person
            self._persons = frozenset({m.entity_id for m in people} | {
                m.entity_id for m in self.mentions
                if m.entity_id.startswith(LOCAL_PREFIX) and " " not in m.surface and m.surface in surnames})
        return self._persons


def is_place(entity_id: str) -> bool:
    """A country, region, city or building in the gazetteer: it holds figures, it does not say them."""
    entity = load_gazetteer().entities.get(entity_id)
    return entity is not None and entity.type in PLACE_TYPES


# Titles written before a name inside a local name: "Emirates President Tim Clark", "Police Chief Ed Alvarez".
PERSON_TITLES = {"president", "chief", "minister", "director", "secretary", "spokesman", "spokeswoman", "coach",
                 "manager", "chairman", "chairwoman", "ceo", "senator", "governor", "mayor", "judge", "professor",
                 "general", "captain", "employee", "founder", "commissioner", "ambassador", "sheriff", "dr", "mr",
                 "mrs", "ms", "sen", "rep", "gov", "prof", "gen", "lt", "col", "sgt"}


def _is_person(m: Mention) -> bool:
    """A listed person, or a local name written as one (two or three capitalised words, no
    organisation's word: "Rami Abdurrahman", not "Syrian Observatory"), a title before them
    allowed ("Emirates President Tim Clark")."""
    entity = load_gazetteer().entities.get(m.entity_id)
    if entity is not None:
        return entity.type == "PERSON"
    words = m.surface.split()
    titled = [i for i, w in enumerate(words[:-2]) if w.lower().strip(".") in PERSON_TITLES]
    if titled:
        words = words[titled[-1] + 1 :]
    return m.entity_id.startswith(LOCAL_PREFIX) and m.mention_kind == "name" and 2 <= len(words) <= 3 \
        and all(w[:1].isupper() and not w.isupper() for w in words) and not any(w in ORG_WORDS for w in words)


def _is_modifier(text: str, m: Mention) -> bool:
    """'pro-Assad', 'anti-ISIS': a name glued to a prefix modifies, it does not speak."""
    return m.start_char > 0 and text[m.start_char - 1] == "-"


def _span_entity(doc: Doc, ctx: _DocContext, start: int, end: int) -> str | None:
    """The first entity named in a speaker phrase. A place named inside a longer phrase speaks only
    as a state: "Ukraine's Air Force", "Indiana State Police", "authorities in Beijing"; not
    in "the London-based Energy Institute", "Pennsylvania State University's institute", "a group
    representing counties in California" or "analysts at US bank Goldman Sachs"."""
    body = any(ctx.lower[j] in STATE_BODIES for j in range(start, end))
    for j in range(start, end):
        m = ctx.mention_by_token.get(j)
        if m is None or _is_modifier(ctx.text, m):
            continue
        if is_place(m.entity_id) and not body and not _whole_phrase(doc, start, end, m) and not _possessive_after(ctx.text, m):
            continue
        return m.entity_id
    return None


def _whole_phrase(doc: Doc, start: int, end: int, m: Mention) -> bool:
    """The mention is all the phrase says, but for an article: "China", "the United States"."""
    words = [t for t in doc[start:end] if not t.is_punct and t.lower_ not in ("the", "a", "an")]
    return bool(words) and words[0].idx >= m.start_char and words[-1].idx + len(words[-1].text) <= m.end_char


def _possessive_after(text: str, m: Mention) -> bool:
    """'Ukraine's emergency service': the place owns what speaks."""
    return text[m.end_char : m.end_char + 2] in ("'s", "’s") or text[m.end_char : m.end_char + 1] in ("'", "’")


def _resolve_description(doc: Doc, ctx: _DocContext, start: int, end: int) -> str | None:
    """'the statement', 'it', 'the coalition', 'the resistance movement' -> an earlier entity."""
    words = [t.lower_ for t in doc[start:end] if t.is_alpha]
    if not words:
        return None
    head = words[-1]
    if len(words) == 1 and head in PERSON_PRONOUNS:
        return _nearest_person(ctx, doc[start].idx)
    if len(words) == 1 and head in PRONOUNS:  # "it", "they": the last speaker, never a place nor a person
        if ctx.last_speaker is None or (is_place(ctx.last_speaker) and not ctx.last_speaker_is_state) \
                or ctx.last_speaker in ctx.person_ids():
            return None
        return ctx.last_speaker
    if head in STATEMENT_WORDS:
        return ctx.last_statement_speaker
    if words[0] not in ("the", "this", "that"):
        return None
    before = doc[start].idx
    # Only the nearest earlier mentions: keeps long documents linear.
    earlier = [m for m in ctx.mentions[: bisect_left(ctx.mention_starts, before)][-40:]]
    for m in reversed(earlier):
        if _is_modifier(ctx.text, m):
            continue
        if m.surface.lower().split()[-1] == head:  # "the coalition" after "US-led coalition"
            return m.entity_id
        span = doc.char_span(m.start_char, m.end_char, alignment_mode="expand")
        if span is None:
            continue
        near = {doc[span.start - 1].lower_ if span.start > 0 else "", doc[span.end].lower_ if span.end < len(doc) else ""}
        if head in near:  # "the Lebanese resistance movement Hezbollah", "Hezbollah movement"
            return m.entity_id
    return None


def _nearest_person(ctx: _DocContext, before: int) -> str | None:
    """'he said ...': the nearest listed person named before the pronoun, or the last speaker when
    that is a person known by a local name (most often the one quoted just before: "Alvarez says
    ... He said"); else the article's only listed person named after it; else None (never the
    place or the organisation last named). Another local name is not taken: read over the three
    corpora, two or three capitalised words were as often a product or a company ("Bud Light",
    "Moruo Mining"), the person spoken about ("Figgins, who represents Thomas, said ... He said")
    or one named in passing ("Employee Steve Castro") as the pronoun's speaker."""
    ids = ctx.person_ids()
    earlier = ctx.mentions[: bisect_left(ctx.mention_starts, before)]
    for m in reversed(earlier):
        if m.entity_id in ids and (not m.entity_id.startswith(LOCAL_PREFIX) or m.entity_id == ctx.last_speaker):
            return m.entity_id
    later = {m.entity_id for m in ctx.mentions[len(earlier):] if m.entity_id in ids and not m.entity_id.startswith(LOCAL_PREFIX)}
    return next(iter(later)) if len(later) == 1 else None


def _subject_before(doc: Doc, sent: Span, verb: int) -> tuple[int, int]:
    """Token range of the noun phrase before a verb, skipping adverbs and time phrases."""
    end = verb
    while end > sent.start and (doc[end - 1].lower_ in SUBJECT_SKIP or _adverb(doc[end - 1].text)) and not doc[end - 1].is_sent_start:
        end -= 1
    if end - 1 > sent.start and doc[end - 1].text == ")":
        # "the World Health Organization (WHO) said": the name before its short form in brackets
        opening = next((j for j in range(end - 2, max(sent.start, end - 8) - 1, -1) if doc[j].text in ("(", ")")), None)
        if opening is not None and doc[opening].text == "(" and opening > sent.start:
            start, name_end = _subject_before(doc, sent, opening)
            if start < name_end:
                return start, end
    for k in range(end - 3, max(sent.start, end - 14), -1):  # "Michelle in a blog post on the White House website said"
        if doc[k].lower_ in MEDIUM_PREPOSITIONS and doc[k + 1].lower_ in ("a", "an", "the", "its", "his", "her", "their") \
                and any(doc[x].lower_ in MEDIUM_WORDS for x in range(k + 2, min(k + 5, end))):
            if all(doc[x].text != "," for x in range(k - 1, end)):
                end = k  # where it was said, not who said it; "X, in a statement, said" is an aside, read below
            break
    start = end
    while start > sent.start:
        tok = doc[start - 1]
        plural_possessive = tok.text in ("'", "’") and start - 2 >= sent.start and doc[start - 2].lower_.endswith("s") \
            and not doc[start - 2].is_punct  # "the Police Chiefs' Council"
        if tok.text == "That" and start - 1 == sent.start and start < end:
            start -= 1  # "That company reported": the demonstrative opening the sentence, not a conjunction
            break
        if tok.lower_ in SUBJECT_STOP or (tok.is_punct and tok.text not in ("-", "'s", "’s", ".") and not plural_possessive) \
                or tok.lower_ in SPEECH_VERBS:
            break
        if tok.text in ("“", "”", '"'):
            break
        start -= 1
        if end - start >= 10:
            break
    while start < end and doc[start].is_space:
        start += 1
    return start, end


# Where a speaker said it, written between the speaker and the verb: "X in a statement said".
MEDIUM_PREPOSITIONS = {"in", "on", "during", "at"}
MEDIUM_WORDS = STATEMENT_WORDS | {"post", "blog", "interview", "letter", "tweet", "video", "speech", "email", "message",
                                  "briefing", "conference", "podcast", "column", "op-ed", "memo"}


# Lower-case words in -ly that name a speaker ("the family said", "a close ally said", "the daily reported").
LY_NOUNS = {"family", "ally", "assembly", "rally", "daily", "weekly", "monthly", "quarterly", "supply", "bully",
            "anomaly", "monopoly", "homily", "fly", "belly", "lily", "jelly", "folly", "tally", "gully", "reply"}


def _adverb(word: str) -> bool:
    """A manner or stance adverb between a subject and its verb ("officials reportedly said",
    "police initially reported"): a lower-case word in -ly that is not one of the nouns in -ly."""
    return len(word) > 4 and word.islower() and word.isalpha() and word.endswith("ly") and word not in LY_NOUNS


def _determined(lower: list[str], first: int, verb: int) -> bool:
    """A participle a determiner governs, adverbs in between ("the reported deaths", "the recently
    announced charges", "an officially confirmed toll"): an adjective, not a speech verb."""
    j = verb - 1
    while j > first and _adverb(lower[j]):
        j -= 1
    return j >= first and lower[j] in DETERMINERS


def _attributions(doc: Doc, sent: Span, ctx: _DocContext) -> list[Attribution]:
    """Every attribution in one sentence, in order."""
    out: list[Attribution] = []
    text = ctx.text[sent.start_char : sent.end_char]  # Span.text would rebuild it token by token
    m = re.search(r"\baccording to ((?:the |a |an )?[^,.;:]+)", text, re.I) if "ccording to" in text else None
    if m:
        span = doc.char_span(sent.start_char + m.start(1), sent.start_char + m.end(1), alignment_mode="expand")
        if span is not None:
            # "according to the Jordanian government": Jordan, before any earlier "... government"
            state = _state_speaker(ctx, span.start, span.end)
            entity = _span_entity(doc, ctx, span.start, span.end) or state or _resolve_description(doc, ctx, span.start, span.end)
            out.append(Attribution(span.start, entity, span.text.strip(), -1, is_state=entity is not None and entity == state))
    for i in ctx.verbs[bisect_left(ctx.verbs, sent.start) : bisect_left(ctx.verbs, sent.end)]:
        tok = doc[i]
        lower = ctx.lower[i]
        if _determined(ctx.lower, sent.start, i):
            continue  # "an estimated 25 million", "the recently announced charges": adjectives, not speech
        if lower == "cited" and (m2 := re.match(r"cited (.+?) as saying", text[tok.idx - sent.start_char :])):
            span = doc.char_span(tok.idx + 6, tok.idx + 6 + len(m2.group(1)), alignment_mode="expand")
            if span is not None:  # "Associated Press cited Syrian rebels as saying": the rebels speak
                out.append(Attribution(tok.i, _span_entity(doc, ctx, span.start, span.end), span.text,
                                       _subject_before(doc, sent, tok.i)[0]))
            continue
        if lower not in SPEECH_VERBS or _takes_a_thing(ctx.lower, i, sent.end):
            continue
        if (after := _inverted_subject(doc, sent, tok.i)) is not None:
            start, end = after  # "..., said Ahmed Ali, a local official."
            entity = _span_entity(doc, ctx, start, end) or _resolve_description(doc, ctx, start, end)
            out.append(Attribution(tok.i, entity, doc[start:end].text, tok.i))
            continue
        start, end = _subject_before(doc, sent, tok.i)
        if end == sent.start or (start == end and end > sent.start and doc[end - 1].text == ","):
            # "X, who heads Y, said" / "X, the Y, said": the phrase before the parenthesis
            comma = end - 1
            opening = next((j for j in range(comma - 1, sent.start - 1, -1) if doc[j].text == ","), None)
            if opening is not None:
                inner_start, inner_end = opening + 1, comma
                outer_start, outer_end = _subject_before(doc, sent, opening)
                relative = doc[inner_start].lower_ in ("who", "which", "whose", "where")
                aside = doc[inner_start].is_lower and doc[inner_start].lower_ not in APPOSITION_OPENERS \
                    and outer_end > outer_start  # "Officials, however, said", "The police, in a statement, said"
                if relative or aside or outer_end == outer_start:
                    start, end = (outer_start, outer_end) if outer_end > outer_start else (inner_start, inner_end)
                else:
                    start, end = inner_start, inner_end
                entity = _span_entity(doc, ctx, start, end) or _span_entity(doc, ctx, inner_start, inner_end)
                out.append(Attribution(tok.i, entity, doc[start:end].text, start))
                continue
        if start == end:
            # "... but said it would": the sentence's own subject speaks
            start, end = _subject_before(doc, sent, next((j for j in range(sent.start, sent.end) if ctx.lower[j] in ("has", "have", "had", "was", "were", "is", "are")), sent.start))
        if start == end:
            continue
        entity = _span_entity(doc, ctx, start, end)
        state = None if entity else _state_speaker(ctx, start, end)
        entity = entity or (None if state else _resolve_description(doc, ctx, start, end))
        text_start = _coordinated_name_start(doc, sent, start)
        out.append(Attribution(tok.i, entity or state, doc[text_start:end].text, start, is_state=state is not None))
    return sorted(out, key=lambda a: a.verb)


# Speech verbs that also take a thing as their object: "Clifton added a goal", "added his seventh",
# "the fire claimed 30 lives". Followed by one of these words they say nothing.
THING_OBJECTS = {
    "added": {"a", "an", "his", "her", "its", "their", "another"},
    "claimed": {"his", "her", "its", "their", "lives"},
}


# "the fire claimed the lives of 30", "claimed responsibility": a thing a word or two after the verb
THING_NEAR = {"claimed": {"lives", "life", "responsibility", "victory", "title", "credit"}}
# Words after "told" that make it a participle: "a life told in five blocks", "a story told by its victims"
TOLD_AS_PARTICIPLE = {"in", "by", "through", "with", "from", "over", "as"}


def _takes_a_thing(lower: list[str], verb: int, seg_end: int) -> bool:
    """The verb's object is a thing, not what was said: a word of THING_OBJECTS or a figure after
    it, with or without its qualifier ("The stock added more than 2%")."""
    if verb + 1 >= seg_end:
        return False
    after = lower[verb + 1]
    if lower[verb] == "told":
        return after in TOLD_AS_PARTICIPLE
    if any(w in THING_NEAR.get(lower[verb], ()) for w in lower[verb + 1 : min(verb + 3, seg_end)]):
        return True
    objects = THING_OBJECTS.get(lower[verb])
    if objects is None:
        return False
    k = verb + 1
    for words in _QUALIFIER_WORDS:  # "added more than 2%": the figure after its qualifier
        if lower[k : k + len(words)] == words:
            k += len(words)
            break
    after = lower[k] if k < seg_end else after
    return after in objects or after[:1].isdigit() or _value_of(after) is not None


# First words of an apposition between commas ("X, the group's leader, said"); another lower-case
# word opens an aside ("X, however, said", "X, in a statement, said") and X speaks.
APPOSITION_OPENERS = {"the", "a", "an", "its", "his", "her", "their", "whose", "one", "both", "spokesman",
                      "spokeswoman", "spokesperson", "head", "chief", "director", "leader", "president", "minister"}


# Words that end an inverted speaker's phrase: "..., said the minister in a statement on Monday."
INVERTED_PHRASE_END = {"in", "on", "at", "during", "after", "before", "late", "earlier", "last", "this", "from",
                       "to", "via", "through", "told"}


def _inverted_subject(doc: Doc, sent: Span, verb: int) -> tuple[int, int] | None:
    """'Salaries were cut to 60%, says Ibrahim.', '..., said the minister in a statement.': a speech
    verb after a comma (or a quotation's closing mark), whose subject follows it and ends the
    sentence, at most with an apposition or a time and place after it. A verb, a figure or "that"
    in what follows makes it no speaker ("Officials, however, said the toll had risen")."""
    if verb - 1 < sent.start or verb + 1 >= sent.end or doc[verb].lower_ == "told":
        return None  # "..., told TechCrunch": whom it was told to
    before = doc[verb - 1].text
    if not (before == "," or (before in ("”", '"', "’", "'") and verb - 2 >= sent.start and doc[verb - 2].text == ",")):
        return None
    stop = next((j for j in range(verb + 2, sent.end - 1) if doc[j].text == "," and doc[j + 1].lower_ in RELATIVES), sent.end)
    # "..., says Scudamore, who has been chief executive for 15 years.": the relative clause is about the speaker
    rest = [t for t in doc[verb + 1 : stop] if not (t.is_punct and t.text in (".", "!", "?", "”", '"'))]
    if not rest or len(rest) > 14:
        return None
    if any(t.lower_ in AUXILIARIES or t.lower_ in SPEECH_VERBS or t.lower_ == "that"
           or (t.is_lower and (t.lower_ in IRREGULAR_PAST or _looks_like_verb(t.lower_))) or t.text[:1].isdigit() or (t.lower_ not in ("a", "an") and _value_of(t.lower_) is not None)
           for t in rest):
        return None
    first = doc[verb + 1]
    if not ((first.is_alpha and first.text[:1].isupper() and first.lower_ not in WEEKDAYS and first.lower_ not in MONTHS)
            or first.lower_ in ("the", "a", "an")):
        return None
    end = verb + 1
    while end < sent.end and not doc[end].is_punct and (end == verb + 1 or doc[end].lower_ not in INVERTED_PHRASE_END):
        end += 1
    return (verb + 1, end) if _is_speaker_phrase(doc[verb + 1 : end].text) else None


def _coordinated_name_start(doc: Doc, sent: Span, start: int) -> int:
    """'Devon and Cornwall Police say': the speaker's words start at 'Devon', not after the 'and'
    where the subject phrase stops, when one capitalised word opens the sentence (or follows
    'the') before it. The speaker's entity is still read from the phrase after the 'and'."""
    j = start - 2
    if j < sent.start or doc[start - 1].lower_ != "and" or not doc[start].text[:1].isupper():
        return start
    word = doc[j]
    if not (word.is_alpha and word.text[:1].isupper()):
        return start
    if j == sent.start:
        return j
    if j - 1 == sent.start and doc[j - 1].lower_ == "the":
        return j - 1
    return start


# Bodies through which a state speaks: "Russian authorities said" is Russia speaking ("Syrian
# rebels said" is not Syria).
STATE_BODIES = {"authorities", "officials", "government", "ministry", "military", "army", "navy", "police",
                "prosecutors", "diplomats"}


def _state_speaker(ctx: _DocContext, start: int, end: int) -> str | None:
    """'Russian authorities', 'Israeli officials': the country of the one demonym of a speaker
    phrase ending with a state body; else None."""
    if end <= start or ctx.lower[end - 1] not in STATE_BODIES:
        return None
    found = {ctx.demonym_by_token[j].entity_id for j in range(start, end) if j in ctx.demonym_by_token}
    return found.pop() if len(found) == 1 else None


def _update_context(ctx: _DocContext, sent: Span, attributions: list[Attribution]) -> None:
    named = [a for a in attributions if a.entity_id]
    statements = ctx.statements[bisect_left(ctx.statements, sent.start) : bisect_left(ctx.statements, sent.end)]
    if named:
        ctx.last_speaker, ctx.last_speaker_is_state = named[0].entity_id, named[0].is_state
        if statements:
            ctx.last_statement_speaker = named[0].entity_id
    for j in statements:  # "a statement by Hezbollah", "the Hezbollah statement"
        near = [ctx.mention_by_token[k].entity_id for k in range(max(j - 3, sent.start), min(j + 3, sent.end)) if k in ctx.mention_by_token]
        if near:
            ctx.last_statement_speaker = near[0]


TRAILING_OPENERS = {",", "\"", "“", "”", "'", "—", "–", "-"}


def _speaker_for(attributions: list[Attribution], number_token: int, lower: list[str]) -> Attribution | None:
    """The first attribution before the number, else the first after it that trails its clause
    (", the statement said"; not "..., and Marchand added three assists")."""
    before = [a for a in attributions if a.verb < number_token]
    if before:
        return before[0]
    after = [a for a in attributions if a.verb > number_token and (a.start <= 0 or lower[a.start - 1] in TRAILING_OPENERS)
             and not _reports_what_follows(lower, a.verb)]
    return after[0] if after else None


# Words after a speech verb that open what it reports: "..., X said that ...", "X said: ...".
REPORT_OPENERS = {"that", ":", "“", "\""}


def _reports_what_follows(lower: list[str], verb: int) -> bool:
    """'In a statement on behalf of the 17 ministers, Juncker said that ...': a speech verb with a
    report of its own after it says nothing about a figure before it."""
    return verb + 1 < len(lower) and lower[verb + 1] in REPORT_OPENERS


# Words before a number that make it the size of a whole the sentence takes as existing: "its
# 125 million members", "the 20 million residents of Delhi", "WeWork's 12,000 employees". A modal
# in the sentence is about what they will do, not about how many there are.
PRESUPPOSING = {"the", "its", "their", "his", "her", "our", "my", "your", "'s", "’s"}
COORDINATING = {"and", "or"}


def _month(sent: Span, k: int) -> bool:
    """'in May 2019': the month, not the modal; the modal is written in lower case inside a sentence."""
    return sent.doc[k].text == "May" and (k > sent.start or (k + 1 < sent.end and not sent.doc[k + 1].is_lower))


def _polarity(lower: list[str], sent: Span, n: NumberSpan) -> str:
    words = lower[sent.start : n.start]
    if any(w in DENIAL_WORDS for w in words):
        return "denied"
    if words and words[-1] in PRESUPPOSING:
        return "asserted"
    clause: list[str] = []
    for k, word in enumerate(words):
        if word in HYPOTHETICAL_BEFORE_TO and k + 1 < len(words) and words[k + 1] == "to":
            word = "will"  # "is expected to lay off thousands"
        if word in (",", ";", ":") or word in CLAUSE_WORDS or word in RELATIVES or word == "that":
            keep_if = bool(clause) and clause[0] == "if" and word == ","
            clause = ["if"] if keep_if else []
            continue
        if not _month(sent, sent.start + k):
            clause.append(word)
    if any(w in HYPOTHETICAL_BEFORE for w in clause):
        return "hypothetical"
    for k in range(n.end, min(n.end + 8, sent.end)):
        word = lower[k]
        if not any(c.isalnum() for c in word) or word in CLAUSE_WORDS or word in RELATIVES or word == "that":
            break  # "two people who found they could rise": the relative clause has its own modal
        if word in COORDINATING and k + 1 < sent.end and lower[k + 1] in HYPOTHETICAL_AFTER:
            break  # "hit 448 million units last year and will jump": a second predicate's modal
        if word in HYPOTHETICAL_AFTER and not _month(sent, k):
            return "hypothetical"
    return "asserted"


def fact_id_for(article_id: str, start: int, end: int) -> str:
    """Stable fact id from the article and the character span."""
    return hashlib.sha256(f"{article_id}:{start}:{end}".encode()).hexdigest()[:16]


def segments(doc: Doc) -> list[Span]:
    """The doc's sentences, cut again at line breaks: a headline or a dateline line never runs on
    into the lead ("... arrested in Belgium⏎PARIS—Seven people ...")."""
    out: list[Span] = []
    for sent in doc.sents:
        start = sent.start
        for tok in sent:
            if tok.is_space and "\n" in tok.text:
                if tok.i > start:
                    out.append(doc[start : tok.i])
                start = tok.i + 1
        if sent.end > start:
            out.append(doc[start : sent.end])
    return [s for s in out if not all(t.is_space for t in s)]


def _is_speaker_phrase(text: str) -> bool:
    """Words that can name who speaks: not a counted phrase ("Nineteen injuries were"), not the
    "there" of "there have been", not stray marks."""
    words = text.split()
    if not words or words[-1] in AUXILIARIES or words[-1] in HYPOTHETICAL_AFTER:  # "IS" is a group, "is" a verb
        return False
    if not any(c.isalpha() for c in text) or {w.lower() for w in words} <= {"there", "here"}:
        return False
    words = [w.lower() for w in words]
    return not any(w in NUMBER_WORDS or w in _VAGUE_FIRST or any(c.isdigit() for c in w) for w in words)


def _quoted(sent: Span) -> set[int]:
    """The tokens of a sentence inside quotation marks. A sentence whose first mark closes a quote
    began inside it; straight quotes count only when they pair up within the sentence."""
    marks = [t for t in sent if t.text in ("“", "”", '"')]
    if sum(t.text == '"' for t in marks) % 2:
        marks = [t for t in marks if t.text != '"']
    inside = bool(marks) and marks[0].text == "”"
    out: set[int] = set()
    for tok in sent:
        if tok.text in ("“", "”", '"') and (tok.text != '"' or tok in marks):
            inside = tok.text == "“" or (tok.text == '"' and not inside)
        elif inside:
            out.add(tok.i)
    return out


def _outside_quotes(sent: Span, attributions: list[Attribution]) -> list[Attribution]:
    """'"... what we've always said - the target is 43%," Mr Bowen said': a speech verb inside the
    quotation is part of what is quoted; the one outside it says who speaks."""
    if len(attributions) < 2 or not any(t.text in ("“", "”", '"') for t in sent):
        return attributions
    quoted = _quoted(sent)
    outside = [a for a in attributions if a.verb not in quoted]
    return outside or attributions


def facts_in_doc(article_id: str, doc: Doc, mentions: list[Mention], subject_mentions: list[Mention] | None = None) -> list[Fact]:
    """Every numeric claim in one parsed body. `mentions` (listed and local names in the body) give
    speakers; `subject_mentions`, when given, every mention the entities stage found (local names
    and demonyms too: "33 Ukrainian drones" are Ukraine's, "Syriza 26.9%" is Syriza's) give subjects."""
    # headline mentions carry offsets into the title, not into this body
    mentions = sorted((m for m in mentions if m.field == "body"), key=lambda m: m.start_char)
    mention_spans = [(m.start_char, m.end_char) for m in mentions]
    mention_by_token: dict[int, Mention] = {}
    for m in mentions:
        span = doc.char_span(m.start_char, m.end_char, alignment_mode="expand")
        if span is not None:
            for t in span:
                mention_by_token[t.i] = m
    subject_by_token = mention_by_token
    if subject_mentions is not None:
        subject_by_token = {}
        for m in sorted((m for m in subject_mentions if m.field == "body"), key=lambda m: m.start_char):
            span = doc.char_span(m.start_char, m.end_char, alignment_mode="expand")
            if span is not None:
                for t in span:
                    subject_by_token.setdefault(t.i, m)
    segs = segments(doc)
    seg_starts = [s.start for s in segs]
    numbers: dict[int, list[NumberSpan]] = {}
    lower = lower_tokens(doc)
    found = find_numbers(doc, lower)
    number_starts = frozenset(n.start for n in found)
    listed = list_numbers(doc.text)
    for n in found:
        if not _is_excluded(doc, n, mention_spans, listed):
            seg = max(bisect_left(seg_starts, n.start + 1) - 1, 0)
            numbers.setdefault(seg, []).append(n)
    ctx = _DocContext(
        doc.text, lower,
        [i for i, w in enumerate(lower) if w in SPEECH_VERBS or w == "cited"],
        [i for i, w in enumerate(lower) if w in STATEMENT_WORDS],
        mentions, [m.start_char for m in mentions], mention_by_token,
        {j: m for j, m in subject_by_token.items() if m.mention_kind == "demonym"},
    )
    categories = unit_categories()
    out: list[Fact] = []
    for sent_index, sent in enumerate(segs):
        attributions = _outside_quotes(sent, [a for a in _attributions(doc, sent, ctx) if _is_speaker_phrase(a.text)])
        previous: Fact | None = None  # the last fact of this sentence: "... and wounded about 118,000"
        before: list[tuple[NumberSpan, int, Fact]] = []  # this sentence's facts so far: (number, last token, fact)
        for n in numbers.get(sent_index, []):
            unit, head, subject = _counted_noun(doc, n, subject_by_token)
            action: str | None = None
            category: str | None = None
            if n.kind != "count":
                unit, head = _share_of(doc, n) or (unit, head)
                if unit is None and n.kind == "fraction":
                    continue  # "two-thirds" of nothing named
                unit, head = unit or "percent", head if head is not None else n.end - 1
                category = n.kind
            elif unit is None and (after := _noun_before(doc, lower, n, sent.start, subject_by_token)) is not None:
                unit, head, action, subject = after
            elif unit is None and _implied_people(lower, n, sent.end):
                unit, head = "people", n.end - 1
            elif unit is None and (bracketed := _bracket_unit(lower, sent.start, n)) is not None:
                unit, head = bracketed, n.end - 1  # "New Democracy 29.7% (129 seats), Syriza 26.9% (71)"
            elif unit is None and previous is not None and previous.category == "percent" and n.start > sent.start \
                    and lower[n.start - 1] == "from" and before and before[-1][1] >= n.start - 3:
                unit, head, category = previous.unit, n.end - 1, "percent"  # "to 12.5 percent from 10"
                subject = previous.subject_entity_id
            elif unit is None and previous is not None and n.start - 1 > sent.start \
                    and _action_word(lower, n.start - 1) is not None and lower[n.start - 2] in ("and", ","):
                unit, head = previous.unit, n.end - 1  # "killed 52,000 people and wounded about 118,000"
            if unit is None or head is None:
                continue
            category = category or categories.get(unit)
            action = action or _action(doc, lower, head, n, sent.start, sent.end, number_starts) or UNIT_ACTIONS.get(unit)
            if action == "targeted" and (category is None or category in SHARE_KINDS):
                action = None  # "shipments hit 448 million units", "hit singles", "badly hit": only a known kind of thing is struck
            if category in SHARE_KINDS and action not in SHARE_ACTIONS:
                action = None  # "still down from 21.8 percent", "rose 3.6 percent, missing the 4.8 percent gain"
            subject = subject or _subject_after(doc, head, subject_by_token)
            first, last = min(n.start, head), max(n.end - 1, head)
            start_char, end_char = doc[first].idx, doc[last].idx + len(doc[last].text)
            speaker = _speaker_for(attributions, n.start, lower)
            if subject is None and speaker is not None and speaker.entity_id and n.end + 1 < len(doc) \
                    and lower[n.end] == "of" and lower[n.end + 1] in ("its", "their") and not is_place(speaker.entity_id):
                subject = speaker.entity_id  # "Hezbollah said five of its fighters were killed": Hezbollah's
            if subject is None and action != "comprised":
                subject = _possessor(lower, sent.start, n, subject_by_token, ctx.text) \
                    or _clause_subject(lower, sent.start, n.start, subject_by_token, ctx.text) \
                    or _coordinated_subject(lower, n, before, subject_by_token)
            previous = Fact(
                fact_id=fact_id_for(article_id, start_char, end_char),
                article_id=article_id,
                value=n.value, value_low=n.low, value_high=n.high, value_text=doc[n.start : n.end].text,
                qualifier=n.qualifier, unit=unit, category=category,
                action=action, subject_entity_id=subject,
                speaker_entity_id=speaker.entity_id if speaker else None,
                speaker_text=speaker.text if speaker else None,
                polarity=_polarity(lower, sent, n),
                sentence=ctx.text[sent.start_char : sent.end_char].strip(), sentence_index=sent_index,
                start_char=start_char, end_char=end_char,
            )
            out.append(previous)
            before.append((n, last, previous))
        _update_context(ctx, sent, attributions)
    return out


def extract_facts(articles: list[Article], mentions: list[Mention], subject_mentions: list[Mention] | None = None) -> list[Fact]:
    """Facts for a batch of cleaned articles, using their entity mentions (see facts_in_doc)."""
    by_article: dict[str, list[Mention]] = {}
    for m in mentions:
        by_article.setdefault(m.article_id, []).append(m)
    subjects: dict[str, list[Mention]] | None = None
    if subject_mentions is not None:
        subjects = {}
        for m in subject_mentions:
            subjects.setdefault(m.article_id, []).append(m)
    out: list[Fact] = []
    for article in articles:
        if not reads_language(article.language):
            continue
        out.extend(facts_in_doc(article.article_id, parse(article.body), by_article.get(article.article_id, []),
                                None if subjects is None else subjects.get(article.article_id, [])))
    return out


def reads_language(language: str | None) -> bool:
    """True for the languages the facts rules are written in: English, or a body whose language
    is not known. Every rule (counted nouns, action verbs, speech verbs, qualifiers, modals) reads
    English words; on German text "Die Aktie gab um 2% nach" gave 2 percent `killed` (the article
    "Die" read as the verb), so other languages get no facts rather than wrong ones."""
    return language is None or language == "en"


def stored_mentions(batch: Batch) -> list[Mention] | None:
    """Every checked mention the entities stage kept (stg_mentions: local names and demonyms too),
    as Mention records; None when the batch has no such table."""
    frame = batch.tables.get("stg_mentions")
    if frame is None:
        return None
    columns = [c for c in frame.columns if c in Mention.__dataclass_fields__]
    rows: list[dict[str, Any]] = frame[columns].to_dict("records")
    return [Mention(**{k: _missing_as_none(v) for k, v in row.items()}) for row in rows]


def _missing_as_none(value: Any) -> Any:
    """A frame's NaN (an empty optional column such as entity_type) as None."""
    return None if isinstance(value, float) and math.isnan(value) else value


def warm() -> None:
    """Read the unit vocabulary once per process (workers fork after this)."""
    unit_categories()


def fact_check_columns(facts: pd.DataFrame, articles: list[Article], entity_ids: frozenset[str]) -> pd.DataFrame:
    """stg_facts rows with the facts suite's derived columns: check_value_finite_non_negative,
    check_offsets_in_body, check_sentence_contains_value, check_speaker_entity_exists,
    check_range_contains_value, check_speaker_named_in_words."""
    body = {a.article_id: a.body for a in articles}
    out = facts.copy()
    out["check_value_finite_non_negative"] = [isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in out["value"]]
    out["check_offsets_in_body"] = [
        0 <= s < e <= len(body.get(a, "")) for a, s, e in zip(out["article_id"], out["start_char"], out["end_char"], strict=True)
    ]
    out["check_sentence_contains_value"] = [
        vt in sent and sent in body.get(a, "") for a, vt, sent in zip(out["article_id"], out["value_text"], out["sentence"], strict=True)
    ]
    out["check_speaker_entity_exists"] = out["speaker_entity_id"].isna() | out["speaker_entity_id"].isin(entity_ids)
    out["check_range_contains_value"] = (out["value_low"] <= out["value"]) & (out["value"] <= out["value_high"])
    out["check_speaker_named_in_words"] = out["speaker_entity_id"].isna() | out["speaker_text"].notna()
    return out


@task(name="facts", cache_policy=NO_CACHE)
def facts(batch: Batch) -> Batch:
    """Numeric facts of each body with their speakers, then their checks: a fact failing a
    critical check is kept out, and a stage error says so; the article still loads."""
    from tasks.runs import log_stage, monotonic  # the run's log line (issue 15)

    started, n_in = monotonic(), len(batch.articles)
    by_article: dict[str, list[Mention]] = {}
    for m in batch.mentions:
        by_article.setdefault(m.article_id, []).append(m)
    every = stored_mentions(batch)
    subjects: dict[str, list[Mention]] = {}
    for m in every or []:
        subjects.setdefault(m.article_id, []).append(m)
        if m.field == "body" and m.mention_kind == "name" and m.link_method == "local":
            by_article.setdefault(m.article_id, []).append(m)  # a local name speaks too ("..., says Scudamore")
    done = per_article(batch, "facts", lambda a: extract_facts(
        [a], by_article.get(a.article_id, []), None if every is None else subjects.get(a.article_id, [])), article_needs_it=False)
    batch.facts = [f for _a, found in done for f in found]
    known = entity_ids() | {m.entity_id for m in every or [] if m.entity_id}
    checked = fact_check_columns(facts_frame(batch.facts), batch.articles, known)
    batch.tables["stg_facts"] = keep_checked(batch, "facts", checked, article_level=False)
    log_stage("facts", batch, n_in, started)
    return batch
