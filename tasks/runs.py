"""Run bookkeeping tasks: a run row at the start, its counts, summary and artifacts at the end;
the per-stage log line and the per-batch progress the flow reports."""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pandas as pd
from prefect import get_run_logger, runtime, task
from prefect.cache_policies import NO_CACHE

from warehouse.db import initialise
from warehouse.runs import RunReport, finish_run_row, run_report, start_run_row

if TYPE_CHECKING:
    from tasks.common.models import Batch

__all__ = ["STOP_REQUESTED", "finish_run", "request_stop", "stop_reason", "stop_requested", "log_stage", "monotonic", "report_progress", "start_run"]

# Set when the process running the flow was told to stop (factwire serve sets it on SIGTERM or
# SIGINT): a flow can end at its next batch boundary when it sees it. Read it through
# stop_requested(): a task body that names the Event itself cannot be pickled for the worker pool
# (cloudpickle copies a task's function by value, with the globals it names, and an Event holds a lock).
STOP_REQUESTED = threading.Event()


_STOP_REASONS: list[str] = []


def stop_requested() -> bool:
    """True once the process running the flow was told to stop."""
    return STOP_REQUESTED.is_set()


def request_stop(reason: str) -> None:
    """Ask the flow running in this process to stop at its next batch boundary, saying why."""
    _STOP_REASONS.append(reason)
    STOP_REQUESTED.set()


def stop_reason() -> str:
    """Why the process was told to stop (the first reason given)."""
    return _STOP_REASONS[0] if _STOP_REASONS else "the process was told to stop"

REPORT_KEY = "factwire-run-report"
CHECKS_KEY = "factwire-data-quality"
PROGRESS_KEY = "factwire-progress"
# Stages in the order a run meets them (task names; a task run is named <task>-<suffix>).
STAGE_ORDER = ("start-run", "check-gazetteer", "load-entities", "known-documents", "discover", "list-urls", "known-sources",
               "read-batch", "fetch", "land-raw", "batch", "extract", "clean", "entities", "facts", "fingerprint",
               "load", "link", "finish-run")
# The table each per-batch stage fills, for its log line.
STAGE_TABLE = {"clean": "stg_articles", "entities": "stg_mentions", "facts": "stg_facts", "fingerprint": "article_fingerprints"}


# --- values from pages, made safe for the UI's Markdown renderer (issue 16, item 12) -------------

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_TAG = re.compile(r"<[^>]*>")


def _missing(value: Any) -> bool:
    """None, NaN, pandas' NA or NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def md_text(value: Any, limit: int | None = 120) -> str:
    """Any value as inert Markdown text: tags stripped, whitespace collapsed, every ASCII
    punctuation mark backslash-escaped (so no link, image, HTML, autolink, emphasis or table
    cell break can form), cut to `limit` characters. What renders is the plain text."""
    if _missing(value):
        return ""
    text = " ".join(_TAG.sub(" ", str(value)).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _PUNCTUATION.sub(r"\\\1", text)


def readable_number(value: Any) -> str:
    """17.0 as 17, 2.5 as 2.5, 1234567 as 1,234,567; None as empty."""
    if _missing(value):
        return ""
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0").rstrip(".")


def readable_list(values: Any, limit: int = 5) -> str:
    """A list (or NumPy array) of page values as escaped, comma-separated text."""
    if values is None or isinstance(values, float | str) or values is pd.NA:
        return md_text(values) if isinstance(values, str) else ""
    items = [md_text(v, 60) for v in list(values)]
    more = f" \\+{len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


# --- the run's report -----------------------------------------------------------------------------


def stage_seconds(flow_run_id: UUID | str | None) -> dict[str, tuple[int, float]]:
    """Task runs and seconds spent per stage in one flow run, read back from the Prefect API."""
    if not flow_run_id:
        return {}
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    client = get_client(sync_client=True)
    runs_filter = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(str(flow_run_id))]))
    out: dict[str, tuple[int, float]] = {}
    offset, page = 0, 200  # the API's largest page
    while True:
        task_runs = client.read_task_runs(flow_run_filter=runs_filter, limit=page, offset=offset)
        for tr in task_runs:
            stage = tr.name.rsplit("-", 1)[0]
            n, seconds = out.get(stage, (0, 0.0))
            out[stage] = (n + 1, seconds + tr.total_run_time.total_seconds())
        if len(task_runs) < page:
            return out
        offset += page


def _stage_output(stage: str, c: Mapping[str, Any]) -> str:
    """What a stage produced over the run, from the run's counters."""
    outputs = {
        "discover": f"{c.get('n_discovered', 0):,} documents found",
        "read-batch": f"{c.get('n_read', 0):,} read",
        "fetch": f"{c.get('n_read', 0):,} fetched",
        "land-raw": f"{c.get('n_skipped_known', 0):,} already known, skipped",
        "extract": f"{c.get('n_extracted', 0):,} articles",
        "clean": f"{c.get('n_boilerplate', 0):,} spans removed",
        "entities": f"{c.get('n_mentions', 0):,} mentions",
        "facts": f"{c.get('n_facts', 0):,} facts",
        "load": f"{c.get('n_articles_loaded', 0):,} articles loaded",
    }
    return outputs.get(stage, "")


