"""The batch writer: raw landing, one transaction per batch, the gazetteer, check results."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from warehouse.db import load_query, registered, transaction, write_connection, write_transaction
from warehouse.linking import requeue_partners

# Rows that belong to one article and are replaced with it when it is loaded again.
ARTICLE_CHILD_TABLES = (
    "stg_boilerplate", "stg_mentions", "stg_facts", "stg_candidate_entities", "article_fingerprints",
    "sentence_bands", "stage_errors",
)
# Links of a reloaded article; the next linking pass finds them again (its fingerprint is new),
# and recomputes those of every article it was linked with (warehouse.linking.requeue_partners).
ARTICLE_LINK_TABLES = ("article_similarity", "shared_passages")
# Tables a loaded batch may hold rows for, in the order they are written.
BATCH_TABLES = ("stg_articles", *ARTICLE_CHILD_TABLES, "quarantine", "dq_results")
# Child rows a failed load check can keep out: each keyed by (article_id, start_char), mentions
# by (article_id, field, start_char).
CHECKED_CHILD_TABLES = ("stg_boilerplate", "stg_mentions", "stg_facts", "stg_candidate_entities")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, conflict: str = "") -> None:
    """Bulk insert a DataFrame by column name."""
    if frame is None or frame.empty:
        return
    with registered(con, "_incoming", frame):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming {conflict}")


@dataclass(slots=True)
class LoadVerdict:
    """What the load check said about a batch's rows as stored: dq rows, rows to keep out
    (table_name, article_id, start_char, field, reason; field is a mention's, else NULL), and
    stage_errors rows saying which."""

    dq_rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["table_name", "article_id", "start_char", "field", "reason"]))
    stage_errors: pd.DataFrame | None = None


# Given the batch's stored child rows with their check_* columns (warehouse/queries/loaded_rows.sql).
LoadCheck = Callable[[pd.DataFrame], LoadVerdict]


def land_raw_documents(db: str | Path, raw: pd.DataFrame, sources: pd.DataFrame) -> None:
    """Store raw bytes and where each document was seen, before anything else is done to it."""
    with write_transaction(db) as con:
        if raw is not None and not raw.empty:
            # raw_documents has no key (migration 0115): a hash already stored, or twice in the
            # frame, is added once, here, under the file's write lock.
            with registered(con, "_incoming", raw):
                con.execute(load_query("land_raw_documents"))
        insert_frame(con, "raw_sources", sources, "ON CONFLICT DO NOTHING")


def _delete_reloaded(con: duckdb.DuckDBPyConnection) -> None:
    """Reloading an article replaces its rows (articles in the temp table _ids).

    New articles (the usual case) have none, and each DELETE scans a child table whole:
    skipping them keeps a load's cost independent of the warehouse's size. Child rows are only
    ever written in the same transaction as their stg_articles row.
    """
    reloaded = con.execute("SELECT count(*) FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)").fetchall()[0][0]
    if not reloaded:
        return
    # Links found for the old version are found again for the new one by the next linking pass,
    # and so are those of its partners: links stay a function of what is loaded, not of load order.
    requeue_partners(con, "_ids")
    con.execute("DELETE FROM fact_claims WHERE fact_id IN (SELECT fact_id FROM stg_facts WHERE article_id IN (SELECT article_id FROM _ids))")
    con.execute("DELETE FROM article_duplicates WHERE article_id IN (SELECT article_id FROM _ids)")
    for table in (*ARTICLE_CHILD_TABLES, "stg_articles"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _ids)")
    for table in ARTICLE_LINK_TABLES:
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _ids) "
                    "OR other_article_id IN (SELECT article_id FROM _ids)")


def _keep_out(con: duckdb.DuckDBPyConnection, rejected: pd.DataFrame) -> None:
    """Delete the child rows a failed load check names, inside the batch's transaction."""
    for table, rows in rejected.groupby("table_name"):
        if table not in CHECKED_CHILD_TABLES:
            raise ValueError(f"a load check cannot keep rows of {table} out")
        if table == "stg_mentions":  # a headline mention and a body mention may share an offset
            with registered(con, "_rejected", rows[["article_id", "field", "start_char"]]):
                con.execute("DELETE FROM stg_mentions t USING _rejected r WHERE t.article_id = r.article_id "
                            "AND t.field = r.field AND t.start_char = r.start_char")
            continue
        with registered(con, "_rejected", rows[["article_id", "start_char"]]):
            con.execute(f"DELETE FROM {table} t USING _rejected r WHERE t.article_id = r.article_id AND t.start_char = r.start_char")


def quarantine_id(source_uri: str, reason: str) -> str:
    """The id of a quarantine row: one row per source and reason, whichever run saw it."""
    return hashlib.sha256(f"{source_uri}\x1f{reason}".encode()).hexdigest()[:16]


def _upsert_quarantine(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame | None) -> None:
    """Quarantine rows, idempotently: a (source_uri, reason) already there is counted again
    (n_seen, last_seen_at) instead of added (migration 0080). The table has no index (migration
    0117): warehouse/queries/upsert_quarantine.sql holds the key, under the write lock."""
    if frame is None or frame.empty:
        return
    key = ["source_uri", "reason"]
    seen = frame.groupby(key, sort=False).agg(n_seen=("quarantined_at", "size"), last_seen_at=("quarantined_at", "max")).reset_index()
    rows = frame.drop_duplicates(key, keep="first").drop(columns=["n_seen", "last_seen_at"], errors="ignore").merge(seen, on=key)
    rows["quarantine_id"] = [quarantine_id(s, r) for s, r in zip(rows["source_uri"], rows["reason"], strict=True)]
    with registered(con, "_incoming", rows):
        con.execute(load_query("upsert_quarantine"))


def write_batch(db: str | Path, frames: dict[str, pd.DataFrame], check: LoadCheck | None = None) -> LoadVerdict:
    """Write one batch in a single transaction: the warehouse sees all of it or none of it.

    `frames` maps table names (BATCH_TABLES) to rows. `check` sees the batch's child rows as
    stored, joined to their articles; rows it rejects are deleted before the commit.
    """
    unknown = set(frames) - set(BATCH_TABLES)
    if unknown:
        raise ValueError(f"write_batch got rows for tables it does not write: {sorted(unknown)}")
    articles = frames.get("stg_articles", pd.DataFrame(columns=["article_id"]))
    verdict = LoadVerdict()
    ids = pd.DataFrame({"article_id": pd.Series(articles["article_id"].tolist(), dtype="string")})
    with write_connection(db) as con, registered(con, "_ids", ids), transaction(con):
        if len(ids):
            _delete_reloaded(con)
        con.execute(load_query("batch_marks"))
        for table in BATCH_TABLES:
            if table == "quarantine":
                _upsert_quarantine(con, frames.get(table))
            else:
                insert_frame(con, table, frames.get(table))
        if check is not None and not articles.empty:
            verdict = check(con.execute(load_query("loaded_rows")).df())
            if not verdict.rejected.empty:
                _keep_out(con, verdict.rejected)
            insert_frame(con, "stage_errors", verdict.stage_errors)
            insert_frame(con, "dq_results", pd.DataFrame(verdict.dq_rows))
        if len(ids):
            con.execute(load_query("local_entities"))
    return verdict


def replace_entities(db: str | Path, entities: pd.DataFrame, dq_rows: list[dict[str, Any]]) -> None:
    """Refresh the entities table from the gazetteer (upsert by entity_id), with its check results."""
    with write_transaction(db) as con:
        insert_frame(con, "dq_results", pd.DataFrame(dq_rows))
        insert_frame(con, "entities", entities, "ON CONFLICT (entity_id) DO UPDATE SET name = excluded.name, type = excluded.type, "
                     "wikidata_id = excluded.wikidata_id, geonames_id = excluded.geonames_id, latitude = excluded.latitude, "
                     "longitude = excluded.longitude, source = excluded.source")


def insert_dq_rows(db: str | Path, dq_rows: list[dict[str, Any]]) -> None:
    """Store check results that are not part of a batch (the linking pass)."""
    with write_connection(db) as con, transaction(con):
        insert_frame(con, "dq_results", pd.DataFrame(dq_rows))


def known_hashes(db: str | Path) -> set[str]:
    """Content hashes that need no work: loaded without a stage error, or quarantined.

    An article some stage failed on is processed again by the next run, so a fix fills the gap.
    """
    with write_connection(db) as con:
        return {r[0] for r in con.execute(load_query("known_hashes")).fetchall()}


def known_source_uris(db: str | Path) -> set[str]:
    """Every source already landed (a fetched URL is not fetched again)."""
    with write_connection(db) as con:
        return {r[0] for r in con.execute("SELECT DISTINCT source_uri FROM raw_sources").fetchall()}
