"""flows/runtime.py: batches planned evenly, streamed with a bound on batches in flight, warm
workers; and the same seeds give the same tables on every task runner: process pool, threads, Dask."""

from __future__ import annotations

import duckdb
import pandas as pd
import psutil
import pytest
from prefect import flow, task

from flows.ingest import run_ingest
from flows.runtime import even_batches, in_parallel, plan_batches, task_runner_for
from flows.settings import IngestSettings

from .conftest import SEEDS

pytestmark = pytest.mark.usefixtures("prefect_harness")

SNAPSHOT_QUERIES = {
    "articles": "SELECT article_id, title, outlet, body FROM articles ORDER BY 1",
    "boilerplate": "SELECT article_id, start_char, end_char, kind FROM boilerplate ORDER BY 1, 2",
    "mentions": "SELECT article_id, start_char, entity_id FROM mentions ORDER BY 1, 2",
    "facts": "SELECT fact_id, value, unit, speaker_text, polarity FROM facts ORDER BY 1",
}


def _snapshot(db) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in SNAPSHOT_QUERIES.items()}
    finally:
        con.close()


def test_runner_choice():
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(task_runner_for(IngestSettings()), ProcessPoolTaskRunner)
    assert isinstance(task_runner_for(IngestSettings(task_runner="thread")), ThreadPoolTaskRunner)
    remote = task_runner_for(IngestSettings(task_runner="dask", dask_address="tcp://127.0.0.1:8786"))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://127.0.0.1:8786"


def test_dask_local_cluster_matches_default_runner(tmp_path):
    default_db, dask_db, thread_db = tmp_path / "default.duckdb", tmp_path / "dask.duckdb", tmp_path / "thread.duckdb"
    run_ingest(IngestSettings(paths=[str(SEEDS)], db=str(default_db), batch_size=2))
    summary = run_ingest(IngestSettings(paths=[str(SEEDS)], db=str(dask_db), batch_size=2, task_runner="dask", workers=2))
    run_ingest(IngestSettings(paths=[str(SEEDS)], db=str(thread_db), batch_size=2, task_runner="thread"))
    assert summary["status"] == "completed" and summary["n_articles_loaded"] == 5
    expected = _snapshot(default_db)
    assert all(expected[name] for name in SNAPSHOT_QUERIES)
    assert _snapshot(dask_db) == expected
    assert _snapshot(thread_db) == expected


@task
def _worker_facts() -> tuple[bool, int]:
    """Whether this worker was forked from the warm server (stages already imported), and its parent."""
    import os
    import sys

    return "flows.warm" in sys.modules, os.getppid()


@flow(name="factwire-test-warm-workers")
def _warm_workers_flow() -> list[tuple[bool, int]]:
    return [f.result() for f in [_worker_facts.submit() for _ in range(2)]]


def test_default_workers_are_forked_warm_from_the_server():
    import os

    from flows.runtime import _warm_pool_class

    runner = task_runner_for(IngestSettings(workers=2))
    assert isinstance(runner, _warm_pool_class())
    facts = _warm_workers_flow.with_options(task_runner=runner)()
    assert all(preloaded for preloaded, _ in facts)  # imported and warmed before the fork
    assert all(parent != os.getpid() for _, parent in facts)  # children of the server, not of us


def test_spawn_means_forkserver_only_while_entered():
    import multiprocessing

    from flows.runtime import spawn_means_forkserver

    with spawn_means_forkserver():
        assert multiprocessing.get_context("spawn").get_start_method() == "forkserver"
        assert multiprocessing.get_context("fork").get_start_method() == "fork"
    assert multiprocessing.get_context("spawn").get_start_method() == "spawn"


def test_even_batches_end_together_on_every_worker():
    def sizes(n: int, max_size: int, workers: int) -> list[int]:
        return [len(b) for b in even_batches(list(range(n)), max_size, workers)]

    assert sizes(1500, 500, 2) == [375] * 4  # not 500, 500, 500 with one worker idle at the end
    assert sizes(2001, 500, 2) == [334, 334, 334, 333, 333, 333]
    # two rounds while a batch keeps 100 documents: the writer reads and loads while workers work
    assert sizes(1000, 500, 2) == [250] * 4 and sizes(1001, 500, 2) == [251, 250, 250, 250]
    assert sizes(400, 500, 2) == [100] * 4 and sizes(399, 500, 2) == [200, 199]
    assert sizes(10_000, 500, 2) == [500] * 20
    assert sizes(5, 500, 2) == [3, 2] and sizes(1, 500, 2) == [1] and sizes(0, 500, 2) == []
    assert sizes(7, 3, 1) == [3, 2, 2]
    items = list(range(10_007))
    assert [x for b in even_batches(items, 500, 2) for x in b] == items  # every item once, in order


