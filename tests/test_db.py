"""warehouse/db.py: migrations apply in order, exactly once, and produce exactly the documented
tables; one transaction helper; the lock between writers and readers."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.db import initialise, migrate, migration_files, transaction, write_transaction

EXPECTED_TABLES = {
    "schema_migrations", "runs", "dq_results", "quarantine", "raw_documents", "raw_sources",
    "stg_articles", "stg_boilerplate", "stg_mentions", "stg_facts", "entities", "stg_candidate_entities",
    "article_fingerprints", "sentence_bands", "article_similarity", "shared_passages",
    "article_duplicates", "fact_claims", "stage_errors", "article_stories", "story_groups", "link_bucket_rechecks",
}
EXPECTED_VIEWS = {"articles", "boilerplate", "mentions", "facts", "claims", "claim_conflicts", "entity_surfaces", "candidate_entities",
                  "stories"}


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


def test_mentions_carry_a_nullable_ner_type(memory_db):
    """Migration 0113: the statistical NER's label of a mention (NULL without --ner), in staging
    and in the public view."""
    stored = dict(memory_db.execute("SELECT column_name, is_nullable FROM information_schema.columns "
                                    "WHERE table_name = 'stg_mentions'").fetchall())
    assert stored["entity_type"] == "YES"
    assert "entity_type" in {r[0] for r in memory_db.execute("DESCRIBE mentions").fetchall()}


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


def test_transaction_commits_the_block():
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (x INTEGER)")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1), (2)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_transaction_rolls_back_everything_when_the_block_raises():
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES (1)")  # the second row breaks the key: none of them stays
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with pytest.raises(KeyboardInterrupt), transaction(con):  # an interrupt is rolled back too
        con.execute("INSERT INTO t VALUES (3)")
        raise KeyboardInterrupt
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with transaction(con):  # and the connection is usable afterwards
        con.execute("INSERT INTO t VALUES (4)")
    assert con.execute("SELECT x FROM t").fetchall() == [(4,)]


def test_write_transaction_holds_the_file_only_for_the_block(db_path):
    initialise(db_path)
    with write_transaction(db_path) as con:
        con.execute("INSERT INTO runs (run_id, started_at, status) VALUES ('r', now(), 'running')")
    reader = duckdb.connect(str(db_path), read_only=True)  # the writer let go of the file
    assert reader.execute("SELECT status FROM runs").fetchall() == [("running",)]
    reader.close()


def test_one_place_opens_transactions():
    """BEGIN/COMMIT/ROLLBACK are written once, in warehouse/db.py; no code updates a staging table."""
    from tests.conftest import REPO

    sources = [p for d in ("flows", "tasks", "warehouse", "expectations", "benchmarks", "scripts") for p in (REPO / d).rglob("*.py")]
    begins = [p.relative_to(REPO).as_posix() for p in sources if "BEGIN TRANSACTION" in p.read_text(encoding="utf-8")]
    assert begins == ["warehouse/db.py"]
    for path in [*sources, *(REPO / "warehouse").rglob("*.sql")]:
        assert "UPDATE stg_" not in path.read_text(encoding="utf-8"), path
    assert not [p for p in (REPO / "tasks").rglob("*.py") if "import duckdb" in p.read_text(encoding="utf-8")]


def _migrate_before(con: duckdb.DuckDBPyConnection, version: int, tmp_path, monkeypatch) -> None:
    """Bring `con` to the schema of a warehouse made before migration `version`; the test then
    points MIGRATIONS_DIR back at the real folder to upgrade it."""
    import shutil

    import warehouse.db as db

    old = tmp_path / "migrations"
    old.mkdir()
    for path in db.MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < version:
            shutil.copy(path, old)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", old)
    migrate(con)


def test_links_move_out_of_staging_on_upgrade(tmp_path, monkeypatch):
    """0060: a warehouse written before the link tables keeps its copies and claim keys."""
    import warehouse.db as db

    con = duckdb.connect(":memory:")
    _migrate_before(con, 60, tmp_path, monkeypatch)
    for article_id, duplicate_of in (("a", None), ("b", "a")):
        con.execute("INSERT INTO stg_articles (article_id, content_sha256, source_uri, media_type, body, raw_text, word_count, "
                    "duplicate_of, run_id, ingested_at) VALUES (?, 'h' || ?, 'u', 'text/plain', 'x', 'x', 1, ?, 'r', now())",
                    [article_id, article_id, duplicate_of])
    con.execute("INSERT INTO stg_facts (fact_id, article_id, value, value_low, value_high, value_text, polarity, sentence, "
                "sentence_index, start_char, end_char, claim_key) VALUES ('f', 'a', 3, 3, 3, '3', 'asserted', 's', 0, 0, 1, 'k|-|3')")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", db.Path(db.__file__).resolve().parent / "migrations")
    assert "0060_create_link_tables" in migrate(con)
    db.create_views(con)
    assert con.execute("SELECT article_id, duplicate_of FROM articles ORDER BY 1").fetchall() == [("a", None), ("b", "a")]
    assert con.execute("SELECT claim_key FROM claims").fetchall() == [("k|-|3",)]
    assert "duplicate_of" not in {r[0] for r in con.execute("DESCRIBE stg_articles").fetchall()}


def test_raw_documents_keep_their_rows_and_lose_their_index_on_upgrade(tmp_path, monkeypatch):
    """0115: a warehouse landed before it keeps every raw document, byte for byte, and the table
    loses its key (DuckDB rewrote a keyed table's last row group, raw pages and all, at every
    checkpoint); landing again adds only new hashes."""
    import pandas as pd

    import warehouse.db as db
    from warehouse import writer

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    _migrate_before(con, 115, tmp_path, monkeypatch)
    con.execute("INSERT INTO raw_documents VALUES ('h1', '\\x00\\xffabc'::BLOB, 'text/html', 5, 'u1', NULL, now(), 'r'), "
                "('h2', 'page'::BLOB, 'text/html', 4, 'u2', NULL, now(), 'r')")
    assert con.execute("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'raw_documents'").fetchone()[0] \
        + con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'raw_documents' "
                      "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] >= 1
    monkeypatch.setattr(db, "MIGRATIONS_DIR", db.Path(db.__file__).resolve().parent / "migrations")
    assert "0115_alter_raw_documents_drop_key" in migrate(con)
    assert con.execute("SELECT content_sha256, raw_bytes FROM raw_documents ORDER BY 1").fetchall() == [
        ("h1", b"\x00\xffabc"), ("h2", b"page")]
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'raw_documents' "
                       "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] == 0
    con.close()
    now = pd.Timestamp.now(tz="UTC")
    raw = pd.DataFrame({"content_sha256": ["h2", "h3"], "raw_bytes": [b"page", b"new"], "media_type": "text/html",
                        "size_bytes": [4, 3], "first_source_uri": ["u2b", "u3"], "fetched_at": None, "landed_at": now, "run_id": "r2"})
    writer.land_raw_documents(path, raw, pd.DataFrame({"content_sha256": ["h2", "h3"], "source_uri": ["u2b", "u3"],
                                                       "first_seen_at": now, "run_id": "r2"}))
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT content_sha256, run_id FROM raw_documents ORDER BY 1").fetchall() == [("h1", "r"), ("h2", "r"), ("h3", "r2")]
    con.close()


def test_staging_tables_keep_their_rows_and_columns_and_lose_their_indexes_on_upgrade(tmp_path, monkeypatch):
    """0116: the staging tables a batch writes are rebuilt without their keys (DuckDB appended each
    batch to a keyed table's last row group and rewrote it at every checkpoint); every row and
    every column (name, type, order) stays, and a reload still replaces an article's rows."""
    import warehouse.db as db

    tables = ("stg_articles", "stg_boilerplate", "stg_mentions", "stg_facts", "stg_candidate_entities", "article_fingerprints")
    con = duckdb.connect(":memory:")
    _migrate_before(con, 116, tmp_path, monkeypatch)
    con.execute("INSERT INTO stg_articles (article_id, content_sha256, source_uri, media_type, body, raw_text, word_count, run_id, "
                "ingested_at, title, published_at, published_at_precision, metadata_sources) VALUES "
                "('a', 'h', 'u', 'text/html', 'Body.', 'Body.', 1, 'r', '2026-01-02 03:04:05+00', 'T', '2026-01-01 10:00+00', 'minute', '{}')")
    con.execute("INSERT INTO stg_boilerplate VALUES ('a', 'share', 'Share', 0, 5, 'share_prompt')")
    con.execute("INSERT INTO stg_mentions (article_id, entity_id, surface, start_char, end_char, sentence_index, match_method, "
                "match_score, field, mention_kind, link_method, entity_type) VALUES "
                "('a', 'e', 'Body', 0, 4, 0, 'exact', 1.0, 'body', 'name', 'gazetteer', NULL), "
                "('a', 'e', 'T', 0, 1, 0, 'exact', 1.0, 'title', 'name', 'gazetteer', 'ORG')")
    con.execute("INSERT INTO stg_facts (fact_id, article_id, value, value_text, polarity, sentence, sentence_index, start_char, "
                "end_char) VALUES ('f', 'a', 3, '3', 'asserted', 'Body.', 0, 0, 5)")
    con.execute("INSERT INTO stg_candidate_entities VALUES ('a', 'Body', 0, 4, 0, 'Body.')")
    con.execute("INSERT INTO article_fingerprints VALUES ('a', repeat('0', 64), 1, '2026-01-02 03:04:05+00', NULL)")
    before = {t: (con.execute(f"DESCRIBE {t}").fetchall(), con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()) for t in tables}
    monkeypatch.setattr(db, "MIGRATIONS_DIR", db.Path(db.__file__).resolve().parent / "migrations")
    assert "0116_alter_stg_tables_drop_keys" in migrate(con)
    later = {"stg_articles": [("summary", "VARCHAR")]}  # columns that migrations after 0116 add at the end
    for table in tables:
        columns, rows = before[table]
        described = con.execute(f"DESCRIBE {table}").fetchall()
        assert [(c[0], c[1]) for c in described] == [(c[0], c[1]) for c in columns] + later.get(table, []), table
        assert [c[2] for c in described[: len(columns)]] == [c[2] for c in columns], table  # NOT NULL where the key made it so
        kept = ", ".join(c[0] for c in columns)
        assert con.execute(f"SELECT {kept} FROM {table} ORDER BY ALL").fetchall() == rows, table
    assert not con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
                           "AND table_name IN (SELECT unnest(?))", [list(tables)]).fetchall()
    db.create_views(con)
    assert con.execute("SELECT article_id, title FROM articles").fetchall() == [("a", "T")]


