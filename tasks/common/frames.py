"""Records as DataFrames shaped like the warehouse tables they are loaded into."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

import pandas as pd

from tasks.common.models import (
    Article,
    BoilerplateSpan,
    CandidateEntity,
    Fact,
    Mention,
    Quarantined,
    RawDocument,
    StageError,
)

ARTICLE_COLUMNS = [
    "article_id", "content_sha256", "source_uri", "media_type", "url", "outlet", "title", "author",
    "published_at", "published_at_text", "published_at_source", "language", "body", "raw_text",
    "word_count", "fetched_at", "run_id", "ingested_at",
    "published_at_precision", "credited_source", "metadata_sources", "summary",
]
BOILERPLATE_COLUMNS = [f.name for f in fields(BoilerplateSpan)]
MENTION_COLUMNS = [f.name for f in fields(Mention)]
FACT_COLUMNS = [f.name for f in fields(Fact)]
CANDIDATE_COLUMNS = [f.name for f in fields(CandidateEntity)]
QUARANTINE_COLUMNS = ["quarantine_id", "run_id", "source_uri", "content_sha256", "stage", "reason", "raw_bytes", "raw_text", "quarantined_at"]
RAW_COLUMNS = ["content_sha256", "raw_bytes", "media_type", "size_bytes", "first_source_uri", "fetched_at", "landed_at", "run_id"]
SOURCE_COLUMNS = ["content_sha256", "source_uri", "first_seen_at", "run_id"]
STAGE_ERROR_COLUMNS = ["article_id", "run_id", "batch_index", "stage", "error", "n_rows_dropped", "occurred_at"]


def records_frame(records: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    """Rows of dataclass records, one column per field named."""
    return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in records], columns=columns)


def articles_frame(articles: list[Article], run_id: str, ingested_at: datetime) -> pd.DataFrame:
    """stg_articles rows."""
    rows = [
        {
            "article_id": a.article_id, "content_sha256": a.content_sha256, "source_uri": a.source_uri,
            "media_type": a.media_type, "url": a.url, "outlet": a.outlet, "title": a.title,
            "author": a.author, "published_at": a.published_at, "published_at_text": a.published_at_text,
            "published_at_source": a.published_at_source, "language": a.language, "body": a.body,
            "raw_text": a.raw_text, "word_count": a.word_count, "fetched_at": a.fetched_at,
            "run_id": run_id, "ingested_at": ingested_at,
            "published_at_precision": a.published_at_precision, "credited_source": a.credited_source,
            "metadata_sources": json.dumps(a.metadata_sources, sort_keys=True) if a.metadata_sources else None,
            "summary": a.summary,
        }
        for a in articles
    ]
    frame = pd.DataFrame(rows, columns=ARTICLE_COLUMNS)
    for col in ("published_at", "fetched_at", "ingested_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def boilerplate_frame(articles: list[Article]) -> pd.DataFrame:
    """stg_boilerplate rows: every span the clean stage removed."""
    return records_frame((b for a in articles for b in a.boilerplate), BOILERPLATE_COLUMNS)


def mentions_frame(mentions: list[Mention]) -> pd.DataFrame:
    """stg_mentions rows."""
    return records_frame(mentions, MENTION_COLUMNS)


def candidates_frame(candidates: list[CandidateEntity]) -> pd.DataFrame:
    """stg_candidate_entities rows."""
    return records_frame(candidates, CANDIDATE_COLUMNS)


def facts_frame(facts: list[Fact]) -> pd.DataFrame:
    """stg_facts rows."""
    return records_frame(facts, FACT_COLUMNS)


def quarantine_frame(items: list[Quarantined], run_id: str, at: datetime) -> pd.DataFrame:
    """quarantine rows; the id is stable per run, document and stage."""
    rows = [
        {
            "quarantine_id": hashlib.sha256(f"{run_id}:{q.source_uri}:{q.content_sha256}:{q.stage}".encode()).hexdigest()[:16],
            "run_id": run_id, "source_uri": q.source_uri, "content_sha256": q.content_sha256,
            "stage": q.stage, "reason": q.reason, "raw_bytes": q.raw_bytes, "raw_text": q.raw_text,
            "quarantined_at": at,
        }
        for q in items
    ]
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)


def stage_errors_frame(errors: list[StageError], run_id: str, batch_index: int, at: datetime) -> pd.DataFrame:
    """stage_errors rows."""
    rows = [{"article_id": e.article_id, "run_id": run_id, "batch_index": batch_index, "stage": e.stage,
             "error": e.error, "n_rows_dropped": e.n_rows_dropped, "occurred_at": at} for e in errors]
    return pd.DataFrame(rows, columns=STAGE_ERROR_COLUMNS)


def raw_frame(docs: list[RawDocument], run_id: str, at: datetime) -> pd.DataFrame:
    """raw_documents rows for documents that were read whole."""
    rows = [
        {
            "content_sha256": d.content_sha256, "raw_bytes": d.raw_bytes, "media_type": d.media_type,
            "size_bytes": d.size_bytes, "first_source_uri": d.source_uri, "fetched_at": d.fetched_at,
            "landed_at": at, "run_id": run_id,
        }
        for d in docs
        if d.error is None and d.content_sha256
    ]
    frame = pd.DataFrame(rows, columns=RAW_COLUMNS).drop_duplicates("content_sha256")
    frame["fetched_at"] = pd.to_datetime(frame["fetched_at"], utc=True)
    return frame


def sources_frame(docs: list[RawDocument], run_id: str, at: datetime) -> pd.DataFrame:
    """raw_sources rows: where each document was seen."""
    rows = [{"content_sha256": d.content_sha256, "source_uri": d.source_uri, "first_seen_at": at, "run_id": run_id}
            for d in docs if d.content_sha256]
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS).drop_duplicates(["content_sha256", "source_uri"])