def test_plan_numbers_file_batches_then_url_batches():
    from pathlib import Path

    plans = plan_batches([Path(f"{i}.txt") for i in range(5)], ["http://a/1", "http://a/2"], 2, 1)
    assert [p.index for p in plans] == [0, 1, 2, 3]
    assert [len(p.files) for p in plans] == [2, 2, 1, 0] and plans[-1].urls == ["http://a/1", "http://a/2"]


@task
def _square_slowly(x: int) -> int:
    import time

    time.sleep(0.05 * (x % 3))
    return x * x


@flow(name="factwire-test-in-parallel")
def _in_parallel_flow(n: int, limit: int) -> tuple[list[tuple[int, int]], int]:
    produced: list[int] = []
    most_ahead = 0

    def items():
        for x in range(n):
            produced.append(x)
            yield x

    out = []
    for item, result in in_parallel(items(), _square_slowly.submit, limit):
        most_ahead = max(most_ahead, len(produced) - len(out))
        out.append((item, result))
    return out, most_ahead


def test_in_parallel_yields_every_result_once_with_a_bounded_number_in_flight():
    from prefect.task_runners import ThreadPoolTaskRunner

    out, most_ahead = _in_parallel_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=3))(12, 2)
    assert out == [(x, x * x) for x in range(12)]  # every result once, in submission order
    assert most_ahead <= 2 + 2  # the one handed over, and `limit` + 1 in flight (one waiting or held for an earlier one)



@flow(name="factwire-test-in-parallel-end")
def _in_parallel_end_flow(n: int) -> tuple[list[int], list[tuple[int, bool]]]:
    futures: list = []
    out: list[int] = []
    calls: list[tuple[int, bool]] = []

    def submit(x: int):
        futures.append(_square_slowly.submit(x))
        return futures[-1]

    def after_last() -> None:
        calls.append((len(out), all(f.state.is_final() for f in futures)))

    for _item, result in in_parallel(range(n), submit, 2, after_last=after_last):
        out.append(result)
    return out, calls


def test_in_parallel_calls_after_last_once_when_every_item_is_done():
    """after_last runs once, when every item has finished and before the last result is handed
    over (the workers are idle then: ingest lets them exit there)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    out, calls = _in_parallel_end_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(5)
    assert out == [x * x for x in range(5)] and calls == [(4, True)]
    assert _in_parallel_end_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(0) == ([], [])


def test_a_batch_starts_after_the_previous_batchs_garbage_is_collected():
    """What the previous batch left in reference cycles (Prefect holds a task run's parameters and
    result in them) is freed before the next batch's stages allocate theirs."""
    import weakref

    from flows.runtime import batch_scope

    class Pages:
        pass

    previous = Pages()
    previous.me = previous  # type: ignore[attr-defined]  # a cycle: only the collector frees it
    gone = weakref.ref(previous)
    del previous
    with batch_scope():
        assert gone() is None


@flow(name="factwire-test-release-workers")
def _release_workers_flow() -> tuple[int, bool]:
    from flows.runtime import release_workers

    pid = _worker_pid.submit().result()
    release_workers()
    return pid, psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


@task
def _worker_pid() -> int:
    import os

    return os.getpid()


def test_release_workers_ends_the_pool_workers_before_the_run_ends():
    """After the last batch the warm pool's workers exit (ingest links and groups stories in
    the main process; idle workers would hold their memory next to its peak)."""
    pid, alive = _release_workers_flow.with_options(task_runner=task_runner_for(IngestSettings(workers=1)))()
    assert pid and not alive


# --- a worker that dies, a signal between batches (issue 16, items 5, 6) --------------------------


def _docs(n: int):
    from tasks.common.models import RawDocument

    return [RawDocument(f"file:///{i}.txt", f"sha{i}", f"text {i}".encode(), "text/plain", 6) for i in range(n)]


