"""The parallel batch machinery behind the ingest flow: batches planned across the workers, a pool
of worker processes forked warm from one server, batches streamed through it with a bounded
number in flight, and memory handed back after each batch.

Prefect's ProcessPoolTaskRunner spawns each worker as a fresh interpreter, which then imports
the stages (spaCy, Great Expectations, trafilatura, pandas) and builds the gazetteer and the
expectation suites: about 8 s of CPU per worker, measured, repeated for every worker of every
run. Here the workers are forked from a multiprocessing "forkserver" that did that work once,
before any thread was started; `start_worker_server()` launches it at the very start of the
command, so it warms up while the main process is still importing.

The top of this module stays light (no prefect, no stages): the CLI imports it before
anything heavy; what needs Prefect is imported inside the functions that use it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import forkserver
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from prefect.futures import PrefectFuture
    from prefect.task_runners import TaskRunner

    from flows.settings import IngestSettings

T = TypeVar("T")
R = TypeVar("R")

# Imported by the server before it forks any worker; importing it warms the per-process state.
PRELOAD = ["flows.warm"]


def warm_stages() -> None:
    """Build each stage's per-process state once (gazetteer, units, MinHash permutations, GX suites)."""
    from expectations import validate
    from tasks import clean, entities, facts, fingerprint, stories
    from tasks.common import nlp

    for stage in (nlp, clean, entities, facts, fingerprint, stories, validate):
        stage.warm()


# --- batches ---------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """One batch to read: files from disk or URLs to fetch, and its position in the run."""

    index: int
    files: list[Path] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


def plan_batches(files: list[Path], urls: list[str], max_size: int, workers: int) -> list[BatchPlan]:
    """Files then URLs, in even batches across the workers."""
    chunks: list[tuple[list[Path], list[str]]] = [
        *((b, []) for b in even_batches(files, max_size, workers)),
        *(([], b) for b in even_batches(urls, max_size, workers)),
    ]
    return [BatchPlan(i, f, u) for i, (f, u) in enumerate(chunks)]


def passed(value: T) -> T:
    """A task argument handed over as it is: Prefect would otherwise walk every object of a
    batch looking for futures, twice per stage (measured at 15% of a batch's time)."""
    from prefect.utilities.annotations import quote

    return cast(T, quote(value))


def submit_batch(task: Any, batch: Any, *args: Any) -> PrefectFuture[Any]:
    """Submit a per-batch task on the flow's task runner, the batch passed as it is."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    on_dask = context is not None and type(context.task_runner).__name__ == "DaskTaskRunner"
    # Dask walks tuples itself (quote() is one) and would hand the task the wrapper's contents.
    return cast("PrefectFuture[Any]", task.submit(batch if on_dask else passed(batch), *args))


def in_parallel(items: Iterable[T], submit: Callable[[T], PrefectFuture[R]], max_in_flight: int) -> Iterator[tuple[T, R]]:
    """Submit each item as it is produced and yield (item, result) as results arrive, with at most
    `max_in_flight` submitted and unfinished: memory is bounded by a few batches, not the corpus.
    Memory is handed back to the system after each result is used."""
    from prefect.futures import as_completed, wait

    in_flight: dict[PrefectFuture[R], T] = {}

    def finished(block: bool) -> Iterator[tuple[T, R]]:
        done = {next(as_completed(list(in_flight)))} if block else set()
        done |= wait(list(in_flight), timeout=0).done
        for future in [f for f in in_flight if f in done]:  # in submission order
            item = in_flight.pop(future)
            yield item, future.result()
            del future, item
            # A used batch leaves reference cycles (pandas, Prefect states) holding its frames:
            # the writer grew ~185 MB per 1,000 pages without this.
            release_memory()

    for item in items:
        in_flight[submit(item)] = item
        yield from finished(block=False)
        while len(in_flight) > max_in_flight:
            yield from finished(block=True)
    while in_flight:
        yield from finished(block=True)


@contextmanager
def batch_scope() -> Iterator[None]:
    """Around one batch's stages in a worker: one parse per body shared by the stages, and the
    batch's memory handed back when it is done."""
    from tasks.common.nlp import shared_parses

    try:
        with shared_parses():
            yield
    finally:
        release_memory()


# --- the warm worker pool ----------------------------------------------------------------------


def _warm_server() -> multiprocessing.context.ForkServerContext:
    """The forkserver context, with the warm-up module in its preload list."""
    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload(PRELOAD)
    return server


def start_worker_server() -> None:
    """Start the warm server now (idempotent); workers started later fork from it."""
    _warm_server()
    forkserver.ensure_running()


@contextmanager
def spawn_means_forkserver() -> Iterator[None]:
    """While entered, multiprocessing.get_context("spawn") returns the forkserver context.

    Prefect's ProcessPoolTaskRunner asks for "spawn" by name when it builds its pool and queue;
    everything else about the runner stays Prefect's.
    """
    server = _warm_server()
    real = multiprocessing.get_context

    def get_context(method: str | None = None) -> Any:
        return server if method == "spawn" else real(method)

    multiprocessing.get_context = get_context  # type: ignore[assignment]
    try:
        yield
    finally:
        multiprocessing.get_context = real  # type: ignore[assignment]


@lru_cache(maxsize=1)
def _warm_pool_class() -> type:
    """Prefect's process pool, with workers forked from the warm server instead of spawned cold
    (a class made on first use: this module does not import Prefect at the top)."""
    from prefect.task_runners import ProcessPoolTaskRunner

    class WarmProcessPoolTaskRunner(ProcessPoolTaskRunner):  # type: ignore[type-arg]
        def __enter__(self) -> WarmProcessPoolTaskRunner:
            with spawn_means_forkserver():
                return super().__enter__()  # type: ignore[no-any-return]

    return WarmProcessPoolTaskRunner


def warm_pool(max_workers: int | None = None) -> TaskRunner[Any]:
    """The default task runner: one warm worker process per core (or `max_workers`)."""
    return cast("TaskRunner[Any]", _warm_pool_class()(max_workers=max_workers, initializer=warm_stages))


def task_runner_for(settings: IngestSettings) -> TaskRunner[Any]:
    """The task runner the settings ask for: both cores by default, threads, or a Dask cluster."""
    from prefect.task_runners import ThreadPoolTaskRunner

    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1, "processes": True})
    if settings.task_runner == "thread":
        return ThreadPoolTaskRunner(max_workers=settings.workers)
    return warm_pool(settings.workers)


@contextmanager
def run_context() -> Iterator[None]:
    """Around a whole run in the main process: workers share its Prefect API, and start-up
    objects are kept out of the per-batch collections."""
    with api_shared_with_workers(), start_up_objects_frozen():
        yield


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


# --- memory ---------------------------------------------------------------------------------------


@contextmanager
def start_up_objects_frozen() -> Iterator[None]:
    """While entered, the collector skips every object that exists on entry (modules, caches):
    the per-batch collections of release_memory() then walk only what the run creates."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # and collect now: DuckDB's bindings report objects still alive at exit
        gc.collect()


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_memory() -> None:
    """After a batch: collect its reference cycles and hand freed heap pages back to the system.

    A batch is few Python objects holding much memory (pages, parses, frames), so the collector's
    own thresholds rarely fire, and glibc keeps freed memory in the process unless asked.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
