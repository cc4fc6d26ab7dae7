"""Entities stage: find mentions of gazetteer entities in clean bodies, one id per real actor."""

from __future__ import annotations

import csv
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from itertools import groupby
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
from tasks.common import zipf
from tasks.common.frames import candidates_frame, mentions_frame
from tasks.common.isolation import keep_checked, per_article
from tasks.common.models import Article, Batch, CandidateEntity, Mention
from tasks.common.nlp import blank_pipeline, ner_spans, parse
from tasks.common.zipf import wordlist_languages, zipf_frequency

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"
PLACE_TYPES = {"GPE", "LOC"}
# Where place names are transliterated from Arabic, Hebrew, Persian or Turkish, so that spelling
# variants of a town are worth matching (scripts/build_gazetteer.py keeps their small towns too).
CORE_COUNTRIES = ("SY", "IQ", "LB", "JO", "IL", "PS")
REGION_COUNTRIES = ("TR", "IR", "SA", "EG", "KW", "YE", "CY")
TRANSLITERATED_COUNTRIES = frozenset(CORE_COUNTRIES + REGION_COUNTRIES)
# Sources of place rows built by scripts/build_gazetteer.py (their names match as written).
PLACE_SOURCES = {"geonames", "countryinfo"}
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
# Arabic articles that are also English words join a name only with their hyphen ("at-Tall"),
# not as words ("Obama at Noelani Elementary School" is two names).
ENGLISH_WORD_ARTICLES = {"at", "as", "an", "ad"}
NAME_CONNECTORS = ARTICLES | {"of", "for", "the", "bin", "ibn", "bint", "de", "la", "du", "von", "van"}
# After a place name these words still name that place ("Deir Ezzor Province"); other capitalised
# words make a longer name of their own ("Damascus University"), not a mention of the place.
SAME_PLACE_SUFFIXES = {"Province", "Governorate", "Region", "City", "Countryside", "Desert"}
# Countries whose towns' names are not followed by "City" to name the town itself: there the
# town's name and "City" name a club, a council or another town (see _inside_longer_name)
CITY_IS_ANOTHER_NAME = frozenset({"GB", "IE", "US", "CA", "AU", "NZ"})
TITLE_WORDS = {"President", "Prime", "Minister", "Foreign", "Defense", "Defence", "Secretary",
               "Ambassador", "Envoy", "Embassy", "Government", "State", "Army", "Forces", "Military"}
NOT_NAMES = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "AM", "PM", "GMT", "UTC", "I", "Mr", "Mrs", "Ms", "Dr",
}
# Words before a place's name that place it in its region: the place is still named ("Northern
# Syria", "Greater London", "Eastern Europe"), and the word alone is no name of its own.
PLACE_MODIFIERS = {"North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
                   "Northeast", "Northwest", "Southeast", "Southwest", "Northeastern", "Northwestern",
                   "Southeastern", "Southwestern", "Greater", "Upper", "Lower"}
# Words before a name that say who the person is, not part of the name: stripped from a local
# name ("President Nicos Anastasiades" is Nicos Anastasiades). Honorifics also say it is a person.
HONORIFICS = {"Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Sir", "Dame", "Mme", "Mx"}
TITLES = HONORIFICS | {
    "President", "Vice", "Prime", "Minister", "Chancellor", "Senator", "Sen", "Rep", "Representative",
    "Congressman", "Congresswoman", "Governor", "Gov", "Mayor", "General", "Gen", "Lt", "Colonel", "Col",
    "Major", "Captain", "Capt", "Admiral", "Sergeant", "Sgt", "Judge", "Justice", "King", "Queen", "Prince",
    "Princess", "Pope", "Sheikh", "Chief", "Executive", "Secretary", "Ambassador", "Foreign", "Defence",
    "Defense", "Finance", "Interior", "Deputy", "Former", "Chairman", "Chairwoman", "Director", "Commander",
    "Speaker", "Leader", "Spokesman", "Spokeswoman", "Officer", "Professor", "Lord", "Lady", "Saint", "St",
    "Archbishop", "Bishop", "Father", "Rev", "Reverend", "Coach", "Manager", "First", "Dean",
    "Leading", "Opposition", "Labour", "Senior", "Adviser", "Advisor", "Analyst", "Correspondent", "Editor",
    "Founder", "Author", "Agent", "Inspector", "Superintendent", "Detective", "Constable", "Emir", "Crown",
}
# Stop words that begin names ("Nine News", "One Direction", "First Republic"): kept.
NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "fifteen", "twenty", "forty", "fifty", "sixty", "hundred", "first", "third", "fifth"}
# Words that open a sentence before a name without being part of it ("Later Michelle said").
SENTENCE_ADVERBS = {"later", "earlier", "yesterday", "today", "tonight", "tomorrow", "now", "here", "there",
                    "still", "meanwhile", "instead", "afterwards", "separately", "similarly", "again", "so",
                    "thus", "yet", "also", "then", "when", "while", "after", "before", "since", "but", "and"}
# A local entity's id: "fw:local:" and 12 hex digits of the sha1 of its normalised name, so one
# name gets one id in every run and every article; a surname that could be two people in its
# article is scoped to that article (never merged across articles by surname alone).
LOCAL_PREFIX = "fw:local:"
LOCAL_SCORE = 0.6  # a name nobody listed: linked by its own spelling only
LOCAL_LANGUAGES = {"en", None}  # where a capitalised run is a name (None: not detected)
# A place's name next to a speech verb as its subject ("Kennedy said", "said Minga.") names a
# person, a club or a firm, unless the place can speak through its government: a country, a
# curated place or a city of this many people named by its own name ("Kabul said", "Moscow says").
SPEAKING_CITY_POPULATION = 1_000_000
SPEAKER_VERBS = {"said", "says", "say", "added", "adds", "told", "tells", "explained", "explains", "argued",
                 "argues", "noted", "notes", "wrote", "writes", "asked", "asks", "insisted", "recalled",
                 "replied", "stressed", "admitted", "acknowledged", "laughed", "joked", "recalls"}
# A place after these words is where someone is, not who speaks ("in Cape Town says").
PLACE_PREPOSITIONS = {"in", "from", "at", "of", "near", "for", "to", "across", "outside", "inside", "around"}
# A town name resolved by the article's countries, or by population alone (see _places_in_context).
CONTEXT_SCORE = 0.9
PRIOR_SCORE = 0.8
DOMINANT_POPULATION_RATIO = 4.0
# Which fields' mentions go to stg_mentions: the body and the headline, each with offsets into
# its own text (stg_mentions is keyed by article_id, field, start_char).
ALL_FIELDS = ("body", "title")
STORED_FIELDS = ALL_FIELDS
BODY_FIELDS = ("body",)  # what facts read: offsets into the body
# The optional statistical NER (`--ner`): the labels that name actors and places, and which
# gazetteer types a label may link to (a span equal to an alias of another type is not it:
# "Jordan" the PERSON is not the country).
NER_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"}
NER_TYPES_FIT = {"PERSON": {"PERSON"}, "ORG": {"ORG", "NORP"}, "NORP": {"NORP", "ORG"}, "GPE": {"GPE", "LOC"},
                 "LOC": {"LOC", "GPE"}, "FAC": {"FAC", "LOC"}, "EVENT": {"EVENT"}}