def nothing_new(counts: Mapping[str, Any]) -> bool:
    """True when a run found nothing to load or quarantine (everything already known)."""
    return not counts.get("n_articles_loaded") and not counts.get("n_quarantined")


def run_title(started_at: Any, status: str, counts: Mapping[str, Any]) -> str:
    """The flow run's name, after what it did: `ingest 2026-11-30 04:15 · 487 new`."""
    started = started_at if isinstance(started_at, datetime) else datetime.fromisoformat(str(started_at))
    when = started.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if status == "running":
        what = "running"
    elif status != "completed":
        what = status
    elif nothing_new(counts):
        what = "nothing new"
    else:
        quarantined = counts.get("n_quarantined", 0)
        what = f"{counts.get('n_articles_loaded', 0):,} new" + (f", {quarantined:,} quarantined" if quarantined else "")
    return f"ingest {when} · {what}"


def render_run_report(report: RunReport, counts: Mapping[str, Any], seconds: Mapping[str, tuple[int, float]]) -> str:
    """The run as a person reads it, in Markdown: what happened, failed checks first, per-stage
    counts and seconds, quarantine and stage errors with reasons, new stories, top claims, and the
    SQL to dig further. Every value that comes from a page goes through md_text()."""
    s = report.summary
    run_id = str(s.get("run_id"))
    status = str(s.get("status"))
    checks = report.checks
    real = checks[checks["n_rows"].fillna(0) > 0] if "n_rows" in checks else checks
    failed = real[~real["success"].astype(bool)] if len(real) else real
    lines = [f"# factwire run {status}", ""]
    if nothing_new(counts) and status == "completed":
        lines.append(f"**Nothing new**: {counts.get('n_discovered', 0):,} documents read, all already known. "
                     "No batch was processed, so no stage was checked.")
    else:
        lines.append(f"**{counts.get('n_articles_loaded', 0):,} articles loaded**, {counts.get('n_quarantined', 0):,} quarantined, "
                     f"{counts.get('n_stage_errors', 0):,} stage errors; {counts.get('n_mentions', 0):,} mentions, "
                     f"{counts.get('n_facts', 0):,} facts. Warehouse: {s.get('total_articles', 0):,} articles, "
                     f"{s.get('total_facts', 0):,} facts.")
    if s.get("error"):
        lines += ["", f"**Error**: {md_text(s['error'], 400)}"]
    lines += ["", f"Run `{run_id}`, started {s.get('started_at')}, finished {s.get('finished_at')}.", ""]

    lines += ["## Failed checks", ""]
    if len(failed):
        lines += ["| severity | stage | suite | expectation | column | failed batches | observed |", "|---|---|---|---|---|---|---|"]
        for r in failed.itertuples():
            lines.append(f"| **{r.severity}** | {r.stage} | {r.suite} | {r.expectation} | {md_text(r.column_name)} | "
                         f"{r.failed_batches} of {r.batches} | {md_text(getattr(r, 'observed', ''), 80)} |")
    elif len(real):
        lines.append(f"None: all {len(real)} expectations passed on every batch.")
    else:
        lines.append("No data was checked in this run.")

    lines += ["", "## Stages", "", "| stage | task runs | seconds | output | quarantined | stage errors | checks failed |",
              "|---|---:|---:|---|---:|---:|---:|"]
    quarantined = report.quarantine.groupby("stage")["n"].sum().to_dict() if len(report.quarantine) else {}
    errors = report.stage_errors.groupby("stage")["n_articles"].sum().to_dict() if len(report.stage_errors) else {}
    failed_by_stage = failed.groupby("stage").size().to_dict() if len(failed) else {}
    for stage in [*STAGE_ORDER, *sorted(set(seconds) - set(STAGE_ORDER))]:
        if stage not in seconds and stage not in quarantined and stage not in errors:
            continue
        n_runs, secs = seconds.get(stage, (0, 0.0))
        lines.append(f"| {stage} | {n_runs} | {secs:,.1f} | {_stage_output(stage, counts)} | {quarantined.get(stage, 0)} | "
                     f"{errors.get(stage, 0)} | {failed_by_stage.get(stage, 0)} |")

    lines += ["", "## Quarantined", ""]
    if len(report.quarantine):
        lines += ["| stage | reason | documents | example |", "|---|---|---:|---|"]
        lines += [f"| {r.stage} | {md_text(r.reason)} | {r.n} | {md_text(r.example_source, 80)} |" for r in report.quarantine.itertuples()]
    else:
        lines.append("Nothing.")
    lines += ["", "## Stage errors", ""]
    if len(report.stage_errors):
        lines += ["| stage | error | articles | rows kept out |", "|---|---|---:|---:|"]
        lines += [f"| {r.stage} | {md_text(r.error)} | {r.n_articles} | {readable_number(r.n_rows_dropped)} |"
                  for r in report.stage_errors.itertuples()]
    else:
        lines.append("None.")

    lines += ["", "## New stories", ""]
    if len(report.new_articles):
        lines += ["| outlet | title | published |", "|---|---|---|"]
        lines += [f"| {md_text(r.outlet, 40)} | {md_text(r.title)} | {md_text('' if _missing(r.published_at) else str(r.published_at)[:16], 20)} |"
                  for r in report.new_articles.itertuples()]
    else:
        lines.append("None in this run.")

    lines += ["", "## Most reported claims", ""]
    if len(report.top_claims):
        lines += ["| claim | value | independent articles | outlets | speakers | for example |", "|---|---:|---:|---|---|---|"]
        for r in report.top_claims.itertuples():
            value = readable_number(r.value) + (f"–{readable_number(r.value_max)}"
                                                 if not _missing(r.value_max) and r.value_max != r.value else "")
            example = md_text(r.example_sentence, 160) + (f" (*{md_text(r.example_outlet, 40)}*: {md_text(r.example_title, 80)})"
                                                           if not _missing(r.example_title) else "")
            lines.append(f"| {md_text(r.category, 40)} · {md_text(r.action, 40)} | {value} {md_text(r.unit, 30)} | "
                         f"{r.n_independent} of {r.n_articles} | {readable_list(r.outlets)} | {readable_list(r.speakers, 3)} | {example} |")
    else:
        lines.append("No claims yet.")

    lines += ["", "## Dig further", "", "```sh",
              f".venv/bin/factwire sql \"SELECT stage, reason, source_uri FROM quarantine WHERE run_id = '{run_id}'\"",
              f".venv/bin/factwire sql \"SELECT * FROM stage_errors WHERE run_id = '{run_id}'\"",
              f".venv/bin/factwire sql \"SELECT stage, expectation, column_name, observed FROM dq_results WHERE run_id = '{run_id}' AND NOT success\"",
              f".venv/bin/factwire sql \"SELECT outlet, title FROM articles WHERE run_id = '{run_id}'\"",
              ".venv/bin/factwire sql \"SELECT category, action, value, n_independent, outlets FROM claims ORDER BY n_independent DESC LIMIT 20\"",
              "```"]
    return "\n".join(lines) + "\n"


