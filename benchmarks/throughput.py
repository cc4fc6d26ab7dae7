"""Throughput benchmark: factwire ingest end to end against bare trafilatura, same pages, same run.

    python -m benchmarks.throughput --pages 1000 --pages 10000

For each N it builds a corpus of N pages from the extraction benchmark (the 181 pages repeated,
each copy changed by an HTML comment so hashing does not skip it), times plain single-process
`trafilatura.extract` over the same pages, then runs `factwire ingest` on them into a fresh
DuckDB file in a subprocess against a local Prefect server (so per-stage task-run times can be
read back from the Prefect API), sampling the memory of the ingest process tree (PSS, and the RSS sum that counts shared pages
once per process).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "eval" / "scrapinghub-article-extraction-benchmark" / "html"
RESULTS = REPO / "benchmarks" / "results"
BASE_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def base_pages() -> list[bytes]:
    """The benchmark's pages, decompressed."""
    if not CORPUS.is_dir():
        sys.exit(f"benchmark corpus not found at {CORPUS} (expected ../shared/eval/ beside the repo)")
    return [gzip.decompress(p.read_bytes()) for p in sorted(CORPUS.glob("*.html.gz"))]


def page_copy(pages: list[bytes], i: int) -> bytes:
    """Page i of the corpus: a base page with a marker that makes its bytes unique."""
    return pages[i % len(pages)] + f"\n<!-- factwire benchmark copy {i} -->\n".encode()


def build_corpus(pages: list[bytes], n: int, folder: Path) -> int:
    """Write n gzipped pages; returns the total HTML bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(n):
        data = page_copy(pages, i)
        total += len(data)
        (folder / f"page-{i:06d}.html.gz").write_bytes(gzip.compress(data, compresslevel=1))
    return total


def bare_trafilatura(pages: list[bytes], n: int) -> float:
    """Seconds for plain single-process trafilatura.extract (default settings) over the n pages."""
    import trafilatura

    start = time.perf_counter()
    for i in range(n):
        trafilatura.extract(page_copy(pages, i))
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_prefect_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A local Prefect server for the run, so task-run times can be read back afterwards."""
    port = free_port()
    env = {**os.environ, **BASE_ENV, "PREFECT_HOME": str(home)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("Prefect server did not start within 180 s")


# Reading PSS makes the kernel walk every page table of the tree: about 50 ms of CPU per sample
# over the five processes of a run (measured, /proc/PID/smaps and smaps_rollup alike). Sampled
# every 0.25 s, that took a sixth of a core from the run it measured (some 6 CPU-seconds of a
# 37-second 1,000-page run on two cores); once a second it takes a twentieth, and the peak, which
# the writer holds for seconds, is still seen.
MEMORY_SAMPLE_SECONDS = 1.0


def role(proc: psutil.Process, root: psutil.Process) -> str:
    """Which part of a run a process of the ingest tree is: the writer (the `factwire ingest`
    process itself, which also runs the flow), the warm server the workers fork from, a worker,
    or another helper (a resource tracker)."""
    if proc.pid == root.pid:
        return "writer"
    try:
        cmdline = " ".join(proc.cmdline())
        parent = proc.ppid()
    except psutil.Error:
        return "other"
    if parent != root.pid:  # forked from the warm server (a fork keeps its parent's command line)
        return "workers"
    if "forkserver" in cmdline:
        return "forkserver"
    return "other"


def tree_memory(ps: psutil.Process) -> tuple[int, int, dict[str, int]]:
    """(RSS, PSS, PSS by role) summed over a process and its descendants.

    The workers are forked from a warm server process and share its pages, so the RSS sum counts
    those pages once per process; PSS divides each shared page among its sharers, so the PSS sum
    is the memory the tree really holds.
    """
    rss = pss = 0
    by_role: dict[str, int] = defaultdict(int)
    for proc in [ps, *ps.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        proc_pss = getattr(info, "pss", info.rss)
        pss += proc_pss
        by_role[role(proc, ps)] += proc_pss
    return rss, pss, dict(by_role)


def run_ingest(corpus: Path, db: Path, api_url: str, home: Path, extra: list[str]) -> tuple[float, int, int, str, list[dict[str, float]]]:
    """Run `factwire ingest` in a subprocess; returns (seconds, peak RSS sum, peak PSS sum of its
    process tree, output, memory timeline: one sample a second of PSS MB by role)."""
    env = {**os.environ, **BASE_ENV, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(home)}
    cmd = [str(Path(sys.executable).parent / "factwire"), "ingest", str(corpus), "--db", str(db), *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_rss = peak_pss = 0
    timeline: list[dict[str, float]] = []
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            rss, pss, by_role = tree_memory(ps)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            sample = {"t": round(time.perf_counter() - start, 1), "total": round(pss / 1e6, 1)}
            sample.update({name: round(value / 1e6, 1) for name, value in sorted(by_role.items())})
            timeline.append(sample)
        except psutil.Error:
            pass
        time.sleep(MEMORY_SAMPLE_SECONDS)
    seconds = time.perf_counter() - start
    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    if proc.returncode != 0:
        raise RuntimeError(f"factwire ingest failed ({proc.returncode}):\n{output[-3000:]}")
    return seconds, peak_rss, peak_pss, output, timeline


def memory_profile(timeline: list[dict[str, float]]) -> dict[str, object]:
    """The memory over a run in a few figures: PSS by role at the whole tree's peak, the peak of
    each role, and the tree's PSS at each tenth of the run (flat in N means these stop growing
    once the workers are warm)."""
    if not timeline:
        return {}
    roles = sorted({k for sample in timeline for k in sample} - {"t", "total"})
    at_peak = max(timeline, key=lambda sample: sample["total"])
    tenths = [timeline[min(len(timeline) - 1, round(i * (len(timeline) - 1) / 10))] for i in range(1, 11)]
    return {
        "at_peak_mb": {k: at_peak.get(k, 0.0) for k in ["t", "total", *roles]},
        "role_peak_mb": {k: max(sample.get(k, 0.0) for sample in timeline) for k in roles},
        "tenths_total_mb": [sample["total"] for sample in tenths],
        "tenths_by_role_mb": {k: [sample.get(k, 0.0) for sample in tenths] for k in roles},
    }


def stage_times(api_url: str) -> tuple[dict[str, float], float]:
    """Sum of task-run seconds per stage, and the flow run's own duration, from the Prefect API."""
    os.environ["PREFECT_API_URL"] = api_url
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort

    async def read() -> tuple[dict[str, float], float]:
        async with get_client() as client:
            flow_runs = await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
            flow_run = flow_runs[0]
            totals: dict[str, float] = defaultdict(float)
            offset = 0
            while True:
                from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

                runs = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])), limit=200, offset=offset
                )
                for run in runs:
                    totals[run.task_key.rsplit("-", 1)[0] if run.task_key else run.name] += run.total_run_time.total_seconds()
                if len(runs) < 200:
                    break
                offset += 200
            return dict(totals), flow_run.total_run_time.total_seconds()

    import asyncio

    return asyncio.run(read())