NER_KB_SCORE = 0.9  # the model's span, linked by a listed name of a fitting type
NER_LOCAL_SCORE = LOCAL_SCORE  # a name only the model found, linked by its spelling
# A text per field and article when the stage runs the NER: its spans per (article_id, field).
NerSpans = dict[tuple[str, str], list[tuple[int, int, str]]]
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
    plain: dict[str, str]  # alias without accents and apostrophes (case kept) -> entity_id, when one entity has it
    fuzzy_keys: dict[str, list[str]]  # first letter -> normalised aliases, for rapidfuzz
    acronyms: frozenset[str]  # short all-capitals aliases that are also English words or codes
    demonyms: frozenset[str]  # surfaces that name a country's people or adjective ("Pakistani")
    # town names matched only in context: name -> (entity_id, population, is an English word)
    ambiguous: dict[str, list[tuple[str, int, bool]]]
    place_country: dict[str, str]  # place entity_id -> ISO country code (countries included)
    # places whose name can stand for a government or team that speaks ("Kabul said"): curated
    # places, countries and cities of SPEAKING_CITY_POPULATION people, by their own name
    speaking_places: frozenset[str] = frozenset()
    country_ids: frozenset[str] = frozenset()  # places that are countries
    # language -> (lower-case alias, entity_id) pairs that language uses as a common word
    # (German "Dabei" for Dubai, "Dort" for Dordrecht): not matched in its articles; built by
    # scripts/build_gazetteer.py (foreign_words.csv)
    foreign_words: dict[str, frozenset[tuple[str, str]]] = dataclass_field(default_factory=dict)


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


@lru_cache(maxsize=65_536)  # pure; an article asks for the same names' keys again and again
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
        w = "".join(letter for letter, _run in groupby(w))  # doubled letters collapsed
        if len(w) > 3 and w.endswith("h") and w[-2] in "aiu":
            w = w[:-1]
        out.append(w)
    return " ".join(out)


def plain_name(text: str) -> str:
    """A name without accents and apostrophes, case kept: the spelling every script-to-Latin
    variant of it shares ("Hawai'i" and "Hawaii", "Bogotá" and "Bogota")."""
    return unicodedata.normalize("NFKD", _QUOTE_MARKS.sub("", text)).encode("ascii", "ignore").decode()


def read_demonyms(directory: Path = GAZETTEER_DIR) -> list[tuple[str, str]]:
    """(entity_id, demonym) rows, built (countries) and curated (nations of the UK, continents),
    with the plural of the people ("Russians") added."""
    out = []
    for r in _rows(directory / "demonyms.csv") + _rows(directory / "curated_demonyms.csv"):
        d = r["demonym"].strip()
        out.append((r["entity_id"], d))
        if d[-1] not in "sh" and not d.endswith("ese") and not _PERSON_DEMONYM.fullmatch(d):  # "Welshmen" is listed
            out.append((r["entity_id"], d + "s"))
    return out


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
    aliases = read_aliases(directory) + [(e.entity_id, e.name, False) for e in entities.values() if e.source not in PLACE_SOURCES]
    by_matcher: dict[tuple[bool, str], list[str]] = defaultdict(list)
    owners: dict[str, set[str]] = defaultdict(set)
    place_rows = _rows(directory / "places.csv")
    place_country = {r["entity_id"]: r["country_code"] for r in place_rows if r.get("country_code")}
    acronyms = set()
    plain_owners: dict[str, set[str]] = defaultdict(set)
    for entity_id, alias, case_sensitive in aliases:
        if entity_id not in entities:
            raise ValueError(f"alias {alias!r} names unknown entity {entity_id!r}")
        by_matcher[(case_sensitive, entity_id)].append(alias)
        plain_owners[plain_name(alias)].add(entity_id)
        if case_sensitive and _is_acronym(alias):
            acronyms.add(alias)  # acronyms match as written, never as a variant
        elif entities[entity_id].source == "curated" or place_country.get(entity_id) in TRANSLITERATED_COUNTRIES:
            # spellings vary for curated names and for Arabic/Hebrew/Persian/Turkish town names;
            # elsewhere a name with the normalised form of a town is someone else's ("Heyward")
            owners[name_key(alias)].add(entity_id)
    demonyms = set()
    names_taken = {a for _e, a, _c in aliases}
    for entity_id, demonym in read_demonyms(directory):
        if entity_id in entities and demonym not in names_taken:  # a curated name wins ("Syrian Army")
            by_matcher[(True, entity_id)].append(demonym)
            demonyms.add(demonym)
    for (case_sensitive, entity_id), names in by_matcher.items():
        (exact if case_sensitive else folded).add(entity_id, [nlp.make_doc(a) for a in sorted(set(names))])
    keys = {k: next(iter(ids)) for k, ids in owners.items()
            if len(ids) == 1 and len(k.replace(" ", "")) >= VARIANT_MIN_KEY_CHARS}
    fuzzy_keys: dict[str, list[str]] = defaultdict(list)
    for k, entity_id in keys.items():
        # Spelling slips are guessed against curated names only: against the world's places,
        # an unknown name is too often close to some town ("Zelensky" and Žilinský kraj).
        if len(k) >= FUZZY_MIN_KEY_CHARS and entities[entity_id].source == "curated":
            fuzzy_keys[k[0]].append(k)
    canonical = {e.name.lower(): e.entity_id for e in entities.values()}
    ambiguous: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
    for r in _rows(directory / "ambiguous_places.csv"):
        if r["entity_id"] in entities:
            ambiguous[r["alias"]].append((r["entity_id"], int(r["population"] or 0), r["is_common_word"] == "True"))
    plain = {k: next(iter(ids)) for k, ids in plain_owners.items() if len(ids) == 1}
    country_ids = frozenset(r["entity_id"] for r in place_rows if r.get("feature") == "country")
    speaking = country_ids | {r["entity_id"] for r in place_rows if int(r.get("population") or 0) >= SPEAKING_CITY_POPULATION}
    speaking |= {e.entity_id for e in entities.values() if e.source == "curated" and e.type in PLACE_TYPES}
    words: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in _rows(directory / "foreign_words.csv"):
        words[r["language"]].add((r["alias"].lower(), r["entity_id"]))
    return Gazetteer(entities, exact, folded, canonical, keys, plain, dict(fuzzy_keys), frozenset(acronyms), frozenset(demonyms),
                     dict(ambiguous), place_country, speaking, country_ids, {k: frozenset(v) for k, v in words.items()})


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


VARIANT_WORD_ZIPF = 3.5  # commoner than this in the article's language ...
VARIANT_WORD_EXCESS = 1.0  # ... and this much commoner there than the place's name is in English


@lru_cache(maxsize=65_536)
def word_of_language(surface: str, language: str | None, name: str) -> bool:
    """A one-word name that the article's language uses as a common word, far more than English
    uses the name it resembles: German "Medien" (media) is not Madinah, Lithuanian "Tarsi" not
    Tarsus; "Libanon", "Türkei", Spanish "Rusia" are the countries (as common as in English)."""
    if language not in wordlist_languages() or language == "en" or " " in surface or "-" in surface:
        return False
    here = zipf_frequency(surface.lower(), language)
    return here >= VARIANT_WORD_ZIPF and here - max(_zipf(surface.lower()), _zipf(name.lower())) >= VARIANT_WORD_EXCESS


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


# Words title case leaves in lower case (articles, short conjunctions and prepositions).
TITLE_CASE_MINOR = {"a", "an", "the", "and", "but", "or", "nor", "for", "of", "in", "on", "at", "to", "by", "up",
                    "as", "from", "with", "vs", "via", "into", "over", "per", "off", "out", "s"}
