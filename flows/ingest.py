"""The ingest flow: files to a checked DuckDB warehouse, batch by batch."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.settings import IngestSettings
from tasks import load as load_mod
from tasks.checks import check_entities, check_frames, check_raw_documents
from tasks.clean import clean
from tasks.discover import discover, read_batch
from tasks.entities import entities, entity_rows
from tasks.extract import extract
from tasks.facts import facts
from tasks.fetch import fetch, read_url_list
from tasks.load import load
from tasks.models import Article, BatchResult, Quarantined, RawDocument
from tasks.tables import batch_frames
from warehouse.db import connect, initialise

T = TypeVar("T")


def batched(items: list[T], size: int) -> Iterator[list[T]]:
    """Consecutive chunks of at most `size` items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@task(name="start-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def start_run(settings: IngestSettings) -> str:
    """Create or upgrade the warehouse and record the run."""
    initialise(settings.db, settings.lock_wait_seconds)
    run_id = str(uuid.uuid4())
    flow_run_id = runtime.flow_run.id
    inputs = " ".join([*settings.paths, *([f"--urls {settings.urls}"] if settings.urls else [])])
    load_mod.start_run_row(settings.db, run_id, str(flow_run_id) if flow_run_id else None, inputs)
    return run_id


@task(name="refresh-entities", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def refresh_entities(db: str, run_id: str) -> int:
    """Check the gazetteer with its suite and load it into the entities table."""
    frame = pd.DataFrame([asdict(e) for e in entity_rows()])
    ok, dq_rows = check_entities(frame, run_id)
    load_mod.insert_dq_rows(db, dq_rows)
    if not ok:
        raise ValueError("the gazetteer failed a critical expectation; see dq_results (suite 'entities')")
    load_mod.replace_entities(db, frame)
    return len(frame)


@task(name="known-documents", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def known_documents(db: str) -> set[str]:
    """Content hashes already in the warehouse."""
    return load_mod.known_hashes(db)


@task(name="list-urls", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def list_urls(settings: IngestSettings) -> list[str]:
    """URLs from the list file, minus those already landed (unless reprocessing)."""
    if not settings.urls:
        return []
    urls = read_url_list(settings.urls)
    landed = set() if settings.reprocess else load_mod.known_source_uris(settings.db)
    return [u for u in urls if u not in landed]


@task(name="land-raw", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def land_raw(db: str, run_id: str, batch_index: int, docs: list[RawDocument], known: set[str]) -> tuple[list[RawDocument], list[Quarantined], int]:
    """Store raw bytes first; return (documents to process, discover-stage quarantine, skipped)."""
    raw = load_mod.raw_frame(docs, run_id, datetime.now(UTC))
    cleared, dq_rows, rejected = check_raw_documents(raw, run_id, batch_index)
    load_mod.land_raw_documents(db, run_id, cleared, [(d.content_sha256, d.source_uri) for d in docs])
    load_mod.insert_dq_rows(db, dq_rows)
    quarantined = [
        Quarantined(d.source_uri, d.content_sha256 or None, "fetch" if d.fetched_at else "discover",
                    d.error or rejected[d.content_sha256], d.raw_bytes)
        for d in docs
        if (d.error or d.content_sha256 in rejected) and d.content_sha256 not in known
    ]
    bad = {id(d) for d in docs if d.error or d.content_sha256 in rejected}
    todo, seen = [], set(known)
    for d in docs:
        if id(d) in bad or d.content_sha256 in seen:
            continue
        seen.add(d.content_sha256)
        todo.append(d)
    skipped = sum(1 for d in docs if id(d) not in bad) - len(todo)
    return todo, quarantined, skipped


@task(name="checks", cache_policy=NO_CACHE)
def checks(run_id: str, batch_index: int, result: BatchResult) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]], list[Quarantined]]:
    """Run every stage's suite on the batch; critically failing articles go to quarantine."""
    frames = batch_frames(result, run_id, datetime.now(UTC))
    checked = check_frames(frames, run_id, batch_index, {e.entity_id for e in entity_rows()})
    by_id = {a.article_id: a for a in result.articles}
    rejected = [
        Quarantined(by_id[aid].source_uri, by_id[aid].content_sha256, "checks", reason, None, by_id[aid].raw_text)
        for aid, reason in checked.rejected.items()
    ]
    return checked.frames, checked.dq_rows, rejected


@task(name="finish-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def finish_run(db: str, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> dict[str, Any]:
    """Record the run's end and publish its summary, checks and top claims as artifacts."""
    load_mod.finish_run_row(db, run_id, status, counts, error)
    con = connect(db, read_only=True)
    try:
        summary = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).df().to_dict("records")[0]
        dq = con.execute(
            "SELECT stage, suite, expectation, column_name, severity, bool_and(success) AS success, count(*) AS batches "
            "FROM dq_results WHERE run_id = ? GROUP BY ALL ORDER BY stage, suite, expectation", [run_id]
        ).df()
        claims = con.execute(
            "SELECT claim_category, action, value, unit, n_articles, n_independent, outlets FROM claims "
            "ORDER BY n_independent DESC, n_articles DESC LIMIT 10"
        ).df()
        totals = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions), (SELECT count(*) FROM facts), "
            "(SELECT count(DISTINCT entity_id) FROM mentions), (SELECT count(*) FROM quarantine)"
        ).fetchone()
    finally:
        con.close()
    summary = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in summary.items()}
    summary.update(dict(zip(["total_articles", "total_mentions", "total_facts", "total_entities_mentioned", "total_quarantined"], totals or (), strict=False)))
    try:
        create_table_artifact(key="factwire-run-summary", table=[{"metric": k, "value": str(v)} for k, v in summary.items()],
                              description=f"factwire run {run_id}: {status}")
        create_table_artifact(key="factwire-data-quality", table=dq.astype(str).to_dict("records"),
                              description="Great Expectations results per stage (success over all batches)")
        create_table_artifact(key="factwire-top-claims", table=claims.astype(str).to_dict("records"),
                              description="Claims reported by the most independent articles")
    except Exception as exc:  # artifacts are a view on the run; never fail the run over them
        get_run_logger().warning("could not publish artifacts: %s", exc)
    return summary