def measure(n: int, pages: list[bytes], workdir: Path, api_url: str, home: Path, extra: list[str]) -> dict[str, object]:
    corpus = workdir / f"corpus-{n}"
    html_bytes = build_corpus(pages, n, corpus)
    base_s = bare_trafilatura(pages, n)
    db = workdir / f"bench-{n}.duckdb"
    pipe_s, peak_rss, peak_pss, output, timeline = run_ingest(corpus, db, api_url, home, extra)
    stages, flow_s = stage_times(api_url)
    loaded = next((line for line in output.splitlines() if "articles loaded" in line), "").strip()
    result = {
        "pages": n,
        "html_mb": round(html_bytes / 1e6, 1),
        "trafilatura_s": round(base_s, 2),
        "trafilatura_pages_per_s": round(n / base_s, 1),
        "pipeline_s": round(pipe_s, 2),
        "pipeline_pages_per_s": round(n / pipe_s, 1),
        "ratio": round((n / pipe_s) / (n / base_s), 3),
        "flow_run_s": round(flow_s, 2),
        "flow_pages_per_s": round(n / flow_s, 1) if flow_s else None,
        "peak_rss_mb": round(peak_rss / 1e6, 1),
        "peak_pss_mb": round(peak_pss / 1e6, 1),
        "memory": memory_profile(timeline),
        "stage_task_seconds": {k: round(v, 2) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])},
        "loaded": loaded,
    }
    shutil.rmtree(corpus, ignore_errors=True)
    db.unlink(missing_ok=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, action="append", help="corpus size; repeat for several (default 1000 and 10000)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to build corpora (default: a temp dir)")
    parser.add_argument("--ingest-arg", action="append", default=[], help="extra argument for factwire ingest (repeatable)")
    parser.add_argument("--results", type=Path, default=RESULTS / "throughput-latest.json", help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    sizes = args.pages or [1000, 10000]
    pages = base_pages()
    workdir = Path(tempfile.mkdtemp(prefix="factwire-bench-", dir=args.workdir))
    home = workdir / "prefect-home"
    server, api_url = start_prefect_server(home)
    results = []
    try:
        for n in sizes:
            r = measure(n, pages, workdir, api_url, home, args.ingest_arg)
            results.append(r)
            print(json.dumps(r, indent=2), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    machine = f"{platform.node()} {platform.machine()}, {psutil.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB, Python {platform.python_version()}"
    print(f"\nfactwire throughput, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}")
    print(f"{'pages':>7} {'trafilatura p/s':>16} {'pipeline p/s':>13} {'ratio':>6} {'flow p/s':>9} {'peak PSS MB':>12} {'peak RSS-sum MB':>16}")
    for r in results:
        print(f"{r['pages']:>7} {r['trafilatura_pages_per_s']:>16} {r['pipeline_pages_per_s']:>13} {r['ratio']:>6} {r['flow_pages_per_s']!s:>9} {r['peak_pss_mb']:>12} {r['peak_rss_mb']:>16}")
    if len(results) >= 2:
        small, big = results[0], results[-1]
        scale = big["pages"] / small["pages"]  # type: ignore[operator]
        linear = big["pipeline_s"] / (scale * small["pipeline_s"])  # type: ignore[operator]
        print(f"linearity: {big['pages']}-page time / ({scale:g} x {small['pages']}-page time) = {linear:.3f} (goal <= 1.15)")
    for r in results:
        memory = r.get("memory") or {}
        if memory:
            at_peak = ", ".join(f"{k} {v:g}" for k, v in memory["at_peak_mb"].items() if k not in ("t", "total"))  # type: ignore[union-attr]
            print(f"memory, {r['pages']} pages: PSS MB at the peak ({memory['at_peak_mb']['total']:g} at {memory['at_peak_mb']['t']:g} s): {at_peak}")  # type: ignore[index]
            print(f"  PSS MB at each tenth of the run: {' '.join(f'{v:g}' for v in memory['tenths_total_mb'])}")  # type: ignore[union-attr]
    out = args.results
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(), "machine": machine, "results": results}, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
