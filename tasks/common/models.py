"""Plain records passed between stages: one dataclass per warehouse row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class RawDocument:
    """A document as discovered: bytes exactly as read, before any decoding."""

    source_uri: str
    content_sha256: str
    raw_bytes: bytes
    media_type: str  # text/plain, text/html, application/gzip+html
    size_bytes: int
    fetched_at: datetime | None = None  # when fetched from the web, else None
    error: str | None = None  # a discover-stage failure (unreadable, too large)


@dataclass(slots=True)
class BoilerplateSpan:
    """A span removed from raw_text by the clean stage, kept so nothing is lost."""

    article_id: str
    kind: str  # caption, credit, share, metadata_bar, title, whitespace, ...
    text: str
    start_char: int  # offsets into raw_text
    end_char: int
    rule: str  # name of the rule that removed it


@dataclass(slots=True)
class Article:
    """One article: filled by extract (raw_text, metadata) and clean (body, boilerplate)."""

    article_id: str
    source_uri: str
    content_sha256: str
    media_type: str
    raw_text: str
    title: str | None = None
    author: str | None = None  # several authors separated by "; "
    outlet: str | None = None
    published_at: datetime | None = None  # timezone-aware, UTC
    published_at_text: str | None = None
    published_at_source: str | None = None  # where the date came from and how it was resolved
    published_at_precision: str | None = None  # 'day', 'minute' or 'second': what the page gave; None when unknown
    language: str | None = None
    url: str | None = None
    fetched_at: datetime | None = None
    description: str | None = None  # the page's own summary (HTML metadata)
    summary: str | None = None  # that summary where the page shows it to its reader (the standfirst), as shown
    credited_source: str | None = None  # the wire agency credited for republished copy (AP, Reuters, ...); outlet stays the site
    metadata_sources: dict[str, str] = field(default_factory=dict)  # field -> where it came from ("json-ld", "opengraph", ...)
    body: str = ""
    word_count: int = 0
    boilerplate: list[BoilerplateSpan] = field(default_factory=list)


@dataclass(slots=True)
class Mention:
    """One occurrence of a known entity in an article's clean body."""

    article_id: str
    entity_id: str
    surface: str
    start_char: int  # offsets into body
    end_char: int
    sentence_index: int
    match_method: str  # exact, alias, fuzzy, local
    match_score: float  # 1.0 for exact and alias matches
    field: str = "body"  # the text the offsets point into: 'body' or 'title'
    mention_kind: str = "name"  # 'name', or 'demonym' ("Pakistani" for Pakistan)
    link_method: str = "alias"  # how the id was found: alias, fuzzy, demonym, local; with --ner also ner+kb, ner
    entity_type: str | None = None  # the statistical NER's label where it found the name (--ner), else None


@dataclass(slots=True)
class CandidateEntity:
    """A capitalised name in a clean body that matched no entity: material to grow the gazetteer."""

    article_id: str
    surface: str
    start_char: int  # offsets into body
    end_char: int
    sentence_index: int
    sentence: str  # the sentence it was found in (first 400 characters)


@dataclass(slots=True)
class Fact:
    """One numeric claim in an article's clean body, with what is counted and who says it."""

    fact_id: str
    article_id: str
    value: float
    value_low: float
    value_high: float
    value_text: str
    qualifier: str | None
    unit: str | None
    category: str | None
    action: str | None
    subject_entity_id: str | None
    speaker_entity_id: str | None
    speaker_text: str | None
    polarity: str  # asserted, denied, hypothetical
    sentence: str
    sentence_index: int
    start_char: int  # offsets into body
    end_char: int


@dataclass(slots=True)
class Quarantined:
    """A document a stage could not process, kept whole with the reason."""

    source_uri: str
    content_sha256: str | None
    stage: str
    reason: str
    raw_bytes: bytes | None = None
    raw_text: str | None = None


@dataclass(slots=True)
class StageError:
    """What a stage could not do for an article that still loads: it raised, or a critical
    check kept some of its rows out (n_rows_dropped of them)."""

    article_id: str
    stage: str
    error: str
    n_rows_dropped: int = 0


@dataclass(slots=True)
class Batch:
    """One batch on its way through the stages.

    Each stage reads the records of the stages before it and adds its own; once its output
    passed its suite, the rows go into `tables` (warehouse table name -> DataFrame) for the load.
    """

    run_id: str = ""
    index: int = 0  # position of the batch in the run
    articles: list[Article] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    candidates: list[CandidateEntity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    stage_errors: list[StageError] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)
    dq_rows: list[dict[str, Any]] = field(default_factory=list)

    def for_load(self) -> Batch:
        """Only what the load needs: the checked tables, quarantine, stage errors and check
        results (the records are dropped: they cross back to the writer process)."""
        return Batch(self.run_id, self.index, quarantined=self.quarantined, stage_errors=self.stage_errors,
                     tables=self.tables, dq_rows=self.dq_rows)
