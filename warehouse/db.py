"""Connections to the DuckDB warehouse, its one transaction helper, migrations and views."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VIEWS_DIR = Path(__file__).resolve().parent / "views"
QUERIES_DIR = Path(__file__).resolve().parent / "queries"
# Views depend on each other; this order creates each after what it reads.
VIEW_ORDER = ["articles", "boilerplate", "mentions", "facts", "claims", "claim_conflicts"]

# DuckDB defaults to 80% of RAM; the writer shares the machine with the worker processes.
MEMORY_LIMIT = os.environ.get("FACTWIRE_DUCKDB_MEMORY_LIMIT", "512MB")
# How long a writer waits at most for waiting readers before it takes the lock anyway.
READER_PRIORITY_SECONDS = 5.0
# The file format a new warehouse is written in: the oldest DuckDB that must read it. DuckDB 2.0
# writes storage version 69 by default, which the DuckDB CLI on the package index (duckdb-cli
# 1.5.x) and current DBeaver refuse; with this set they read it (tests/test_db_clients.py).
# Only a file's creation decides its format: a warehouse made before this setting stays as it was.
STORAGE_COMPATIBILITY_VERSION = "v1.5.0"
# A read-only session for people (`factwire sql`): no file but the warehouse, no network, no
# extension loaded or installed, and no statement may change these settings back.
SANDBOX_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}

log = logging.getLogger("factwire.warehouse")


class WarehouseLockedError(RuntimeError):
    """The DuckDB file stayed locked by another process past the wait limit."""


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


def _waiting_readers_dir(path: Path) -> Path:
    return path.with_name(path.name + ".readers")


def _readers_waiting(path: Path) -> bool:
    """True while some reader is waiting for the file (markers older than a minute are stale)."""
    folder = _waiting_readers_dir(path)
    try:
        markers = list(folder.iterdir())
    except FileNotFoundError:
        return False
    now = time.time()
    return any(now - m.stat().st_mtime < 60 for m in markers if m.exists())


def _let_readers_in(path: Path, max_wait: float = READER_PRIORITY_SECONDS) -> None:
    """Before taking the write lock, give waiting readers their turn (bounded).

    DuckDB's file lock is not fair: a writer committing batch after batch re-takes it at once,
    and a reader backing off between retries could wait the whole run.
    """
    deadline = time.monotonic() + max_wait
    while _readers_waiting(path) and time.monotonic() < deadline:
        time.sleep(0.02)


def connect(path: str | Path, read_only: bool = False, wait_seconds: float = 60.0, sandbox: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying with backoff while another process holds its lock.

    DuckDB lets one process open a file for writing and then no other process may open it,
    even read-only; so writers and readers both hold it briefly and wait for each other here.
    A waiting reader leaves a marker next to the file so the writer lets it in between batches.
    `sandbox` (read-only only) locks the session down to the warehouse itself (SANDBOX_CONFIG).
    """
    if sandbox and not read_only:
        raise ValueError("a sandboxed connection is read-only")
    path = Path(path)
    config: dict[str, Any] = {"memory_limit": MEMORY_LIMIT, "storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION,
                              **(SANDBOX_CONFIG if sandbox else {})}
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        _let_readers_in(path)
    started = time.monotonic()
    deadline = started + wait_seconds
    delay = 0.05
    waited = False
    marker: Path | None = None
    try:
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only, config=config)
                if waited:
                    log.info("warehouse %s: got the lock after %.2fs", path, time.monotonic() - started)
                return con
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseLockedError(
                        f"{path} is locked by another process (a running ingest or an open SQL session) "
                        f"and stayed locked for {wait_seconds:.0f}s; close it or retry later"
                    ) from exc
                if not waited:
                    holder = re.search(r"PID (\d+)", str(exc))
                    log.warning("warehouse %s is locked by another process%s; waiting up to %.0fs (retrying with backoff)",
                                path, f" (PID {holder.group(1)})" if holder else "", wait_seconds)
                    waited = True
                if read_only and marker is None:
                    marker = _waiting_readers_dir(path) / f"{os.getpid()}-{random.getrandbits(32):08x}"
                    marker.parent.mkdir(exist_ok=True)
                    marker.touch()
                time.sleep(delay + random.uniform(0, delay / 2))
                # readers retry often: the writer leaves the file free for them between batches
                delay = min(delay * 2, 0.1 if read_only else 1.0)
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: Any) -> Iterator[None]:
    """A DataFrame visible to SQL as `name` for the block.

    When the block fails inside a transaction, DuckDB refuses the unregister until the
    rollback; that refusal must not hide the error that caused it.
    """
    con.register(name, frame)
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            con.unregister(name)
        raise
    con.unregister(name)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT around the block, ROLLBACK when it raises: the one place transactions open."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def write_transaction(path: str | Path, wait_seconds: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived writer holding one transaction: the warehouse sees all of the block or none."""
    with write_connection(path, wait_seconds) as con, transaction(con):
        yield con