_OPENERS = {'"', "“", "‘", "'", "(", "[", "-", "•", "*"}
_SENTENCE_ENDS = {".", "!", "?", ":", ";", "|", "—", "–"}  # a dash ends a dateline ("BEIRUT — Dozens")
_APOSTROPHE_NAME = re.compile(r"[A-Z][a-z]{0,5}['’][A-Za-z][a-z]*(?<![’']s)")
# "WhatsApp", "McDonald", "ConocoPhillips", "OpenAI": capitals inside a word (spaCy's is_title is false)
_CAMEL_CASE = re.compile(r"[A-Z][a-z]+[A-Z][A-Za-z]*")
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
        self.headline_sents: set[int] = set()  # indices of headline-like sentences
        if self.n:
            # headline-like sentences (see _headline_like), counted for all sentences at once
            words = flags[:, 0] & ~np.fromiter((w in STOP_WORDS for w in self.lower), dtype=bool, count=self.n)
            n_words = np.add.reduceat(words, self.sent_starts)
            n_caps = np.add.reduceat(words & (flags[:, 1] | flags[:, 2]), self.sent_starts)
            # title case capitalises verbs too: a lower-case word other than the minor ones
            # ("Barack Obama is the 44th President") makes the sentence prose, not a heading
            minor = np.fromiter((w in TITLE_CASE_MINOR for w in self.lower), dtype=bool, count=self.n)
            n_prose = np.add.reduceat(flags[:, 0] & ~flags[:, 1] & ~flags[:, 2] & ~minor, self.sent_starts)
            for k in np.flatnonzero((n_words >= 3) & (n_caps >= 0.8 * n_words) & (n_prose == 0)).tolist():
                self.headline_sents.add(k)
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
        prose = any(self.alpha[k] and not (self.title[k] or self.upper[k]) and self.lower[k] not in TITLE_CASE_MINOR
                    for k in range(start, end))
        return len(words) >= 3 and not prose and sum(1 for k in words if self.title[k] or self.upper[k]) >= 0.8 * len(words)

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
        if not self.alpha[i]:
            # "O'Brien", "D'Souza", "Hawai'i": one token with an apostrophe inside
            return _APOSTROPHE_NAME.fullmatch(t) is not None
        return ((self.title[i] or self.caps_word(i) or _CAMEL_CASE.fullmatch(t) is not None)
                and t not in NOT_NAMES and _LATIN_INITIAL.match(t) is not None)

    def sentence_index(self, i: int) -> int:
        return max(bisect_right(self.sent_starts, i) - 1, 0)


def _shouting(t: _Tokens, span: Span, taken: set[int]) -> bool:
    """An acronym in a run of all-capitals words that are not all names is a word of a
    capitalised heading ("WHAT IS", "WHO IS THE FRONT-RUNNER?", where "IS" is an acronym too);
    "US FDA" is two names."""
    for step, i in ((-1, span.start - 1), (1, span.end)):
        while 0 <= i < t.n and t.caps_word(i):
            if i not in taken:
                return True
            i += step
    return False


def _after_name_of(t: _Tokens, span: Span) -> bool:
    """A place that ends a longer name through "of" ("Bank of Cyprus", "University of Chicago");
    a title before "of" still names the place's office ("President of France")."""
    k = span.start - 1
    if k < 1 or t.lower[k] != "of" or not t.ws[k - 1] or t.starts_sentence(k - 1):
        return False
    head = t.text[k - 1]
    return t.title[k - 1] and head not in TITLE_WORDS and head not in NOT_NAMES and not t.in_headline(span.start)


def _after_unknown_name(t: _Tokens, span: Span, taken: set[int], demonym: bool = False) -> bool:
    """A place after another capitalised word inside a sentence: the end of a longer name ("Copa
    America", "Real Madrid", "Inner Mongolia", a person's "Robert Jordan"). A word that places it
    in its region ("Northern Syria", "Greater London"), a title, a stop word or a word this text
    also writes in lower case does not count; before a demonym a region word does ("North
    American", "West African" are no country's)."""
    k = span.start - 1
    return (k >= 0 and k not in taken and t.name_token(k) and not t.caps_word(k) and t.ws[k] == " "
            and not t.starts_sentence(k) and t.text[k] not in TITLES and (demonym or t.text[k] not in PLACE_MODIFIERS)
            and t.lower[k] not in STOP_WORDS and t.lower[k] not in t.seen_lower
            and not t.in_headline(span.start))


def _speaks(t: _Tokens, span: Span, entity: Entity, gazetteer: Gazetteer) -> bool:
    """A place's name as the subject of a speech verb ("Arroyo added", '..., said Minga.') that
    cannot be the place speaking through its government: a person's or an organisation's name."""
    if entity.entity_id in gazetteer.speaking_places and (entity.source == "curated" or span.text == entity.name):
        return False
    if span.start > 0 and t.lower[span.start - 1] in PLACE_PREPOSITIONS:
        return False
    if span.end < t.n and t.lower[span.end] in SPEAKER_VERBS:
        return True
    before = span.start - 1
    return (before >= 0 and t.lower[before] in SPEAKER_VERBS
            and (span.end >= t.n or t.text[span.end] in (".", ",", "!", "?", ";")))


def _country_after(t: _Tokens, span: Span, countries: dict[int, str]) -> str | None:
    """'(Durham, UK)', 'Kingston, UK.', 'Gera (Hungary)': the code of the country named right after a
    town, written as "Town, Country" and closing it (a bracket, a full stop, a dash), or as "Town
    (Country)"; not in a list of places ("Arizona, Georgia, Nevada")."""
    k = span.end
    if k + 1 >= t.n or t.text[k] not in (",", "(") or k + 1 not in countries:
        return None
    bracket = t.text[k] == "("
    if not bracket and (span.start > 0 and t.text[span.start - 1] in (",", "/", "&") or t.lower[span.start - 1] in ("and", "or")):
        return None  # "North Macedonia, Kosovo, Belarus": a list
    code = countries[k + 1]
    after = next((i for i in range(k + 2, t.n) if i not in countries or countries[i] != code), t.n)
    if bracket:
        return code if after < t.n and t.text[after] == ")" else None
    closing = after >= t.n or t.text[after] in (")", ".", ";", ":", "—", "–", "-", "]") or "\n" in t.text[after]
    return code if closing else None


# "Welshman", "Scotswomen", "Dutchmen": a demonym that is a noun for a person (not "German", whose
# "man" is no word of its own) heads no longer name.
_PERSON_DEMONYM = re.compile(r"[A-Z][a-z]+(?:sh|s)(?:wo)?m[ae]n")


def _inside_longer_name(t: _Tokens, span: Span, taken: set[int], english: bool = True, country: str | None = None,
                        demonym: bool = False) -> bool:
    """A place name followed by a capitalised word of another name ("Damascus University"),
    ending one through "of" ("Bank of Cyprus") or, in English, after an unknown word of one
    ("Copa America"; German capitalises nouns: "Stadt München" is the city). A town of an
    English-speaking `country` and "City" is another name: a club ("Manchester City", "Swansea
    City"), a council, another town ("Iowa City"); elsewhere the town stays ("Mosul City")."""
    if _after_name_of(t, span) or (english and _after_unknown_name(t, span, taken, demonym)):
        return True
    if demonym and _PERSON_DEMONYM.fullmatch(span.text):
        return False  # "Welshman Mark Hughes": a noun for a person, then that person's name
    nxt = span.end
    if nxt >= t.n or nxt in taken or not t.title[nxt] or t.starts_sentence(nxt):
        return False
    word = t.text[nxt]
    if word == "City" and country in CITY_IS_ANOTHER_NAME:
        return t.ws[nxt - 1] == " " and not t.in_headline(span.start)
    if word in SAME_PLACE_SUFFIXES or word in TITLE_WORDS or word in NOT_NAMES or t.lower[nxt] in STOP_WORDS:
        return False
    if t.ws[nxt - 1] != " ":
        return False  # "Syria," or "Syria's": punctuation between, so not one name
    return not t.in_headline(span.start)


