"""warehouse/writer.py, the loader: one transaction per batch, reloads replace, a failed load
leaves nothing behind, and the load check keeps bad rows out before the commit."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

from benchmarks.load_growth import as_new  # the same batch as new articles
from tasks.common.frames import (
    STAGE_ERROR_COLUMNS,
    articles_frame,
    boilerplate_frame,
    facts_frame,
    mentions_frame,
)
from tasks.entities import STORED_FIELDS, find_mentions
from tasks.facts import extract_facts
from tasks.load import check_loaded_rows
from warehouse import writer
from warehouse.db import initialise


def _frames(seed_articles) -> dict[str, pd.DataFrame]:
    articles = list(seed_articles.values())
    mentions = find_mentions(articles, STORED_FIELDS)  # headline mentions too
    return {
        "stg_articles": articles_frame(articles, "run-1", datetime.now(UTC)),
        "stg_boilerplate": boilerplate_frame(articles),
        "stg_mentions": mentions_frame(mentions),
        "stg_facts": facts_frame(extract_facts(articles, [m for m in mentions if m.field == "body"])),
    }


def _counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("stg_articles", "stg_boilerplate", "stg_mentions", "stg_facts", "stage_errors", "dq_results")}
    finally:
        con.close()


@pytest.fixture
def warehouse_file(db_path):
    initialise(db_path)
    return db_path


def test_a_batch_loads_whole_and_a_reload_replaces_it(seed_articles, warehouse_file):
    frames = _frames(seed_articles)
    writer.write_batch(warehouse_file, frames)
    first = _counts(warehouse_file)
    assert first["stg_articles"] == 5 and first["stg_mentions"] == len(frames["stg_mentions"]) > 0
    writer.write_batch(warehouse_file, frames)  # the same articles again: replaced, not doubled
    assert _counts(warehouse_file) == first


def test_a_failing_load_leaves_nothing_behind(seed_articles, warehouse_file):
    frames = _frames(seed_articles)
    facts = frames["stg_facts"].copy()
    facts.loc[facts.index[-1], "sentence"] = None  # NOT NULL: the last table but one fails
    frames["stg_facts"] = facts
    with pytest.raises(duckdb.ConstraintException):
        writer.write_batch(warehouse_file, frames)
    assert set(_counts(warehouse_file).values()) == {0}


def test_rows_for_an_unknown_table_are_refused(seed_articles, warehouse_file):
    with pytest.raises(ValueError, match="does not write"):
        writer.write_batch(warehouse_file, {**_frames(seed_articles), "stg_typo": pd.DataFrame()})


def test_the_load_check_passes_the_seeds_and_records_its_results(seed_articles, warehouse_file):
    verdict = writer.write_batch(warehouse_file, _frames(seed_articles), check=lambda rows: check_loaded_rows(rows, "run-1", 0))
    assert verdict.rejected.empty and verdict.dq_rows and all(r["success"] for r in verdict.dq_rows)
    assert {r["stage"] for r in verdict.dq_rows} == {"load"}
    assert _counts(warehouse_file)["dq_results"] == len(verdict.dq_rows)


def test_the_load_check_keeps_orphans_and_bad_offsets_out(seed_articles, warehouse_file):
    """Rows that point at no article of the batch, or whose text is not at their offsets, are
    deleted inside the transaction; the rest of the batch commits, and stage errors say which."""
    frames = _frames(seed_articles)
    orphan = frames["stg_mentions"].iloc[:1].assign(article_id="no-such-article")
    frames["stg_mentions"] = pd.concat([frames["stg_mentions"], orphan], ignore_index=True)
    frames["stg_boilerplate"].loc[0, "text"] = "not what the raw text holds"
    verdict = writer.write_batch(warehouse_file, frames, check=lambda rows: check_loaded_rows(rows, "run-1", 0))
    assert sorted(verdict.rejected["table_name"]) == ["stg_boilerplate"]  # the orphan is not among the batch's rows
    counts = _counts(warehouse_file)
    assert counts["stg_boilerplate"] == len(frames["stg_boilerplate"]) - 1
    assert counts["stg_articles"] == 5 and counts["stage_errors"] == 1
    con = duckdb.connect(str(warehouse_file), read_only=True)
    stage, error, dropped = con.execute("SELECT stage, error, n_rows_dropped FROM stage_errors").fetchone()
    orphans = con.execute("SELECT count(*) FROM stg_mentions WHERE article_id = 'no-such-article'").fetchone()[0]
    con.close()
    assert (stage, dropped) == ("load", 1) and "check_text_at_offsets" in error
    assert orphans == 1  # written by this batch, but not one of its articles: see the next test


def test_headline_mentions_are_stored_with_title_offsets(seed_articles, warehouse_file):
    """A headline mention is a row of its own (field 'title', offsets into the title), checked
    against the title: a bad one is kept out, and a body mention at the same offset stays."""
    frames = _frames(seed_articles)
    mentions = frames["stg_mentions"]
    title = mentions[mentions["field"] == "title"]
    isil = title[title["surface"] == "ISIL"]
    assert len(isil) == 1 and isil.iloc[0]["entity_id"] == "Q2429253"
    body = mentions[(mentions["field"] == "body") & (mentions["article_id"] == isil.iloc[0]["article_id"])].iloc[0]
    # a headline mention at the offset of a body mention, whose surface the title does not hold there
    clash = isil.assign(start_char=body["start_char"], end_char=body["end_char"], surface=body["surface"])
    frames["stg_mentions"] = pd.concat([mentions, clash], ignore_index=True)
    verdict = writer.write_batch(warehouse_file, frames, check=lambda rows: check_loaded_rows(rows, "run-1", 0))
    assert verdict.rejected[["table_name", "field", "start_char"]].values.tolist() == [["stg_mentions", "title", body["start_char"]]]
    con = duckdb.connect(str(warehouse_file), read_only=True)
    stored = con.execute("SELECT m.field, m.surface, m.entity_id, substring(a.title, m.start_char + 1, m.end_char - m.start_char) "
                         "FROM mentions m JOIN articles a USING (article_id) WHERE m.field = 'title' ORDER BY m.article_id, m.start_char").fetchall()
    kept_body = con.execute("SELECT count(*) FROM stg_mentions WHERE article_id = ? AND field = 'body' AND start_char = ?",
                            [body["article_id"], int(body["start_char"])]).fetchone()[0]
    con.close()
    assert ("title", "ISIL", "Q2429253", "ISIL") in stored and all(s == t for _f, s, _e, t in stored)
    assert len(stored) == len(title) and kept_body == 1


def test_check_loaded_rows_rejects_rows_without_their_article():
    loaded = pd.DataFrame({
        "table_name": ["stg_mentions", "stg_facts"], "article_id": ["a", "b"], "start_char": [0, 5], "field": ["body", None],
        "check_has_article": [True, False], "check_offsets_in_text": [True, False], "check_text_at_offsets": [True, False],
    })
    verdict = check_loaded_rows(loaded, "run-1", 0)
    assert verdict.rejected[["table_name", "article_id"]].values.tolist() == [["stg_facts", "b"]]
    assert list(verdict.stage_errors.columns) == STAGE_ERROR_COLUMNS and verdict.stage_errors["article_id"].tolist() == ["b"]


def test_known_hashes_leave_out_articles_with_stage_errors(seed_articles, warehouse_file):
    """An article some stage failed on is processed again by the next run."""
    frames = _frames(seed_articles)
    articles = frames["stg_articles"]
    error = pd.DataFrame([{"article_id": articles.loc[0, "article_id"], "run_id": "run-1", "batch_index": 0, "stage": "facts",
                           "error": "facts crashed", "n_rows_dropped": 0, "occurred_at": datetime.now(UTC)}])
    writer.write_batch(warehouse_file, {**frames, "stage_errors": error})
    assert writer.known_hashes(warehouse_file) == set(articles["content_sha256"][1:])
    writer.write_batch(warehouse_file, frames)  # reloaded after a fix: the error row goes with the old version
    assert writer.known_hashes(warehouse_file) == set(articles["content_sha256"])


def test_a_batch_with_no_article_still_stores_its_quarantine(warehouse_file):
    """Every document of a batch failed (say, every URL): its quarantine rows still land."""
    from tasks.common.frames import quarantine_frame
    from tasks.common.models import Quarantined

    quarantine = quarantine_frame([Quarantined("http://example.org/a", None, "fetch", "HTTP 404")], "run-1", datetime.now(UTC))
    writer.write_batch(warehouse_file, {"quarantine": quarantine}, check=lambda rows: check_loaded_rows(rows, "run-1", 0))
    con = duckdb.connect(str(warehouse_file), read_only=True)
    assert con.execute("SELECT reason FROM quarantine").fetchall() == [("HTTP 404",)]
    con.close()


# --- quarantine is idempotent (issue 16, item 10) ------------------------------------------------


def _quarantine_rows(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT source_uri, reason, run_id, n_seen, quarantined_at, last_seen_at, content_sha256 "
                           "FROM quarantine ORDER BY source_uri, reason").fetchall()
    finally:
        con.close()


def test_quarantine_keeps_one_row_per_source_and_reason_with_a_count(warehouse_file):
    """An unreadable file and a failing URL seen by three runs, a --reprocess of a broken file,
    the same failure twice in one batch: one row each, counted, the first run and time kept."""
    from datetime import timedelta

    from tasks.common.frames import quarantine_frame
    from tasks.common.models import Quarantined

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for run in range(3):
        items = [
            Quarantined("file:///inbox/locked.html", None, "discover", "unreadable: Permission denied"),
            Quarantined("https://example.org/gone", None, "fetch", "HTTP 404"),
            Quarantined("file:///inbox/blank.txt", "e3b0c442", "discover", "empty file", b""),
        ]
        if run == 0:
            items.append(Quarantined("https://example.org/gone", None, "fetch", "HTTP 404"))  # twice in one batch
        if run == 2:
            items.append(Quarantined("https://example.org/gone", None, "fetch", "HTTP 503"))  # another reason: its own row
        writer.write_batch(warehouse_file, {"quarantine": quarantine_frame(items, f"run-{run}", t0 + timedelta(hours=run))})
    rows = _quarantine_rows(warehouse_file)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("file:///inbox/blank.txt", "empty file", "run-0", 3),
        ("file:///inbox/locked.html", "unreadable: Permission denied", "run-0", 3),
        ("https://example.org/gone", "HTTP 404", "run-0", 4),
        ("https://example.org/gone", "HTTP 503", "run-2", 1),
    ]
    assert all(r[4] == t0 for r in rows[:3]) and all(r[5] == t0 + timedelta(hours=2) for r in rows)
    # the file changed but still fails the same way: still one row, now with the new content
    changed = quarantine_frame([Quarantined("file:///inbox/blank.txt", "0000ffff", "discover", "empty file", b" ")], "run-3", t0)
    writer.write_batch(warehouse_file, {"quarantine": changed})
    assert [r[3:] for r in _quarantine_rows(warehouse_file) if r[0].endswith("blank.txt")] == [(4, t0, t0 + timedelta(hours=2), "0000ffff")]


def test_the_migration_folds_quarantine_rows_already_doubled(tmp_path, monkeypatch):
    from warehouse import db as warehouse_db

    path = tmp_path / "old.duckdb"
    every = warehouse_db.migration_files()
    monkeypatch.setattr(warehouse_db, "migration_files", lambda: [p for p in every if int(p.name[:4]) < 80])
    monkeypatch.setattr(warehouse_db, "create_views", lambda con: None)  # today's views read later tables
    initialise(path)
    con = duckdb.connect(str(path))
    for i in range(3):  # what --reprocess did before: a new row per run
        con.execute("INSERT INTO quarantine (quarantine_id, run_id, source_uri, stage, reason, quarantined_at) "
                    "VALUES (?, ?, 'file:///x.html', 'extract', 'no text', TIMESTAMPTZ '2026-01-01' + to_days(?))", [f"q{i}", f"r{i}", i])
    con.close()
    monkeypatch.undo()
    initialise(path)
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT quarantine_id, run_id, n_seen, last_seen_at FROM quarantine").fetchall()
    con.close()
    assert rows == [("q0", "r0", 3, datetime(2026, 1, 3, tzinfo=UTC))]


def test_local_entities_become_entities_rows_once(seed_articles, warehouse_file):
    """Every loaded mention joins an entity: a local name's id gets an `entities` row (source
    'local') the first time it is loaded, and keeps it, unchanged, when it is loaded again."""
    frames = _frames(seed_articles)
    mentions = frames["stg_mentions"]
    local = mentions[mentions["link_method"] == "local"]
    assert len(local) > 0
    writer.write_batch(warehouse_file, frames)
    con = duckdb.connect(str(warehouse_file), read_only=True)
    rows = con.execute("SELECT entity_id, name, type, source FROM entities WHERE source = 'local' ORDER BY entity_id").fetchall()
    orphans = con.execute("SELECT count(*) FROM stg_mentions m LEFT JOIN entities e USING (entity_id) "
                           "WHERE m.link_method = 'local' AND e.entity_id IS NULL").fetchone()[0]
    con.close()
    assert [r[0] for r in rows] == sorted(set(local["entity_id"])) and orphans == 0
    assert all(t == "UNKNOWN" and name in set(local["surface"]) for _i, name, t, _s in rows)
    writer.write_batch(warehouse_file, frames)  # loaded again: the same rows, not doubled
    con = duckdb.connect(str(warehouse_file), read_only=True)
    again = con.execute("SELECT entity_id, name, type, source FROM entities WHERE source = 'local' ORDER BY entity_id").fetchall()
    con.close()
    assert again == rows


def test_local_entity_names_do_not_depend_on_which_batch_loads_first(seed_articles, tmp_path):
    """Batches of a run load in the order the workers finish them: a local entity's name (its
    longest surface, ties alphabetical) must come out the same either way."""
    frames = _frames(seed_articles)
    ids = sorted(frames["stg_articles"]["article_id"])
    mentions = frames["stg_mentions"]
    local = mentions[mentions["link_method"] == "local"]
    # a local name in both halves, spelt longer in the second ("X" in one article, "X Group" in another)
    mention = local.sort_values(["article_id", "start_char"]).iloc[0]
    shared, first = mention["entity_id"], mention["article_id"]
    parts = ([first], [i for i in ids if i != first])
    again = mention.to_frame().T.assign(article_id=parts[1][0], surface=mention["surface"] + " Group", start_char=10**6, end_char=10**6 + 1)
    frames["stg_mentions"] = pd.concat([mentions, again.astype(mentions.dtypes.to_dict())], ignore_index=True)
    halves = [{t: f[f["article_id"].isin(part)] for t, f in frames.items()} for part in parts]

    def names(order: list[int]) -> list[tuple]:
        db = tmp_path / f"order-{order[0]}.duckdb"
        initialise(db)
        for i in order:
            writer.write_batch(db, halves[i])
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("SELECT entity_id, name FROM entities WHERE source = 'local' ORDER BY entity_id").fetchall()
        finally:
            con.close()

    forward, backward = names([0, 1]), names([1, 0])
    assert forward and forward == backward
    surfaces = frames["stg_mentions"].groupby("entity_id")["surface"]
    longest = {e: sorted(s, key=lambda x: (-len(x), x))[0] for e, s in surfaces}
    assert all(name == longest[e] for e, name in forward) and longest[shared].endswith(" Group")


def test_landing_thousands_of_unique_pages_stays_within_the_memory_limit(tmp_path, monkeypatch):
    """Raw pages land 100 at a time without the checkpoint needing memory for all of them.

    DuckDB 2.0's checkpoint merged the small row groups appends leave (vacuum) and pinned their
    data: unique real pages failed with "FATAL Error: Failed to create checkpoint ... failed to
    pin block" once about the memory limit's worth had landed (3,000 pages of 380 KB under
    512MB). Pages over DuckDB's 256 KB block are the ones it pins; here 600 unique 300 KB pages
    (180 MB, as compressible as text) land 20 at a time under 48MB."""
    import hashlib
    import random

    from warehouse import db as warehouse_db

    monkeypatch.setattr(warehouse_db, "MEMORY_LIMIT", "48MB")
    db = tmp_path / "raw.duckdb"
    initialise(db)
    rnd = random.Random(11)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 11))) for _ in range(20_000)]
    landed = 0
    for batch in range(30):
        pages = [("<html><body><p>" + " ".join(rnd.choices(words, k=40_000)) + "</p></body></html>").encode() for _ in range(20)]
        now = datetime.now(UTC)
        raw = pd.DataFrame({
            "content_sha256": [hashlib.sha256(p).hexdigest() for p in pages], "raw_bytes": pages, "media_type": "text/html",
            "size_bytes": [len(p) for p in pages], "first_source_uri": [f"u/{batch}/{i}.html" for i in range(20)],
            "fetched_at": None, "landed_at": now, "run_id": "r",
        })
        sources = pd.DataFrame({"content_sha256": raw["content_sha256"], "source_uri": raw["first_source_uri"],
                                "first_seen_at": now, "run_id": "r"})
        writer.land_raw_documents(db, raw, sources)
        landed += int(raw["size_bytes"].sum())
    con = duckdb.connect(str(db), read_only=True)
    n, size = con.execute("SELECT count(*), sum(size_bytes) FROM raw_documents").fetchone()
    con.close()
    assert (n, size) == (600, landed)
    assert landed > 150e6


def test_raw_bytes_land_once_per_hash(tmp_path):
    """raw_documents has no key (migration 0115): the writer adds a hash only when the table does
    not hold it, and a hash twice in one batch once."""
    db = tmp_path / "raw.duckdb"
    initialise(db)
    now = datetime.now(UTC)

    def frames(hashes: list[str], run: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        raw = pd.DataFrame({"content_sha256": hashes, "raw_bytes": [h.encode() for h in hashes], "media_type": "text/html",
                            "size_bytes": 1, "first_source_uri": [f"{run}/{i}" for i in range(len(hashes))],
                            "fetched_at": None, "landed_at": now, "run_id": run})
        return raw, pd.DataFrame({"content_sha256": hashes, "source_uri": raw["first_source_uri"], "first_seen_at": now, "run_id": run})

    writer.land_raw_documents(db, *frames(["a", "b", "a"], "r1"))
    writer.land_raw_documents(db, *frames(["b", "c"], "r2"))
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT content_sha256, run_id, first_source_uri FROM raw_documents ORDER BY 1").fetchall()
    n_sources = con.execute("SELECT count(*) FROM raw_sources").fetchone()[0]
    con.close()
    assert rows == [("a", "r1", "r1/0"), ("b", "r1", "r1/1"), ("c", "r2", "r2/1")]
    assert n_sources == 5  # every place each was seen


def _row_group_blocks(db, table: str) -> dict[int, set[int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT row_group_id, block_id FROM pragma_storage_info('{table}') WHERE block_id >= 0").fetchall()
    finally:
        con.close()
    blocks: dict[int, set[int]] = {}
    for group, block in rows:
        blocks.setdefault(group, set()).add(block)
    return blocks


def test_a_load_leaves_the_rows_stored_before_it_where_they_are(seed_articles, warehouse_file, monkeypatch):
    """Loading a batch appends row groups and does not rewrite the stored ones (migration 0116).

    With their primary keys, DuckDB appended each batch to the staging tables' last row group and
    rewrote that row group, bodies and all, at the next checkpoint: a batch of 100 articles took
    1.0-1.2 s to load into a warehouse of 4,945 unique real pages, 0.3 s into an empty one."""
    from warehouse import db as warehouse_db

    monkeypatch.setattr(warehouse_db, "WAL_CHECKPOINT_BYTES", 0)  # each batch checkpointed by its writer, as large ones are
    frames = _frames(seed_articles)
    writer.write_batch(warehouse_file, frames)
    before = {t: _row_group_blocks(warehouse_file, t) for t in ("stg_articles", "stg_mentions", "stg_facts")}
    assert all(before.values())
    for n in range(3):
        writer.write_batch(warehouse_file, as_new(frames, n))
    for table, groups in before.items():
        after = _row_group_blocks(warehouse_file, table)
        assert {g: after.get(g) for g in groups} == groups, table
        assert len(after) > len(groups), table
    assert _counts(warehouse_file)["stg_articles"] == 20


# The keys the staging tables had before migration 0116 dropped their indexes.
STAGING_KEYS = {
    "stg_articles": ["article_id"], "stg_boilerplate": ["article_id", "start_char"],
    "stg_mentions": ["article_id", "field", "start_char"], "stg_facts": ["fact_id"],
    "stg_candidate_entities": ["article_id", "start_char"], "article_fingerprints": ["article_id"],
}


def test_each_staging_key_is_held_by_a_critical_check_of_its_stage():
    """Without an index, a key repeated within a batch is kept out by its stage's suite (a reload
    deletes the stored rows first): every former key has a critical uniqueness expectation."""
    from expectations.validate import load_suite, suite_names

    held = {}
    for name in suite_names():
        suite = load_suite(name)
        for spec in suite.expectations:
            kwargs, severity = spec["kwargs"], spec.get("meta", {}).get("severity")
            if severity == "critical" and spec["type"] == "expect_column_values_to_be_unique":
                held.setdefault(suite.table, []).append([kwargs["column"]])
            if severity == "critical" and spec["type"] == "expect_compound_columns_to_be_unique":
                held.setdefault(suite.table, []).append(kwargs["column_list"])
    for table, key in STAGING_KEYS.items():
        assert key in held.get(table, []), table
    con = duckdb.connect(":memory:")
    from warehouse.db import migrate

    migrate(con)
    assert not con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
                           "AND table_name IN (SELECT unnest(?))", [list(STAGING_KEYS)]).fetchall()
    for table, key in STAGING_KEYS.items():  # key columns stay NOT NULL
        nullable = {r[0]: r[2] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        assert all(nullable[c] == "NO" for c in key), table


def test_quarantining_a_page_leaves_the_pages_quarantined_before_where_they_are(warehouse_file, monkeypatch):
    """A quarantine row keeps the page's bytes: with the table's key and unique index, each batch
    that quarantined a page rewrote every quarantined page's bytes at the checkpoint (0.15 s a
    batch with 62 pages, 38 MB). Without them (migration 0117), stored rows stay where they are,
    and a page quarantined again is counted on its row without its bytes being written again."""
    from tasks.common.frames import quarantine_frame
    from tasks.common.models import Quarantined
    from warehouse import db as warehouse_db

    monkeypatch.setattr(warehouse_db, "WAL_CHECKPOINT_BYTES", 0)
    page = b"<html><body>" + b"x" * 300_000 + b"</body></html>"

    def batch(n: int, again: bool = False) -> dict[str, pd.DataFrame]:
        items = [Quarantined(f"file:///inbox/{n}-{i}.html", f"{n}-{i}", "extract", "no text", page) for i in range(3)]
        if again:
            items.append(Quarantined("file:///inbox/0-0.html", "0-0", "extract", "no text", page))
        return {"quarantine": quarantine_frame(items, f"run-{n}", datetime.now(UTC))}

    writer.write_batch(warehouse_file, batch(0))
    before = _row_group_blocks(warehouse_file, "quarantine")
    for n in range(1, 4):
        writer.write_batch(warehouse_file, batch(n, again=True))
    after = _row_group_blocks(warehouse_file, "quarantine")
    assert len(after) > len(before)  # each batch its own row group
    con = duckdb.connect(str(warehouse_file), read_only=True)
    counts = dict(con.execute("SELECT source_uri, n_seen FROM quarantine").fetchall())
    stored_blocks = {b for (b,) in con.execute("SELECT block_id FROM pragma_storage_info('quarantine') "
                                               "WHERE row_group_id = 0 AND column_name = 'raw_bytes' AND block_id >= 0").fetchall()}
    con.close()
    assert len(counts) == 12 and counts["file:///inbox/0-0.html"] == 4
    assert stored_blocks and stored_blocks <= before[0]  # the first pages' bytes were not written again


def test_the_load_check_sees_exactly_the_batch_rows_whatever_is_stored(seed_articles, warehouse_file, monkeypatch):
    """The load check reads the rows the batch's transaction appended (queries/batch_marks.sql),
    not a scan of every stored row: a batch over stored batches, and a reload, are seen whole."""
    from warehouse import db as warehouse_db

    monkeypatch.setattr(warehouse_db, "WAL_CHECKPOINT_BYTES", 0)
    frames = _frames(seed_articles)
    expected = {t: len(frames[t]) for t in ("stg_boilerplate", "stg_mentions", "stg_facts")}
    seen: list[dict[str, int]] = []

    def check(loaded: pd.DataFrame) -> writer.LoadVerdict:
        seen.append(loaded.groupby("table_name").size().to_dict())
        assert loaded["check_has_article"].all()
        return writer.LoadVerdict()

    for batch in (frames, as_new(frames, 1), as_new(frames, 2), frames):  # the last one a reload
        writer.write_batch(warehouse_file, batch, check=check)
    assert seen == [expected] * 4
    assert _counts(warehouse_file)["stg_articles"] == 15
