"""The warehouse file is readable by the DuckDB a user installs from the package index (duckdb-cli 1.5.x)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.db import connect, initialise, publish_snapshot

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"  # duckdb-cli, pinned in requirements.lock


@pytest.fixture(scope="module")
def cli() -> Path:
    assert DUCKDB_CLI.exists(), "duckdb-cli is missing: make install (it is pinned in requirements.lock)"
    version = subprocess.run([str(DUCKDB_CLI), "--version"], capture_output=True, text=True, timeout=30).stdout
    assert version.startswith("v1.5."), version
    return DUCKDB_CLI


def _cli_query(cli: Path, db: Path, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), "-readonly", "-csv", "-noheader", str(db), "-c", sql], capture_output=True, text=True, timeout=60)


def test_a_new_warehouse_and_its_snapshot_open_in_the_duckdb_cli(cli, db_path, tmp_path):
    initialise(db_path)
    con = connect(db_path)
    con.execute("INSERT INTO entities (entity_id, name, type, source) VALUES ('Q1', 'Somewhere', 'GPE', 'curated')")
    con.close()
    for file in (db_path, publish_snapshot(db_path, tmp_path / "snap.duckdb")):
        out = _cli_query(cli, file, "SELECT count(*) FROM entities; SELECT count(*) FROM articles;")
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["1", "0"]
