"""Entities stage: find mentions of gazetteer entities in clean bodies, one id per real actor."""

from __future__ import annotations

import csv
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from rapidfuzz import fuzz, process
from spacy.attrs import IS_ALPHA, IS_SPACE, IS_TITLE, IS_UPPER, LOWER, ORTH, SPACY
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from expectations.validate import validate
from tasks.common.frames import candidates_frame, mentions_frame
from tasks.common.isolation import keep_checked, per_article
from tasks.common.models import Article, Batch, CandidateEntity, Mention
from tasks.common.nlp import blank_pipeline, parse

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"
PLACE_TYPES = {"GPE", "LOC"}
# Edit similarity (0-100, on normalised forms) a capitalised span needs to count as a misspelt alias.
FUZZY_CUTOFF = 88.0
# Shorter names are too close to too many words to guess at ("Mike" and Makkah's "Mekke").
VARIANT_MIN_KEY_CHARS = 5
FUZZY_MIN_KEY_CHARS = 7
# A one-word span this common in English (Zipf) is a word, not a misspelt name ("Save", "Bush").
VARIANT_MAX_WORD_ZIPF = 3.0
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
        if w.startswith(("al", "el")) and len(w) >= 7 or _ASSIMILATED_ARTICLE.match(w) and len(w) >= 5:
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
        if case_sensitive and _is_acronym(alias):
            acronyms.add(alias)  # acronyms match as written, never as a variant
        else:
            owners[name_key(alias)].add(entity_id)
    for (case_sensitive, entity_id), names in by_matcher.items():
        (exact if case_sensitive else folded).add(entity_id, [nlp.make_doc(a) for a in sorted(set(names))])
    keys = {k: next(iter(ids)) for k, ids in owners.items()
            if len(ids) == 1 and len(k.replace(" ", "")) >= VARIANT_MIN_KEY_CHARS}
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
    if _is_acronym(surface) or (" " not in surface and _zipf(surface.lower()) >= VARIANT_MAX_WORD_ZIPF):
        return None
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


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


_OPENERS = {'"', "“", "‘", "'", "(", "[", "-", "•", "*"}
_SENTENCE_ENDS = {".", "!", "?", ":", ";", "|", "—", "–"}  # a dash ends a dateline ("BEIRUT — Dozens")
_LATIN_INITIAL = re.compile(r"[A-Z\u00C0-\u00DE\u0100-\u024F]")


