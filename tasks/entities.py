"""Entities stage: find mentions of gazetteer entities in clean bodies, one id per real actor."""

from __future__ import annotations

import csv
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from rapidfuzz import fuzz, process
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from tasks.models import Article, CandidateEntity, Mention
from tasks.nlp import blank_pipeline, parse

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"
PLACE_TYPES = {"GPE", "LOC"}
# Edit similarity (0-100, on normalised forms) a capitalised span needs to count as a misspelt alias.
FUZZY_CUTOFF = 88.0
FUZZY_MIN_KEY_CHARS = 6  # shorter names are too close to too many words to guess at
# A sentence-initial word this common in English (Zipf) is capitalised because it starts the
# sentence, not because it is a name ("Meanwhile", "Displaced", "Observatory").
SENTENCE_START_COMMON_ZIPF = 3.5
CANDIDATE_SENTENCE_CHARS = 400
# Arabic articles and name particles: dropped when normalising, kept inside candidate spans.
ARTICLES = {"al", "el", "ad", "ar", "as", "ash", "at", "az", "ez", "ed", "er", "es", "an", "en", "ul", "ud", "uz"}
NAME_CONNECTORS = ARTICLES | {"of", "for", "the", "bin", "ibn", "bint", "de", "la", "du", "von", "van"}
# After a place name these words still name that place ("Deir Ezzor Province"); other capitalised
# words make a longer name of their own ("Damascus University"), not a mention of the place.
SAME_PLACE_SUFFIXES = {"Province", "Governorate", "Region", "City", "Countryside", "Desert"}
TITLE_WORDS = {"President", "Prime", "Minister", "Foreign", "Defense", "Defence", "Secretary",
               "Ambassador", "Envoy", "Embassy", "Government", "State", "Army", "Forces", "Military"}
NOT_NAMES = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "AM", "PM", "GMT", "UTC", "I", "Mr", "Mrs", "Ms", "Dr",
}
_QUOTE_MARKS = re.compile(r"[‘’`'ʿʾ]")
_WORDS = re.compile(r"[a-z]+")
_ASSIMILATED_ARTICLE = re.compile(r"^[ae]([tdrszn])\1")


@dataclass(frozen=True, slots=True)
class Entity:
    """A row of the entities table."""

    entity_id: str
    name: str
    type: str
    wikidata_id: str | None
    geonames_id: int | None
    latitude: float | None
    longitude: float | None
    source: str


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: resolve_variant caches on it
class Gazetteer:
    """Entities, the phrase matchers built from their aliases, and the indexes for variants."""

    entities: dict[str, Entity]
    exact: PhraseMatcher  # case-sensitive aliases (acronyms such as IS, AP; GeoNames names)
    folded: PhraseMatcher  # case-insensitive aliases
    canonical: dict[str, str]  # lower-case canonical name -> entity_id
    keys: dict[str, str]  # normalised alias -> entity_id, only keys that name one entity
    fuzzy_keys: dict[str, list[str]]  # first letter -> normalised aliases, for rapidfuzz
    acronyms: frozenset[str]  # short all-capitals aliases that are also English words or codes


def _opt(value: str | None) -> str | None:
    return (value or "").strip() or None


def _entity(r: dict[str, str], source: str | None = None) -> Entity:
    gid, lat, lon = _opt(r.get("geonames_id")), _opt(r.get("latitude")), _opt(r.get("longitude"))
    return Entity(
        r["entity_id"], r["name"], r["type"], _opt(r.get("wikidata_id")), int(gid) if gid else None,
        float(lat) if lat else None, float(lon) if lon else None, source or r["source"],
    )


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_entities(directory: Path = GAZETTEER_DIR) -> dict[str, Entity]:
    """Curated entities, then GeoNames places; a curated place takes its coordinates from GeoNames."""
    out = {r["entity_id"]: _entity(r) for r in _rows(directory / "entities.csv")}
    for r in _rows(directory / "places.csv"):
        place = _entity(r)
        curated = out.get(place.entity_id)
        if curated is None:
            out[place.entity_id] = place
        else:
            out[place.entity_id] = Entity(curated.entity_id, curated.name, curated.type, curated.wikidata_id,
                                          place.geonames_id, place.latitude, place.longitude, curated.source)
    return out


