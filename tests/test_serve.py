"""Scheduled ingestion: the deployment `factwire serve` builds, incremental runs, and a real served schedule."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from flows.cli import main as cli_main
from flows.ingest import ingest
from flows.serve import build_deployment
from flows.settings import IngestSettings
from warehouse.db import connect

from .conftest import SEEDS
from .servers import base_env, factwire, stop, wait_until

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def _files(folder: Path) -> dict[str, tuple[int, float]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime) for p in folder.iterdir()}


def test_build_deployment_has_the_cron_the_inbox_and_one_run_at_a_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = IngestSettings(paths=["inbox"], db="data/fw.duckdb", batch_size=50)
    deployment = build_deployment(settings, cron="*/15 * * * *")
    assert deployment.name == "factwire-inbox"
    assert deployment.entrypoint == "flows.ingest.ingest"
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "*/15 * * * *" and schedule.active
    params = deployment.parameters["settings"]
    assert params["paths"] == [str(tmp_path / "inbox")]  # absolute: the runner's working folder may differ
    assert params["db"] == str(tmp_path / "data" / "fw.duckdb")
    assert params["batch_size"] == 50 and params["reprocess"] is False
    IngestSettings.model_validate(params)  # what the runner will pass back validates
    assert deployment.concurrency_limit == 1
    assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW"

    every = build_deployment(settings, cron=None, interval_seconds=30)
    assert every.schedules[0].schedule.interval == timedelta(seconds=30)
    with pytest.raises(ValueError):
        build_deployment(settings, cron="* * * * *", interval_seconds=30)


def test_serve_needs_a_server_and_an_inbox(monkeypatch, capsys):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert cli_main(["serve", "--inbox", "x"]) == 2
    assert "PREFECT_API_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert cli_main(["serve"]) == 2


@pytest.mark.usefixtures("prefect_harness")
def test_each_run_ingests_only_what_is_new_and_moves_nothing(tmp_path, db_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED_FILES[0], inbox)
    settings = IngestSettings(paths=[str(inbox)], db=str(db_path))
    first = ingest(settings)
    assert (first["n_discovered"], first["n_articles_loaded"]) == (1, 1)

    shutil.copy(SEED_FILES[1], inbox)
    shutil.copy(SEED_FILES[0], inbox / "same-bytes-again.txt")  # a copy is known by its content hash
    before = _files(inbox)
    second = ingest(settings)
    assert (second["n_discovered"], second["n_skipped_known"], second["n_articles_loaded"]) == (3, 2, 1)
    third = ingest(settings)
    assert (third["n_skipped_known"], third["n_articles_loaded"]) == (3, 0)
    assert _files(inbox) == before  # nothing moved, renamed or rewritten
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT content_sha256) FROM articles").fetchone() == (2, 2)
        assert con.execute("SELECT count(*) FROM raw_sources").fetchone() == (3,)  # the copy's path is recorded
    finally:
        con.close()


@pytest.mark.slow
def test_served_schedule_picks_up_new_files_while_a_reader_polls(prefect_api, tmp_path):
    """`factwire serve --interval` against a real server; files dropped in the inbox get loaded, once."""
    inbox, db, log = tmp_path / "inbox", tmp_path / "factwire.duckdb", tmp_path / "serve.log"
    inbox.mkdir()
    shutil.copy(SEED_FILES[0], inbox)
    env = base_env(tmp_path / "client", prefect_api, PREFECT_RUNNER_POLL_FREQUENCY="2")
    with log.open("wb") as out:
        proc = factwire(["serve", "--inbox", str(inbox), "--interval", "10", "--db", str(db),
                         "--name", f"test-{tmp_path.name}"], env, stdout=out, stderr=subprocess.STDOUT)
    observed: list[tuple[int, int]] = []

    def loaded() -> set[str]:
        """Names of loaded files, read like a user would (read-only, closed at once); checks consistency."""
        if proc.poll() is not None:
            raise AssertionError(f"serve exited:\n{log.read_text(errors='replace')[-3000:]}")
        if not db.exists():
            return set()
        try:
            con = connect(db, read_only=True, wait_seconds=120)
        except duckdb.Error:
            return set()
        try:
            rows = con.execute(
                "SELECT regexp_extract(a.source_uri, '[^/]+$'), "
                "(SELECT count(*) FROM mentions m WHERE m.article_id = a.article_id), "
                "(SELECT count(*) FROM facts f WHERE f.article_id = a.article_id) FROM articles a").fetchall()
        except duckdb.CatalogException:
            return set()
        finally:
            con.close()
        assert all(nm > 0 and nf > 0 for _, nm, nf in rows), rows  # never an article without its rows
        observed.append((len(rows), len({r[0] for r in rows})))
        return {r[0] for r in rows}

    try:
        wait_until(lambda: loaded() == {SEED_FILES[0].name}, timeout=300, interval=1, what="the first scheduled run")
        shutil.copy(SEED_FILES[1], inbox)
        shutil.copy(SEED_FILES[2], inbox)
        wait_until(lambda: loaded() == {p.name for p in SEED_FILES[:3]}, timeout=300, interval=1, what="the new files")
    finally:
        stop(proc)
    assert all(n == distinct for n, distinct in observed)  # no article loaded twice, ever
    assert sorted(p.name for p in inbox.iterdir()) == sorted(p.name for p in SEED_FILES[:3])
    con = duckdb.connect(str(db), read_only=True)
    try:
        statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    finally:
        con.close()
    assert len(statuses) >= 2 and "failed" not in statuses
