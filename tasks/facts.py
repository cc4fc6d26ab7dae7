"""Facts stage: numeric claims with what is counted, the action, the speaker and the polarity."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import inflect
from prefect import task
from prefect.cache_policies import NO_CACHE
from spacy.tokens import Doc, Token

from tasks.batch import per_article
from tasks.models import Article, BatchResult, Fact, Mention
from tasks.nlp import parse

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
}
# Vague quantities: (value, low, high). ACLED codes "dozens" as 12 and "hundreds" as 100;
# the range records what the word can mean.
VAGUE_QUANTITIES = {
    "dozens": (12.0, 24.0, 99.0),
    "scores": (20.0, 40.0, 99.0),
    "hundreds": (100.0, 200.0, 999.0),
    "thousands": (1000.0, 2000.0, 9999.0),
    "tens of thousands": (10000.0, 20000.0, 99999.0),
}
QUALIFIERS = [
    "more than", "less than", "fewer than", "at least", "at most", "up to", "as many as",
    "nearly", "almost", "about", "around", "roughly", "approximately", "some", "over", "under",
    "an estimated", "estimated",
]
# Fraction of the value a qualifier allows the true figure to differ by (for claim grouping).
QUALIFIER_TOLERANCE = {None: 0.0, "about": 0.1, "around": 0.1, "roughly": 0.1, "approximately": 0.1,
                       "some": 0.1, "nearly": 0.1, "almost": 0.1, "an estimated": 0.1, "estimated": 0.1}
TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "time", "percent", "km", "kilometer", "mile", "meter", "am", "pm"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
SPEECH_VERBS = {"said", "says", "added", "announced", "warned", "stated", "claimed", "reported",
                "told", "confirmed", "denied", "estimated", "noted", "insisted", "accused"}
ACTIONS = {
    "killed": "killed", "kill": "killed", "killing": "killed", "died": "killed", "dead": "killed",
    "wounded": "wounded", "injured": "wounded",
    "stranded": "stranded", "stuck": "stranded",
    "crossed": "crossed", "cross": "crossed",
    "fled": "fled", "flee": "fled", "fleeing": "fled",
    "transported": "transported", "transporting": "transported", "transport": "transported",
    "carrying": "transported", "carried": "transported",
    "evacuated": "evacuated", "evacuating": "evacuated",
    "left": "left", "leave": "left",
    "reached": "reached", "reach": "reached",
    "remained": "remained", "remaining": "remained", "remain": "remained", "still": "remained",
    "targeted": "targeted", "struck": "targeted", "hit": "targeted",
    "arrested": "arrested", "captured": "captured", "displaced": "displaced",
    "travelling": "travelling", "traveling": "travelling", "waiting": "waiting",
    "drove": "drove",
}
DENIAL = re.compile(r"\b(?:denied|denies|deny|denying|rejected|dismissed|refuted)\b", re.I)
HYPOTHETICAL = re.compile(r"\b(?:if|could|would|might|may|threat(?:en(?:ed|s)?)?|plans? to|vowed)\b", re.I)

_inflect = inflect.engine()


@lru_cache(maxsize=1)
def unit_categories(directory: Path = GAZETTEER_DIR) -> dict[str, str]:
    """Counted noun -> category, from gazetteer/units.csv."""
    with (directory / "units.csv").open(encoding="utf-8") as f:
        return {r["unit"]: r["category"] for r in csv.DictReader(f)}


def singular(word: str) -> str:
    """Singular lower-case form of a noun ("buses" -> "bus"; "people" stays)."""
    lower = word.lower()
    if lower in ("people", "police", "personnel", "media", "news", "series") or lower in unit_categories():
        return lower
    if not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return lower  # inflect would turn "bus" into "bu"
    result = _inflect.singular_noun(lower)  # type: ignore[arg-type]
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


def _token_value(token: Token) -> float | None:
    text = token.text.lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    return float(NUMBER_WORDS[text]) if text in NUMBER_WORDS else None


def find_numbers(doc: Doc) -> list[NumberSpan]:
    """Number expressions: digits, number words, 'a hundred', vague quantities, with qualifiers."""
    out: list[NumberSpan] = []
    i = 0
    lower = [t.lower_ for t in doc]
    while i < len(doc):
        tok = doc[i]
        vague = None
        for phrase, rng in VAGUE_QUANTITIES.items():
            words = phrase.split()
            if lower[i : i + len(words)] == words:
                vague = (len(words), rng)
                break
        if vague:
            n, (value, low, high) = vague
            out.append(NumberSpan(i, i + n, value, low, high, None))
            i += n
            continue
        token_value = _token_value(tok)
        if token_value is None:
            i += 1
            continue
        value = token_value
        start, end = i, i + 1
        if start > 0 and lower[start - 1] in ("a", "an") and tok.lower_ in ("hundred", "thousand", "dozen"):
            start -= 1
        while end < len(doc) and (nxt := _token_value(doc[end])) is not None and doc[end].lower_ in ("hundred", "thousand"):
            value *= nxt
            end += 1
        out.append(NumberSpan(start, end, value, value, value, None))
        i = end
    return [_with_qualifier(doc, n) for n in out]


def _with_qualifier(doc: Doc, n: NumberSpan) -> NumberSpan:
    for q in sorted(QUALIFIERS, key=len, reverse=True):
        words = q.split()
        if n.start >= len(words) and [t.lower_ for t in doc[n.start - len(words) : n.start]] == words:
            start = n.start - len(words)
            low, high = n.low, n.high
            if q in ("more than", "over", "at least"):
                high = float("inf") if n.high == n.value else n.high
                low = n.value
            elif q in ("less than", "fewer than", "under", "up to", "at most", "nearly", "almost"):
                low, high = 0.0 if q not in ("nearly", "almost") else n.value * 0.9, n.value
            elif q in QUALIFIER_TOLERANCE:
                tol = QUALIFIER_TOLERANCE[q]
                low, high = n.value * (1 - tol), n.value * (1 + tol)
            return NumberSpan(start, n.end, n.value, low, min(high, 1e15), q)
    return n


def _is_excluded(doc: Doc, n: NumberSpan, mention_spans: list[tuple[int, int]]) -> bool:
    """Years, dates, times, ordinals and numbers that are part of a name are not claims."""
    first, last = doc[n.start], doc[n.end - 1]
    if any(s <= first.idx < e for s, e in mention_spans):
        return True
    if last.text.isdigit() and len(last.text) == 4 and 1800 <= int(last.text) <= 2100:
        return True
    prev = doc[n.start - 1] if n.start > 0 else None
    nxt = doc[n.end] if n.end < len(doc) else None
    if prev is not None and prev.lower_.strip(".") in MONTHS:
        return True
    if nxt is not None and nxt.lower_.strip(".") in MONTHS:
        return True
    if nxt is not None and nxt.text in (":", "%"):
        return True
    if prev is not None and prev.text[:1].isupper() and prev.is_alpha and not prev.is_sent_start and n.value < 1000 and first.text.isdigit():
        return True  # "DeirEzzor 24", "Route 4": a number glued to a name
    return nxt is not None and nxt.lower_ in ("st", "nd", "rd", "th")


def _counted_noun(doc: Doc, n: NumberSpan, mention_by_token: dict[int, Mention]) -> tuple[str | None, int | None, str | None]:
    """(unit, token index of the head noun, entity of a name inside the phrase)."""
    categories = unit_categories()
    i = n.end
    if i + 1 < len(doc) and doc[i].text == "-" and doc[i + 1].is_alpha:  # "the 17-bus convoy"
        word = singular(doc[i + 1].lower_)
        return (None, None, None) if word in TIME_UNITS else (word, i + 1, None)
    if i + 1 < len(doc) and doc[i].lower_ == "of" and doc[i + 1].lower_ in ("the", "its", "their", "them"):
        i += 2  # "a hundred of the jihadists"
    subject: str | None = None
    for j in range(i, min(i + 5, len(doc))):
        tok = doc[j]
        if j in mention_by_token:
            subject = mention_by_token[j].entity_id
            continue
        if tok.is_punct and tok.text != "-":
            break
        lower = tok.lower_
        if j + 1 < len(doc):
            two = f"{singular(lower)} {singular(doc[j + 1].lower_)}"
            if two in categories:
                return two, j + 1, subject
        word = singular(lower)
        if word in TIME_UNITS:
            return None, None, None
        if word in categories:
            # "12 civilian vehicles": the head is the last counted noun of the run
            if j + 1 < len(doc) and doc[j + 1].is_alpha and singular(doc[j + 1].lower_) in categories:
                return singular(doc[j + 1].lower_), j + 1, subject
            return word, j, subject
        if not tok.is_alpha or tok.is_stop and lower not in ("more",):
            break
    nxt = doc[i] if i < len(doc) else None
    if nxt is not None and nxt.is_alpha and nxt.is_lower and nxt.text.endswith("s") and not nxt.is_stop:
        word = singular(nxt.text)
        if word in TIME_UNITS:
            return None, None, None
        return word, i, subject
    return None, None, subject


def _action(doc: Doc, head: int, n: NumberSpan) -> str | None:
    sent = doc[head].sent
    for j in range(head + 1, min(head + 9, sent.end)):
        if doc[j].lower_ in ACTIONS:
            return ACTIONS[doc[j].lower_]
    for j in range(n.start - 1, max(n.start - 7, sent.start - 1), -1):
        if doc[j].lower_ in ACTIONS:
            return ACTIONS[doc[j].lower_]
    return None


def _speaker(doc: Doc, sent_start: int, sent_end: int, mentions: list[Mention]) -> tuple[str | None, str | None]:
    """(speaker_entity_id, speaker_text) from attribution patterns in the sentence."""
    sent = doc[sent_start:sent_end]
    text = sent.text
    ents = [m for m in mentions if sent.start_char <= m.start_char < sent.end_char]
    m = re.search(r"according to (?:the )?([^,.;]+)", text, re.I)
    if m:
        abs_start = sent.start_char + m.start(1)
        for e in ents:
            if abs_start <= e.start_char < sent.start_char + m.end(1):
                return e.entity_id, m.group(1).strip()
        return None, m.group(1).strip()
    for tok in sent:
        if tok.lower_ in SPEECH_VERBS:
            before = [e for e in ents if e.end_char <= tok.idx and tok.idx - e.end_char <= 40]
            if before:
                e = before[-1]
                return e.entity_id, doc.text[e.start_char : tok.idx].strip() or e.surface
            window = doc[max(tok.i - 3, sent.start) : tok.i]
            np = re.search(r"\b(?:the|a)\s+(\w+(?:\s+\w+)?)\s*$", window.text, re.I)
            if np and np.group(1).lower() not in ("it", "they"):
                return None, np.group(0).strip()
            after = [e for e in ents if 0 <= e.start_char - (tok.idx + len(tok.text)) <= 20]
            if after:
                return after[0].entity_id, after[0].surface
    return None, None


def _polarity(sentence: str, value_offset: int) -> str:
    before = sentence[:value_offset]
    if DENIAL.search(before):
        return "denied"
    if HYPOTHETICAL.search(before[-60:]):
        return "hypothetical"
    return "asserted"


def fact_id_for(article_id: str, start: int, end: int) -> str:
    """Stable fact id from the article and the character span."""
    return hashlib.sha256(f"{article_id}:{start}:{end}".encode()).hexdigest()[:16]


def facts_in_doc(article_id: str, doc: Doc, mentions: list[Mention]) -> list[Fact]:
    """Every numeric claim in one parsed body."""
    mention_spans = [(m.start_char, m.end_char) for m in mentions]
    mention_by_token: dict[int, Mention] = {}
    for m in mentions:
        span = doc.char_span(m.start_char, m.end_char, alignment_mode="expand")
        if span is not None:
            for t in span:
                mention_by_token[t.i] = m
    sentences = list(doc.sents)
    sent_index = {s.start: i for i, s in enumerate(sentences)}
    out: list[Fact] = []
    for n in find_numbers(doc):
        if _is_excluded(doc, n, mention_spans):
            continue
        unit, head, subject = _counted_noun(doc, n, mention_by_token)
        if unit is None or head is None:
            continue
        sent = doc[n.start].sent
        start_char, end_char = doc[n.start].idx, doc[head].idx + len(doc[head].text)
        number_tokens = doc[n.start : n.end]
        value_text = number_tokens.text
        speaker_id, speaker_text = _speaker(doc, sent.start, sent.end, mentions)
        out.append(Fact(
            fact_id=fact_id_for(article_id, start_char, end_char),
            article_id=article_id,
            value=n.value, value_low=n.low, value_high=n.high, value_text=value_text,
            qualifier=n.qualifier, unit=unit, category=unit_categories().get(unit),
            action=_action(doc, head, n), subject_entity_id=subject,
            speaker_entity_id=speaker_id, speaker_text=speaker_text,
            polarity=_polarity(sent.text, doc[n.start].idx - sent.start_char),
            sentence=sent.text, sentence_index=sent_index[sent.start],
            start_char=start_char, end_char=end_char,
        ))
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


@task(name="facts", cache_policy=NO_CACHE)
def facts(batch: BatchResult) -> BatchResult:
    """Prefect wrapper around extract_facts, isolating per-article failures."""
    by_article: dict[str, list[Mention]] = {}
    for m in batch.mentions:
        by_article.setdefault(m.article_id, []).append(m)
    done, batch = per_article(batch, "facts", lambda a: extract_facts([a], by_article.get(a.article_id, [])))
    batch.facts = [f for _a, found in done for f in found]
    return batch
