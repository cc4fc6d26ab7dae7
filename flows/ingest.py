"""The ingest flow: files to a checked DuckDB warehouse, batch by batch, batches in parallel."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows.settings import IngestSettings
from flows.workers import release_memory, spawn_means_forkserver, start_up_objects_frozen
from tasks import load as load_mod
from tasks.checks import CheckedBatch, check_gazetteer, checks
from tasks.clean import clean
from tasks.discover import discover, read_batch
from tasks.entities import entities
from tasks.extract import extract
from tasks.facts import facts
from tasks.fetch import fetch, read_url_list
from tasks.load import load
from tasks.models import Quarantined, RawDocument
from tasks.nlp import forget_parses
from tasks.syndication import fingerprint, syndication
from warehouse.db import connect, initialise

T = TypeVar("T")


def even_batches(items: list[T], max_size: int, workers: int) -> Iterator[list[T]]:
    """Chunks of at most `max_size` items, as many as a multiple of `workers` and equal in size
    (within one), so the last round of batches ends on every worker at about the same time:
    1,000 documents on two workers make two batches of 500, not 200+200+200+200+200, where
    one worker would do three."""
    n_batches = -(-len(items) // max_size)
    n_batches = min(-(-n_batches // workers) * workers, len(items))
    start = 0
    for i in range(n_batches):
        size = len(items) // n_batches + (1 if i < len(items) % n_batches else 0)
        yield items[start : start + size]
        start += size


def warm_worker() -> None:
    """Build the per-process resources once, when a worker process starts."""
    from tasks.checks import _context
    from tasks.entities import load_gazetteer
    from tasks.facts import unit_categories
    from tasks.syndication import _lsh_shape

    load_gazetteer()
    unit_categories()
    _lsh_shape()
    _context()


@contextmanager
def api_shared_with_workers() -> Iterator[None]:
    """Point worker processes at this run's Prefect API for the duration of the run.

    With Prefect's ephemeral API the URL lives only in this process; a spawned worker would
    start a temporary server of its own (seconds of start-up and ~230 MB each).
    """
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.client.orchestration import get_client

    os.environ["PREFECT_API_URL"] = str(get_client(sync_client=True).api_url).rstrip("/")
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


class WarmProcessPoolTaskRunner(ProcessPoolTaskRunner):  # type: ignore[type-arg]
    """Prefect's process pool, with workers forked from a warm server process (flows.workers)
    instead of spawned cold: each worker starts in milliseconds with the stages ready."""

    def __enter__(self) -> WarmProcessPoolTaskRunner:
        with spawn_means_forkserver():
            return super().__enter__()  # type: ignore[no-any-return]


def task_runner_for(settings: IngestSettings) -> TaskRunner[Any]:
    """The task runner the settings ask for: both cores by default, or a Dask cluster."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1, "processes": True})
    if settings.task_runner == "thread":
        return ThreadPoolTaskRunner(max_workers=settings.workers)
    return WarmProcessPoolTaskRunner(max_workers=settings.workers, initializer=warm_worker)


