"""A canonical, comparable copy of the public tables: the golden-file check that a change to the
house (not to a stage's rules) leaves what users query exactly as it was.

Regenerate the golden files deliberately, and say why in the commit:
    .venv/bin/factwire ingest seeds --db /tmp/seeds.duckdb
    .venv/bin/python -m tests.public_tables /tmp/seeds.duckdb tests/golden/seeds_public_tables.json
(and for the benchmark pages, ingest them and add --digest: tests/golden/benchmark_public_tables.json)
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

# What a user queries. Columns that differ between two runs of the same input by design
# (ids and times of the run) are left out.
PUBLIC = ("articles", "boilerplate", "mentions", "facts", "claims", "claim_conflicts", "entities",
          "entity_surfaces", "candidate_entities", "shared_passages", "article_similarity", "stories")
VOLATILE = {"run_id", "ingested_at", "fetched_at", "checked_at", "first_seen_at", "landed_at"}
# Consistent names added after the golden copies were taken (issue 15): each repeats a value the
# copies already hold (entities.name, the claim's category, articles.outlet), so they are left out
# of the comparison; tests/test_public_names.py checks them.
# mentions.entity_type (migration 0113) is NULL unless a run uses --ner, which these copies do not.
# articles.outlet_host is source_uri's or url's host (tests/test_metadata.py checks it).
ADDED_NAMES = {"entity_surfaces": {"entity_name"}, "claims": {"category"}, "claim_conflicts": {"category"}, "facts": {"outlet"},
               "mentions": {"entity_type"}, "articles": {"outlet_host"}}


REPO = Path(__file__).resolve().parent.parent
# Where the inputs were read from differs between checkouts (CI clones elsewhere): paths under
# the repo and under ../shared are written relative to them.
PLACES = ((REPO.as_uri(), "file://REPO"), ((REPO.parent / "shared").resolve().as_uri(), "file://SHARED"))


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        for uri, name in PLACES:
            value = value.replace(uri, name)
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """Every public table's rows (volatile columns dropped), sorted, as plain JSON values."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in PUBLIC:
        cursor = con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        skip = VOLATILE | ADDED_NAMES.get(table, set())
        rows = [{n: _plain(v) for n, v in zip(names, row, strict=True) if n not in skip} for row in cursor.fetchall()]
        out[table] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return out


def digests(snap: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Row count and sha256 of each table's canonical rows: a compact golden for large corpora."""
    return {
        table: {"rows": len(rows), "sha256": hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()}
        for table, rows in snap.items()
    }


# Tables the seeds' golden file keeps as a row count and hash only: the gazetteer's ~10,000
# entities would make the file megabytes of rows no seed touches.
DIGEST_ONLY = {"entities"}


def seeds_golden(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The seeds' golden form: every public table's rows, the gazetteer as a digest."""
    snap = snapshot(con)
    return {t: (digests({t: rows})[t] if t in DIGEST_ONLY else rows) for t, rows in snap.items()}


def main(argv: list[str]) -> None:
    """python -m tests.public_tables DB OUT.json [--digest]: write the snapshot of a loaded warehouse."""
    con = duckdb.connect(argv[0], read_only=True)
    data: Any = digests(snapshot(con)) if "--digest" in argv else seeds_golden(con)
    con.close()
    Path(argv[1]).write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