class _Tokens:
    """Token attributes read once per document: the rules below look at each token many times."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.n = len(doc)
        # to_array reads attributes in C; creating a Token object per word costs more than matching.
        arr = doc.to_array([ORTH, LOWER, IS_ALPHA, IS_TITLE, IS_UPPER, IS_SPACE, SPACY])
        strings = doc.vocab.strings
        self.text = [strings[c] for c in arr[:, 0].tolist()]
        self.lower = [strings[c] for c in arr[:, 1].tolist()]
        flags = arr[:, 2:].astype(bool)
        self.alpha = flags[:, 0].tolist()
        self.title = flags[:, 1].tolist()
        self.upper = flags[:, 2].tolist()
        self.space = flags[:, 3].tolist()
        self.ws = [" " if c else "" for c in flags[:, 4].tolist()]
        self.sents = list(doc.sents)
        self.sent_starts = [s.start for s in self.sents]
        self.sent_chars = [(s.start_char, s.end_char) for s in self.sents]
        sent_start = np.zeros(self.n, dtype=bool)
        sent_start[self.sent_starts] = True
        self.sent_start = sent_start.tolist()
        # words this document also writes in lower case are words, whatever their frequency
        same = np.flatnonzero(arr[:, 0] == arr[:, 1]).tolist()
        self.seen_lower = {self.text[k] for k in same}
        self.headline: set[int] = set()
        if self.n:
            # headline-like sentences (see _headline_like), counted for all sentences at once
            words = flags[:, 0] & ~np.fromiter((w in STOP_WORDS for w in self.lower), dtype=bool, count=self.n)
            n_words = np.add.reduceat(words, self.sent_starts)
            n_caps = np.add.reduceat(words & (flags[:, 1] | flags[:, 2]), self.sent_starts)
            for k in np.flatnonzero((n_words >= 3) & (n_caps >= 0.8 * n_words)).tolist():
                sent = self.sents[k]
                self.headline.update(i for i in range(sent.start, sent.end) if self.common(i))

    def caps_word(self, i: int) -> bool:
        return self.alpha[i] and self.upper[i] and len(self.text[i]) > 1

    def common(self, i: int) -> bool:
        """A word English uses as a word: a stop word, written in lower case elsewhere in this
        document, or with a Zipf frequency at or above the bar."""
        w = self.lower[i]
        return w in STOP_WORDS or w in self.seen_lower or _zipf(w) >= SENTENCE_START_COMMON_ZIPF

    def _headline_like(self, start: int, end: int) -> bool:
        words = [k for k in range(start, end) if self.alpha[k] and self.lower[k] not in STOP_WORDS]
        return len(words) >= 3 and sum(1 for k in words if self.title[k] or self.upper[k]) >= 0.8 * len(words)

    def in_headline(self, i: int) -> bool:
        k = bisect_right(self.sent_starts, i) - 1
        sent = self.sents[max(k, 0)]
        return self._headline_like(sent.start, sent.end)

    def starts_sentence(self, i: int) -> bool:
        """First word of a sentence, a line, or a quotation after either (blank pipelines split on punctuation)."""
        if self.sent_start[i]:
            return True
        j = i - 1
        while j >= 0 and (self.space[j] or self.text[j] in _OPENERS):
            if "\n" in self.text[j]:
                return True
            j -= 1
        return j < 0 or self.text[j] in _SENTENCE_ENDS

    def name_token(self, i: int) -> bool:
        """A capitalised Latin-script word: the case and word-frequency heuristics are English ones."""
        t = self.text[i]
        return (self.alpha[i] and (self.title[i] or self.caps_word(i)) and t not in NOT_NAMES
                and _LATIN_INITIAL.match(t) is not None)

    def sentence_index(self, i: int) -> int:
        return max(bisect_right(self.sent_starts, i) - 1, 0)


def _shouting(t: _Tokens, span: Span, taken: set[int]) -> bool:
    """An acronym next to other all-capitals words is a word in a capitalised heading ("WHAT IS")."""
    return any(0 <= i < t.n and i not in taken and t.caps_word(i) for i in (span.start - 1, span.end))


def _inside_longer_name(t: _Tokens, span: Span, taken: set[int]) -> bool:
    """A place name followed by a capitalised word of another name ("Damascus University")."""
    nxt = span.end
    if nxt >= t.n or nxt in taken or not t.title[nxt] or t.starts_sentence(nxt):
        return False
    word = t.text[nxt]
    if word in SAME_PLACE_SUFFIXES or word in TITLE_WORDS or word in NOT_NAMES or t.lower[nxt] in STOP_WORDS:
        return False
    if t.ws[nxt - 1] != " ":
        return False  # "Syria," or "Syria's": punctuation between, so not one name
    return not t.in_headline(span.start)


def _capitalised_runs(t: _Tokens, taken: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised words (with name particles and hyphens inside) not yet matched."""

    def name_at(k: int) -> bool:
        if not t.name_token(k) or k in t.headline:
            return False
        # In headings and shouted lines every word is capitalised: there only uncommon words are names.
        return not (t.caps_word(k) and t.common(k))

    runs: list[tuple[int, int]] = []
    i, n = 0, t.n
    while i < n:
        if i in taken or not t.text[i][:1].isupper() or not name_at(i):
            i += 1
            continue
        j = i + 1
        while j < n and j not in taken:
            if t.text[j][:1].isupper() and name_at(j) and not t.starts_sentence(j):
                j += 1
            elif (t.text[j] == "-" and j + 1 < n and j + 1 not in taken and t.alpha[j + 1]
                  and not t.ws[j - 1] and not t.ws[j]):
                if name_at(j + 1) or _zipf(t.lower[j + 1]) < 3.0:
                    j += 2  # "Ez-zor" joins; "-held", "-led" end the name
                else:
                    break
            elif (t.lower[j] in NAME_CONNECTORS and j + 1 < n and j + 1 not in taken
                  and (name_at(j + 1) or t.text[j + 1] == "-")):
                j += 1
            else:
                break
        start, end = i, j
        while end > start and (t.lower[end - 1] in NAME_CONNECTORS or t.text[end - 1] == "-"):
            end -= 1
        # A capitalised word that starts a sentence is a name only if English does not use it as a
        # word ("Meanwhile", "Only the Americans"), unless it leads a longer name ("Damascus University").
        if (end > start and t.starts_sentence(start) and t.common(start)
                and (end - start == 1 or t.text[start + 1].islower())):
            start += 1
        while start < end and t.lower[start] in NAME_CONNECTORS:
            start += 1  # "The", "Al" capitalised at a sentence start
        i = j  # always past the run's first token: the scan moves on
        if end > start and t.doc[start:end].end_char - t.doc[start:end].start_char > 1:
            runs.append((start, end))
    return runs