def test_a_batch_whose_worker_dies_is_retried_then_bisected_to_the_page(monkeypatch):
    """Retried whole first (another page's crash may have broken the pool); the page that kills
    every worker is found by halving and quarantined, every other page processed once more."""
    from concurrent.futures.process import BrokenProcessPool

    from flows import runtime
    from tasks.common.models import Batch

    renewed: list[int] = []
    monkeypatch.setattr(runtime, "renew_workers", lambda: renewed.append(1))
    calls: list[list[str]] = []

    def run(docs):
        calls.append([d.source_uri for d in docs])
        if any(d.source_uri == "file:///5.txt" for d in docs):
            raise BrokenProcessPool("A process in the process pool was terminated abruptly")
        return Batch("run", 3, tables={"stg_articles": pd.DataFrame({"article_id": [d.content_sha256 for d in docs]})},
                     dq_rows=[{"success": True}])

    batch = runtime.process_surviving_crashes(run, _docs(8))
    assert sorted(batch.tables["stg_articles"]["article_id"]) == sorted(f"sha{i}" for i in range(8) if i != 5)
    [killer] = batch.quarantined
    assert (killer.source_uri, killer.stage, killer.raw_bytes) == ("file:///5.txt", "worker", b"text 5")
    assert "worker process died" in killer.reason and "BrokenProcessPool" in killer.reason
    assert (batch.run_id, batch.index) == ("run", 3)
    assert len(calls) == 1 + 2 + 2 + 2  # the whole batch, then halves down to the page: 8, 4+4, 2+2, 1+1
    assert renewed  # fresh workers before each retry

    ok = runtime.process_surviving_crashes(run, _docs(4))  # a batch that only shared the broken pool
    assert len(ok.tables["stg_articles"]) == 4 and not ok.quarantined


def test_a_stage_that_raises_is_not_taken_for_a_dead_worker():
    from flows import runtime

    def run(docs):
        raise ValueError("a bug in a stage")

    with pytest.raises(ValueError, match="a bug"):
        runtime.process_surviving_crashes(run, _docs(2))


@flow(name="factwire-test-stop-on-signal")
def _signalled_flow(n: int) -> tuple[list[int], str]:
    import os
    import signal

    from flows.runtime import RunCancelled, in_parallel, stop_on_signals

    seen: list[int] = []
    with stop_on_signals():
        try:
            for item, _ in in_parallel(range(n), _square_slowly.submit, 1):
                seen.append(item)
                if item == 1:
                    os.kill(os.getpid(), signal.SIGTERM)  # arrives while batch 2 runs
        except RunCancelled as exc:
            return seen, str(exc)
    return seen, ""


def test_a_signal_stops_in_parallel_at_the_next_batch_boundary():
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.runtime import run_status, stop_requested

    seen, reason = _signalled_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(10)
    assert seen == [0, 1] and reason.startswith("SIGTERM received") and "batch boundary" in reason
    assert stop_requested() == "SIGTERM" and run_status(RuntimeError()) == "cancelled"


def test_a_run_ended_by_a_signal_is_cancelled_with_a_reason_that_is_never_blank():
    import signal

    from prefect.exceptions import TerminationSignal

    from flows import runtime

    runtime._STOP.signal_name = None
    early = TerminationSignal(signal.SIGTERM)  # Prefect's, before the run took signals over: str() is "15" or ""
    assert runtime.run_status(early) == "cancelled" and runtime.describe(early) == "TerminationSignal: SIGTERM received"
    assert runtime.run_status(KeyboardInterrupt()) == "cancelled"
    assert runtime.run_status(ValueError("boom")) == "failed" and runtime.describe(ValueError("boom")) == "ValueError: boom"


def test_before_first_runs_the_action_once_before_the_first_item_or_at_the_end():
    from flows.runtime import before_first

    events: list[str] = []

    def produce(n: int):
        for i in range(n):
            events.append(f"made {i}")
            yield i

    for i in before_first(produce(2), lambda: events.append("action")):
        events.append(f"used {i}")
    assert events == ["made 0", "action", "used 0", "made 1", "used 1"]
    events.clear()
    assert list(before_first(produce(0), lambda: events.append("action"))) == [] and events == ["action"]


def test_the_writer_reads_the_word_lists_of_a_loaded_batchs_languages_once(monkeypatch):
    import pandas as pd

    from flows import runtime
    from tasks import stories
    from tasks.common.models import Batch

    monkeypatch.setattr(runtime, "_WARMED_LANGUAGES", set())
    asked: list[list[str]] = []
    monkeypatch.setattr(stories, "warm", lambda languages: asked.append(list(languages)))
    batch = Batch()
    batch.tables["stg_articles"] = pd.DataFrame({"article_id": ["a", "b", "c"], "language": ["de", None, "fr"]})
    thread = runtime.warm_languages_in_background(batch)
    assert thread is not None
    thread.join(timeout=10)
    assert asked == [["de", "fr"]]
    assert runtime.warm_languages_in_background(batch) is None and asked == [["de", "fr"]]  # once per process
    assert runtime.warm_languages_in_background(Batch()) is None


