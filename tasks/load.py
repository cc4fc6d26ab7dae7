"""Load stage: idempotent, one-transaction-per-batch writes into the DuckDB warehouse."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.models import Quarantined, RawDocument
from warehouse.db import write_connection

log = logging.getLogger("factwire.load")
ARTICLE_CHILD_TABLES = (
    "stg_boilerplate", "stg_mentions", "stg_facts", "stg_candidate_entities", "article_fingerprints", "sentence_bands",
)
# links of a reloaded article are redone by the syndication step (its fingerprint is unlinked)
ARTICLE_LINK_TABLES = ("article_similarity", "shared_passages")
RUN_COUNTERS = (
    "n_discovered", "n_skipped_known", "n_extracted", "n_quarantined", "n_articles_loaded",
    "n_boilerplate", "n_mentions", "n_facts", "n_checks_passed", "n_checks_failed",
)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, conflict: str = "") -> None:
    """Bulk insert a DataFrame by column name."""
    if frame.empty:
        return
    con.register("_incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming {conflict}")
    finally:
        con.unregister("_incoming")


def quarantine_frame(items: list[Quarantined], run_id: str, at: datetime) -> pd.DataFrame:
    """quarantine rows; the id is stable per run, document and stage."""
    rows = [
        {
            "quarantine_id": hashlib.sha256(f"{run_id}:{q.source_uri}:{q.content_sha256}:{q.stage}".encode()).hexdigest()[:16],
            "run_id": run_id, "source_uri": q.source_uri, "content_sha256": q.content_sha256,
            "stage": q.stage, "reason": q.reason, "raw_bytes": q.raw_bytes, "raw_text": q.raw_text,
            "quarantined_at": at,
        }
        for q in items
    ]
    columns = ["quarantine_id", "run_id", "source_uri", "content_sha256", "stage", "reason", "raw_bytes", "raw_text", "quarantined_at"]
    return pd.DataFrame(rows, columns=columns)


def raw_frame(docs: list[RawDocument], run_id: str, at: datetime) -> pd.DataFrame:
    """raw_documents rows for documents that were read whole."""
    rows = [
        {
            "content_sha256": d.content_sha256, "raw_bytes": d.raw_bytes, "media_type": d.media_type,
            "size_bytes": d.size_bytes, "first_source_uri": d.source_uri, "fetched_at": d.fetched_at,
            "landed_at": at, "run_id": run_id,
        }
        for d in docs
        if d.error is None and d.content_sha256
    ]
    columns = ["content_sha256", "raw_bytes", "media_type", "size_bytes", "first_source_uri", "fetched_at", "landed_at", "run_id"]
    frame = pd.DataFrame(rows, columns=columns).drop_duplicates("content_sha256")
    frame["fetched_at"] = pd.to_datetime(frame["fetched_at"], utc=True)
    return frame


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def abandon_stale_runs(con: duckdb.DuckDBPyConnection, host: str, is_alive: Any = _pid_alive) -> list[str]:
    """Mark 'running' runs whose process on this host is gone as 'abandoned'; returns their ids.

    A killed run cannot record its own end. Runs from other hosts are left alone: their
    process cannot be checked from here.
    """
    rows = con.execute("SELECT run_id, pid FROM runs WHERE status = 'running' AND host = ?", [host]).fetchall()
    stale = [run_id for run_id, pid in rows if pid is None or not is_alive(int(pid))]
    for run_id in stale:
        con.execute(
            "UPDATE runs SET status = 'abandoned', finished_at = ?, error = 'the process ended without finishing the run "
            "(killed or crashed); its committed batches stay, the rest is picked up by the next run' WHERE run_id = ?",
            [datetime.now(UTC), run_id],
        )
    return stale


def start_run_row(db: str | Path, run_id: str, flow_run_id: str | None, inputs: str) -> datetime:
    """Record a run as started (after marking runs that died on this host as abandoned)."""
    started = datetime.now(UTC)
    host = socket.gethostname()
    with write_connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for stale in abandon_stale_runs(con, host):
                log.warning("run %s was left 'running' by a process that is gone; marked 'abandoned'", stale)
            con.execute(
                "INSERT INTO runs (run_id, flow_run_id, started_at, status, inputs, host, pid) VALUES (?, ?, ?, 'running', ?, ?, ?)",
                [run_id, flow_run_id, started, inputs, host, os.getpid()],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return started


def known_hashes(db: str | Path) -> set[str]:
    """Content hashes already loaded or quarantined: re-ingesting them adds nothing."""
    with write_connection(db) as con:
        rows = con.execute(
            "SELECT content_sha256 FROM stg_articles UNION SELECT content_sha256 FROM quarantine WHERE content_sha256 IS NOT NULL"
        ).fetchall()
    return {r[0] for r in rows}


def known_source_uris(db: str | Path) -> set[str]:
    """Every source already landed (a fetched URL is not fetched again)."""
    with write_connection(db) as con:
        return {r[0] for r in con.execute("SELECT DISTINCT source_uri FROM raw_sources").fetchall()}


def _test_pause(con: duckdb.DuckDBPyConnection) -> None:
    """Test hook: hold the open batch transaction so a test can kill the run or read meanwhile.

    Only when FACTWIRE_TEST_PAUSE_IN_LOAD is set (seconds); each pause appends a line to the
    file named by FACTWIRE_TEST_PAUSE_MARKER, so the test knows the transaction is open.
    """
    seconds = os.environ.get("FACTWIRE_TEST_PAUSE_IN_LOAD")
    if not seconds:
        return
    marker = os.environ.get("FACTWIRE_TEST_PAUSE_MARKER")
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {con.execute('SELECT count(*) FROM stg_articles').fetchall()[0][0]}\n")
    time.sleep(float(seconds))


def land_raw_documents(db: str | Path, run_id: str, raw: pd.DataFrame, sources: list[tuple[str, str]]) -> None:
    """Store raw bytes and where each document was seen, before anything else is done to it."""
    at = datetime.now(UTC)
    src = pd.DataFrame(
        [{"content_sha256": h, "source_uri": uri, "first_seen_at": at, "run_id": run_id} for h, uri in sources if h],
        columns=["content_sha256", "source_uri", "first_seen_at", "run_id"],
    ).drop_duplicates(["content_sha256", "source_uri"])
    with write_connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _insert(con, "raw_documents", raw, "ON CONFLICT DO NOTHING")
            _insert(con, "raw_sources", src, "ON CONFLICT DO NOTHING")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def write_batch(
    db: str | Path,
    frames: dict[str, pd.DataFrame],
    quarantine: pd.DataFrame,
    dq_rows: list[dict[str, Any]],
) -> None:
    """Upsert one batch in a single transaction: the warehouse sees all of it or none of it."""
    article_ids = frames["stg_articles"]["article_id"].tolist()
    dq = pd.DataFrame(dq_rows)
    with write_connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            if article_ids:
                con.register("_ids", pd.DataFrame({"article_id": article_ids}))
                # Reloading an article replaces its rows. New articles (the usual case) have
                # none, and each DELETE scans a child table whole: skipping them keeps a load's
                # cost independent of the warehouse's size. Child rows are only ever written
                # in the same transaction as their stg_articles row.
                reloaded = con.execute("SELECT count(*) FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)").fetchall()[0][0]
                if reloaded:
                    for table in (*ARTICLE_CHILD_TABLES, "stg_articles"):
                        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _ids)")
                    for table in ARTICLE_LINK_TABLES:
                        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _ids) "
                                    "OR other_article_id IN (SELECT article_id FROM _ids)")
                con.unregister("_ids")
            _insert(con, "stg_articles", frames["stg_articles"])
            _test_pause(con)
            for table in ARTICLE_CHILD_TABLES:
                if table in frames:  # frames built before a table existed simply lack it
                    _insert(con, table, frames[table])
            _insert(con, "quarantine", quarantine, "ON CONFLICT DO NOTHING")
            _insert(con, "dq_results", dq)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def replace_entities(db: str | Path, entities: pd.DataFrame) -> None:
    """Refresh the entities table from the gazetteer (upsert by entity_id)."""
    with write_connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _insert(con, "entities", entities, "ON CONFLICT (entity_id) DO UPDATE SET name = excluded.name, type = excluded.type, "
                    "wikidata_id = excluded.wikidata_id, geonames_id = excluded.geonames_id, latitude = excluded.latitude, "
                    "longitude = excluded.longitude, source = excluded.source")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def insert_dq_rows(db: str | Path, dq_rows: list[dict[str, Any]]) -> None:
    """Store check results that are not part of a batch (gazetteer, raw documents)."""
    with write_connection(db) as con:
        _insert(con, "dq_results", pd.DataFrame(dq_rows))


def finish_run_row(db: str | Path, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> None:
    """Record a run's end, its status and counts per stage."""
    sets = ", ".join(f"{c} = ?" for c in RUN_COUNTERS)
    with write_connection(db) as con:
        con.execute(
            f"UPDATE runs SET finished_at = ?, status = ?, error = ?, {sets} WHERE run_id = ?",
            [datetime.now(UTC), status, error, *[int(counts.get(c, 0)) for c in RUN_COUNTERS], run_id],
        )
        con.execute("CHECKPOINT")  # the run's writes into the file itself: readers need not replay a log


@task(name="load", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load(db: str, frames: dict[str, pd.DataFrame], quarantine: pd.DataFrame, dq_rows: list[dict[str, Any]]) -> int:
    """Prefect wrapper around write_batch; returns the number of articles written."""
    write_batch(db, frames, quarantine, dq_rows)
    return len(frames["stg_articles"])
