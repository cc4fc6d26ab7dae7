"""Load stage: raw bytes landed first, then each checked batch in one transaction, checked again
as stored; the gazetteer into the entities table. Storage itself is warehouse/writer.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from expectations.validate import validate
from tasks.common.frames import (
    STAGE_ERROR_COLUMNS,
    quarantine_frame,
    raw_frame,
    sources_frame,
    stage_errors_frame,
)
from tasks.common.logs import run_logger
from tasks.common.models import Batch, Quarantined, RawDocument
from warehouse import writer
from warehouse.writer import LoadVerdict


@dataclass(slots=True)
class Landed:
    """A batch as landed: the documents to process, the ones quarantined, those already known."""

    index: int
    todo: list[RawDocument]
    quarantined: list[Quarantined]
    n_read: int
    n_skipped: int
    dq_rows: list[dict[str, Any]]


def triage(docs: list[RawDocument], known: set[str]) -> tuple[list[RawDocument], list[Quarantined], int]:
    """(documents to process, quarantine for the unreadable ones, how many were already known).

    A document whose bytes are already loaded (or quarantined) is skipped, and so is a second
    copy of the same bytes within the batch.
    """
    quarantined = [
        Quarantined(d.source_uri, d.content_sha256 or None, "fetch" if d.fetched_at else "discover", d.error or "", d.raw_bytes or None)
        for d in docs
        if d.error and d.content_sha256 not in known
    ]
    todo: list[RawDocument] = []
    seen = set(known)
    for d in docs:
        if d.error or d.content_sha256 in seen:
            continue
        seen.add(d.content_sha256)
        todo.append(d)
    n_bad = sum(1 for d in docs if d.error)
    return todo, quarantined, len(docs) - n_bad - len(todo)


@task(name="known-documents", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def known_documents(db: str, reprocess: bool) -> set[str]:
    """Content hashes that need no work (none when reprocessing)."""
    return set() if reprocess else writer.known_hashes(db)


@task(name="known-sources", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def known_sources(db: str, reprocess: bool) -> set[str]:
    """Sources already landed: a fetched URL is not fetched again (unless reprocessing)."""
    return set() if reprocess else writer.known_source_uris(db)


@task(name="land-raw", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def land_raw(db: str, run_id: str, index: int, read: tuple[list[RawDocument], list[dict[str, Any]]], known: set[str]) -> Landed:
    """Store raw bytes first, then say what is left to process; `known` grows by what is taken."""
    docs, dq_rows = read
    at = datetime.now(UTC)
    writer.land_raw_documents(db, raw_frame(docs, run_id, at), sources_frame(docs, run_id, at))
    todo, quarantined, skipped = triage(docs, known)
    known.update(d.content_sha256 for d in todo)
    return Landed(index, todo, quarantined, len(docs), skipped, dq_rows)


def check_loaded_rows(loaded: pd.DataFrame, run_id: str, batch_index: int) -> LoadVerdict:
    """The loaded_rows suite on a batch's child rows as stored; rows failing it are kept out,
    with a stage error per article saying how many and why."""
    outcome = validate("loaded_rows", loaded.reset_index(drop=True), run_id, batch_index)
    failing = sorted(set(range(len(loaded))) if outcome.rejected_all else outcome.rejected_index)
    rejected = loaded.iloc[failing][["table_name", "article_id", "start_char", "field"]].assign(
        reason=[outcome.reasons.get(i, outcome.reasons.get(-1, "")) for i in failing])
    errors = [
        {"article_id": article_id, "run_id": run_id, "batch_index": batch_index, "stage": "load",
         "error": "; ".join(sorted(set(rows["reason"]))), "n_rows_dropped": len(rows), "occurred_at": datetime.now(UTC)}
        for article_id, rows in rejected.groupby("article_id")
    ]
    return LoadVerdict(outcome.rows, rejected, pd.DataFrame(errors, columns=STAGE_ERROR_COLUMNS))


def batch_frames(batch: Batch, quarantined: list[Quarantined], dq_rows: list[dict[str, Any]], at: datetime) -> dict[str, pd.DataFrame]:
    """What writer.write_batch stores for a processed batch: its tables, its quarantine rows,
    its stage errors and its check results."""
    return {
        **batch.tables,
        "quarantine": quarantine_frame(quarantined, batch.run_id, at),
        "stage_errors": stage_errors_frame(batch.stage_errors, batch.run_id, batch.index, at),
        "dq_results": pd.DataFrame(dq_rows),
    }


@task(name="load", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load(db: str, landed: Landed, batch: Batch) -> dict[str, int]:
    """Write one processed batch (and what was quarantined before it got there) in one
    transaction, checked as stored; returns the batch's counts for the run summary."""
    quarantined = landed.quarantined + batch.quarantined
    checked = landed.dq_rows + batch.dq_rows
    frames = batch_frames(batch, quarantined, checked, datetime.now(UTC))
    verdict = writer.write_batch(db, frames, check=lambda loaded: check_loaded_rows(loaded, batch.run_id, batch.index))
    dq_rows = checked + verdict.dq_rows
    articles = batch.tables.get("stg_articles")
    n_loaded = 0 if articles is None else len(articles)
    run_logger("factwire.load").info("batch %d: %d read, %d loaded, %d quarantined, %d skipped, %d stage errors", batch.index, landed.n_read,
                          n_loaded, len(quarantined), landed.n_skipped, len(batch.stage_errors))
    return {
        "n_read": landed.n_read,
        "n_skipped_known": landed.n_skipped,
        "n_extracted": len(landed.todo) - sum(1 for q in batch.quarantined if q.stage in ("extract", "worker")),
        "n_quarantined": len(quarantined),
        "n_articles_loaded": n_loaded,
        **{f"n_{t.removeprefix('stg_')}": len(batch.tables[t]) - int((verdict.rejected["table_name"] == t).sum())
           for t in ("stg_boilerplate", "stg_mentions", "stg_facts") if t in batch.tables},
        "n_stage_errors": len(batch.stage_errors) + (0 if verdict.stage_errors is None else len(verdict.stage_errors)),
        "n_checks_passed": sum(1 for r in dq_rows if r["success"]),
        "n_checks_failed": sum(1 for r in dq_rows if not r["success"]),
    }


@task(name="load-entities", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def load_entities(db: str, checked: tuple[pd.DataFrame, list[dict[str, Any]]]) -> int:
    """Load the checked gazetteer into the entities table, with its check results."""
    frame, dq_rows = checked
    writer.replace_entities(db, frame, dq_rows)
    return len(frame)
