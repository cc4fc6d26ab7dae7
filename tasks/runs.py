"""Run bookkeeping tasks: a run row at the start, its counts, summary and artifacts at the end."""

from __future__ import annotations

import uuid
from typing import Any

from prefect import get_run_logger, runtime, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from warehouse.db import initialise
from warehouse.runs import finish_run_row, run_report, start_run_row


@task(name="start-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def start_run(db: str, inputs: str, lock_wait_seconds: float) -> str:
    """Create or upgrade the warehouse and record the run; returns its run_id."""
    initialise(db, lock_wait_seconds)
    run_id = str(uuid.uuid4())
    flow_run_id = runtime.flow_run.id
    start_run_row(db, run_id, str(flow_run_id) if flow_run_id else None, inputs)
    return run_id


@task(name="finish-run", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def finish_run(db: str, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> dict[str, Any]:
    """Record the run's end and publish its summary, checks and top claims as artifacts."""
    finish_run_row(db, run_id, status, counts, error)
    report = run_report(db, run_id)
    try:
        create_table_artifact(key="factwire-run-summary", table=[{"metric": k, "value": str(v)} for k, v in report.summary.items()],
                              description=f"factwire run {run_id}: {status}")
        create_table_artifact(key="factwire-data-quality", table=report.checks.astype(str).to_dict("records"),
                              description="Great Expectations results per stage, failures first (success over all batches)")
        create_table_artifact(key="factwire-top-claims", table=report.top_claims.astype(str).to_dict("records"),
                              description="Claims reported by the most independent articles")
    except Exception as exc:  # artifacts are a view on the run; never fail the run over them
        get_run_logger().warning("could not publish artifacts: %s", exc)
    return report.summary