def test_quarantine_keeps_its_rows_and_loses_its_indexes_on_upgrade(tmp_path, monkeypatch):
    """0117: quarantine is rebuilt without its key and its unique index on (source_uri, reason);
    every row stays, and a document quarantined again is still counted on its row."""
    import pandas as pd

    import warehouse.db as db
    from warehouse import writer

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    _migrate_before(con, 117, tmp_path, monkeypatch)
    con.execute("INSERT INTO quarantine VALUES ('q1', 'r', 'file:///a.html', 'h', 'extract', 'no text', '\\x00\\xff'::BLOB, NULL, "
                "'2026-01-01 00:00+00', 2, '2026-01-02 00:00+00')")
    columns = con.execute("DESCRIBE quarantine").fetchall()
    rows = con.execute("SELECT * FROM quarantine").fetchall()
    monkeypatch.setattr(db, "MIGRATIONS_DIR", db.Path(db.__file__).resolve().parent / "migrations")
    assert "0117_alter_quarantine_drop_keys" in migrate(con)
    assert [c[:3] for c in con.execute("DESCRIBE quarantine").fetchall()] == [(c[0], c[1], "NO" if c[0] == "quarantine_id" else c[2])
                                                                             for c in columns]
    assert con.execute("SELECT * FROM quarantine").fetchall() == rows
    assert not con.execute("SELECT * FROM duckdb_indexes() WHERE table_name = 'quarantine'").fetchall()
    assert not con.execute("SELECT * FROM duckdb_constraints() WHERE table_name = 'quarantine' "
                           "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchall()
    con.close()
    again = pd.DataFrame({"quarantine_id": ["q1"], "run_id": ["r2"], "source_uri": ["file:///a.html"], "content_sha256": ["h"],
                          "stage": ["extract"], "reason": ["no text"], "raw_bytes": [b"\x00\xff"], "raw_text": [None],
                          "quarantined_at": [pd.Timestamp("2026-01-03", tz="UTC")]})
    writer.write_batch(path, {"quarantine": again})
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT quarantine_id, run_id, n_seen, last_seen_at FROM quarantine").fetchall() == [
        ("q1", "r", 3, pd.Timestamp("2026-01-03", tz="UTC").to_pydatetime())]
    con.close()


def test_a_writer_leaves_no_large_write_ahead_log_for_the_next_connection_to_replay(tmp_path):
    """Every connection opened replays the log first (~125 ms each at DuckDB's 16 MB threshold):
    a short-lived writer that leaves more than WAL_CHECKPOINT_BYTES writes it into the file."""
    from warehouse.db import WAL_CHECKPOINT_BYTES, _wal_bytes, write_connection

    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:
        con.execute("CREATE TABLE t (a VARCHAR)")
    with write_connection(db) as con:  # a small write stays in the log: no checkpoint per batch
        con.execute("INSERT INTO t VALUES ('x')")
    assert 0 < _wal_bytes(db) <= WAL_CHECKPOINT_BYTES
    with write_connection(db) as con:
        con.execute("INSERT INTO t SELECT repeat('x', 500) || i::VARCHAR FROM range(20000) r(i)")
    assert _wal_bytes(db) == 0
    with write_connection(db) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (20001,)
