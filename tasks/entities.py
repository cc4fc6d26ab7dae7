"""Entities stage: find mentions of gazetteer entities in clean bodies, one id per real actor."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from tasks.batch import per_article
from tasks.models import Article, BatchResult, Mention
from tasks.nlp import blank_pipeline, parse

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"


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


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Entities and the phrase matchers built from their aliases."""

    entities: dict[str, Entity]
    exact: PhraseMatcher  # case-sensitive aliases (acronyms such as IS, AP)
    folded: PhraseMatcher  # case-insensitive aliases
    canonical: dict[str, str]  # lower-case canonical name -> entity_id


def _opt(value: str) -> str | None:
    return value.strip() or None


def read_entities(directory: Path = GAZETTEER_DIR) -> dict[str, Entity]:
    """The curated entity list."""
    with (directory / "entities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, Entity] = {}
    for r in rows:
        gid = _opt(r["geonames_id"])
        lat, lon = _opt(r["latitude"]), _opt(r["longitude"])
        out[r["entity_id"]] = Entity(
            r["entity_id"], r["name"], r["type"], _opt(r["wikidata_id"]),
            int(gid) if gid else None, float(lat) if lat else None, float(lon) if lon else None, r["source"],
        )
    return out


def read_aliases(directory: Path = GAZETTEER_DIR) -> list[tuple[str, str, bool]]:
    """(entity_id, alias, case_sensitive) rows."""
    with (directory / "aliases.csv").open(encoding="utf-8") as f:
        return [(r["entity_id"], r["alias"], r["case_sensitive"].strip().lower() == "true") for r in csv.DictReader(f)]


@lru_cache(maxsize=1)
def load_gazetteer(directory: Path = GAZETTEER_DIR) -> Gazetteer:
    """Build the gazetteer and its matchers once per process."""
    nlp = blank_pipeline()
    entities = read_entities(directory)
    exact = PhraseMatcher(nlp.vocab, attr="ORTH")
    folded = PhraseMatcher(nlp.vocab, attr="LOWER")
    for entity_id, alias, case_sensitive in read_aliases(directory):
        if entity_id not in entities:
            raise ValueError(f"alias {alias!r} names unknown entity {entity_id!r}")
        (exact if case_sensitive else folded).add(entity_id, [nlp.make_doc(alias)])
    for e in entities.values():
        folded.add(e.entity_id, [nlp.make_doc(e.name)])
    canonical = {e.name.lower(): e.entity_id for e in entities.values()}
    return Gazetteer(entities, exact, folded, canonical)


def find_mentions_in_doc(article_id: str, doc: Doc, gazetteer: Gazetteer) -> list[Mention]:
    """Longest non-overlapping alias matches in a parsed body."""
    spans: list[Span] = []
    for matcher in (gazetteer.exact, gazetteer.folded):
        for match_id, start, end in matcher(doc):
            spans.append(Span(doc, start, end, label=match_id))
    sentence_starts = [s.start for s in doc.sents]
    mentions: list[Mention] = []
    for span in filter_spans(spans):
        entity_id = span.label_
        # a name glued to a following token without space ("DeirEzzor" in "DeirEzzor24") is not this entity
        sent_index = max(i for i, s in enumerate(sentence_starts) if s <= span.start)
        method = "exact" if span.text.lower() == gazetteer.entities[entity_id].name.lower() else "alias"
        mentions.append(Mention(article_id, entity_id, span.text, span.start_char, span.end_char, sent_index, method, 1.0))
    return mentions


def find_mentions(articles: list[Article]) -> list[Mention]:
    """Mentions for a batch of cleaned articles."""
    gazetteer = load_gazetteer()
    out: list[Mention] = []
    for article in articles:
        out.extend(find_mentions_in_doc(article.article_id, parse(article.body), gazetteer))
    return out


def entity_rows() -> list[Entity]:
    """All gazetteer entities, for loading into the entities table."""
    return list(load_gazetteer().entities.values())


@task(name="entities", cache_policy=NO_CACHE)
def entities(batch: BatchResult) -> BatchResult:
    """Prefect wrapper around find_mentions, isolating per-article failures."""
    done, batch = per_article(batch, "entities", lambda a: find_mentions([a]))
    batch.mentions = [m for _a, found in done for m in found]
    return batch
