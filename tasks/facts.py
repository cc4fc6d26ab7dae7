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
from tasks.entities import entity_ids

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000,
    "billion": 1_000_000_000, "trillion": 1_000_000_000_000, "dozen": 12,
}
MULTIPLIERS = ("hundred", "thousand", "million", "billion", "trillion")
# Vague quantities: (value, low, high). `value` follows ACLED's coding (dozens = 12,
# hundreds = 100, ...): the smallest figure the word can stand for, so sums never overstate.
# `high` is the largest figure the word still fits before the next word would be used.
VAGUE_QUANTITIES = {
    "tens of thousands": (10000.0, 10000.0, 99999.0),
    "dozens": (12.0, 12.0, 99.0),
    "scores": (20.0, 20.0, 99.0),
    "hundreds": (100.0, 100.0, 999.0),
    "thousands": (1000.0, 1000.0, 9999.0),
}
QUALIFIERS = [
    "more than", "less than", "fewer than", "at least", "at most", "up to", "as many as",
    "nearly", "almost", "about", "around", "roughly", "approximately", "some", "over", "under",
    "an estimated", "estimated",
]
# Fraction of the stated figure a qualifier allows the true one to differ by: used for the
# value range here and for grouping facts into claims (tasks/syndication.py).
QUALIFIER_TOLERANCE = {
    None: 0.0, "about": 0.1, "around": 0.1, "roughly": 0.1, "approximately": 0.1, "some": 0.1,
    "nearly": 0.1, "almost": 0.1, "an estimated": 0.1, "estimated": 0.1, "as many as": 0.1,
    "more than": 0.1, "over": 0.1, "at least": 0.1, "less than": 0.1, "fewer than": 0.1,
    "under": 0.1, "up to": 0.1, "at most": 0.1,
}
TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "time",
              "percent", "am", "pm", "gmt", "utc"}
# Measures, not counts of things ("a 16-inch screen", "5 inches (127 millimeters)").
MEASURE_UNITS = {"km", "kilometer", "kilometre", "mile", "meter", "metre", "inch", "foot", "feet", "yard",
                 "centimeter", "centimetre", "millimeter", "millimetre", "cm", "mm", "liter", "litre", "gallon",
                 "pound", "lb", "kilogram", "kg", "gram", "ounce", "oz", "ton", "tonne", "horsepower", "hp",
                 "calorie", "pixel", "mph", "degree", "acre", "hectare", "volt", "watt", "kilowatt", "megawatt", "gigawatt",
                 "kwh", "gb", "mb", "tb", "ghz", "tablespoon", "teaspoon", "cup", "dollar", "euro", "yen", "yuan",
                 "rupee", "cent",
                 # page furniture: counters of comments, shares, views and photos
                 "comment", "share", "reply", "retweet", "like", "view", "slide", "photo", "image", "page",
                 "percentage", "billion", "trillion", "million", "thousand",
                 "hundred", "dozen"}
NOT_UNITS = TIME_UNITS | MEASURE_UNITS
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
SPEECH_VERBS = {"said", "says", "say", "added", "announced", "warned", "stated", "claimed", "reported",
                "told", "confirmed", "denied", "denies", "estimated", "noted", "insisted", "accused"}
# Things that count what something is made of ("the 17-bus convoy"): the action is `comprised`.
CONTAINERS = {"convoy", "fleet", "column", "caravan", "motorcade", "flotilla"}
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
    "arrested": "arrested", "captured": "captured", "displaced": "displaced",
    "waiting": "waiting", "drove": "drove",
}
DENIAL_WORDS = {"denied", "denies", "deny", "denying", "rejected", "dismissed", "refuted"}
# Markers of conditions, threats, plans and modal or future statements.
HYPOTHETICAL_BEFORE = {"if", "unless", "could", "would", "might", "may", "threat", "threats", "threaten",
                       "threatened", "threatens", "vowed", "plans", "plan", "planned", "will", "should"}
