"""The Prefect UI view of a run: a real server, `factwire ingest` against it, checked through the API and a browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import duckdb
import httpx
import pytest

from .conftest import SEEDS
from .servers import base_env, factwire

pytestmark = pytest.mark.slow
STAGES = {"start-run", "discover", "list-urls", "known-sources", "check-gazetteer", "load-entities", "known-documents", "read-batch",
          "land-raw", "batch", "extract", "clean", "entities", "facts", "fingerprint", "load", "link", "finish-run"}
ARTIFACTS = {"factwire-run-summary", "factwire-data-quality", "factwire-top-claims"}


@pytest.fixture(scope="module")
def served_run(prefect_api, tmp_path_factory) -> dict:
    """One `factwire ingest` of the seeds (two batches) reported to the real server."""
    tmp = tmp_path_factory.mktemp("ui")
    db = tmp / "factwire.duckdb"
    proc = factwire(["ingest", str(SEEDS), "--db", str(db), "--batch-size", "3"], base_env(tmp / "client", prefect_api),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    run_id = re.search(r"run\s+(\S+) \(completed\)", out).group(1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        (flow_run_id,) = con.execute("SELECT flow_run_id FROM runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        con.close()
    return {"api": prefect_api, "run_id": run_id, "flow_run_id": flow_run_id}


def test_flow_run_task_runs_logs_and_artifacts_reach_the_server(served_run):
    flow_run_id = served_run["flow_run_id"]
    with httpx.Client(base_url=served_run["api"], timeout=30) as api:
        flow_run = api.get(f"/flow_runs/{flow_run_id}").json()
        assert flow_run["state"]["type"] == "COMPLETED"
        assert api.get(f"/flows/{flow_run['flow_id']}").json()["name"] == "factwire-ingest"
        assert flow_run["parameters"]["settings"]["batch_size"] == 3

        task_runs = api.post("/task_runs/filter", json={"task_runs": {"flow_run_id": {"any_": [flow_run_id]}},
                                                          "limit": 200}).json()
        per_stage: dict[str, int] = {}
        for tr in task_runs:
            assert tr["state"]["type"] == "COMPLETED", tr["name"]
            stage = tr["name"].rsplit("-", 1)[0]
            per_stage[stage] = per_stage.get(stage, 0) + 1
        assert set(per_stage) == STAGES
        assert per_stage["extract"] == per_stage["load"] == 2  # one task run per stage per batch

        logs = api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200}).json()
        messages = [entry["message"] for entry in logs]
        assert any(m.startswith("batch 0: 3 read, 3 loaded") for m in messages), messages[:20]
        assert any(m.startswith("batch 1: 2 read, 2 loaded") for m in messages)

        artifacts = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}).json()
        by_key = {a["key"]: a for a in artifacts}
        assert set(by_key) == ARTIFACTS
        assert all(a["type"] == "table" for a in artifacts)
        summary = {row["metric"]: row["value"] for row in _table(by_key["factwire-run-summary"])}
        assert summary["run_id"] == served_run["run_id"] and summary["n_articles_loaded"] == "5"
        stages = {row["stage"] for row in _table(by_key["factwire-data-quality"])}
        assert {"discover", "clean", "entities", "facts"} <= stages
        assert _table(by_key["factwire-top-claims"])  # the seeds corroborate some claims


def _table(artifact: dict) -> list[dict]:
    import json

    data = artifact["data"]
    return json.loads(data) if isinstance(data, str) else data


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed (apt-get install chromium)")
def test_the_ui_shows_the_run_in_a_browser(served_run, tmp_path):
    """Headless Chromium renders the flow run page: its stages, and the artifacts page."""
    ui = served_run["api"].removesuffix("/api")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1400,1100", "--virtual-time-budget=20000"]
    page = f"{ui}/runs/flow-run/{served_run['flow_run_id']}"
    dom = subprocess.run(["chromium", *flags, "--dump-dom", page], capture_output=True, text=True, timeout=180).stdout
    assert "factwire-ingest" in dom and "Completed" in dom
    for stage in ("extract", "clean", "entities", "facts", "fingerprint", "load", "link"):
        assert f"{stage}-" in dom, stage
    shot = tmp_path / "flow-run.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", page], capture_output=True, timeout=180, check=True)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    artifacts_dom = subprocess.run(["chromium", *flags, "--dump-dom", f"{ui}/artifacts/key/factwire-data-quality"],
                                   capture_output=True, text=True, timeout=180).stdout
    assert "Great Expectations results per stage" in artifacts_dom
