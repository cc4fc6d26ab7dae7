"""Scheduled ingestion: the deployment `factwire serve` builds, incremental runs, and a real served schedule."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
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


def test_build_deployment_has_the_cron_and_the_inbox(tmp_path, monkeypatch):
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
    # serve itself runs one at a time and skips what falls due meanwhile: a server-side limit
    # would only add a "Cancelled - concurrency limit" run to the list per tick
    assert deployment.concurrency_limit is None

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


def test_serve_refuses_a_missing_or_unusable_inbox_in_one_line(tmp_path, monkeypatch, capsys):
    """Refused before anything starts (no worker server, no deployment): one line, exit 2."""
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never reached
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for inbox, reason in ((tmp_path / "missing", "does not exist"), (fifo, "is not a file or folder")):
        assert cli_main(["serve", "--inbox", str(inbox), "--db", str(tmp_path / "fw.duckdb")]) == 2
        err = capsys.readouterr().err
        assert err == f"factwire serve: {inbox} {reason}: not starting\n"
    assert not (tmp_path / "fw.duckdb").exists()


def test_unlistable_inbox_is_named(tmp_path, monkeypatch):
    from flows import cli

    def refuse(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.os, "scandir", refuse)
    assert cli.unreadable_inputs([tmp_path]) == [f"{tmp_path} cannot be listed (Permission denied)"]


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


def _flow_runs(api: str, deployment_name: str) -> list[dict]:
    import httpx

    with httpx.Client(base_url=api, timeout=30) as client:
        deployments = client.post("/deployments/filter", json={"deployments": {"name": {"any_": [deployment_name]}}}).json()
        runs = client.post("/flow_runs/filter", json={"flow_runs": {"deployment_id": {"any_": [d["id"] for d in deployments]}},
                                                      "limit": 200}).json()
        paused = all(d.get("paused") for d in client.post("/deployments/filter", json={
            "deployments": {"name": {"any_": [deployment_name]}}}).json())
    return [{**r, "deployment_paused": paused} for r in runs]


def _session_processes(sid: int) -> list:
    import psutil

    alive = []
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getsid(p.pid) == sid and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
            continue
    return alive


@pytest.mark.slow
def test_serve_skips_overlapping_runs_and_stops_cleanly_on_sigterm(prefect_api, tmp_path):
    """`factwire serve --interval 3`, one document per batch, each batch load held open 3 s: runs
    falling due meanwhile are skipped (no "Cancelled" run per tick); SIGTERM to serve's PID in the
    middle of a four-batch run ends that run Cancelled (flow run and runs row) with the batch being
    loaded committed and no other, pauses the schedule, ends every child, in one line."""
    inbox, db, log, marker = tmp_path / "inbox", tmp_path / "factwire.duckdb", tmp_path / "serve.log", tmp_path / "paused"
    inbox.mkdir()
    shutil.copy(SEED_FILES[0], inbox)
    name = f"test-stop-{tmp_path.name}"
    env = base_env(tmp_path / "client", prefect_api, PREFECT_RUNNER_POLL_FREQUENCY="1")
    with log.open("wb") as out:
        proc = factwire(["serve", "--inbox", str(inbox), "--interval", "3", "--db", str(db), "--name", name, "--workers", "1",
                         "--batch-size", "1"], env, stdout=out, stderr=subprocess.STDOUT, pause_in_load=(3, marker))

    def pauses() -> int:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited:\n{log.read_text(errors='replace')[-3000:]}")
        return len(marker.read_text().splitlines()) if marker.exists() else 0

    def completed_runs() -> int:
        return sum(1 for r in _flow_runs(prefect_api, name) if r["state_type"] == "COMPLETED")

    try:
        wait_until(lambda: pauses() >= 1, timeout=300, interval=0.5, what="the first run's load")
        wait_until(lambda: completed_runs() >= 1, timeout=120, interval=1, what="the first run to complete")
        for seed in SEED_FILES[1:5]:  # the next run has four batches to load
            shutil.copy(seed, inbox)
        wait_until(lambda: pauses() >= 2, timeout=120, interval=0.2, what="the second run's load")
        children = [p.pid for p in _session_processes(proc.pid) if p.pid != proc.pid]
        assert children, "serve started no worker processes"
        stopped_at = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)  # the PID only, as a service manager does
        proc.wait(15)
        took = time.monotonic() - stopped_at
        time.sleep(0.5)
        assert not _session_processes(proc.pid), "processes outlived serve"
    finally:
        stop(proc)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output[-3000:]
    last = output.strip().splitlines()[-1]
    assert re.match(r"factwire serve: stopped by SIGTERM; run ingest \S+ \S+ · cancelled; schedule paused; \d+ child process(es)? ended; "
                    r"1 run done, \d+ skipped\.", last), last
    assert took < 15
    # every load ran in serve's own process (its workers forked from serve's warm worker server),
    # not in a `prefect.engine` subprocess that warms a pool of its own
    assert {line.split()[0] for line in marker.read_text().splitlines()} == {str(proc.pid)}

    runs = _flow_runs(prefect_api, name)
    states = sorted(r["state_type"] for r in runs if r["state_type"] != "SCHEDULED")
    assert states == ["CANCELLED", "COMPLETED"], states  # skipped ticks left no run behind
    assert not any("concurrency" in ((r["state"] or {}).get("message") or "").lower() for r in runs)
    assert all(r["deployment_paused"] for r in runs)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT status, error FROM runs ORDER BY started_at").fetchall()
        (n_articles,) = con.execute("SELECT count(*) FROM articles").fetchone()
        (n_without_facts,) = con.execute("SELECT count(*) FROM articles a WHERE NOT EXISTS "
                                         "(SELECT 1 FROM facts f WHERE f.article_id = a.article_id)").fetchone()
    finally:
        con.close()
    assert [r[0] for r in rows] == ["completed", "cancelled"], rows
    assert "stopped by SIGTERM" in rows[1][1]
    # the batch being loaded at the signal was committed whole (or, interrupted, not at all); no later one started
    assert n_articles in (1, 2) and n_without_facts == 0