def _two_places_one_name(t: _Tokens, matched: list[Span], gazetteer: Gazetteer) -> set[int]:
    """Tokens of two listed places written side by side, one space apart, inside a sentence, of two
    countries and not both countries: one longer name, a person's ("Jordan Henderson", "Nigel
    Vaughan") or a club's ("Sydney Croatia"). A town and its own state or country ("Portland
    Oregon", "Paris France") and two countries ("the Russia Ukraine war") stay places, and so
    does a pair joined by a hyphen or a slash ("Texas-Mexico", "London/Teheran")."""
    out: set[int] = set()
    ordered = sorted(matched, key=lambda s: s.start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start != a.end or t.ws[a.end - 1] != " ":
            continue
        if any(gazetteer.entities[s.label_].type not in PLACE_TYPES or _kind(s, gazetteer) != "name" for s in (a, b)):
            continue
        first, second = gazetteer.place_country.get(a.label_), gazetteer.place_country.get(b.label_)
        if first is None or second is None or first == second:
            continue
        if (a.label_ in gazetteer.country_ids and b.label_ in gazetteer.country_ids) or t.in_headline(a.start):
            continue
        out.update(range(a.start, b.end))
    return out


def _capitalised_runs(t: _Tokens, taken: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised words (with name particles and hyphens inside) not yet matched."""

    def name_at(k: int) -> bool:
        if not t.name_token(k) or k in t.headline:
            return False
        # In headings and shouted lines every word is capitalised: there only uncommon words are names.
        return not (t.caps_word(k) and t.common(k))

    # Words this text capitalises inside a sentence and never writes in lower case: names there,
    # so names at a sentence start too.
    mid_names = {t.text[k] for k in range(t.n) if t.title[k] and k not in t.headline and t.lower[k] not in STOP_WORDS
                 and t.text[k] not in t.seen_lower and t.lower[k] not in t.seen_lower and t.name_token(k)
                 and not t.starts_sentence(k) and t.sentence_index(k) not in t.headline_sents}
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
                  and (t.text[j + 1] == "-" or (name_at(j + 1) and t.lower[j] not in ENGLISH_WORD_ARTICLES))):
                j += 1
            else:
                break
        start, end = i, j
        while end > start and (t.lower[end - 1] in NAME_CONNECTORS or t.text[end - 1] == "-"):
            end -= 1
        # A capitalised word that starts a sentence is a name only if English does not use it as a
        # word ("Meanwhile", "Only the Americans"), unless it leads a longer name ("Damascus University")
        # or the text capitalises it inside a sentence too ("Donald Trump ... Trump said").
        if (end > start and t.starts_sentence(start) and t.common(start)
                and (end - start == 1 or t.text[start + 1].islower()) and t.text[start] not in mid_names):
            start += 1
        while start < end and t.lower[start] in NAME_CONNECTORS:
            start += 1  # "The", "Al" capitalised at a sentence start
        if end - start > 2 and _ends_hyphenated_word(t, start):
            # "the neo-Nazi Golden Dawn party": the name is Golden Dawn, "neo-Nazi" describes it.
            # With one word left the prefix is the whole name's ("post-Civil War", "ex-Manchester
            # United"): the run stays whole
            start += 1
        i = j  # always past the run's first token: the scan moves on
        if end > start and _word_of_a_listed_name(t, start, end, taken):
            continue
        if end > start and t.doc[start:end].end_char - t.doc[start:end].start_char > 1:
            runs.append((start, end))
    return runs


def _word_of_a_listed_name(t: _Tokens, start: int, end: int, taken: set[int]) -> bool:
    """A run of region words right before a listed place ("North" of "North Africa", "Eastern" of
    "Eastern Europe"): a word of the place's name, not a name of its own. (A word after a listed
    name can start a name of its own: "BBC Sport" is not the BBC.)"""
    return (end < t.n and end in taken and t.ws[end - 1] == " "
            and all(t.text[k] in PLACE_MODIFIERS for k in range(start, end)))


def _ends_hyphenated_word(t: _Tokens, k: int) -> bool:
    """Token k ends a word glued to a lower-case prefix ("neo-Nazi", "anti-Brexit"), not a name
    particle ("al-Nusra Front")."""
    return k >= 2 and t.text[k - 1] == "-" and not t.ws[k - 1] and not t.ws[k - 2] \
        and t.text[k - 2].isalpha() and t.text[k - 2].islower() and t.lower[k - 2] not in NAME_CONNECTORS


# A last word that makes a name an organisation's, not a person's: such a name lends neither its
# first nor its last word to a lone word elsewhere in the article ("Bank" is not Laiki Bank).
ORG_WORDS = {
    "Bank", "Party", "League", "Group", "Council", "Ministry", "Department", "Institute", "University",
    "School", "Center", "Centre", "Fund", "Campaign", "Committee", "Commission", "Agency", "Association",
    "Union", "Corporation", "Company", "Inc", "Ltd", "Airlines", "Airways", "News", "Post", "Times",
    "Press", "Parliament", "Assembly", "Court", "Police", "Army", "Force", "Forces", "Front", "Movement",
    "Organisation", "Organization", "Foundation", "Service", "Office", "Board", "Authority", "Federation",
    "Club", "College", "Hospital", "Church", "Media", "Network", "Congress", "Senate", "House", "Review",
    "Trust", "Society", "Alliance", "Coalition", "Brigade", "Brigades", "Guard", "Tigers", "Democracy",
}


@dataclass(slots=True)
class _Found:
    """What matching found in one field of an article, before local names are resolved."""

    field: str
    text: str
    tokens: _Tokens
    accepted: list[tuple[Span, str, float, str]]  # span, match_method, score, mention_kind
    runs: list[tuple[int, int, bool]]  # token span of a capitalised name (titles stripped), person cue


def _alias_method(span: Span, entity: Entity) -> str:
    return "exact" if span.text.lower() == entity.name.lower() else "alias"


def _kind(span: Span, gazetteer: Gazetteer) -> str:
    return "demonym" if span.text in gazetteer.demonyms else "name"


def _match_doc(doc: Doc, gazetteer: Gazetteer, text: str, field: str = "body", english: bool = True,
               language: str | None = None) -> _Found:
    """Gazetteer mentions (longest non-overlapping alias matches, then variants) and the
    capitalised runs nothing matched; in an article in `language`, not the names that language
    uses as common words."""
    t = _Tokens(doc)
    spans: list[Span] = []
    for matcher in (gazetteer.exact, gazetteer.folded):
        for match_id, start, end in matcher(doc):
            spans.append(Span(doc, start, end, label=match_id))
    matched = filter_spans(spans)
    taken = {i for s in matched for i in range(s.start, s.end)}
    accepted: list[tuple[Span, str, float, str]] = []
    held: list[Span] = []  # places that look like part of a longer name, kept if no longer name is found
    # tokens of a place name that speaks (someone's name) or of a town followed by another country's
    # name: a capitalised run there is never resolved to a listed place
    unlisted_tokens: set[int] = set()
    speaking_names = {span.text for span in matched if english and _kind(span, gazetteer) == "name"
                      and gazetteer.entities[span.label_].type in PLACE_TYPES
                      and _speaks(t, span, gazetteer.entities[span.label_], gazetteer)}
    countries = {i: gazetteer.place_country[s.label_] for s in matched if s.label_ in gazetteer.country_ids
                 and s.label_ in gazetteer.place_country and _kind(s, gazetteer) == "name" for i in range(s.start, s.end)}
    words = gazetteer.foreign_words.get(language or "", frozenset())
    paired = _two_places_one_name(t, matched, gazetteer) if english else set()
    for span in matched:
        entity = gazetteer.entities[span.label_]
        own = set(range(span.start, span.end))
        if own & paired:
            taken -= own  # "Jordan Henderson": a person's name, found as a run and never resolved to a place
            unlisted_tokens.update(own)
            continue
        if words and (span.text.lower(), span.label_) in words:
            taken -= own  # "Dabei wird die Gruppe ...": a German word, not Dubai
            unlisted_tokens.update(own)
            continue
        if span.text in gazetteer.acronyms and _shouting(t, span, taken - own):
            taken -= own  # a word of a shouted line, not this entity
            continue
        if span.text in speaking_names and entity.type in PLACE_TYPES:
            taken -= own  # "Kennedy said": someone's name here, wherever the article uses it; found as a run
            unlisted_tokens.update(own)
            continue
        code = _country_after(t, span, countries) if entity.type in PLACE_TYPES and span.label_ not in gazetteer.country_ids else None
        if code is not None and gazetteer.place_country.get(span.label_) not in (code, None):
            # "(Durham, UK)" is not Durham, North Carolina: the town of that name in that country, else no listed place
            there = [e for e, _pop, _word in gazetteer.ambiguous.get(span.text, ()) if gazetteer.place_country.get(e) == code]
            if len(there) == 1:
                accepted.append((Span(doc, span.start, span.end, label=there[0]), "alias", CONTEXT_SCORE, "name"))
            else:
                taken -= own
                unlisted_tokens.update(own)
            continue
        if entity.type in PLACE_TYPES and _inside_longer_name(t, span, taken, english, gazetteer.place_country.get(span.label_),
                                                              _kind(span, gazetteer) == "demonym"):
            taken -= own  # its words may belong to a longer unknown name
            held.append(span)
            continue
        accepted.append((span, _alias_method(span, entity), 1.0, _kind(span, gazetteer)))
    found_runs = _capitalised_runs(t, taken)
    in_runs = {i for start, end in found_runs for i in range(start, end)}
    for span in held:
        # "U.S. Patriot missiles": the longer name never formed (a dotted abbreviation does not
        # join a run of capitalised words), so the place is a mention of its own.
        if not in_runs.intersection(range(span.start, span.end)) and not all(t.name_token(i) for i in range(span.start, span.end)):
            accepted.append((span, _alias_method(span, gazetteer.entities[span.label_]), 1.0, _kind(span, gazetteer)))
    runs: list[tuple[int, int, bool]] = []
    for start, end in found_runs:
        run = doc[start:end]
        surface = text[run.start_char : run.end_char]
        unlisted = not unlisted_tokens.isdisjoint(range(start, end))
        # "Hawai'i", "Bogota": an alias but for accents and apostrophes. Only in English text:
        # German capitalises its nouns, and "Türen" is not the town of Turen.
        same = gazetteer.plain.get(plain_name(surface)) if english and plain_name(surface) != surface else None
        hit = None if unlisted else (same, 1.0) if same is not None else resolve_variant(surface, gazetteer)
        if hit is not None and not english and word_of_language(surface, language, gazetteer.entities[hit[0]].name):
            hit = None  # "in den sozialen Medien": a German word that spells like Madinah
        if hit is not None:
            accepted.append((Span(doc, start, end, label=hit[0]), "fuzzy", hit[1], "name"))
            continue
        # "But Premier League", "When Obama", "Putting Samsung", "CONGLOMERATE Samsung": a stop
        # word, a common verb or adverb opening the sentence, or a shouted common word before a
        # name is not part of it ("New Democracy" keeps its "New").
        while start < end - 1 and ((t.lower[start] in STOP_WORDS and t.lower[start] not in NUMBER_WORDS)
                                   or (t.caps_word(start) and t.common(start))
                                   or (t.starts_sentence(start) and t.common(start)
                                       and (t.lower[start].endswith(("ing", "ed"))
                                            or (t.lower[start].endswith("ly") and len(t.lower[start]) >= 7)))):
            start += 1
        person = _honorific_before(t, start) or unlisted  # an unlisted name is never resolved to a place by context
        while start < end - 1 and t.text[start] in TITLES:
            person = True  # "President Nicos Anastasiades", "Senior Adviser Valerie Jarrett"
            start += 1
            while start < end - 1 and t.lower[start] in NAME_CONNECTORS:
                start += 1  # "Secretary of State Mike Pompeo": not "of State Mike Pompeo"
        if t.text[start] in TITLES and end - start == 1:
            continue  # a title alone ("President") names nobody
        if end - start == 1 and t.starts_sentence(start) and t.lower[start].endswith("ing"):
            continue  # a headline's opening verb ("Evacuating Islamic State Convoy ...")
        runs.append((start, end, person))
    return _Found(field, text, t, accepted, runs)


def _honorific_before(t: _Tokens, start: int) -> bool:
    """Mr, Ms, Dr ... just before a name (with or without its full stop)."""
    k = start - 1
    if k >= 0 and t.text[k] == ".":
        k -= 1
    return k >= 0 and t.text[k] in HONORIFICS


def local_id(key: str, scope: str = "") -> str:
    """The stable id of a local entity: its normalised name, within a scope when it needs one."""
    import hashlib

    return LOCAL_PREFIX + hashlib.sha1(f"{scope}|{key}".encode()).hexdigest()[:12]


def _person_like(words: list[str]) -> bool:
    """Two or three capitalised words, none of them an organisation's word or all capitals."""
    return 2 <= len(words) <= 3 and not any(w in ORG_WORDS or (w.isupper() and len(w) > 1) for w in words)


def _run_key(f: _Found, start: int, end: int) -> str:
    t = f.tokens
    return name_key(f.text[t.doc[start].idx : t.doc[end - 1].idx + len(t.text[end - 1])])


def _name_index(found: list[_Found], starts: dict[tuple[str, int], int]) -> dict[str, tuple[dict[str, set[str]], dict[str, set[str]]]]:
    """Per field: last word -> full names, first word -> full names, over the article's person-like names.

    Body names resolve with the body's full names only; the headline's with both (a headline says
    "Anastasiades", the body "Nicos Anastasiades"). A first name alone ("Michelle") resolves only
    within its own field.
    """
    index: dict[str, tuple[dict[str, set[str]], dict[str, set[str]]]] = {
        f.field: (defaultdict(set), defaultdict(set)) for f in found}
    for f in found:
        for run_start, end, _person in f.runs:
            start = starts.get((f.field, run_start), run_start)
            words = [w for w in f.tokens.text[start:end] if w[:1].isupper()]
            if not _person_like(words):
                continue
            key = _run_key(f, start, end)
            for field, (surnames, firsts) in index.items():
                if field == f.field or field == "title":
                    surnames[name_key(words[-1])].add(key)
                if field == f.field:
                    firsts[name_key(words[0])].add(key)
    return index


def _resolve_locals(article_id: str, found: list[_Found], gazetteer: Gazetteer) -> dict[tuple[str, int], tuple[int, str]]:
    """Local entity ids for the capitalised runs of an article's fields, keyed by (field, start
    token), with the token the name starts at.

    A full name is its own key. A lone word is the full name of this article whose last (or first)
    word it is, when exactly one full name fits (Samaras -> Antonis Samaras; Michelle -> Michelle
    Obama); a listed person's surname resolves to that person; an acronym defined in the text
    ("Democratic Rally (DISY)") is the name it stands for. A lone word two full names share, or a
    lone name with an honorific and no full name, is scoped to the article: different people who
    share a surname are never merged. A common word opening a sentence before a name this article
    uses without it ("Later Michelle", "Meanwhile Hollande") is not part of the name.
    """
    acronyms: dict[str, str] = {}
    listed_people: dict[str, set[str]] = defaultdict(set)
    for f in found:
        for span, _m, _s, _k in f.accepted:
            entity = gazetteer.entities[span.label_]
            if entity.type == "PERSON":
                listed_people[name_key(entity.name.split()[-1])].add(entity.entity_id)
        t = f.tokens
        for start, end, _person in f.runs:
            # "Air Accidents Investigation Branch (AAIB)": the capitals in brackets after a name
            if end - start > 1 and end + 2 < t.n and t.text[end] == "(" and t.text[end + 2] == ")" and t.caps_word(end + 1):
                acronyms[name_key(t.text[end + 1])] = _run_key(f, start, end)
    index = _name_index(found, {})
    full_names = {k for surnames, _f in index.values() for keys in surnames.values() for k in keys}
    starts: dict[tuple[str, int], int] = {}
    lone = {_run_key(f, s, e) for f in found for s, e, _p in f.runs if e - s == 1}
    for f in found:
        t = f.tokens
        surnames, firsts = index[f.field]
        for start, end, _person in f.runs:
            # "the Socialist PASOK party": English words before an acronym the article also uses
            # alone describe it ("Kurdish PKK", "leftist SYRIZA"); the acronym is the name
            if (end - start > 1 and t.caps_word(end - 1) and _run_key(f, end - 1, end) in lone
                    and all(t.title[k] and t.common(k) for k in range(start, end - 1))):
                starts[(f.field, start)] = end - 1
                continue
            if (end - start > 1 and t.starts_sentence(start)
                    and (t.lower[start] in SENTENCE_ADVERBS or t.lower[start] in t.seen_lower)):
                own, rest = _run_key(f, start, end), _run_key(f, start + 1, end)
                others = (surnames.get(rest, set()) | firsts.get(rest, set())) - {own} if end - start == 2 else set()
                if (rest in full_names and rest != own) or len(others) == 1:
                    starts[(f.field, start)] = start + 1
    index = _name_index(found, starts)
    out: dict[tuple[str, int], tuple[int, str]] = {}
    for f in found:
        surnames, firsts = index[f.field]
        for run_start, end, person in f.runs:
            start = starts.get((f.field, run_start), run_start)
            key = _run_key(f, start, end)
            if not key:
                continue
            if end - start > 1 or " " in key:
                entity_id = local_id(key)
            elif f.tokens.lower[start] in STOP_WORDS or f.tokens.lower[start] in f.tokens.seen_lower:
                continue  # a word this text also writes in lower case ("City", "Active"): a candidate only
            elif key in acronyms:
                entity_id = local_id(acronyms[key])
            elif len(listed_people.get(key, ())) == 1:
                entity_id = next(iter(listed_people[key]))
            elif len(surnames.get(key, ())) == 1:
                entity_id = local_id(next(iter(surnames[key])))
            elif len(surnames.get(key, ())) > 1 or person:
                entity_id = local_id(key, scope=article_id)
            elif len(firsts.get(key, ())) == 1:
                entity_id = local_id(next(iter(firsts[key])))
            else:
                entity_id = local_id(key)
            out[(f.field, run_start)] = start, entity_id
    return out


def _mentions_and_candidates(
    article_id: str, found: list[_Found], gazetteer: Gazetteer, with_locals: bool = True
) -> tuple[list[Mention], list[CandidateEntity]]:
    locals_ = _resolve_locals(article_id, found, gazetteer) if with_locals else {}
    mentions: list[Mention] = []
    candidates: list[CandidateEntity] = []
    for f in found:
        t, text = f.tokens, f.text
        rows: list[Mention] = []
        for span, method, score, kind in f.accepted:
            link = "demonym" if kind == "demonym" else ("fuzzy" if method == "fuzzy" else "alias")
            rows.append(Mention(article_id, span.label_, text[span.start_char : span.end_char], span.start_char,
                                span.end_char, t.sentence_index(span.start), method, score, f.field, kind, link))
        for start, end, _person in f.runs:
            start, entity_id = locals_.get((f.field, start), (start, None))
            run = t.doc[start:end]
            if entity_id is not None:
                listed = entity_id in gazetteer.entities
                rows.append(Mention(article_id, entity_id, text[run.start_char : run.end_char], run.start_char,
                                    run.end_char, t.sentence_index(start), "alias" if listed else "local",
                                    1.0 if listed else LOCAL_SCORE, f.field, "name", "alias" if listed else "local"))
            # the review queue: body names no entity lists (a local id is a guess from the spelling)
            if f.field == "body" and (entity_id is None or entity_id.startswith(LOCAL_PREFIX)):
                index = t.sentence_index(start)
                s_start, s_end = t.sent_chars[index]
                candidates.append(CandidateEntity(article_id, text[run.start_char : run.end_char], run.start_char,
                                                  run.end_char, index, _context(text, s_start, s_end, run.start_char, run.end_char)))
        mentions.extend(sorted(rows, key=lambda m: m.start_char))
    return mentions, candidates


def _context(text: str, s_start: int, s_end: int, start: int, end: int) -> str:
    """The sentence around a name, at most CANDIDATE_SENTENCE_CHARS long and always holding it
    (a long sentence, or a paragraph with no full stop, is cut around the name)."""
    if s_end - s_start <= CANDIDATE_SENTENCE_CHARS:
        return text[s_start:s_end]
    left = max(s_start, min(start - (CANDIDATE_SENTENCE_CHARS - (end - start)) // 2, s_end - CANDIDATE_SENTENCE_CHARS))
    return text[left : max(left + CANDIDATE_SENTENCE_CHARS, end)]


def find_entities_in_doc(
    article_id: str, doc: Doc, gazetteer: Gazetteer, text: str | None = None, with_locals: bool = False
) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions in one parsed body (gazetteer entities; with `with_locals`, also local entities
    for the names nobody listed) and the unknown capitalised names.

    `text` is the string the doc was parsed from, when the caller has it (Doc.text rebuilds it).
    """
    body = doc.text if text is None else text
    return _mentions_and_candidates(article_id, [_match_doc(doc, gazetteer, body)], gazetteer, with_locals)


def _places_in_context(found: list[_Found], gazetteer: Gazetteer) -> None:
    """Town names the gazetteer could not give one place (two towns share it, or English uses it
    as a word), resolved with the article's own evidence; the run becomes a mention in place.

    The evidence is the countries of the places and countries the article names (a demonym
    counts). A name whose candidates include exactly one town in those countries is that town;
    otherwise, unless it is an English word, the most populous candidate when it has
    DOMINANT_POPULATION_RATIO times the next one's people. A word ("Reading", "Mobile") needs
    its country in the article.
    """
    countries = {gazetteer.place_country[span.label_] for f in found for span, *_rest in f.accepted
                 if span.label_ in gazetteer.place_country}
    for f in found:
        runs = []
        for start, end, person in f.runs:
            run = f.tokens.doc[start:end]
            options = gazetteer.ambiguous.get(run.text) if not person else None
            choice = None
            if options:
                local = [o for o in options if gazetteer.place_country.get(o[0]) in countries]
                ranked = sorted(options, key=lambda o: -o[1])
                if len(local) == 1:
                    choice = (local[0][0], CONTEXT_SCORE)
                elif (not local and not ranked[0][2]
                      and (len(ranked) == 1 or ranked[0][1] >= DOMINANT_POPULATION_RATIO * max(ranked[1][1], 1))):
                    choice = (ranked[0][0], PRIOR_SCORE)
            if choice is None:
                runs.append((start, end, person))
            else:
                f.accepted.append((Span(f.tokens.doc, start, end, label=choice[0]), "alias", choice[1], "name"))
        f.runs = runs


_NER_WORD = re.compile(r"\S+")
# A name crosses no line, no run of spaces (a table's columns) and no spaced dash (a dateline's).
_NER_BREAK = re.compile(r"\n|\t|\s{2,}|\s[-–—]\s")
_NER_TRIM = "\"'“”‘’.,;:!?()[]-–—•*·|/@+&®™"
# Letters, and the marks names hold ("O'Brien", "AT&T", "St. Louis", "Moneycontrol.com").
# Words joined by at least one mark each, so a failed match backtracks in linear time.
_NER_NAME = re.compile(r"[^\W\d_]+(?:[\s'’.&-]+[^\W\d_]+)*\.?")


def _prose_names(t: _Tokens) -> set[str]:
    """Capitalised words this text writes inside a sentence of prose and never in lower case:
    names wherever they appear ("Obama" in "Michelle Obama Goes Organic")."""
    return {t.text[k] for k in range(t.n) if t.title[k] and k not in t.headline and t.lower[k] not in t.seen_lower
            and not t.starts_sentence(k) and t.sentence_index(k) not in t.headline_sents}


def _ner_name(t: _Tokens, text: str, start: int, end: int, names: set[str]) -> tuple[int, int] | None:
    """The name inside a NER span, or None when it holds none.

    Cut at a line break, a run of spaces or a spaced dash, and after a possessive ("Chris
    Christie's Exit"); leading and trailing words in lower case ("the"), titles and honorifics,
    common words of a heading ("Michelle Obama Goes Organic") and punctuation left out. What
    remains must be letters and name marks only (no digits: "B12"), two letters or more, with a
    capitalised word and no one-letter word but an initial ("Group D", "C and E"). A heading's
    common word stays when `names` (the article's prose names) holds it.
    """
    cut = _NER_BREAK.search(text, start, end)
    end = cut.start() if cut else end
    words = [(start + m.start(), start + m.end()) for m in _NER_WORD.finditer(text[start:end])]
    for k, (a, b) in enumerate(words):
        if text[a:b].endswith(("'s", "’s")):
            words = words[: k + 1]
            break

    def dropped(a: int, b: int) -> bool:
        word = text[a:b].strip(_NER_TRIM)
        if not word[:1].isupper() or word in TITLES or word.rstrip(".") in HONORIFICS:
            return True
        span = t.doc.char_span(a, b, alignment_mode="expand")
        return span is not None and word not in names and any(i in t.headline for i in range(span.start, span.end))

    while words and dropped(*words[0]):
        words.pop(0)
    while words and dropped(*words[-1]):
        words.pop()
    if not words:
        return None
    s, e = words[0][0], words[-1][1]
    if text[s:e].endswith(("'s", "’s")):
        e -= 2
    while e > s and text[e - 1] in _NER_TRIM and not (text[e - 1] == "." and e - s >= 2 and text[e - 2].isupper()):
        e -= 1
    while s < e and text[s] in _NER_TRIM:
        s += 1
    name = text[s:e]
    if _NER_NAME.fullmatch(name) is None or sum(c.isalpha() for c in name) < 2:
        return None
    if " " not in name and name.rstrip(".") in NOT_NAMES | TITLES:
        return None  # "September", "Court" alone
    if any(len(w) == 1 for w in re.split(r"[\s&-]+", name)):
        return None  # "Group D", "C and E" (an initial keeps its full stop: "J. Smith")
    return s, e


def _ner_local_name(t: _Tokens, text: str, start: int, end: int, label: str, names: set[str]) -> bool:
    """A name the model found that no entry lists is a name by general rules, not a word the
    rules already judged: a single capitalised word English uses (stop word, written in lower
    case in this text, or common by Zipf: "Camera", "Damage" at a sentence start) unless the
    article's prose capitalises it (`names`), an
    all-capitals word that is common or stands in a line of capitals ("SUM", "UPS"), a run of
    capitals holding a common word ("CLUB SALES"), or an acronym as a place ("AI" is no country:
    places are in the gazetteer)."""
    span = t.doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    idx = [i for i in range(span.start, span.end) if t.alpha[i]]
    if not idx:
        return False
    if len(idx) == 1:
        i = idx[0]
        if t.caps_word(i):
            shouted = any(0 <= k < t.n and t.caps_word(k) for k in (span.start - 1, span.end))
            return not (t.lower[i] in STOP_WORDS or t.lower[i] in t.seen_lower or shouted or label in PLACE_TYPES)
        return t.text[i] in names or not t.common(i)
    if all(t.upper[i] for i in idx):
        return not any(t.common(i) for i in idx)
    return True


def _ner_listed(surface: str, label: str, gazetteer: Gazetteer) -> str | None:
    """The gazetteer entity a NER name is, when it is one of its names (a dateline's capitals
    too: "NEW YORK") and its type fits the label."""
    listed = gazetteer.plain.get(plain_name(surface))
    if listed is None and surface.isupper():
        listed = gazetteer.plain.get(plain_name(surface.title())) or gazetteer.canonical.get(surface.lower())
    if listed is not None and gazetteer.entities[listed].type in NER_TYPES_FIT[label]:
        return listed
    return None


def _ner_mentions(article_id: str, found: list[_Found], mentions: list[Mention], spans: NerSpans, gazetteer: Gazetteer) -> list[Mention]:
    """The rule mentions, with the NER's type on the local ones its spans hold, and a mention for
    each NER name no rule mention touches: a listed name of a fitting type ('ner+kb'), else a
    local entity by its spelling ('ner'). A lone name that ends exactly one of the article's
    local full names is that person; a lone person's name otherwise stays in its article."""
    surnames: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        if m.link_method == "local" and len(m.surface.split()) > 1:
            surnames[name_key(m.surface.split()[-1])].add(m.entity_id)
    out = list(mentions)
    names = set().union(*(_prose_names(f.tokens) for f in found)) if spans else set()
    for f in found:
        rows = [m for m in out if m.field == f.field]
        added: list[Mention] = []
        for s0, e0, label in spans.get((article_id, f.field), []):
            if label not in NER_LABELS:
                continue
            cut = _ner_name(f.tokens, f.text, s0, e0, names)
            if cut is None:
                continue
            s, e = cut
            touched = [m for m in rows if m.start_char < e and s < m.end_char]
            for m in touched:
                if m.link_method == "local" and s <= m.start_char and m.end_char <= e:
                    m.entity_type = label  # the rules found the name, the model says what it is
            if touched:
                continue
            surface = f.text[s:e]
            span = f.tokens.doc.char_span(s, e, alignment_mode="expand")
            sentence = f.tokens.sentence_index(span.start if span is not None else 0)
            listed = _ner_listed(surface, label, gazetteer)
            if listed is not None:
                entity = gazetteer.entities[listed]
                method = "exact" if surface.lower() == entity.name.lower() else "alias"
                mention = Mention(article_id, listed, surface, s, e, sentence, method, NER_KB_SCORE, f.field, "name", "ner+kb", label)
            else:
                key = name_key(surface)
                if not key or not _ner_local_name(f.tokens, f.text, s, e, label, names):
                    continue
                if " " not in key and len(surnames.get(key, ())) == 1:
                    entity_id = next(iter(surnames[key]))
                elif " " not in key and label == "PERSON":
                    entity_id = local_id(key, scope=article_id)  # never merged across articles by one name
                else:
                    entity_id = local_id(key)
                mention = Mention(article_id, entity_id, surface, s, e, sentence, "local", NER_LOCAL_SCORE, f.field, "name", "ner", label)
            added.append(mention)
            rows.append(mention)
        out.extend(added)
    return sorted(out, key=lambda m: (m.field != "body", m.start_char)) if spans else out


def article_ner_spans(articles: list[Article]) -> NerSpans:
    """The NER's spans in the English articles' bodies and headlines, one `nlp.pipe` over the batch."""
    keys, texts = [], []
    for a in articles:
        if a.language not in LOCAL_LANGUAGES:
            continue  # an English model: elsewhere its guesses are noise
        for name, text in (("body", a.body), ("title", a.title)):
            if text:
                keys.append((a.article_id, name))
                texts.append(text)
    return dict(zip(keys, ner_spans(texts), strict=True))


def find_article_entities(
    article: Article, gazetteer: Gazetteer | None = None, ner: NerSpans | None = None
) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions in an article's body and headline (each with offsets into its own field), local
    entities resolved over both, and the body's candidate names; with `ner` (the NER's spans,
    see article_ner_spans), also the names only the model found, and types."""
    g = gazetteer or load_gazetteer()
    english = article.language in LOCAL_LANGUAGES
    found = [_match_doc(parse(article.body), g, article.body, "body", english, article.language)]
    if article.title:
        found.append(_match_doc(blank_pipeline()(article.title), g, article.title, "title", english, article.language))
    if g.ambiguous:
        _places_in_context(found, g)
    # Capitalisation says "a name" in English; in German every noun is capitalised: elsewhere
    # the unknown names stay candidates, without a local id.
    mentions, candidates = _mentions_and_candidates(article.article_id, found, g, with_locals=english)
    if ner is not None and english:
        mentions = _ner_mentions(article.article_id, found, mentions, ner, g)
    return mentions, candidates


def find_mentions_in_doc(article_id: str, doc: Doc, gazetteer: Gazetteer, text: str | None = None) -> list[Mention]:
    """Mentions of known entities in a parsed body that name an actor: a demonym qualifies a noun
    ("Syrian rebels" are not Syria), so facts do not take it for a speaker or a subject."""
    return [m for m in find_entities_in_doc(article_id, doc, gazetteer, text)[0] if m.mention_kind == "name"]


def find_entities(
    articles: list[Article], fields: tuple[str, ...] = BODY_FIELDS, ner: bool | NerSpans = False
) -> tuple[list[Mention], list[CandidateEntity]]:
    """Mentions (in `fields`: the body's unless asked) and candidate names for a batch of cleaned
    articles; with `ner`, the statistical NER's names too (its spans, when already computed)."""
    gazetteer = load_gazetteer()
    spans: NerSpans | None = None
    if ner is True:
        spans = article_ner_spans(articles)
    elif ner is not False:
        spans = ner
    mentions: list[Mention] = []
    candidates: list[CandidateEntity] = []
    for article in articles:
        m, c = find_article_entities(article, gazetteer, spans)
        mentions.extend(x for x in m if x.field in fields)
        candidates.extend(c)
    return mentions, candidates


def find_mentions(articles: list[Article], fields: tuple[str, ...] = BODY_FIELDS) -> list[Mention]:
    """Mentions for a batch of cleaned articles."""
    return find_entities(articles, fields)[0]


def entity_rows() -> list[Entity]:
    """All gazetteer entities, for loading into the entities table."""
    return list(load_gazetteer().entities.values())


@lru_cache(maxsize=1)
def entity_ids() -> frozenset[str]:
    """The ids a mention or a fact may point at."""
    return frozenset(load_gazetteer().entities)


def warm() -> None:
    """Build the gazetteer and the English word frequencies once per process (workers fork after this)."""
    load_gazetteer()
    entity_ids()
    zipf.warm(("en",))


def entity_check_columns(entities: pd.DataFrame) -> pd.DataFrame:
    """entities rows with check_id_form, check_id_is_wikidata_id, check_place_has_coordinates."""
    out = entities.copy()
    out["check_id_form"] = out["entity_id"].str.fullmatch(r"Q[0-9]+|fw:[a-z0-9_]+")
    out["check_id_is_wikidata_id"] = out["wikidata_id"].isna() | (out["wikidata_id"] == out["entity_id"])
    out["check_place_has_coordinates"] = out["geonames_id"].isna() | (out["latitude"].notna() & out["longitude"].notna())
    return out


def _spans_in_body(frame: pd.DataFrame, articles: list[Article]) -> tuple[list[bool], list[bool]]:
    """Per row: offsets inside the field they point into (the body unless a `field` column says
    'title'), and the surface is that text at those offsets."""
    texts = {(a.article_id, "body"): a.body for a in articles} | {(a.article_id, "title"): a.title or "" for a in articles}
    fields = frame["field"] if "field" in frame.columns else ["body"] * len(frame)
    rows = list(zip(frame["article_id"], fields, frame["start_char"], frame["end_char"], frame["surface"], strict=True))
    inside = [0 <= s < e <= len(texts.get((a, f), "")) for a, f, s, e, _t in rows]
    matches = [texts.get((a, f), "")[s:e] == t for a, f, s, e, t in rows]
    return inside, matches


_LOCAL_ID = re.compile(re.escape(LOCAL_PREFIX) + r"[0-9a-f]{12}")


def is_local_id(entity_id: str) -> bool:
    """An id minted for a name nobody listed (see local_id)."""
    return _LOCAL_ID.fullmatch(entity_id) is not None


def mention_check_columns(mentions: pd.DataFrame, articles: list[Article]) -> pd.DataFrame:
    """stg_mentions rows with check_entity_exists (a gazetteer entity, or a well-formed local id),
    check_offsets_in_body, check_surface_matches_body (both in the row's field)."""
    out = mentions.copy()
    known = entity_ids()
    out["check_entity_exists"] = [e in known or is_local_id(e) for e in out["entity_id"]]
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


def _batch_ner_spans(articles: list[Article]) -> NerSpans | None:
    """The batch's NER spans in one pass; None when the pass fails (each article then runs the
    model alone, so one bad article costs only its own mentions)."""
    try:
        return article_ner_spans(articles)
    except Exception:  # isolated per article below
        return None


@task(name="entities", cache_policy=NO_CACHE)
def entities(batch: Batch, ner: bool = False) -> Batch:
    """Mentions of known entities and candidate names in each body (with `ner`, also the names
    the statistical NER finds), then their checks: a row failing a critical check is kept out,
    and a stage error says so; the article still loads."""
    from tasks.runs import log_stage, monotonic  # the run's log line (issue 15)

    started, n_in = monotonic(), len(batch.articles)
    spans: bool | NerSpans = ner and (_batch_ner_spans(batch.articles) or True)
    done = per_article(batch, "entities", lambda a: find_entities([a], ALL_FIELDS, spans), article_needs_it=False)
    found = [m for _a, (found, _c) in done for m in found]
    batch.candidates = [c for _a, (_m, cands) in done for c in cands]
    kept = keep_checked(batch, "mentions", mention_check_columns(mentions_frame(found), batch.articles), article_level=False)
    keys = set(zip(kept["article_id"], kept["field"], kept["start_char"], strict=True))
    checked = [m for m in found if (m.article_id, m.field, m.start_char) in keys]
    # Later stages (facts' speakers and subjects) read gazetteer names in the body: a demonym
    # qualifies a noun, and a local id is no row of `entities` (the facts suite checks that a
    # speaker is one). stg_mentions holds every checked mention, the headline's too.
    batch.mentions = [m for m in checked if m.field == "body" and m.mention_kind == "name" and m.link_method not in ("local", "ner")]
    batch.tables["stg_mentions"] = kept[kept["field"].isin(STORED_FIELDS)].reset_index(drop=True)
    batch.tables["stg_candidate_entities"] = keep_checked(
        batch, "candidate_entities", candidate_check_columns(candidates_frame(batch.candidates), batch.articles), article_level=False)
    log_stage("entities", batch, n_in, started)
    return batch
