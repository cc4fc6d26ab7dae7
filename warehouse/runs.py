"""Run bookkeeping in the warehouse: a row per run, stale runs marked, the run's summary."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from warehouse.db import connect, load_query, write_connection, write_transaction

log = logging.getLogger("factwire.runs")
RUN_COUNTERS = (
    "n_discovered", "n_skipped_known", "n_extracted", "n_quarantined", "n_articles_loaded",
    "n_boilerplate", "n_mentions", "n_facts", "n_checks_passed", "n_checks_failed", "n_stage_errors",
)
ABANDONED = ("the process ended without finishing the run (killed or crashed); its committed batches stay, "
             "the rest is picked up by the next run")


def pid_alive(pid: int) -> bool:
    """True while a process with this PID exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def abandon_stale_runs(con: duckdb.DuckDBPyConnection, host: str, is_alive: Callable[[int], bool] = pid_alive) -> list[str]:
    """Mark 'running' runs whose process on this host is gone as 'abandoned'; returns their ids.

    A killed run cannot record its own end. Runs from other hosts are left alone: their
    process cannot be checked from here.
    """
    rows = con.execute("SELECT run_id, pid FROM runs WHERE status = 'running' AND host = ?", [host]).fetchall()
    stale = [run_id for run_id, pid in rows if pid is None or not is_alive(int(pid))]
    for run_id in stale:
        con.execute("UPDATE runs SET status = 'abandoned', finished_at = ?, error = ? WHERE run_id = ?",
                    [datetime.now(UTC), ABANDONED, run_id])
    return stale


def start_run_row(db: str | Path, run_id: str, flow_run_id: str | None, inputs: str) -> datetime:
    """Record a run as started (after marking runs that died on this host as abandoned)."""
    started = datetime.now(UTC)
    host = socket.gethostname()
    with write_transaction(db) as con:
        for stale in abandon_stale_runs(con, host):
            log.warning("run %s was left 'running' by a process that is gone; marked 'abandoned'", stale)
        con.execute(
            "INSERT INTO runs (run_id, flow_run_id, started_at, status, inputs, host, pid) VALUES (?, ?, ?, 'running', ?, ?, ?)",
            [run_id, flow_run_id, started, inputs, host, os.getpid()],
        )
    return started


def finish_run_row(db: str | Path, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> None:
    """Record a run's end, its status and counts per stage."""
    sets = ", ".join(f"{c} = ?" for c in RUN_COUNTERS)
    with write_connection(db) as con:
        con.execute(
            f"UPDATE runs SET finished_at = ?, status = ?, error = ?, {sets} WHERE run_id = ?",
            [datetime.now(UTC), status, error, *[int(counts.get(c, 0)) for c in RUN_COUNTERS], run_id],
        )
        con.execute("CHECKPOINT")  # the run's writes into the file itself: readers need not replay a log


def cancel_run_row(db: str | Path, flow_run_id: str, reason: str) -> int:
    """Mark the run of a flow run `cancelled` with the reason (after it was stopped from outside,
    whatever it recorded itself); returns how many rows changed."""
    with write_connection(db) as con:
        return len(con.execute(
            "UPDATE runs SET status = 'cancelled', finished_at = coalesce(finished_at, ?), error = ? "
            "WHERE flow_run_id = ? AND status IN ('running', 'failed') RETURNING run_id",
            [datetime.now(UTC), reason, flow_run_id]).fetchall())


@dataclass(slots=True)
class RunReport:
    """A finished run as the warehouse holds it: its row with totals, its checks, what it
    quarantined and could not do, the stories it added and the most reported claims."""

    summary: dict[str, Any]
    checks: pd.DataFrame
    top_claims: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    stage_errors: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_articles: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_report(db: str | Path, run_id: str) -> RunReport:
    """Read a run's summary, check results, quarantine, stage errors, new stories and the top
    claims (warehouse/queries/run_*.sql)."""
    con = connect(db, read_only=True)
    try:
        params = {"run_id": run_id}
        row = con.execute(load_query("run_row"), params).df().to_dict("records")[0]
        totals = con.execute(load_query("totals")).df().to_dict("records")[0]
        report = RunReport(
            summary={},
            checks=con.execute(load_query("run_checks"), params).df(),
            top_claims=con.execute(load_query("run_top_claims")).df(),
            quarantine=con.execute(load_query("run_quarantine"), params).df(),
            stage_errors=con.execute(load_query("run_stage_errors"), params).df(),
            new_articles=con.execute(load_query("run_new_articles"), params).df(),
        )
    finally:
        con.close()
    report.summary = {k: _plain(v) for k, v in {**row, **totals}.items()}
    return report


def _plain(value: Any) -> Any:
    """A value as JSON takes it: times as ISO text, NumPy scalars as Python numbers, NaN/NaT as None."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # NumPy scalar
        return value.item()
    return value
