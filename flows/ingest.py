"""The ingest flow: files or URLs to a checked DuckDB warehouse, batch by batch, batches in parallel.

Per batch, in a worker: extract -> clean -> entities -> facts -> fingerprint, each stage checking
its own output with its suite (expectations/). In this process, the only writer: discover,
land the raw bytes, load each processed batch (checked again as stored), then link across the
warehouse. The parallel machinery is flows/runtime.py; storage is warehouse/.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import runtime
from flows.runtime import BatchPlan, passed
from flows.settings import IngestSettings
from tasks.clean import clean
from tasks.common.models import Batch, RawDocument
from tasks.discover import discover, read_batch
from tasks.entities import check_gazetteer, entities
from tasks.extract import extract
from tasks.facts import facts
from tasks.fetch import fetch, list_urls
from tasks.fingerprint import fingerprint
from tasks.link import link
from tasks.load import Landed, known_documents, known_sources, land_raw, load, load_entities
from tasks.runs import finish_run, report_progress, start_run
from tasks.stories import group_stories


@task(name="batch", cache_policy=NO_CACHE)
def process_batch(docs: list[RawDocument], run_id: str, index: int, ner: bool = False) -> Batch:
    """The per-batch stages, in order, in one worker: each is its own task run, and the batch
    crosses process boundaries once each way instead of once per stage."""
    with runtime.batch_scope():
        batch = extract(passed(docs), run_id, index)
        batch = clean(passed(batch))
        batch = entities(passed(batch), ner)
        batch = facts(passed(batch))
        batch = fingerprint(passed(batch))
        return batch.for_load()


def read(plan: BatchPlan, settings: IngestSettings, run_id: str) -> tuple[list[RawDocument], list[dict[str, Any]]]:
    """One planned batch's documents, fetched or read from disk, with the discover checks."""
    if plan.urls:
        return fetch(plan.urls, settings.fetch.options(settings.max_document_bytes), run_id, plan.index)
    return read_batch(plan.files, settings.max_document_bytes, run_id, plan.index, settings.paths)


@flow(name="factwire-ingest", task_runner=runtime.warm_pool())  # type: ignore[arg-type]  # prefect types runners by future class
def ingest(settings: IngestSettings) -> dict[str, Any]:
    """discover -> land raw -> [extract -> clean -> entities -> facts -> fingerprint] -> load, per
    batch, then link across the warehouse and put new articles into stories."""
    db = settings.db
    run_id = start_run(db, settings.inputs(), settings.lock_wait_seconds)
    counts: Counter[str] = Counter()
    try:
        with runtime.run_context():
            gazetteer = runtime.in_worker(check_gazetteer, run_id)
            known = known_documents(db, settings.reprocess)
            files = discover(settings.paths)
            urls = list_urls(settings.urls, known_sources(db, settings.reprocess))
            counts["n_discovered"] = len(files) + len(urls)
            plans = runtime.plan_batches(files, urls, settings.batch_size, settings.workers)
            landed = (land_raw(db, run_id, plan.index, read(plan, settings, run_id), known) for plan in plans)
            batches = runtime.in_workers(landed, process_batch, run_id, settings.workers, settings.ner)
            # the first batches are read and handed to the workers while the gazetteer is checked
            for batch_landed, processed in runtime.before_first(batches, lambda: load_entities(db, gazetteer.result())):
                counts.update(load(db, batch_landed, processed))
                report_progress(run_id, counts)
                del batch_landed, processed  # the batch is freed (or collected) before the next arrives
            link_counts, link_error = runtime.after_loads(link, db, run_id)
            counts.update(link_counts)
            story_counts, story_error = runtime.after_loads(group_stories, db, run_id)
            counts.update(story_counts)
    except BaseException as exc:
        finish_run(db, run_id, runtime.run_status(exc), dict(counts), runtime.describe(exc))
        raise
    error = "; ".join(e for e in (link_error, story_error) if e) or None
    return finish_run(db, run_id, "link_failed" if error else "completed", dict(counts), error)


def run_ingest(settings: IngestSettings) -> dict[str, Any]:
    """Run the ingest flow on the task runner the settings choose."""
    return ingest.with_options(task_runner=runtime.task_runner_for(settings))(settings)


__all__ = ["Landed", "ingest", "process_batch", "run_ingest"]