HYPOTHETICAL_AFTER = {"could", "would", "might", "may", "will", "should"}
# Words that start a new clause: a modal before them does not govern a number after them.
CLAUSE_WORDS = {"because", "but", "while", "although", "though", "since", "after", "before", "when",
                "whereas", "as"}
# Words that end a subject noun phrase when walking back from a speech verb.
SUBJECT_STOP = {"that", "after", "before", "when", "while", "because", "and", "but", "which", "who",
                "as", "since", "if", "though", "although", "where", "came", "news"}
SUBJECT_SKIP = {"also", "earlier", "later", "yesterday", "today", "then", "again", "previously",
                "recently", "on", "late", "last", "monday", "tuesday", "wednesday", "thursday", "friday",
                "saturday", "sunday", "overnight", "had", "has", "have"}
PRONOUNS = {"it", "they", "he", "she"}
STATEMENT_WORDS = {"statement", "communique", "communiqué", "announcement", "report", "release"}



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
def unit_categories(directory: Path = GAZETTEER_DIR) -> dict[str, str]:
    """Counted noun -> category, from gazetteer/units.csv."""
    with (directory / "units.csv").open(encoding="utf-8") as f:
        return {r["unit"]: r["category"] for r in csv.DictReader(f)}


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
        # "twenty-five", "two hundred", "1.5 million"
        if end + 1 < size and lower[end] == "-" and value in (20, 30, 40, 50, 60, 70, 80, 90) \
                and (unit_value := _value_of(lower[end + 1])) is not None and unit_value < 10:
            value += unit_value
            end += 2
        while end < size and lower[end] in MULTIPLIERS:
            value *= NUMBER_WORDS[lower[end]]
            end += 1
        out.append(NumberSpan(start, end, value, value, value, None))
        i = end
    return [_with_qualifier(lower, n) for n in out]


_QUALIFIER_WORDS = [q.split() for q in sorted(QUALIFIERS, key=len, reverse=True)]


def _with_qualifier(lower: list[str], n: NumberSpan) -> NumberSpan:
    for words in _QUALIFIER_WORDS:
        if n.start >= len(words) and lower[n.start - len(words) : n.start] == words:
            q = " ".join(words)
            low, high = n.low, n.high
            tol = QUALIFIER_TOLERANCE.get(q, 0.1)
            if q in ("more than", "over", "at least"):
                low, high = n.value, float("inf")
            elif q in ("less than", "fewer than", "under", "up to", "at most"):
                low, high = 0.0, n.value
            elif q in ("nearly", "almost"):
                low, high = n.value * (1 - tol), n.value
            else:
                low, high = min(low, n.value * (1 - tol)), max(high, n.value * (1 + tol))
            # An open upper bound is stored as a large finite number: checks require finite values.
            return NumberSpan(n.start - len(words), n.end, n.value, low, min(high, 1e15), q, n.is_vague)
    return n