@flow(name="factwire-ingest")
def ingest(settings: IngestSettings) -> dict[str, Any]:
    """discover -> extract -> clean -> entities -> facts -> checks -> load, per batch."""
    logger = get_run_logger()
    run_id = start_run(settings)
    counts: Counter[str] = Counter()
    try:
        files = discover(settings.paths, settings.max_document_bytes)
        urls = list_urls(settings)
        counts["n_discovered"] = len(files) + len(urls)
        refresh_entities(settings.db, run_id)
        known = set() if settings.reprocess else known_documents(settings.db)
        fetch_options = settings.fetch.options(settings.max_document_bytes)
        batches: list[tuple[list[Path], list[str]]] = [
            *((b, []) for b in batched(files, settings.batch_size)), *(([], b) for b in batched(urls, settings.batch_size))]
        for index, (batch_files, batch_urls) in enumerate(batches):
            docs = fetch(batch_urls, fetch_options) if batch_urls else read_batch(batch_files, settings.max_document_bytes)
            todo, bad_input, skipped = land_raw(settings.db, run_id, index, docs, known)
            articles, unextractable = extract(todo)
            articles = clean(articles)
            mentions = entities(articles)
            found = facts(articles, mentions)
            frames, dq_rows, rejected = checks(run_id, index, BatchResult(articles, mentions, found))
            quarantined = bad_input + unextractable + rejected
            load(settings.db, frames, load_mod.quarantine_frame(quarantined, run_id, datetime.now(UTC)), dq_rows)
            known.update(d.content_sha256 for d in todo)
            _count_batch(counts, skipped, articles, frames, quarantined, dq_rows)
            logger.info("batch %d: %d read, %d loaded, %d quarantined, %d skipped", index, len(docs), len(frames["stg_articles"]), len(quarantined), skipped)
    except Exception as exc:
        finish_run(settings.db, run_id, "failed", dict(counts), f"{type(exc).__name__}: {exc}")
        raise
    return finish_run(settings.db, run_id, "completed", dict(counts))


def _count_batch(counts: Counter[str], skipped: int, articles: list[Article], frames: dict[str, pd.DataFrame],
                 quarantined: list[Quarantined], dq_rows: list[dict[str, Any]]) -> None:
    counts["n_skipped_known"] += skipped
    counts["n_extracted"] += len(articles)
    counts["n_quarantined"] += len(quarantined)
    counts["n_articles_loaded"] += len(frames["stg_articles"])
    counts["n_boilerplate"] += len(frames["stg_boilerplate"])
    counts["n_mentions"] += len(frames["stg_mentions"])
    counts["n_facts"] += len(frames["stg_facts"])
    counts["n_checks_passed"] += sum(1 for r in dq_rows if r["success"])
    counts["n_checks_failed"] += sum(1 for r in dq_rows if not r["success"])