@task(name="start-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def start_run(settings: IngestSettings) -> str:
    """Create or upgrade the warehouse and record the run."""
    initialise(settings.db, settings.lock_wait_seconds)
    run_id = str(uuid.uuid4())
    flow_run_id = runtime.flow_run.id
    inputs = " ".join([*settings.paths, *([f"--urls {settings.urls}"] if settings.urls else [])])
    load_mod.start_run_row(settings.db, run_id, str(flow_run_id) if flow_run_id else None, inputs)
    return run_id


@task(name="load-entities", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def load_entities(db: str, checked: tuple[pd.DataFrame, list[dict[str, Any]]]) -> int:
    """Load the checked gazetteer into the entities table, with its check results."""
    frame, dq_rows = checked
    load_mod.insert_dq_rows(db, dq_rows)
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
    load_mod.land_raw_documents(db, run_id, raw, [(d.content_sha256, d.source_uri) for d in docs])
    bad = [d for d in docs if d.error]
    quarantined = [
        Quarantined(d.source_uri, d.content_sha256 or None, "fetch" if d.fetched_at else "discover", d.error or "", d.raw_bytes)
        for d in bad
        if d.content_sha256 not in known
    ]
    bad_ids = {id(d) for d in bad}
    todo: list[RawDocument] = []
    seen = set(known)
    for d in docs:
        if id(d) in bad_ids or d.content_sha256 in seen:
            continue
        seen.add(d.content_sha256)
        todo.append(d)
    return todo, quarantined, len(docs) - len(bad) - len(todo)


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


@task(name="batch", cache_policy=NO_CACHE)
def process_batch(docs: list[RawDocument], run_id: str, index: int) -> CheckedBatch:
    """The per-batch stages, in order, in one worker: each is its own task run, and the batch
    crosses process boundaries once each way instead of once per stage."""
    # quote(): Prefect would otherwise walk every object of the batch looking for futures, twice
    # per stage (measured at 15% of the batch's time); the batch never holds any.
    try:
        batch = extract(quote(docs), run_id, index)
        batch = clean(quote(batch))
        batch = entities(quote(batch))
        batch = facts(quote(batch))
        batch = fingerprint(quote(batch))
        return checks(quote(batch))
    finally:
        forget_parses()  # the batch's spaCy docs: memory bounded by one batch, not the corpus
        release_memory()


@dataclass(slots=True)
class BatchInFlight:
    """One batch moving through the per-batch stages on the task runner."""

    index: int
    n_read: int
    skipped: int
    bad_input: list[Quarantined]
    future: PrefectFuture[CheckedBatch]


def _is_done(future: PrefectFuture[Any]) -> bool:
    wrapped = getattr(future, "wrapped_future", None)
    return bool(wrapped.done()) if wrapped is not None else future.state.is_final()


@flow(name="factwire-ingest", task_runner=WarmProcessPoolTaskRunner(initializer=warm_worker))  # type: ignore[arg-type]  # prefect types runners by future class
def ingest(settings: IngestSettings) -> dict[str, Any]:
    """discover -> extract -> clean -> entities -> facts -> fingerprint -> checks -> load, per batch,
    then syndication across the warehouse.

    The per-batch stages run on the task runner (both cores by default), several batches at
    once; this flow, the only writer, loads each checked batch in one short transaction.
    """
    with api_shared_with_workers(), start_up_objects_frozen():
        return _ingest(settings)


def _ingest(settings: IngestSettings) -> dict[str, Any]:
    logger = get_run_logger()
    # Dask walks tuples itself (quote() is one) and would hand the task the wrapper's contents.
    submit_arg: Any = (lambda value: value) if settings.task_runner == "dask" else quote
    run_id = start_run(settings)
    counts: Counter[str] = Counter()
    in_flight: list[BatchInFlight] = []

    def advance(block: bool) -> None:
        """Load the batches whose stages have finished."""
        while True:
            moved = False
            for item in [b for b in in_flight if _is_done(b.future)]:
                moved = True
                result = item.future.result()
                in_flight.remove(item)
                quarantined = item.bad_input + result.quarantined
                load(settings.db, quote(result.frames), quote(load_mod.quarantine_frame(quarantined, run_id, datetime.now(UTC))), quote(result.dq_rows))
                _count_batch(counts, item.skipped, result, quarantined)
                logger.info("batch %d: %d read, %d loaded, %d quarantined, %d skipped",
                            item.index, item.n_read, len(result.frames["stg_articles"]), len(quarantined), item.skipped)
                del result, quarantined, item
                # A loaded batch leaves reference cycles (pandas, Prefect states) holding its
                # frames: the writer grew ~185 MB per 1,000 pages without this.
                release_memory()
            if moved or not block or not in_flight:
                return
            time.sleep(0.02)

    try:
        files = discover(settings.paths, settings.max_document_bytes)
        urls = list_urls(settings)
        counts["n_discovered"] = len(files) + len(urls)
        load_entities(settings.db, check_gazetteer.submit(run_id).result())
        known = set() if settings.reprocess else known_documents(settings.db)
        fetch_options = settings.fetch.options(settings.max_document_bytes)
        batches: list[tuple[list[Path], list[str]]] = [
            *((b, []) for b in even_batches(files, settings.batch_size, settings.workers)),
            *(([], b) for b in even_batches(urls, settings.batch_size, settings.workers))]
        for index, (batch_files, batch_urls) in enumerate(batches):
            docs = fetch(batch_urls, fetch_options) if batch_urls else read_batch(batch_files, settings.max_document_bytes)
            todo, bad_input, skipped = land_raw(settings.db, run_id, index, quote(docs), quote(known))
            known.update(d.content_sha256 for d in todo)
            in_flight.append(BatchInFlight(index, len(docs), skipped, bad_input, process_batch.submit(submit_arg(todo), run_id, index)))
            advance(block=False)
            while len(in_flight) > settings.workers:  # bound memory: a few batches in flight
                advance(block=True)
        while in_flight:
            advance(block=True)
        linked = syndication(settings.db)
        logger.info("syndication: %s", linked)
    except BaseException as exc:
        finish_run(settings.db, run_id, "failed", dict(counts), f"{type(exc).__name__}: {exc}")
        raise
    return finish_run(settings.db, run_id, "completed", dict(counts))


def run_ingest(settings: IngestSettings) -> dict[str, Any]:
    """Run the ingest flow on the task runner the settings choose."""
    return ingest.with_options(task_runner=task_runner_for(settings))(settings)


def _count_batch(counts: Counter[str], skipped: int, checked: CheckedBatch, quarantined: list[Quarantined]) -> None:
    frames = checked.frames
    counts["n_skipped_known"] += skipped
    counts["n_extracted"] += len(frames["stg_articles"]) + len(checked.rejected)
    counts["n_quarantined"] += len(quarantined)
    counts["n_articles_loaded"] += len(frames["stg_articles"])
    counts["n_boilerplate"] += len(frames["stg_boilerplate"])
    counts["n_mentions"] += len(frames["stg_mentions"])
    counts["n_facts"] += len(frames["stg_facts"])
    counts["n_checks_passed"] += sum(1 for r in checked.dq_rows if r["success"])
    counts["n_checks_failed"] += sum(1 for r in checked.dq_rows if not r["success"])
