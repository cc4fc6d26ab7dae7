"""The throughput benchmark runs end to end on a small corpus and reports every figure it promises.

The figures themselves are not judged here (timed tests are noise on a shared machine); this
checks that `make bench` works from a clone: corpus built, bare trafilatura timed, factwire
ingest run against a Prefect server, per-stage task times read back, memory sampled.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import REPO, benchmark_dir


def test_throughput_benchmark_reports_every_figure(tmp_path):
    benchmark_dir()
    out = tmp_path / "throughput.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.throughput", "--pages", "24", "--pages", "48",
         "--workdir", str(tmp_path), "--results", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "linearity:" in proc.stdout and "peak PSS MB" in proc.stdout
    report = json.loads(out.read_text())
    assert report["machine"] and report["measured_at"]
    small, big = report["results"]
    for result, n in ((small, 24), (big, 48)):
        assert result["pages"] == n
        assert f"articles loaded    {n} this run, {n} in total" in result["loaded"]
        assert result["trafilatura_pages_per_s"] > 0 and result["pipeline_pages_per_s"] > 0
        assert abs(result["ratio"] - result["pipeline_pages_per_s"] / result["trafilatura_pages_per_s"]) < 0.02
        assert 0 < result["peak_pss_mb"] <= result["peak_rss_mb"]
        stages = result["stage_task_seconds"]
        for stage in ("extract", "clean", "entities", "facts", "fingerprint", "load", "land_raw", "link"):
            assert stage in stages, stage
        assert stages["extract"] > 0
        memory = result["memory"]
        assert memory["at_peak_mb"]["total"] == max(memory["tenths_total_mb"] + [memory["at_peak_mb"]["total"]])
        assert abs(memory["at_peak_mb"]["total"] - result["peak_pss_mb"]) < 1.0
        assert {"writer", "forkserver", "workers"} <= set(memory["role_peak_mb"]), memory["role_peak_mb"]
        assert len(memory["tenths_total_mb"]) == 10
    assert "PSS MB at each tenth of the run" in proc.stdout
