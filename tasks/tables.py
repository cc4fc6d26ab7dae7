"""Stage outputs as DataFrames shaped like the warehouse tables, shared by checks and load."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime

import pandas as pd

from tasks.models import Article, BatchResult, BoilerplateSpan, CandidateEntity, Fact, Mention

ARTICLE_COLUMNS = [
    "article_id", "content_sha256", "source_uri", "media_type", "url", "outlet", "title", "author",
    "published_at", "published_at_text", "published_at_source", "language", "body", "raw_text",
    "word_count", "duplicate_of", "fetched_at", "run_id", "ingested_at",
    "published_at_precision", "credited_source", "metadata_sources",
]
BOILERPLATE_COLUMNS = [f.name for f in fields(BoilerplateSpan)]
MENTION_COLUMNS = [f.name for f in fields(Mention)]
FACT_COLUMNS = [f.name for f in fields(Fact)]
CANDIDATE_COLUMNS = [f.name for f in fields(CandidateEntity)]


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def articles_frame(articles: list[Article], run_id: str, ingested_at: datetime) -> pd.DataFrame:
    """stg_articles rows."""
    rows = [
        {
            "article_id": a.article_id, "content_sha256": a.content_sha256, "source_uri": a.source_uri,
            "media_type": a.media_type, "url": a.url, "outlet": a.outlet, "title": a.title,
            "author": a.author, "published_at": a.published_at, "published_at_text": a.published_at_text,
            "published_at_source": a.published_at_source, "language": a.language, "body": a.body,
            "raw_text": a.raw_text, "word_count": a.word_count, "duplicate_of": None,
            "fetched_at": a.fetched_at, "run_id": run_id, "ingested_at": ingested_at,
            "published_at_precision": a.published_at_precision, "credited_source": a.credited_source,
            "metadata_sources": json.dumps(a.metadata_sources, sort_keys=True) if a.metadata_sources else None,
        }
        for a in articles
    ]
    frame = _frame(rows, ARTICLE_COLUMNS)
    for col in ("published_at", "fetched_at", "ingested_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def batch_frames(batch: BatchResult, run_id: str, ingested_at: datetime) -> dict[str, pd.DataFrame]:
    """All staging tables of one batch, keyed by table name."""
    frames = {
        "stg_articles": articles_frame(batch.articles, run_id, ingested_at),
        "stg_boilerplate": _frame(
            [{c: getattr(b, c) for c in BOILERPLATE_COLUMNS} for a in batch.articles for b in a.boilerplate],
            BOILERPLATE_COLUMNS,
        ),
        "stg_mentions": _frame([{c: getattr(m, c) for c in MENTION_COLUMNS} for m in batch.mentions], MENTION_COLUMNS),
        "stg_facts": _frame([{c: getattr(f, c) for c in FACT_COLUMNS} for f in batch.facts], FACT_COLUMNS),
        "stg_candidate_entities": _frame(
            [{c: getattr(k, c) for c in CANDIDATE_COLUMNS} for k in batch.candidates], CANDIDATE_COLUMNS
        ),
    }
    if batch.fingerprints is not None:
        frames["article_fingerprints"] = batch.fingerprints
        frames["sentence_bands"] = batch.sentence_bands
    return frames