def find_entities_in_doc(
    article_id: str, doc: Doc, gazetteer: Gazetteer, text: str | None = None
) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions (longest non-overlapping alias matches, then variants) and unknown capitalised names.

    `text` is the string the doc was parsed from, when the caller has it (Doc.text rebuilds it).
    """
    t = _Tokens(doc)
    body = doc.text if text is None else text
    spans: list[Span] = []
    for matcher in (gazetteer.exact, gazetteer.folded):
        for match_id, start, end in matcher(doc):
            spans.append(Span(doc, start, end, label=match_id))
    matched = filter_spans(spans)
    taken = {i for s in matched for i in range(s.start, s.end)}
    accepted: list[tuple[Span, str, float]] = []
    for span in matched:
        entity = gazetteer.entities[span.label_]
        own = set(range(span.start, span.end))
        if (span.text in gazetteer.acronyms and _shouting(t, span, taken - own)) or (
                entity.type in PLACE_TYPES and _inside_longer_name(t, span, taken)):
            taken -= own  # not this entity: its words may belong to a longer unknown name
            continue
        method = "exact" if span.text.lower() == entity.name.lower() else "alias"
        accepted.append((span, method, 1.0))
    candidates: list[Span] = []
    for start, end in _capitalised_runs(t, taken):
        run = doc[start:end]
        hit = resolve_variant(body[run.start_char : run.end_char], gazetteer)
        if hit is not None:
            accepted.append((Span(doc, start, end, label=hit[0]), "fuzzy", hit[1]))
        else:
            candidates.append(run)
    mentions = [
        Mention(article_id, span.label_, body[span.start_char : span.end_char], span.start_char, span.end_char,
                t.sentence_index(span.start), method, score)
        for span, method, score in sorted(accepted, key=lambda a: a[0].start)
    ]
    found = []
    for run in candidates:
        index = t.sentence_index(run.start)
        s_start, s_end = t.sent_chars[index]
        found.append(CandidateEntity(article_id, body[run.start_char : run.end_char], run.start_char, run.end_char,
                                     index, body[s_start:s_end][:CANDIDATE_SENTENCE_CHARS]))
    return mentions, found


def find_mentions_in_doc(article_id: str, doc: Doc, gazetteer: Gazetteer, text: str | None = None) -> list[Mention]:
    """Mentions of known entities in a parsed body."""
    return find_entities_in_doc(article_id, doc, gazetteer, text)[0]


def find_entities(articles: list[Article]) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions and candidate names for a batch of cleaned articles."""
    gazetteer = load_gazetteer()
    mentions: list[Mention] = []
    candidates: list[CandidateEntity] = []
    for article in articles:
        m, c = find_entities_in_doc(article.article_id, parse(article.body), gazetteer, article.body)
        mentions.extend(m)
        candidates.extend(c)
    return mentions, candidates


def find_mentions(articles: list[Article]) -> list[Mention]:
    """Mentions for a batch of cleaned articles."""
    return find_entities(articles)[0]


def entity_rows() -> list[Entity]:
    """All gazetteer entities, for loading into the entities table."""
    return list(load_gazetteer().entities.values())


@lru_cache(maxsize=1)
def entity_ids() -> frozenset[str]:
    """The ids a mention or a fact may point at."""
    return frozenset(load_gazetteer().entities)


def warm() -> None:
    """Build the gazetteer once per process (workers fork after this)."""
    load_gazetteer()
    entity_ids()


