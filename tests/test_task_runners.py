"""The same seeds give the same tables on every task runner: process pool, threads, Dask."""

from __future__ import annotations

import duckdb
import pytest
from prefect import flow, task

from flows.ingest import run_ingest, task_runner_for
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

    from flows.ingest import WarmProcessPoolTaskRunner

    runner = task_runner_for(IngestSettings(workers=2))
    assert isinstance(runner, WarmProcessPoolTaskRunner)
    facts = _warm_workers_flow.with_options(task_runner=runner)()
    assert all(preloaded for preloaded, _ in facts)  # imported and warmed before the fork
    assert all(parent != os.getpid() for _, parent in facts)  # children of the server, not of us


def test_spawn_means_forkserver_only_while_entered():
    import multiprocessing

    from flows.workers import spawn_means_forkserver

    with spawn_means_forkserver():
        assert multiprocessing.get_context("spawn").get_start_method() == "forkserver"
        assert multiprocessing.get_context("fork").get_start_method() == "fork"
    assert multiprocessing.get_context("spawn").get_start_method() == "spawn"