def read_aliases(directory: Path = GAZETTEER_DIR) -> list[tuple[str, str, bool]]:
    """(entity_id, alias, case_sensitive) rows: curated aliases, then GeoNames names of places."""
    rows = _rows(directory / "aliases.csv") + _rows(directory / "place_aliases.csv")
    return [(r["entity_id"], r["alias"], r["case_sensitive"].strip().lower() == "true") for r in rows]


def name_key(text: str) -> str:
    """A spelling-insensitive form of a name: what transliterations of one Arabic name share.

    Accents and ayn/hamza marks go, articles go ("al-", "el-", "ez-", and "Al"/"Ez" glued to the
    word as in "Albukamal", "Ezzor"), vowels are folded (o/ou -> u, e -> i, ei/ai/ey -> ay),
    q -> k, doubled letters are collapsed and a final h after a vowel is dropped.
    "Deir el-Zour", "Deir Ezzor" and "Deir al-Zor" all become "dayr zur".
    """
    plain = unicodedata.normalize("NFKD", _QUOTE_MARKS.sub("", text)).encode("ascii", "ignore").decode().lower()
    words = _WORDS.findall(plain)
    if len(words) > 1:
        words = [w for w in words if w not in ARTICLES] or words
    out = []
    for w in words:
        if w.startswith(("al", "el")) and len(w) >= 7:
            w = w[2:]
        elif _ASSIMILATED_ARTICLE.match(w) and len(w) >= 5:
            w = w[2:]
        for a, b in (("ou", "u"), ("oo", "u"), ("ei", "ay"), ("ai", "ay"), ("ey", "ay"), ("o", "u"), ("e", "i"), ("q", "k")):
            w = w.replace(a, b)
        w = re.sub(r"(.)\1+", r"\1", w)
        if len(w) > 3 and w.endswith("h") and w[-2] in "aiu":
            w = w[:-1]
        out.append(w)
    return " ".join(out)


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return alias.isupper() and 1 < len(letters) <= 4


@lru_cache(maxsize=1)
def load_gazetteer(directory: Path = GAZETTEER_DIR) -> Gazetteer:
    """Build the gazetteer, its matchers and variant indexes once per process."""
    nlp = blank_pipeline()
    entities = read_entities(directory)
    exact = PhraseMatcher(nlp.vocab, attr="ORTH")
    folded = PhraseMatcher(nlp.vocab, attr="LOWER")
    aliases = read_aliases(directory) + [(e.entity_id, e.name, False) for e in entities.values() if e.source != "geonames"]
    by_matcher: dict[tuple[bool, str], list[str]] = defaultdict(list)
    owners: dict[str, set[str]] = defaultdict(set)
    acronyms = set()
    for entity_id, alias, case_sensitive in aliases:
        if entity_id not in entities:
            raise ValueError(f"alias {alias!r} names unknown entity {entity_id!r}")
        by_matcher[(case_sensitive, entity_id)].append(alias)
        owners[name_key(alias)].add(entity_id)
        if case_sensitive and _is_acronym(alias):
            acronyms.add(alias)
    for (case_sensitive, entity_id), names in by_matcher.items():
        (exact if case_sensitive else folded).add(entity_id, list(nlp.tokenizer.pipe(sorted(set(names)))))
    keys = {k: next(iter(ids)) for k, ids in owners.items() if len(ids) == 1 and k}
    fuzzy_keys: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        if len(k) >= FUZZY_MIN_KEY_CHARS:
            fuzzy_keys[k[0]].append(k)
    canonical = {e.name.lower(): e.entity_id for e in entities.values()}
    return Gazetteer(entities, exact, folded, canonical, keys, dict(fuzzy_keys), frozenset(acronyms))