def _is_excluded(doc: Doc, n: NumberSpan, mention_spans: list[tuple[int, int]]) -> bool:
    """Years, dates, times, ordinals and numbers that are part of a name are not claims."""
    first, last = doc[n.start], doc[n.end - 1]
    if any(s <= last.idx < e for s, e in mention_spans):
        return True
    if last.text.isdigit() and len(last.text) == 4 and 1800 <= int(last.text) <= 2100:
        return True
    prev = doc[n.start - 1] if n.start > 0 else None
    nxt = doc[n.end] if n.end < len(doc) else None
    if prev is not None and prev.lower_.strip(".") in MONTHS:
        return True
    if nxt is not None and nxt.lower_.strip(".") in MONTHS:
        return True
    if nxt is not None and nxt.text in (":", "%", "/", "."):
        return True
    if prev is not None and prev.text in ("/", "#", "$", "€", "£"):
        return True
    if first.lower_ == "one" and nxt is not None and nxt.lower_ == "of":
        return True  # "one of the last strongholds": a figure of speech, not a count
    if prev is not None and prev.lower_ == "no" and first.lower_ == "one":
        return True  # "no one knows"
    if prev is not None and prev.text[:1].isupper() and prev.is_alpha and n.value < 1000 and first.text.isdigit() \
            and (not prev.is_sent_start or not prev.is_stop):
        return True  # "DeirEzzor 24", "Route 4", "Thunderbolt 3 docks": a number glued to a name
    return nxt is not None and nxt.lower_ in ("st", "nd", "rd", "th")


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
    for j in range(i, min(i + 6, len(doc))):
        tok = doc[j]
        if j in mention_by_token:
            subject = subject or mention_by_token[j].entity_id
            continue
        if tok.text == "-" or tok.lower_ in ("'s", "’s"):
            continue  # "lightly-armed", "the group's vehicles"
        if tok.is_punct:
            break
        lower = tok.lower_
        if j + 1 < len(doc):
            two = f"{singular(lower)} {singular(doc[j + 1].lower_)}"
            if two in categories:
                return two, j + 1, subject
        word = singular(lower)
        if word in NOT_UNITS:
            return None, None, None
        if word in categories:
            # "12 civilian vehicles": the head is the last counted noun of the run
            if j + 2 < len(doc) and f"{singular(doc[j + 1].lower_)} {singular(doc[j + 2].lower_)}" in categories:
                return f"{singular(doc[j + 1].lower_)} {singular(doc[j + 2].lower_)}", j + 2, subject
            if j + 1 < len(doc) and doc[j + 1].is_alpha and singular(doc[j + 1].lower_) in categories:
                return singular(doc[j + 1].lower_), j + 1, subject
            return word, j, subject
        if not tok.is_alpha or (tok.is_stop and lower != "more"):
            break
    nxt = doc[i] if i < len(doc) else None
    if nxt is not None and nxt.is_alpha and nxt.is_lower and nxt.text.endswith("s") and not nxt.is_stop:
        word = singular(nxt.text)
        if word in NOT_UNITS:
            return None, None, None
        return word, i, subject
    return None, None, subject


def _is_composition(doc: Doc, n: NumberSpan, head: int) -> bool:
    """'the 17-bus convoy', 'a convoy of 17 buses', 'the convoy's 17 buses'."""
    if head + 1 < len(doc) and doc[head - 1].text == "-" and doc[head + 1].lower_ in CONTAINERS:
        return True
    if n.start >= 2 and doc[n.start - 1].lower_ in ("of", "'s", "’s") and doc[n.start - 2].lower_ in CONTAINERS:
        return True
    return n.start >= 3 and doc[n.start - 1].lower_ in ("'s", "’s") and doc[n.start - 2].lower_ in CONTAINERS


def _action(doc: Doc, head: int, n: NumberSpan) -> str | None:
    if _is_composition(doc, n, head):
        return "comprised"
    sent = doc[head].sent
    for j in range(head + 1, min(head + 14, sent.end)):
        if doc[j].lower_ in ACTIONS:
            return ACTIONS[doc[j].lower_]
        if doc[j].text == ";" or doc[j].lower_ in CLAUSE_WORDS or doc[j].lower_ in SPEECH_VERBS:
            break
    for j in range(n.start - 1, max(n.start - 18, sent.start - 1), -1):
        if doc[j].lower_ in ACTIONS:
            return ACTIONS[doc[j].lower_]
        if doc[j].text in (";", ".", ",") or doc[j].lower_ in SPEECH_VERBS or doc[j].lower_ in CLAUSE_WORDS:
            break
    return None


@dataclass(slots=True)
class Attribution:
    """Who a sentence's statement comes from: the speech verb's token and its subject."""

    verb: int
    entity_id: str | None
    text: str
    start: int  # first token of the phrase before the verb: trailing attributions follow a comma


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
    last_speaker: str | None = None
    last_statement_speaker: str | None = None
    by_sentence: dict[int, list[Attribution]] = field(default_factory=dict)


def _is_modifier(text: str, m: Mention) -> bool:
    """'pro-Assad', 'anti-ISIS': a name glued to a prefix modifies, it does not speak."""
    return m.start_char > 0 and text[m.start_char - 1] == "-"