def entity_check_columns(entities: pd.DataFrame) -> pd.DataFrame:
    """entities rows with check_id_form, check_id_is_wikidata_id, check_place_has_coordinates."""
    out = entities.copy()
    out["check_id_form"] = out["entity_id"].str.fullmatch(r"Q[0-9]+|fw:[a-z0-9_]+")
    out["check_id_is_wikidata_id"] = out["wikidata_id"].isna() | (out["wikidata_id"] == out["entity_id"])
    out["check_place_has_coordinates"] = out["geonames_id"].isna() | (out["latitude"].notna() & out["longitude"].notna())
    return out


def _spans_in_body(frame: pd.DataFrame, articles: list[Article]) -> tuple[list[bool], list[bool]]:
    """Per row: offsets inside the article's body, and the surface is the body at those offsets."""
    body = {a.article_id: a.body for a in articles}
    rows = list(zip(frame["article_id"], frame["start_char"], frame["end_char"], frame["surface"], strict=True))
    inside = [0 <= s < e <= len(body.get(a, "")) for a, s, e, _t in rows]
    matches = [body.get(a, "")[s:e] == t for a, s, e, t in rows]
    return inside, matches


def mention_check_columns(mentions: pd.DataFrame, articles: list[Article]) -> pd.DataFrame:
    """stg_mentions rows with check_entity_exists, check_offsets_in_body, check_surface_matches_body."""
    out = mentions.copy()
    out["check_entity_exists"] = out["entity_id"].isin(entity_ids())
    out["check_offsets_in_body"], out["check_surface_matches_body"] = _spans_in_body(out, articles)
    return out


def candidate_check_columns(candidates: pd.DataFrame, articles: list[Article]) -> pd.DataFrame:
    """stg_candidate_entities rows with check_offsets_in_body, check_surface_matches_body, check_sentence_contains_surface."""
    out = candidates.copy()
    out["check_offsets_in_body"], out["check_surface_matches_body"] = _spans_in_body(out, articles)
    out["check_sentence_contains_surface"] = [t in sent for t, sent in zip(out["surface"], out["sentence"], strict=True)]
    return out


@task(name="check-gazetteer", cache_policy=NO_CACHE)
def check_gazetteer(run_id: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The entities table as the gazetteer defines it, checked; raises when a critical expectation
    fails (a broken gazetteer must not replace a good one)."""
    frame = pd.DataFrame([asdict(e) for e in entity_rows()])
    outcome = validate("entities", entity_check_columns(frame), run_id, -1)
    if outcome.rejected_all or outcome.rejected_index:
        failed = sorted({r["expectation"] + "(" + str(r["column_name"]) + ")" for r in outcome.rows if not r["success"] and r["severity"] == "critical"})
        raise ValueError(f"the gazetteer failed critical expectations {failed}; fix gazetteer/ (see dq_results, suite 'entities')")
    return frame, outcome.rows


@task(name="entities", cache_policy=NO_CACHE)
def entities(batch: Batch) -> Batch:
    """Mentions of known entities and candidate names in each body, then their checks: a row
    failing a critical check is kept out, and a stage error says so; the article still loads."""
    from tasks.runs import log_stage, monotonic  # the run's log line (issue 15)

    started, n_in = monotonic(), len(batch.articles)
    done = per_article(batch, "entities", lambda a: find_entities([a]), article_needs_it=False)
    batch.mentions = [m for _a, (found, _c) in done for m in found]
    batch.candidates = [c for _a, (_m, cands) in done for c in cands]
    batch.tables["stg_mentions"] = kept = keep_checked(
        batch, "mentions", mention_check_columns(mentions_frame(batch.mentions), batch.articles), article_level=False)
    if len(kept) < len(batch.mentions):  # later stages (facts' speakers) see only checked mentions
        keys = set(zip(kept["article_id"], kept["start_char"], strict=True))
        batch.mentions = [m for m in batch.mentions if (m.article_id, m.start_char) in keys]
    batch.tables["stg_candidate_entities"] = keep_checked(
        batch, "candidate_entities", candidate_check_columns(candidates_frame(batch.candidates), batch.articles), article_level=False)
    log_stage("entities", batch, n_in, started)
    return batch