def test_stories_warm_reads_each_language_list():
    from tasks import stories

    stories.warm(["de", None])
    info = stories.term_weight.cache_info()
    assert stories.term_weight("story", "de") == stories.term_weight("story", "de") and stories.term_weight.cache_info().hits > info.hits


def test_a_worker_killed_while_sending_a_result_does_not_leave_the_pool_thread_waiting(tmp_path):
    """The pool's manager thread reads half a message and waits for the rest; with the workers
    dead, closing this process's end of the result pipe (what stop_workers_now and release_workers
    do after a kill) gives it end-of-file, so it ends and the process can exit."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    from flows.runtime import _end_result_pipe

    from .servers import send_half_a_result

    marker = tmp_path / "sent"
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        executor.submit(send_half_a_result, str(marker))
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists()
        for process in list(executor._processes.values()):
            process.kill()
            process.join(5)
        thread = executor._executor_manager_thread
        thread.join(1)
        assert thread.is_alive()  # waiting for the 990 bytes that will never come: the hang
        _end_result_pipe(executor)
        thread.join(10)
        assert not thread.is_alive()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def test_a_worker_that_dies_while_sending_a_result_breaks_the_pool_instead_of_hanging_it():
    """Without the watch the manager thread waits forever for the rest of the message and the
    future never completes; with it, the pool breaks within the grace period and the future fails
    with BrokenProcessPool, which the run recovers from (process_surviving_crashes)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from flows.runtime import watch_for_dead_workers

    from .servers import send_half_a_result_and_die

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        future = executor.submit(send_half_a_result_and_die)
        with pytest.raises(TimeoutError):
            future.result(timeout=5)  # the hang: the worker is long dead
        watcher = watch_for_dead_workers(executor, grace=1.0, poll=0.2)
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=30)
        watcher.join(5)
        assert not watcher.is_alive()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def test_the_dead_worker_watch_leaves_a_healthy_pool_alone():
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    from flows.runtime import watch_for_dead_workers

    executor = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))
    watcher = watch_for_dead_workers(executor, grace=0.5, poll=0.1)
    try:
        assert [f.result(timeout=60) for f in [executor.submit(abs, -n) for n in range(20)]] == list(range(20))
        time.sleep(1.0)
        assert not getattr(executor, "_broken", False) and watcher.is_alive()
    finally:
        executor.shutdown(wait=True)
    watcher.join(5)
    assert not watcher.is_alive()  # a pool shut down ends its watch


@flow
def _stop_a_worker_holding_the_log_queue(marker: str) -> float:
    """Kill the pool's worker (as a signal at a batch boundary does) while it holds the lock of
    the queue workers send their logs on; returns how long the task runner took to exit."""
    import os
    import time

    from prefect import task as as_task

    from flows.runtime import _current_runner

    from .servers import hold_the_log_queue

    as_task(hold_the_log_queue).submit(marker)
    deadline = time.monotonic() + 120
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.path.exists(marker)
    _current_runner().stop_workers_now()
    return time.monotonic()


def test_workers_stopped_while_one_holds_the_log_queue_let_the_process_exit(tmp_path):
    """Before, Prefect's exit put its stop message on that queue from a feeder thread that waits
    for the dead worker's lock forever, waited 5 s for a forwarding thread that never got it,
    and the interpreter's exit joined the feeder thread forever (the Ctrl-C run hung in CI). Now
    the queue is let go: the task runner exits at once and no exit handler joins a blocked feeder."""
    import gc
    import multiprocessing.queues
    import time

    stopped = _stop_a_worker_holding_the_log_queue.with_options(
        task_runner=task_runner_for(IngestSettings(workers=1)))(str(tmp_path / "held"))
    assert time.monotonic() - stopped < 4  # no 5 s wait for the forwarding thread
    waiting = [q for q in gc.get_objects() if type(q) is multiprocessing.queues.Queue
               and q._thread is not None and q._thread.is_alive() and not q._joincancelled]
    assert not waiting  # an exit handler would join each one's feeder thread


def test_the_log_queue_is_let_go_only_when_a_dead_worker_holds_its_lock():
    """A free lock means no worker died writing: Prefect stops its forwarding thread as usual,
    after it has passed on the logs already sent."""
    import multiprocessing

    from flows.runtime import _lock_is_free

    lock = multiprocessing.get_context("spawn").Lock()
    assert _lock_is_free(lock) and _lock_is_free(None)
    lock.acquire()
    assert not _lock_is_free(lock)
    lock.release()
    assert _lock_is_free(lock)