def check_rows(report: RunReport) -> list[dict[str, Any]]:
    """The data-quality table: one row per expectation that saw data, failures first (critical
    before warning), with batch counts; expectations that only saw empty input are left out."""
    checks = report.checks
    if "n_rows" in checks:
        checks = checks[checks["n_rows"].fillna(0) > 0]
    return [
        {"result": "FAILED" if not r.success else "passed", "severity": r.severity, "stage": r.stage, "suite": r.suite,
         "expectation": r.expectation, "column": md_text(r.column_name), "failed batches": int(r.failed_batches),
         "batches": int(r.batches), "rows checked": 0 if _missing(r.n_rows) else int(r.n_rows), "observed": md_text(getattr(r, "observed", ""), 80)}
        for r in checks.itertuples()
    ]


def publish_artifact(kind: str, key: str, data: Any, description: str, flow_run_id: UUID | str | None) -> UUID | None:
    """Create an artifact on the flow run itself (not on the task run that creates it)."""
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    if not flow_run_id:
        return None
    payload = data if kind in ("markdown", "progress") else json.dumps(data)
    artifact = get_client(sync_client=True).create_artifact(
        artifact=ArtifactCreate(type=kind, key=key, data=payload, description=description, flow_run_id=UUID(str(flow_run_id))))
    return artifact.id