def _span_entity(doc: Doc, ctx: _DocContext, start: int, end: int) -> str | None:
    for j in range(start, end):
        m = ctx.mention_by_token.get(j)
        if m is not None and not _is_modifier(ctx.text, m):
            return m.entity_id
    return None


def _resolve_description(doc: Doc, ctx: _DocContext, start: int, end: int) -> str | None:
    """'the statement', 'it', 'the coalition', 'the resistance movement' -> an earlier entity."""
    words = [t.lower_ for t in doc[start:end] if t.is_alpha]
    if not words:
        return None
    head = words[-1]
    if len(words) == 1 and head in PRONOUNS:
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


def _subject_before(doc: Doc, sent: Span, verb: int) -> tuple[int, int]:
    """Token range of the noun phrase before a verb, skipping adverbs and time phrases."""
    end = verb
    while end > sent.start and doc[end - 1].lower_ in SUBJECT_SKIP and not doc[end - 1].is_sent_start:
        end -= 1
    start = end
    while start > sent.start:
        tok = doc[start - 1]
        if tok.lower_ in SUBJECT_STOP or (tok.is_punct and tok.text not in ("-", "'s", "’s", ".")) or tok.lower_ in SPEECH_VERBS:
            break
        if tok.text in ("“", "”", '"'):
            break
        start -= 1
        if end - start >= 10:
            break
    while start < end and doc[start].is_space:
        start += 1
    return start, end


def _attributions(doc: Doc, sent: Span, ctx: _DocContext) -> list[Attribution]:
    """Every attribution in one sentence, in order."""
    out: list[Attribution] = []
    text = ctx.text[sent.start_char : sent.end_char]  # Span.text would rebuild it token by token
    m = re.search(r"\baccording to ((?:the |a |an )?[^,.;:]+)", text, re.I) if "ccording to" in text else None
    if m:
        span = doc.char_span(sent.start_char + m.start(1), sent.start_char + m.end(1), alignment_mode="expand")
        if span is not None:
            entity = _span_entity(doc, ctx, span.start, span.end) or _resolve_description(doc, ctx, span.start, span.end)
            out.append(Attribution(span.start, entity, span.text.strip(), -1))
    for i in ctx.verbs[bisect_left(ctx.verbs, sent.start) : bisect_left(ctx.verbs, sent.end)]:
        tok = doc[i]
        lower = ctx.lower[i]
        if i > sent.start and ctx.lower[i - 1] in ("a", "an", "the", "its", "their", "his", "her"):
            continue  # "an estimated 25 million", "the reported deaths": adjectives, not speech
        if lower == "cited" and (m2 := re.match(r"cited (.+?) as saying", text[tok.idx - sent.start_char :])):
            span = doc.char_span(tok.idx + 6, tok.idx + 6 + len(m2.group(1)), alignment_mode="expand")
            if span is not None:  # "Associated Press cited Syrian rebels as saying": the rebels speak
                out.append(Attribution(tok.i, _span_entity(doc, ctx, span.start, span.end), span.text,
                                       _subject_before(doc, sent, tok.i)[0]))
            continue
        if lower not in SPEECH_VERBS:
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
                if relative or outer_end == outer_start:
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
        entity = _span_entity(doc, ctx, start, end) or _resolve_description(doc, ctx, start, end)
        out.append(Attribution(tok.i, entity, doc[start:end].text, start))
    return sorted(out, key=lambda a: a.verb)


def _update_context(ctx: _DocContext, sent: Span, attributions: list[Attribution]) -> None:
    named = [a for a in attributions if a.entity_id]
    statements = ctx.statements[bisect_left(ctx.statements, sent.start) : bisect_left(ctx.statements, sent.end)]
    if named:
        ctx.last_speaker = named[0].entity_id
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
    after = [a for a in attributions if a.verb > number_token and (a.start <= 0 or lower[a.start - 1] in TRAILING_OPENERS)]
    return after[0] if after else None