@lru_cache(maxsize=4096)
def resolve_variant(surface: str, gazetteer: Gazetteer | None = None) -> tuple[str, float] | None:
    """(entity_id, score 0-1) for a spelling of a known name, else None.

    A surface whose normalised form equals an alias's scores 1.0; otherwise the closest alias
    (rapidfuzz ratio on normalised forms, same first letter) must reach FUZZY_CUTOFF. A name that
    only extends an alias ("Syrian" for "Syria", "Iraqi" for "Iraq") is a different word.
    """
    g = gazetteer or load_gazetteer()
    key = name_key(surface)
    if not key:
        return None
    if key in g.keys:
        return g.keys[key], 1.0
    if len(key) < FUZZY_MIN_KEY_CHARS:
        return None
    best = process.extractOne(key, g.fuzzy_keys.get(key[0], []), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    choice, score, _ = best
    if choice.startswith(key) or key.startswith(choice):
        return None
    return g.keys[choice], round(score / 100.0, 3)


def _is_caps_word(tok: Token) -> bool:
    return tok.is_alpha and tok.is_upper and len(tok) > 1


def _shouting(doc: Doc, span: Span, taken: set[int]) -> bool:
    """An acronym next to other all-capitals words is a word in a capitalised heading ("WHAT IS")."""
    for i in (span.start - 1, span.end):
        if 0 <= i < len(doc) and i not in taken and _is_caps_word(doc[i]):
            return True
    return False


def _headline_like(sent: Span) -> bool:
    words = [t for t in sent if t.is_alpha and t.lower_ not in STOP_WORDS]
    return len(words) >= 3 and sum(1 for t in words if t.is_title or t.is_upper) >= 0.8 * len(words)


def _inside_longer_name(doc: Doc, span: Span, taken: set[int]) -> bool:
    """A place name followed by a capitalised word of another name ("Damascus University")."""
    nxt = span.end
    if nxt >= len(doc) or nxt in taken:
        return False
    tok = doc[nxt]
    if not tok.is_title or _starts_sentence(doc, nxt) or tok.text in SAME_PLACE_SUFFIXES | TITLE_WORDS | NOT_NAMES:
        return False
    if tok.lower_ in STOP_WORDS or doc[span.start : nxt].text_with_ws != doc[span.start : nxt].text + " ":
        return False
    return not _headline_like(span.sent)


def _common_word(tok: Token) -> bool:
    from wordfreq import zipf_frequency

    return tok.lower_ in STOP_WORDS or zipf_frequency(tok.lower_, "en") >= SENTENCE_START_COMMON_ZIPF


_OPENERS = {'"', "“", "‘", "'", "(", "[", "-", "•", "*"}
_SENTENCE_ENDS = {".", "!", "?", ":", ";", "|", "—", "–"}  # a dash ends a dateline ("BEIRUT — Dozens")


def _starts_sentence(doc: Doc, i: int) -> bool:
    """First word of a sentence, a line, or a quotation after either (blank pipelines split on punctuation)."""
    if doc[i].is_sent_start:
        return True
    j = i - 1
    while j >= 0 and (doc[j].is_space or doc[j].text in _OPENERS):
        if "\n" in doc[j].text:
            return True
        j -= 1
    return j < 0 or doc[j].text in _SENTENCE_ENDS or "\n" in doc[j].whitespace_


def _name_token(tok: Token) -> bool:
    return tok.is_alpha and (tok.is_title or _is_caps_word(tok)) and tok.text not in NOT_NAMES


def _capitalised_runs(doc: Doc, taken: set[int]) -> list[Span]:
    """Maximal runs of capitalised words (with name particles and hyphens inside) not yet matched."""
    from wordfreq import zipf_frequency

    runs: list[Span] = []
    i, n = 0, len(doc)
    while i < n:
        if i in taken or not _name_token(doc[i]):
            i += 1
            continue
        j = i + 1
        while j < n and j not in taken:
            tok = doc[j]
            if _name_token(tok) and not _starts_sentence(doc, j):
                j += 1
            elif tok.text == "-" and j + 1 < n and j + 1 not in taken and doc[j + 1].is_alpha and not doc[j - 1].whitespace_ and not tok.whitespace_:
                nxt = doc[j + 1]
                if _name_token(nxt) or zipf_frequency(nxt.lower_, "en") < 3.0:
                    j += 2  # "Ez-zor" joins; "-held", "-led" end the name
                else:
                    break
            elif tok.lower_ in NAME_CONNECTORS and j + 1 < n and j + 1 not in taken and (_name_token(doc[j + 1]) or doc[j + 1].text == "-"):
                j += 1
            else:
                break
        while j > i and (doc[j - 1].lower_ in NAME_CONNECTORS or doc[j - 1].text == "-"):
            j -= 1
        start = i
        # a capitalised first word of a sentence is a name only if English does not use it as a word
        while start < j and _starts_sentence(doc, start) and _common_word(doc[start]):
            start += 1
        while start < j and doc[start].lower_ in NAME_CONNECTORS:
            start += 1
        if start < j:
            runs.append(doc[start:j])
        i = max(j, i + 1)
    return runs


def find_entities_in_doc(article_id: str, doc: Doc, gazetteer: Gazetteer) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions (longest non-overlapping alias matches, then variants) and unknown capitalised names."""
    spans: list[Span] = []
    for matcher in (gazetteer.exact, gazetteer.folded):
        for match_id, start, end in matcher(doc):
            spans.append(Span(doc, start, end, label=match_id))
    matched = filter_spans(spans)
    taken = {i for s in matched for i in range(s.start, s.end)}
    accepted: list[tuple[Span, str, float]] = []
    for span in matched:
        entity = gazetteer.entities[span.label_]
        if span.text in gazetteer.acronyms and _shouting(doc, span, taken - set(range(span.start, span.end))):
            taken -= set(range(span.start, span.end))
            continue
        if entity.type in PLACE_TYPES and _inside_longer_name(doc, span, taken):
            taken -= set(range(span.start, span.end))
            continue
        method = "exact" if span.text.lower() == entity.name.lower() else "alias"
        accepted.append((span, method, 1.0))
    candidates: list[Span] = []
    for run in _capitalised_runs(doc, taken):
        hit = resolve_variant(run.text, gazetteer)
        if hit is not None:
            accepted.append((Span(doc, run.start, run.end, label=hit[0]), "fuzzy", hit[1]))
        else:
            candidates.append(run)
    sentence_starts = [s.start for s in doc.sents]
    sentences = list(doc.sents)

    def sentence_index(span: Span) -> int:
        return max(bisect_right(sentence_starts, span.start) - 1, 0)

    mentions = [
        Mention(article_id, span.label_, span.text, span.start_char, span.end_char, sentence_index(span), method, score)
        for span, method, score in sorted(accepted, key=lambda a: a[0].start)
    ]
    found = [
        CandidateEntity(article_id, run.text, run.start_char, run.end_char, sentence_index(run),
                        sentences[sentence_index(run)].text[:CANDIDATE_SENTENCE_CHARS])
        for run in candidates
    ]
    return mentions, found


def find_mentions_in_doc(article_id: str, doc: Doc, gazetteer: Gazetteer) -> list[Mention]:
    """Mentions of known entities in a parsed body."""
    return find_entities_in_doc(article_id, doc, gazetteer)[0]


def find_entities(articles: list[Article]) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions and candidate names for a batch of cleaned articles."""
    gazetteer = load_gazetteer()
    mentions: list[Mention] = []
    candidates: list[CandidateEntity] = []
    for article in articles:
        m, c = find_entities_in_doc(article.article_id, parse(article.body), gazetteer)
        mentions.extend(m)
        candidates.extend(c)
    return mentions, candidates


def find_mentions(articles: list[Article]) -> list[Mention]:
    """Mentions for a batch of cleaned articles."""
    return find_entities(articles)[0]


def entity_rows() -> list[Entity]:
    """All gazetteer entities, for loading into the entities table."""
    return list(load_gazetteer().entities.values())


@task(name="entities", cache_policy=NO_CACHE)
def entities(articles: list[Article]) -> tuple[list[Mention], list[CandidateEntity]]:
    """Prefect wrapper around find_entities."""
    return find_entities(articles)
