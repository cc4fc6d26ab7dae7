"""Migrations apply in order, exactly once, and produce exactly the documented tables."""

from __future__ import annotations

import duckdb

from warehouse.db import initialise, migrate, migration_files

EXPECTED_TABLES = {
    "schema_migrations", "runs", "dq_results", "quarantine", "raw_documents", "raw_sources",
    "stg_articles", "stg_boilerplate", "stg_mentions", "stg_facts", "entities", "stg_candidate_entities",
    "article_fingerprints", "sentence_bands", "article_similarity", "shared_passages",
}
EXPECTED_VIEWS = {"articles", "boilerplate", "mentions", "facts", "claims", "claim_conflicts", "entity_surfaces", "candidate_entities"}


def _objects(con: duckdb.DuckDBPyConnection, kind: str) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = ?", [kind]).fetchall()
    return {r[0] for r in rows}


def test_exact_set_of_tables_and_views(memory_db):
    assert _objects(memory_db, "BASE TABLE") == EXPECTED_TABLES
    assert _objects(memory_db, "VIEW") == EXPECTED_VIEWS


def test_migrations_apply_twice_without_change(db_path):
    first = initialise(db_path)
    assert first == [p.stem for p in migration_files()]
    assert initialise(db_path) == []
    con = duckdb.connect(str(db_path))
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert versions == sorted(int(p.name[:4]) for p in migration_files())
    con.close()


def test_migration_names_follow_convention():
    for path in migration_files():
        number, verb = path.stem.split("_")[:2]
        assert len(number) == 4 and number.isdigit()
        assert verb in {"create", "add", "alter", "drop", "rename", "backfill"}


def test_public_columns_exist(memory_db):
    required = {
        "articles": {"article_id", "source_uri", "outlet", "title", "author", "published_at", "published_at_text",
                     "language", "body", "raw_text", "word_count", "content_sha256", "duplicate_of", "run_id", "ingested_at"},
        "boilerplate": {"article_id", "kind", "text", "start_char", "end_char", "rule"},
        "entities": {"entity_id", "name", "type", "wikidata_id", "geonames_id", "latitude", "longitude"},
        "mentions": {"article_id", "entity_id", "surface", "start_char", "end_char", "sentence_index"},
        "facts": {"fact_id", "article_id", "value", "value_text", "qualifier", "unit", "category", "action",
                  "subject_entity_id", "speaker_entity_id", "speaker_text", "polarity", "sentence", "start_char", "end_char"},
        "claims": {"claim_category", "action", "value", "unit", "n_articles", "n_independent", "outlets", "speakers",
                   "fact_ids", "claim_key", "value_low", "value_high", "units", "speaker_entity_ids"},
        "claim_conflicts": {"claim_category", "action", "value", "other_value", "outlets", "other_outlets",
                            "speakers", "other_speakers", "fact_ids", "other_fact_ids"},
        "shared_passages": {"article_id", "start_char", "end_char", "other_article_id", "other_start_char",
                            "other_end_char", "similarity", "text"},
        "dq_results": {"run_id", "stage", "suite", "expectation", "column_name", "success", "observed", "checked_at"},
        "runs": {"run_id", "started_at", "finished_at", "status"},
        "quarantine": {"source_uri", "stage", "reason", "raw_bytes", "raw_text", "run_id"},
    }
    for name, columns in required.items():
        have = {r[0] for r in memory_db.execute(f"DESCRIBE {name}").fetchall()}
        assert columns <= have, f"{name} lacks {columns - have}"
    published = dict(memory_db.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'stg_articles'").fetchall())
    assert published["published_at"] == "TIMESTAMP WITH TIME ZONE"


def test_changed_migration_is_refused(tmp_path, monkeypatch):
    import shutil

    import pytest

    import warehouse.db as db

    copy = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, copy)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", copy)
    con = duckdb.connect(":memory:")
    migrate(con)
    first = sorted(copy.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(RuntimeError, match="changed after it was applied"):
        migrate(con)


def test_writer_gives_waiting_readers_their_turn(tmp_path):
    """A reader waiting for the lock leaves a marker; the writer holds back while it is there."""
    import time

    from warehouse.db import _let_readers_in, _readers_waiting, _waiting_readers_dir

    db = tmp_path / "w.duckdb"
    assert not _readers_waiting(db)
    started = time.monotonic()
    _let_readers_in(db, max_wait=5)
    assert time.monotonic() - started < 0.5  # nobody waiting: no delay
    marker = _waiting_readers_dir(db) / "123-reader"
    marker.parent.mkdir()
    marker.touch()
    assert _readers_waiting(db)
    started = time.monotonic()
    _let_readers_in(db, max_wait=0.3)
    assert time.monotonic() - started >= 0.3  # bounded: the writer never waits forever
    marker.unlink()
    assert not _readers_waiting(db)