@contextmanager
def write_connection(path: str | Path, wait_seconds: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived writer: holds the file lock only for the work inside the block."""
    con = connect(path, wait_seconds=wait_seconds)
    # No vacuum in a writer's checkpoints. DuckDB 2.0's checkpoint merges the row groups that
    # small appends leave (vacuum) and pins their data while it does: with raw pages landed
    # 100 at a time, the checkpoint after about 3,000 unique real pages (380 KB each) failed with
    # "FATAL Error: Failed to create checkpoint ... failed to pin block" under the 512MB limit,
    # and the database was lost for the run (DuckDB 1.4.2 did not; tests/test_writer.py). Without
    # vacuum every landing costs the same (0.3 s) however many pages are stored. The space of
    # rows deleted by a reload is reclaimed when their row group is next rewritten.
    con.execute("SET max_vacuum_tasks = 0")
    # Closing would checkpoint the write-ahead log into the file each time, whatever its size
    # (0.25 s per batch on a 5,000-page warehouse, measured). But every connection opened
    # replays the log first: with DuckDB's threshold (wal_autocheckpoint, 16 MB) a run's log
    # holds ~9 MB on average and each of the writer's connections took ~125 ms to open (28 of
    # them, 3.5 s, for 1,000 pages). So the log is written into the file when a connection
    # leaves more than WAL_CHECKPOINT_BYTES of it, and a run ends with an explicit CHECKPOINT.
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    try:
        yield con
        if _wal_bytes(path) > WAL_CHECKPOINT_BYTES:
            con.execute("CHECKPOINT")
    finally:
        con.close()


WAL_CHECKPOINT_BYTES = 2 * 1024 * 1024


def _wal_bytes(path: str | Path) -> int:
    try:
        return os.path.getsize(f"{path}.wal")
    except OSError:
        return 0


def publish_snapshot(path: str | Path, dest: str | Path, wait_seconds: float = 60.0) -> Path:
    """Copy the warehouse to `dest` for long read-only sessions, atomically replacing the last copy.

    The copy is taken holding the write lock after a CHECKPOINT, so it is never mid-batch; a
    session still open on the previous copy keeps reading that one (the old file lives on
    until it is closed).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    with write_connection(path, wait_seconds) as con:
        con.execute("CHECKPOINT")
        shutil.copyfile(path, tmp)
    os.replace(tmp, dest)
    return dest


def migration_files() -> list[Path]:
    """Migrations in the order they apply (NNNN_<verb>_<object>.sql)."""
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    applied = {row[0]: row[1] for row in con.execute("SELECT version, checksum FROM schema_migrations").fetchall()}
    done: list[str] = []
    for path in migration_files():
        version = int(path.name[:4])
        sql = path.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode()).hexdigest()
        if version in applied:
            if applied[version] != checksum:
                raise RuntimeError(f"migration {path.name} changed after it was applied; add a new migration instead")
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)", [version, path.stem, checksum])
        done.append(path.stem)
    return done


def view_sql(name: str) -> str:
    """The select-only SQL of one view."""
    return (VIEWS_DIR / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def load_query(name: str) -> str:
    """The SQL of one named query in warehouse/queries/ (select-only, run by the Python here)."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the public views from warehouse/views/*.sql."""
    names = VIEW_ORDER + sorted(p.stem for p in VIEWS_DIR.glob("*.sql") if p.stem not in VIEW_ORDER)
    for name in names:
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {view_sql(name)}")


def initialise(path: str | Path, wait_seconds: float = 60.0) -> list[str]:
    """Create or upgrade the warehouse file: migrations then views."""
    with write_connection(path, wait_seconds) as con:
        applied = migrate(con)
        create_views(con)
        return applied
