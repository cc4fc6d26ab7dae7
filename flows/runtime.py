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

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
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
    from tasks.common.models import Batch, RawDocument

log = logging.getLogger("factwire.runtime")
T = TypeVar("T")
R = TypeVar("R")

# Imported by the server before it forks any worker; importing it warms the per-process state.
PRELOAD = ["flows.warm"]


def warm_stages() -> None:
    """Build each stage's per-process state once (gazetteer, units, MinHash permutations, GX suites)."""
    from expectations import validate
    from tasks import clean, entities, facts, fingerprint, stories
    from tasks.common import nlp

    for stage in (nlp, clean, entities, facts, fingerprint, stories):
        stage.warm()
    validate.warm(validate.WORKER_STAGES)


# Set in each pool worker. An environment variable, not a module flag: Prefect sends the task runner
# to the workers pickled by value (cloudpickle), with a copy of this module's globals as they were.
IN_POOL_WORKER = "FACTWIRE_IN_POOL_WORKER"


def start_worker() -> None:
    """Initializer of each pool worker: die with the server it was forked from, warm the stages."""
    os.environ[IN_POOL_WORKER] = "1"
    die_with_parent()
    warm_stages()


# --- children die with their parent ----------------------------------------------------------------

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux; elsewhere a no-op).

    Called in the worker server (whose parent is the `factwire` process) and in every worker
    (whose parent is the server): a SIGKILLed run then leaves no server, no worker still
    computing, and (its pipe closed by all of them) no resource tracker behind. Nothing is lost
    by the kill: the only writer is the parent, and it is gone.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    if os.getppid() == 1:  # the parent died before the request was made
        os._exit(1)


# --- batches ---------------------------------------------------------------------------------


# The smallest batch worth a second round: below it, a batch's fixed costs (its task runs, its
# load transaction and checks) outweigh what the overlap saves.
MIN_ROUND_BATCH = 100


