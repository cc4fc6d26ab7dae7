"""The same seeds give the same tables on every task runner: process pool, threads, Dask."""

from __future__ import annotations

import duckdb
import pytest

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
