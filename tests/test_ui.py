"""The Prefect UI view of a run: a real server, `factwire ingest` against it, checked through the API
and in a real browser (Debian's Chromium, installed by scripts/install_chromium.sh when missing)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import duckdb
import httpx
import pytest

from scripts import ui_capture

from .conftest import SEEDS
from .servers import base_env, factwire

pytestmark = pytest.mark.slow
STAGES = {"start-run", "discover", "list-urls", "known-sources", "check-gazetteer", "load-entities", "known-documents", "read-batch",
          "land-raw", "batch", "extract", "clean", "entities", "facts", "fingerprint", "load", "link", "stories", "finish-run"}
ARTIFACTS = {"factwire-run-report", "factwire-data-quality"}
HOSTILE_HTML = """<!doctype html><html><head>
<meta property="og:site_name" content="[Click](javascript:alert(1))">
<title>&lt;img src=http://127.0.0.1:9/pixel.png&gt; Storm hits the coast</title></head>
<body><article><h1>&lt;img src=http://127.0.0.1:9/pixel.png&gt; Storm hits the coast</h1>
<p>At least 17 people were killed when a storm hit the coast on Monday, officials said in a statement.</p>
<p>Rescue teams searched flooded villages through the night, and more than 200 homes were damaged by the wind.</p>
<p>The regional governor said schools would stay closed for the rest of the week while roads were cleared.</p>
</article></body></html>
"""


@pytest.fixture(scope="module")
def served_run(prefect_api, tmp_path_factory) -> dict:
    """One `factwire ingest` reported to the real server: the seeds, a page whose outlet and title
    are hostile Markdown/HTML, and an empty file (quarantined; fails a raw_documents check)."""
    tmp = tmp_path_factory.mktemp("ui")
    inbox = tmp / "inbox"
    shutil.copytree(SEEDS, inbox)
    (inbox / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    db = tmp / "factwire.duckdb"
    proc = factwire(["ingest", str(inbox), "--db", str(db), "--batch-size", "4"], base_env(tmp / "client", prefect_api),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    run_id = re.search(r"run\s+(\S+) \(completed\)", out).group(1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        (flow_run_id,) = con.execute("SELECT flow_run_id FROM runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        con.close()
    return {"api": prefect_api, "run_id": run_id, "flow_run_id": flow_run_id, "tmp": tmp}


def _artifacts(api: httpx.Client, flow_run_id: str) -> dict[str, dict]:
    found = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}).json()
    return {a["key"]: a for a in found}


def test_flow_run_task_runs_logs_and_artifacts_reach_the_server(served_run):
    flow_run_id = served_run["flow_run_id"]
    with httpx.Client(base_url=served_run["api"], timeout=30) as api:
        flow_run = api.get(f"/flow_runs/{flow_run_id}").json()
        assert flow_run["state"]["type"] == "COMPLETED"
        assert api.get(f"/flows/{flow_run['flow_id']}").json()["name"] == "factwire-ingest"
        assert re.fullmatch(r"ingest \d{4}-\d\d-\d\d \d\d:\d\d · 6 new, 1 quarantined", flow_run["name"]), flow_run["name"]
        assert f"factwire-run:{served_run['run_id']}" in flow_run["tags"]
        assert flow_run["parameters"]["settings"]["batch_size"] == 4

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
        for stage in ("extract", "clean", "entities", "facts", "fingerprint"):
            assert any(re.match(rf"{stage} batch [01]: \d+ in, \d+ out", m) for m in messages), (stage, messages[:30])

        artifacts = _artifacts(api, flow_run_id)
        assert set(artifacts) >= ARTIFACTS
        assert all(a["task_run_id"] is None for a in artifacts.values())  # on the flow run itself
        report = artifacts["factwire-run-report"]
        assert report["type"] == "markdown"
        failed = report["data"].split("## Failed checks", 1)[1].split("## Stages", 1)[0]
        assert "raw_documents" in failed and "expect_column_values_to_be_between" in failed  # the empty file
        checks = artifacts["factwire-data-quality"]
        rows = json.loads(checks["data"]) if isinstance(checks["data"], str) else checks["data"]
        assert rows[0]["result"] == "FAILED" and rows[-1]["result"] == "passed"


def test_the_ui_shows_the_run_and_its_report_in_a_browser(served_run, tmp_path):
    """Headless Chromium (installed when missing) renders the flow run page with its stages, its
    Artifacts tab, and the report as a person sees it: headings, the failed check first, the
    hostile page's outlet as text, no remote image and no javascript: link."""
    ui = ui_capture.ui_base(served_run["api"])
    flow_run_id = served_run["flow_run_id"]
    page = f"{ui}/runs/flow-run/{flow_run_id}"
    dom = ui_capture.dump_dom(page, tmp_path / "p1")
    assert re.search(r"ingest \d{4}-\d\d-\d\d \d\d:\d\d · 6 new", dom), dom[:2000]
    for stage in ("extract", "clean", "entities", "facts", "fingerprint", "load"):
        assert f"{stage}-" in dom, stage

    tab = ui_capture.text_after_click(page, "Artifacts", tmp_path / "p2")  # the tab, clicked as a person would
    on_flow_run = tab.split("Flow run", 1)[1].split("Task runs", 1)
    assert "factwire-run-report" in on_flow_run[0] and "factwire-data-quality" in on_flow_run[0], tab[-1500:]
    assert on_flow_run[1].split()[0] == "None"  # none hang off a task run

    report = ui_capture.report_artifact(served_run["api"], flow_run_id)
    shown = ui_capture.dump_dom(ui_capture.artifact_page(served_run["api"], report["id"]), tmp_path / "p3")
    text = re.sub(r"<[^>]+>", " ", shown)
    headings = [h for h in ("Failed checks", "Stages", "Quarantined", "New stories", "Most reported claims", "Dig further") if h in text]
    assert headings == ["Failed checks", "Stages", "Quarantined", "New stories", "Most reported claims", "Dig further"], text[:3000]
    failed_section = text.split("Failed checks", 1)[1].split("Stages", 1)[0]
    assert "size_bytes" in failed_section and "warning" in failed_section  # the empty file's failed check, first
    assert "[Click](javascript:alert(1))" in text or "[Click](Javascript:Alert(1))" in text  # shown as text
    assert not re.search(r"<img[^>]+127\.0\.0\.1:9", shown) and not re.search(r"href=\"\s*javascript:", shown, re.I)

    shot = ui_capture.screenshot(ui_capture.artifact_page(served_run["api"], report["id"]), tmp_path / "report.png", tmp_path / "p4")
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