def even_batches(items: list[T], max_size: int, workers: int) -> Iterator[list[T]]:
    """Chunks of at most `max_size` items, as many as a multiple of `workers` and equal in size
    (within one), so the last round of batches ends on every worker at about the same time:
    1,500 documents on two workers make four batches of 375, not 500+500+500, where one worker
    would do two.

    At least two rounds when each batch keeps MIN_ROUND_BATCH items or more: with one round
    (1,000 documents as two batches of 500) the workers wait while the writer reads the first
    batch, and the writer loads every batch after the workers have finished; with two (four of
    250) the first batch is read in half the time and the first round is loaded while the
    second is processed."""
    n_batches = -(-len(items) // max_size)
    if len(items) >= 2 * workers * MIN_ROUND_BATCH:
        n_batches = max(n_batches, 2 * workers)
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


def in_worker(task: Any, *args: Any) -> PrefectFuture[Any]:
    """Run one task in a warm worker while this process goes on (the gazetteer's check: its
    knowledge base and Great Expectations are already built there, seconds of work here)."""
    return cast("PrefectFuture[Any]", task.submit(*(passed(a) for a in args)))


def in_parallel(
    items: Iterable[T],
    submit: Callable[[T], PrefectFuture[R]],
    max_in_flight: int,
    recover: Callable[[T, BaseException], R] | None = None,
    after_last: Callable[[], None] | None = None,
) -> Iterator[tuple[T, R]]:
    """Submit each item as it is produced and yield (item, result) in submission order as results
    arrive. At most `max_in_flight` + 1 items are in flight: `max_in_flight` run and one waits in
    the pool, or a finished one is held for an earlier one (memory is bounded by a few batches,
    not the corpus: at 10,000 pages, allowing twice as many held raised the peak PSS by 0.3 GB).
    Memory is handed back to the system after each result is used.

    Between two batches (and every half second while waiting) a stop asked by SIGINT/SIGTERM is
    honoured (RunCancelled). A result lost to a worker process that died is handed to `recover`
    (when given) instead of failing the run. `after_last` is called once every item has been
    submitted and has finished, before the last result is yielded (the workers are idle then)."""
    in_flight: dict[PrefectFuture[R], T] = {}  # in submission order
    completed: set[int] = set()
    wake = threading.Event()

    def on_done(future: Any) -> None:
        completed.add(id(future))
        wake.set()

    def head_done() -> bool:
        return bool(in_flight) and id(next(iter(in_flight))) in completed

    pending = iter(items)
    exhausted = False

    def top_up() -> None:
        """Submit until max_in_flight + 1 are in flight, so a worker that finishes starts its next
        batch at once, even while this process loads a result."""
        nonlocal exhausted
        while not exhausted and len(in_flight) <= max_in_flight:
            raise_if_stopped()
            item = next(pending, _END)
            if item is _END:
                exhausted = True
                return
            future = submit(cast(T, item))
            in_flight[future] = cast(T, item)
            _when_done(future, on_done)

    top_up()
    while in_flight:
        # A result that comes early waits for those submitted before it: batches load in the
        # same order in every run.
        while not head_done():
            wake.wait(0.5)
            wake.clear()
            raise_if_stopped()
            top_up()
        future = next(iter(in_flight))
        item = in_flight.pop(future)
        completed.discard(id(future))
        top_up()  # the worker that finished takes the next batch before this one is used
        raise_if_stopped()
        result = _result(future, item, recover)
        if after_last is not None and exhausted and not in_flight:
            after_last()
        yield item, result
        del future, item, result
        # A used batch leaves reference cycles (pandas, Prefect states) holding its frames:
        # the writer grew ~185 MB per 1,000 pages without this.
        release_memory()


_END = object()


def in_workers(landed: Iterable[Any], task: Any, run_id: str, workers: int, *options: Any) -> Iterator[tuple[Any, Batch]]:
    """Each landed batch's documents through the per-batch `task` on the flow's task runner,
    `workers` batches at once, as (landed, processed). A batch whose worker process died is run
    again on fresh workers and, if it kills them too, bisected to the document that does
    (process_surviving_crashes): one such page never fails the run. `options` follow the batch's
    index in the task's arguments (the ingest settings a stage reads: `ner`)."""

    def run(landed_batch: Any, docs: list[RawDocument]) -> Batch:
        return cast("Batch", submit_batch(task, docs, run_id, landed_batch.index, *options).result())

    warm_after_first: list[threading.Thread] = []

    def submit(landed_batch: Any) -> PrefectFuture[Any]:
        future = submit_batch(task, landed_batch.todo, run_id, landed_batch.index, *options)
        if not warm_after_first:  # the workers have work: build the writer's checks meanwhile
            warm_after_first.append(warm_writer_in_background())
        return future

    for landed_batch, processed in in_parallel(
        landed, submit, workers,
        recover=lambda b, _crash: process_surviving_crashes(lambda docs: run(b, docs), b.todo),
        after_last=release_workers,
    ):
        warm_languages_in_background(processed)
        yield landed_batch, processed
        del landed_batch, processed  # used: not held here while in_parallel collects it


_WARMED_LANGUAGES: set[str] = set()


def warm_languages_in_background(batch: Batch) -> threading.Thread | None:
    """Read, in a thread, wordfreq's lists for the languages of a processed batch that the
    stories step will weigh words in after the last load (each list 0.1-0.3 s on first use; the
    benchmark's five languages took about 1 s of the run's tail, with the workers done)."""
    from tasks import stories

    frame = batch.tables.get("stg_articles")
    if frame is None or "language" not in frame:
        return None
    new = sorted({str(x) for x in frame["language"].dropna().unique()} - _WARMED_LANGUAGES)
    if not new:
        return None
    _WARMED_LANGUAGES.update(new)

    def warm() -> None:
        try:
            stories.warm(new)
        except Exception as exc:  # a failure shows again, with its context, where the stories step runs
            log.debug("warming word lists failed: %s", exc)

    thread = threading.Thread(target=warm, name="factwire-warm-languages", daemon=True)
    thread.start()
    return thread


def before_first(items: Iterable[T], action: Callable[[], Any]) -> Iterator[T]:
    """The items, with `action` run once before the first is yielded (or at the end when there
    is none): the items' production starts first, so work it waits on (the first batches read,
    landed and submitted) overlaps with whatever `action` waits for."""
    done = False
    for item in items:
        if not done:
            action()
            done = True
        yield item
        del item  # not held while the next is produced (in_parallel collects the used batch then)
    if not done:
        action()


def _when_done(future: Any, callback: Callable[[Any], None]) -> None:
    """Call back once the future is done (Prefect's own completion hook where it has one)."""
    hook = getattr(future, "_add_prefect_done_callback", None) or future.add_done_callback
    hook(callback)


def _result(future: Any, item: T, recover: Callable[[T, BaseException], R] | None) -> R:
    try:
        return cast(R, future.result())
    except Exception as exc:
        if recover is None or not worker_died(exc):
            raise
        log.warning("a worker process died (%s: %s); recovering its batch", type(exc).__name__, exc)
        return recover(item, exc)


# --- a worker that dies ------------------------------------------------------------------------------


def worker_died(exc: BaseException) -> bool:
    """True when a result was lost because its worker process ended (os._exit, a segfault, the
    OOM killer), as opposed to a stage raising."""
    from concurrent.futures import BrokenExecutor

    return isinstance(exc, BrokenExecutor)


def renew_workers() -> None:
    """Replace a broken process pool by fresh workers forked from the warm server (no-op on
    other runners or while the pool is healthy)."""
    runner = _current_runner()
    renew = getattr(runner, "renew_workers", None)
    if renew is not None:
        renew()


def release_workers() -> None:
    """End the pool's worker processes once the last batch is back: after it, the run only loads,
    links and groups stories in this process, and idle workers would hold their memory (0.8-1 GB
    for two at the end of a 10,000-page run, next to the writer's own peak in those steps).
    A no-op on other runners (threads, Dask)."""
    runner = _current_runner()
    release = getattr(runner, "release_workers", None)
    if release is not None:
        release()


def process_surviving_crashes(run: Callable[[list[RawDocument]], Batch], docs: list[RawDocument]) -> Batch:
    """A batch whose worker died: run it again on fresh workers; if it kills that one too, split
    it in halves until the document that kills a worker is alone, and quarantine it with the
    reason. Every other document of the batch is processed as usual."""
    from tasks.common.models import Quarantined

    renew_workers()
    try:
        return run(docs)
    except Exception as exc:
        if not worker_died(exc):
            raise
        renew_workers()
        if len(docs) == 1:
            doc = docs[0]
            log.warning("document %s kills the worker process that processes it: quarantined", doc.source_uri)
            reason = (f"the worker process died while processing this document ({type(exc).__name__}: {exc}); "
                      "it died again on a fresh worker, with this document alone")
            return _merged([], [Quarantined(doc.source_uri, doc.content_sha256 or None, "worker", reason, doc.raw_bytes)])
        half = len(docs) // 2
        parts = [process_surviving_crashes(run, part) for part in (docs[:half], docs[half:])]
        return _merged(parts, [])


def _merged(parts: list[Batch], quarantined: list[Any]) -> Batch:
    """Sub-batches of one batch as one, ready for its single load."""
    import pandas as pd

    from tasks.common.models import Batch

    merged = Batch(parts[0].run_id, parts[0].index) if parts else Batch()
    for part in parts:
        merged.quarantined += part.quarantined
        merged.stage_errors += part.stage_errors
        merged.dq_rows += part.dq_rows
        for table, frame in part.tables.items():
            frames = [f for f in (merged.tables.get(table), frame) if f is not None and len(f)]
            merged.tables[table] = pd.concat(frames, ignore_index=True) if frames else frame
    merged.quarantined += quarantined
    return merged


def _current_runner() -> Any:
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context.task_runner if context is not None else None


# --- SIGINT / SIGTERM: stop at a batch boundary --------------------------------------------------------


class RunCancelled(Exception):
    """A signal asked the run to stop; it stopped between two batches."""


@dataclass(slots=True)
class _StopRequest:
    signal_name: str | None = None


_STOP = _StopRequest()


def stop_requested() -> str | None:
    """The name of the signal that asked the run to stop, if one did."""
    return _STOP.signal_name


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While entered, SIGINT and SIGTERM ask the run to stop at the next batch boundary instead of
    interrupting whatever runs (a load's transaction, a Prefect call, a worker's batch): the
    batch being loaded commits, the workers are stopped at once, and the run ends 'cancelled'.
    A second signal interrupts at once. Only the main thread can take signals; elsewhere this
    does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _STOP.signal_name = None

    def handle(signum: int, _frame: Any) -> None:
        if _STOP.signal_name is not None:
            raise KeyboardInterrupt(f"{signal.Signals(signum).name} received twice: stopping at once")
        _STOP.signal_name = signal.Signals(signum).name
        log.warning("%s received: the run stops after the batch being loaded", _STOP.signal_name)

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def raise_if_stopped() -> None:
    """At a batch boundary: end the run if a signal asked for it (to this process, or to
    `factwire serve` running the flow in a thread: tasks.runs.stop_requested), stopping the
    workers first."""
    from tasks.runs import stop_reason, stop_requested

    reason = f"{_STOP.signal_name} received" if _STOP.signal_name else (stop_reason() if stop_requested() else None)
    if reason is None:
        return
    runner = _current_runner()
    stop_now = getattr(runner, "stop_workers_now", None)
    if stop_now is not None:
        stop_now()
    raise RunCancelled(f"{reason}: the run stopped at a batch boundary; the batches loaded "
                       "before it are committed and the next run loads the rest")


def run_status(exc: BaseException) -> str:
    """How a run that raised ended: 'cancelled' when a signal stopped it (ours, or Prefect's
    TerminationSignal and KeyboardInterrupt when one came before the run took signals over),
    else 'failed'."""
    by_signal = isinstance(exc, RunCancelled | KeyboardInterrupt) or getattr(exc, "signal", None) is not None
    return "cancelled" if by_signal or _STOP.signal_name is not None else "failed"


def describe(exc: BaseException) -> str:
    """An error for runs.error that is never blank (a bare TerminationSignal says nothing)."""
    text = str(exc)
    signum = getattr(exc, "signal", None)
    if signum is not None and text in ("", str(signum)):
        text = f"{signal.Signals(signum).name} received"
    if not text and _STOP.signal_name is not None:
        text = f"{_STOP.signal_name} received"
    return f"{type(exc).__name__}: {text or repr(exc)}"


def after_loads(step: Any, *args: Any) -> tuple[dict[str, Any], str | None]:
    """Run a warehouse-wide step that follows the committed loads (linking). Its failure neither
    undoes nor fails them: returns its counts, or no counts and the error to record on the run.
    What it did not do is still pending (e.g. linked_at NULL), so the next run does it."""
    raise_if_stopped()
    state = step(*args, return_state=True)
    raise_if_stopped()  # a signal during the step is not swallowed: the run ends 'cancelled'
    if state.is_completed():
        return cast("dict[str, Any]", state.result()), None
    exc = state.result(raise_on_failure=False)
    log.error("%s failed after the loads committed; the next run retries it: %s", step.name, exc)
    return {}, f"{step.name} failed (loads committed; the next run retries it): {describe(exc)}"


@contextmanager
def batch_scope() -> Iterator[None]:
    """Around one batch's stages in a worker: one parse per body shared by the stages, and the
    batch's memory handed back when it is done.

    Also collected on entry: the previous batch's pages and result are held by Prefect's task-run
    engine in reference cycles that became garbage only after the previous batch returned (after
    its own collection), so without this a worker carried them through the next batch (two
    batches' pages were alive at the end of a worker's second batch, measured). On the benchmark's
    gzipped pages that is little (worker peak 929-938 against 947-967 MB, two paired runs of
    3,000 pages: within noise); on uncompressed real pages (380 KB on average) it is 95 MB a
    batch of 250."""
    from tasks.common.nlp import shared_parses

    release_memory()
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


# How long idle workers get to exit once the last batch is back before they are killed.
RELEASE_TIMEOUT_S = 30.0
QUEUE_LOCK_WAIT_S = 1.0  # a worker's write of one log message holds the log queue's lock for far less


def _lock_is_free(lock: Any) -> bool:
    """The lock can be taken within QUEUE_LOCK_WAIT_S (no lock at all counts as free)."""
    if lock is None:
        return True
    if not lock.acquire(timeout=QUEUE_LOCK_WAIT_S):
        return False
    lock.release()
    return True


def _end_result_pipe(executor: Any) -> None:
    """Once a pool's workers are dead: close this process's end of the pipe they send results on.

    A worker killed while it was sending a result leaves half a message in that pipe, and the
    pool's manager thread then waits forever for the rest; the process hung at its exit, where
    Python joins that thread (3 of 10 runs of the Ctrl-C test: SIGINT reaches the workers, which
    send their interrupted batches back while the run kills them; 0 of 24 with this). With every writer closed
    the thread reads end-of-file instead, marks the pool broken and ends. Results already in the
    pipe are read before the end-of-file."""
    writer = getattr(getattr(executor, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


# How long a pool may go on not noticing that one of its workers died before it is made to.
DEAD_WORKER_GRACE_S = 5.0


def watch_for_dead_workers(executor: Any, grace: float = DEAD_WORKER_GRACE_S, poll: float = 0.5) -> threading.Thread:
    """Break `executor` (a ProcessPoolExecutor) when a worker died and its manager thread missed it.

    The manager thread notices a dead worker at once, marks the pool broken and fails its futures
    (which the run then recovers, see process_surviving_crashes), unless the worker died while
    sending a result: the manager then waits for the rest of that message, forever, and with it
    the run. A daemon thread watches the workers' sentinels (which close when a process ends,
    without reaping it); when one has ended, the pool is still not broken after `grace` seconds and
    not shutting down, it kills the other workers and closes this process's end of the result pipe
    (_end_result_pipe): the manager reads end-of-file, marks the pool broken and the run goes on.
    """
    from multiprocessing.connection import wait

    def watch() -> None:
        dead_since: float | None = None
        while True:
            time.sleep(poll)
            if getattr(executor, "_broken", False) or getattr(executor, "_shutdown_thread", False):
                return
            processes = list((getattr(executor, "_processes", None) or {}).values())
            if not wait([p.sentinel for p in processes], 0):
                dead_since = None
                continue
            dead_since = dead_since or time.monotonic()
            if time.monotonic() - dead_since < grace:
                continue
            log.warning("a pool worker died and the pool did not notice in %.0f s (it died sending a result): "
                        "ending the pool so its batches are run again", grace)
            for process in processes:
                with contextlib.suppress(Exception):
                    process.kill()
            _end_result_pipe(executor)
            return

    thread = threading.Thread(target=watch, name="factwire-dead-worker-watch", daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=1)
def _warm_pool_class() -> type:
    """Prefect's process pool, with workers forked from the warm server instead of spawned cold
    (a class made on first use: this module does not import Prefect at the top)."""
    from prefect.task_runners import ProcessPoolTaskRunner

    class WarmProcessPoolTaskRunner(ProcessPoolTaskRunner):  # type: ignore[type-arg]
        def __enter__(self) -> WarmProcessPoolTaskRunner:
            if os.environ.get(IN_POOL_WORKER):
                # Prefect enters a copy of the flow's task runner in the worker around every task
                # it runs there (hydrated_context); the stages of a batch never submit, so the copy
                # needs no server. Starting one here cost each worker a second warm server
                # (~5 s of CPU and ~260 MB, measured) on its first batch.
                return super().__enter__()  # type: ignore[no-any-return]
            # started from this thread, not lazily from Prefect's submit thread: the server dies
            # with the thread that started it (die_with_parent), and that thread ends with the pool
            start_worker_server()
            with spawn_means_forkserver():
                entered = super().__enter__()
            watch_for_dead_workers(self._executor)
            return entered  # type: ignore[no-any-return]

        def renew_workers(self) -> None:
            """A fresh pool of warm workers in place of one a dead worker broke."""
            from concurrent.futures import ProcessPoolExecutor

            from prefect.task_runners import _initialize_process_pool_worker

            old = self._executor
            if old is None or not getattr(old, "_broken", False):
                return
            # The dead worker may have died holding the lock of the queue the workers send their
            # logs on; a new worker would then block forever writing to it, and at its exit (the
            # run hung in release_workers, seen once in the test of a killed worker). New workers
            # get a new queue and a new forwarding thread; the old thread stays blocked on the old
            # queue (a daemon; nothing is ever put on that queue again).
            self._subprocess_message_queue = multiprocessing.get_context("spawn").Queue()
            self._message_forwarding_thread = threading.Thread(
                target=self._forward_subprocess_messages, name="ProcessPoolTaskRunnerMessageForwarder", daemon=True)
            self._message_forwarding_thread.start()
            self._executor = ProcessPoolExecutor(
                max_workers=self._max_workers, mp_context=_warm_server(), initializer=_initialize_process_pool_worker,
                initargs=(self._subprocess_message_queue, self._initializer, self._initargs),
            )
            watch_for_dead_workers(self._executor)
            old.shutdown(wait=False, cancel_futures=True)

        def release_workers(self) -> None:
            """Let the idle workers exit (nothing is submitted after this); one that has not exited
            after RELEASE_TIMEOUT_S is killed, so no wedged worker holds the run."""
            executor, self._executor = self._executor, None
            if executor is None:
                return
            processes = list((getattr(executor, "_processes", None) or {}).values())
            executor.shutdown(wait=False)
            deadline = time.monotonic() + RELEASE_TIMEOUT_S
            for process in processes:
                process.join(max(deadline - time.monotonic(), 0))
                if process.is_alive():
                    logging.getLogger("factwire.runtime").warning(
                        "a pool worker (pid %s) had not exited %.0f s after the last batch: killed", process.pid, RELEASE_TIMEOUT_S)
                    process.kill()
                    process.join(5)
                    _end_result_pipe(executor)
            executor.shutdown(wait=True)
            self._abandon_message_queue()  # a no-op unless a worker killed above held the log queue's lock

        def stop_workers_now(self) -> None:
            """Kill the workers (their batches are abandoned) instead of waiting for them to finish."""
            executor, self._executor = self._executor, None
            if executor is None:
                return
            processes = list((getattr(executor, "_processes", None) or {}).values())
            for process in processes:
                process.kill()
            for process in processes:
                process.join(5)
            _end_result_pipe(executor)
            executor.shutdown(wait=False, cancel_futures=True)
            self._abandon_message_queue()

        def _abandon_message_queue(self) -> None:
            """Let go of the queue the killed workers sent their logs on.

            A worker killed while it wrote there holds the queue's lock for good, or left half a
            message in it. Prefect's exit then puts its stop message from a feeder thread that
            waits on that lock. It waits 5 s for its forwarding thread, which never gets the
            message. Then the interpreter's exit joins that feeder thread forever: the Ctrl-C
            run hung after "factwire ingest failed: RunCancelled", twice in CI. As in
            renew_workers, the forwarding thread (a daemon) stays blocked on the old queue.
            When the lock is free, no worker died writing, and Prefect's exit stops the
            forwarding thread as usual, after it has passed on the logs already sent.
            """
            queue = self._subprocess_message_queue
            if queue is None or _lock_is_free(getattr(queue, "_wlock", None)):
                return
            self._subprocess_message_queue = None
            self._message_forwarding_thread = None
            queue.cancel_join_thread()

    return WarmProcessPoolTaskRunner


def warm_pool(max_workers: int | None = None) -> TaskRunner[Any]:
    """The default task runner: one warm worker process per core (or `max_workers`)."""
    return cast("TaskRunner[Any]", _warm_pool_class()(max_workers=max_workers, initializer=start_worker))


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
    """Around a whole run in the main process: workers share its Prefect API, start-up objects
    are kept out of the per-batch collections, and SIGINT/SIGTERM stop the run between batches."""
    with api_shared_with_workers(), start_up_objects_frozen(), stop_on_signals():
        yield


def warm_writer_in_background() -> threading.Thread:
    """Build what this process needs after the first batch (Great Expectations' context and
    suites for the load checks, the stories' word list) in a thread while it waits for the
    workers: seconds of start-up off the critical path. The suites' lock makes a check that
    comes first wait for the warm-up instead of building twice.

    in_workers starts it once the first batch is submitted, not before: importing GX takes the
    GIL and module import locks for seconds, and reading the first batch in the meantime took
    1.9 s instead of 0.3 (measured), with both workers idle."""

    def warm() -> None:
        from expectations import validate
        from tasks import stories

        try:
            validate.warm()
            stories.warm()
        except Exception as exc:  # a warm-up failure shows again, with its context, where the work is done
            log.debug("warming the writer failed: %s", exc)

    thread = threading.Thread(target=warm, name="factwire-warm-writer", daemon=True)
    thread.start()
    return thread


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