def _rename_flow_run(flow_run_id: UUID | str | None, name: str, tags: Iterable[str] = ()) -> None:
    """Give the flow run a name saying what it did (and extra tags)."""
    if not flow_run_id:
        return
    from prefect.client.orchestration import get_client

    client = get_client(sync_client=True)
    run_uuid = UUID(str(flow_run_id))
    new_tags = sorted({*client.read_flow_run(run_uuid).tags, *tags}) if tags else None
    client.update_flow_run(run_uuid, name=name, tags=new_tags)


@task(name="start-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def start_run(db: str, inputs: str, lock_wait_seconds: float) -> str:
    """Create or upgrade the warehouse and record the run; returns its run_id (also a tag of the
    flow run, `factwire-run:<run_id>`, so the UI finds a run by the id the warehouse uses)."""
    initialise(db, lock_wait_seconds)
    run_id = str(uuid.uuid4())
    flow_run_id = runtime.flow_run.id
    started = start_run_row(db, run_id, str(flow_run_id) if flow_run_id else None, inputs)
    try:
        _rename_flow_run(flow_run_id, run_title(started, "running", {}), tags=[f"factwire-run:{run_id}"])
    except Exception as exc:  # a name is a convenience; never fail the run over it
        get_run_logger().warning("could not name the flow run: %s", exc)
    return run_id


@task(name="finish-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def finish_run(db: str, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> dict[str, Any]:
    """Record the run's end; publish its report and data-quality table on the flow run, named after
    what it did."""
    finish_run_row(db, run_id, status, counts, error)
    report = run_report(db, run_id)
    flow_run_id = runtime.flow_run.id
    if stop_requested():  # the process is stopping: record the end, leave the report (seconds count)
        return {**report.summary, "nothing_new": nothing_new(counts)}
    try:
        seconds = stage_seconds(flow_run_id)
    except Exception as exc:  # the report still stands without timings
        get_run_logger().warning("could not read the stages' timings: %s", exc)
        seconds = {}
    try:
        title = run_title(report.summary["started_at"], status, counts)
        publish_artifact("markdown", REPORT_KEY, render_run_report(report, counts, seconds), f"factwire run {run_id}: {title}", flow_run_id)
        if nothing_new(counts) and status == "completed":
            publish_artifact("markdown", CHECKS_KEY, "Nothing new in this run: no batch was processed, so no stage was checked.\n",
                             "Great Expectations results per stage, failures first", flow_run_id)
        else:
            publish_artifact("table", CHECKS_KEY, check_rows(report), "Great Expectations results per stage, failures first", flow_run_id)
        _rename_flow_run(flow_run_id, title)
    except Exception as exc:  # artifacts are a view on the run; never fail the run over them
        get_run_logger().warning("could not publish the run report: %s", exc)
    return {**report.summary, "nothing_new": nothing_new(counts)}


# --- per stage and per batch ------------------------------------------------------------------------


def log_stage(stage: str, batch: Batch, n_in: int, started: float) -> None:
    """One INFO line from a stage's task run: articles in and out, rows made, what it quarantined
    (with reasons), its stage errors, and seconds. Called at the end of each stage's @task."""
    quarantined = [q for q in batch.quarantined if q.stage == stage]
    reasons: dict[str, int] = {}
    for q in quarantined:
        reason = q.reason.split(":")[0][:60]
        reasons[reason] = reasons.get(reason, 0) + 1
    errors = [e for e in batch.stage_errors if e.stage == stage]
    table = STAGE_TABLE.get(stage)
    rows = f", {len(batch.tables[table]):,} rows to {table}" if table and table in batch.tables else ""
    why = " (" + "; ".join(f"{r}: {n}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])) + ")" if reasons else ""
    _logger().info("%s batch %d: %d in, %d out%s, %d quarantined%s, %d stage errors, %.2f s",
                          stage, batch.index, n_in, len(batch.articles), rows, len(quarantined), why, len(errors),
                          time.monotonic() - started)


def _logger() -> Any:
    """The task run's logger (to the Prefect API), or a plain one when called outside a run (tests)."""
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("factwire.stages")


class Progress:
    """Per-batch progress of one run: a progress artifact on the flow run, updated per batch, and
    a bar with pages/s on the terminal when stderr is one (quiet under CI or when piped)."""

    def __init__(self, total_pages: int, stream: Any = None) -> None:
        self.total = max(total_pages, 0)
        self.started = time.monotonic()
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)()) and not os.environ.get("CI")
        self.artifact_id: UUID | None = None
        self.batches = 0

    def update(self, pages_done: int, batches_done: int | None = None) -> str:
        """Record progress after a batch (one more batch unless `batches_done` says); returns the text shown."""
        self.batches = self.batches + 1 if batches_done is None else batches_done
        batches_done = self.batches
        elapsed = max(time.monotonic() - self.started, 1e-6)
        pct = 100.0 if not self.total else min(100.0, 100.0 * pages_done / self.total)
        rate = pages_done / elapsed
        text = f"{pages_done:,}/{self.total:,} pages, {batches_done} batches, {rate:,.1f} pages/s"
        try:
            flow_run_id = runtime.flow_run.id
            if self.artifact_id is None:
                self.artifact_id = publish_artifact("progress", PROGRESS_KEY, pct, text, flow_run_id)
            else:
                from prefect.artifacts import update_progress_artifact

                update_progress_artifact(self.artifact_id, pct, description=text)
        except Exception:  # progress is a convenience; a lost update is not worth a failed run  # noqa: S110
            pass
        if self.tty:
            width = 30
            filled = int(width * pct / 100)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {pct:5.1f}% {text}")
            if pages_done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
        return text


_progress: dict[str, Progress] = {}


def report_progress(run_id: str, counts: Mapping[str, int]) -> str:
    """After each loaded batch, from the flow: `runs.report_progress(run_id, counts)`. Pages done
    are counts['n_read'] of counts['n_discovered']; batches are counted here."""
    progress = _progress.get(run_id)
    if progress is None:
        progress = _progress[run_id] = Progress(int(counts.get("n_discovered", 0)))
    return progress.update(int(counts.get("n_read", 0)))