def _polarity(lower: list[str], sent: Span, n: NumberSpan) -> str:
    words = lower[sent.start : n.start]
    if any(w in DENIAL_WORDS for w in words):
        return "denied"
    clause: list[str] = []
    for word in words:
        if word in (",", ";", ":") or word in CLAUSE_WORDS:
            keep_if = bool(clause) and clause[0] == "if" and word == ","
            clause = ["if"] if keep_if else []
            continue
        clause.append(word)
    if any(w in HYPOTHETICAL_BEFORE for w in clause):
        return "hypothetical"
    for word in lower[n.end : min(n.end + 8, sent.end)]:
        if not any(c.isalnum() for c in word) or word in CLAUSE_WORDS:
            break
        if word in HYPOTHETICAL_AFTER:
            return "hypothetical"
    return "asserted"


def fact_id_for(article_id: str, start: int, end: int) -> str:
    """Stable fact id from the article and the character span."""
    return hashlib.sha256(f"{article_id}:{start}:{end}".encode()).hexdigest()[:16]


def facts_in_doc(article_id: str, doc: Doc, mentions: list[Mention]) -> list[Fact]:
    """Every numeric claim in one parsed body."""
    mentions = sorted(mentions, key=lambda m: m.start_char)
    mention_spans = [(m.start_char, m.end_char) for m in mentions]
    mention_by_token: dict[int, Mention] = {}
    for m in mentions:
        span = doc.char_span(m.start_char, m.end_char, alignment_mode="expand")
        if span is not None:
            for t in span:
                mention_by_token[t.i] = m
    numbers: dict[int, list[NumberSpan]] = {}
    lower = lower_tokens(doc)
    for n in find_numbers(doc, lower):
        if not _is_excluded(doc, n, mention_spans):
            numbers.setdefault(doc[n.start].sent.start, []).append(n)
    ctx = _DocContext(
        doc.text, lower,
        [i for i, w in enumerate(lower) if w in SPEECH_VERBS or w == "cited"],
        [i for i, w in enumerate(lower) if w in STATEMENT_WORDS],
        mentions, [m.start_char for m in mentions], mention_by_token,
    )
    out: list[Fact] = []
    for sent_index, sent in enumerate(doc.sents):
        attributions = _attributions(doc, sent, ctx)
        for n in numbers.get(sent.start, []):
            unit, head, subject = _counted_noun(doc, n, mention_by_token)
            if unit is None or head is None:
                continue
            start_char, end_char = doc[n.start].idx, doc[head].idx + len(doc[head].text)
            speaker = _speaker_for(attributions, n.start, lower)
            out.append(Fact(
                fact_id=fact_id_for(article_id, start_char, end_char),
                article_id=article_id,
                value=n.value, value_low=n.low, value_high=n.high, value_text=doc[n.start : n.end].text,
                qualifier=n.qualifier, unit=unit, category=unit_categories().get(unit),
                action=_action(doc, head, n), subject_entity_id=subject,
                speaker_entity_id=speaker.entity_id if speaker else None,
                speaker_text=speaker.text if speaker else None,
                polarity=_polarity(lower, sent, n),
                sentence=ctx.text[sent.start_char : sent.end_char].strip(), sentence_index=sent_index,
                start_char=start_char, end_char=end_char,
            ))
        _update_context(ctx, sent, attributions)
    return out


def extract_facts(articles: list[Article], mentions: list[Mention]) -> list[Fact]:
    """Facts for a batch of cleaned articles, using their entity mentions."""
    by_article: dict[str, list[Mention]] = {}
    for m in mentions:
        by_article.setdefault(m.article_id, []).append(m)
    out: list[Fact] = []
    for article in articles:
        out.extend(facts_in_doc(article.article_id, parse(article.body), by_article.get(article.article_id, [])))
    return out


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
    done = per_article(batch, "facts", lambda a: extract_facts([a], by_article.get(a.article_id, [])), article_needs_it=False)
    batch.facts = [f for _a, found in done for f in found]
    checked = fact_check_columns(facts_frame(batch.facts), batch.articles, entity_ids())
    batch.tables["stg_facts"] = keep_checked(batch, "facts", checked, article_level=False)
    log_stage("facts", batch, n_in, started)
    return batch
