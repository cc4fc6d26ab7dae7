"""End to end: the ingest flow over seeds/ and over broken input, into a temporary DuckDB; the
public tables equal the golden copy taken before the house was rebuilt (tests/public_tables.py)."""

from __future__ import annotations

import gzip
import shutil

import duckdb
import pytest

from flows.cli import main as cli_main
from flows.ingest import ingest, run_ingest
from flows.settings import IngestSettings

from .conftest import SEEDS

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _count(db, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _query(db, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_seeds_load_and_rerun_adds_nothing(db_path):
    summary = ingest(IngestSettings(paths=[str(SEEDS)], db=str(db_path)))
    assert summary["status"] == "completed"
    assert summary["n_articles_loaded"] == 5
    counts = {t: _count(db_path, t) for t in ("articles", "boilerplate", "mentions", "facts", "entities")}
    assert counts["articles"] == 5 and all(v > 0 for v in counts.values())
    stages = {r[0] for r in _query(db_path, "SELECT DISTINCT stage FROM dq_results")}
    assert stages == {"discover", "extract", "clean", "entities", "facts", "fingerprint", "load", "link", "stories"}
    assert _query(db_path, "SELECT count(*) FROM dq_results WHERE severity = 'critical' AND NOT success") == [(0,)]
    titles = dict(_query(db_path, "SELECT regexp_extract(source_uri, '[^/]+$'), title FROM articles"))
    assert titles["001_3da009fc58483ec1.txt"].startswith("Evacuating Islamic State Convoy")
    assert titles["000_4640bc17174c948b.txt"] is None
    # the syndication step ran after the batches: Alwaght's rewrite points at the AP story
    links = dict(_query(db_path, "SELECT outlet, (SELECT outlet FROM articles o WHERE o.article_id = a.duplicate_of) "
                                 "FROM articles a WHERE duplicate_of IS NOT NULL"))
    assert links == {"Alwaght": "Associated Press"}
    convoy = _query(db_path, "SELECT n_articles, n_independent FROM claims WHERE unit = 'bus' AND value = 17")
    assert convoy == [(5, 4)]
    linked = {t: _count(db_path, t) for t in ("shared_passages", "article_similarity", "sentence_bands")}
    assert all(v > 0 for v in linked.values())

    again = ingest(IngestSettings(paths=[str(SEEDS)], db=str(db_path)))
    assert again["n_skipped_known"] == 5 and again["n_articles_loaded"] == 0
    assert {t: _count(db_path, t) for t in counts} == counts
    assert {t: _count(db_path, t) for t in linked} == linked
    assert _count(db_path, "runs") == 2
    assert _query(db_path, "SELECT DISTINCT status FROM runs") == [("completed",)]


def test_reprocess_replaces_rows_without_duplicates(db_path):
    ingest(IngestSettings(paths=[str(SEEDS)], db=str(db_path)))
    before = {t: _count(db_path, t) for t in ("articles", "mentions", "facts", "boilerplate")}
    keys = _query(db_path, "SELECT fact_id, claim_key FROM fact_claims ORDER BY fact_id")
    dups = _query(db_path, "SELECT article_id, duplicate_of FROM articles ORDER BY article_id")
    ingest(IngestSettings(paths=[str(SEEDS)], db=str(db_path), reprocess=True))
    assert {t: _count(db_path, t) for t in before} == before
    # reloaded rows get their syndication links and claim keys back
    assert _query(db_path, "SELECT fact_id, claim_key FROM fact_claims ORDER BY fact_id") == keys
    assert _query(db_path, "SELECT article_id, duplicate_of FROM articles ORDER BY article_id") == dups
    assert len(keys) == before["facts"] and all(k is not None for _, k in keys)


def test_bad_inputs_are_quarantined_and_the_run_completes(tmp_path, db_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (inbox / "latin1.txt").write_bytes(
        ("Réfugiés à la frontière\n\nLes réfugiés syriens sont arrivés à la frontière libanaise après "
         "une longue marche à travers le désert, selon les autorités locales.").encode("latin-1"))
    (inbox / "corrupt.html.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip at all")
    (inbox / "broken.html").write_bytes(
        b"<html><body><div><p>The convoy of 17 buses was stranded in the desert, officials said on Saturday."
        b"<p>Six buses were still in government territory, Hezbollah said in a statement.<div></body>")
    big = inbox / "huge.txt"
    big.write_bytes(b"word " * (10 * 1024 * 1024))  # 50 MB
    shutil.copy(SEEDS / "000_4640bc17174c948b.txt", inbox / "good.txt")

    summary = ingest(IngestSettings(paths=[str(inbox)], db=str(db_path)))
    assert summary["status"] == "completed"
    reasons = dict(_query(db_path, "SELECT regexp_extract(source_uri, '[^/]+$'), reason FROM quarantine"))
    assert reasons["empty.txt"] == "empty document"
    assert reasons["binary.txt"].startswith("binary content")
    assert reasons["corrupt.html.gz"].startswith("corrupt gzip")
    assert reasons["huge.txt"].startswith("file too large")
    loaded = {r[0] for r in _query(db_path, "SELECT regexp_extract(source_uri, '[^/]+$') FROM articles")}
    assert loaded == {"latin1.txt", "broken.html", "good.txt"}
    body = _query(db_path, "SELECT body FROM articles WHERE source_uri LIKE '%latin1.txt'")[0][0]
    assert "réfugiés syriens" in body
    # a file over the limit is never read whole: it is kept as a reference (path, size, streamed sha256)
    import hashlib

    kept, reason = _query(db_path, "SELECT raw_bytes, reason FROM quarantine WHERE source_uri LIKE '%huge.txt'")[0]
    assert kept is None and f"{big.stat().st_size:,} bytes" in reason and hashlib.sha256(big.read_bytes()).hexdigest() in reason
    unkept = _query(db_path, "SELECT source_uri FROM quarantine q WHERE raw_bytes IS NULL AND raw_text IS NULL AND reason NOT LIKE '%kept as a reference%' "
                             "AND NOT EXISTS (SELECT 1 FROM raw_documents r WHERE r.content_sha256 = q.content_sha256)")
    assert unkept == []


def test_cli_exit_codes(tmp_path, db_path, capsys):
    assert cli_main(["ingest", str(SEEDS / "000_4640bc17174c948b.txt"), "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "articles loaded    1" in out and str(db_path) in out
    assert cli_main(["ingest", str(tmp_path / "missing"), "--db", str(db_path)]) == 1
    gz = tmp_path / "a.html.gz"
    gz.write_bytes(gzip.compress(b"<html><body><p>Too short.</p></body></html>"))
    assert cli_main(["ingest", str(gz), "--db", str(db_path)]) == 0  # quarantined is not a failed run
    assert cli_main(["sql", "SELECT count(*) FROM runs", "--db", str(db_path)]) == 0


def test_public_tables_equal_the_golden_copy(db_path):
    """What users query is exactly what it was before the house was rebuilt (and after any change
    that should not change it). A deliberate change regenerates the golden file (see tests/public_tables.py)."""
    import json

    from tests.public_tables import seeds_golden

    ingest(IngestSettings(paths=[str(SEEDS)], db=str(db_path)))
    golden = json.loads((SEEDS.parent / "tests" / "golden" / "seeds_public_tables.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        got = json.loads(json.dumps(seeds_golden(con), default=str))
    finally:
        con.close()
    assert set(got) == set(golden)
    for table in golden:
        assert got[table] == golden[table], table


@pytest.mark.slow
def test_benchmark_pages_give_the_golden_public_tables(db_path):
    """The 181 pages of the extraction benchmark end to end: each public table's rows hash to
    the golden digest (tests/golden/benchmark_public_tables.json; regenerate it deliberately,
    with `python -m tests.public_tables DB OUT --digest`, when a change is meant to alter them)."""
    import json

    from tests.public_tables import digests, snapshot

    from .conftest import benchmark_dir

    ingest(IngestSettings(paths=[str(benchmark_dir() / "html")], db=str(db_path)))
    golden = json.loads((SEEDS.parent / "tests" / "golden" / "benchmark_public_tables.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        got = digests(snapshot(con))
    finally:
        con.close()
    assert got == golden


def test_a_stage_that_raises_keeps_the_article_and_a_rerun_fills_the_gap(db_path, monkeypatch):
    """An article the facts stage raises on loads with its mentions and a stage error; the next
    run (the fix in place) processes it again and its facts appear."""
    from tasks import facts as stage

    real = stage.extract_facts
    victim = "002_44088e1be8dae33e.txt"

    def crashing(articles, mentions, subject_mentions=None):
        if any(a.source_uri.endswith(victim) for a in articles):
            raise IndexError("list index out of range")
        return real(articles, mentions, subject_mentions)

    settings = IngestSettings(paths=[str(SEEDS)], db=str(db_path), task_runner="thread")  # the patch reaches threads
    monkeypatch.setattr(stage, "extract_facts", crashing)
    first = run_ingest(settings)
    assert first["n_articles_loaded"] == 5 and first["n_stage_errors"] == 1
    where = f"(SELECT article_id FROM articles WHERE source_uri LIKE '%{victim}')"
    assert _query(db_path, f"SELECT stage, error LIKE '%IndexError%' FROM stage_errors WHERE article_id = {where}") == [("facts", True)]
    assert _query(db_path, f"SELECT count(*) > 0 FROM mentions WHERE article_id = {where}") == [(True,)]
    assert _query(db_path, f"SELECT count(*) FROM facts WHERE article_id = {where}") == [(0,)]
    assert _query(db_path, "SELECT count(*) FROM quarantine") == [(0,)]

    monkeypatch.setattr(stage, "extract_facts", real)
    second = ingest(IngestSettings(paths=[str(SEEDS)], db=str(db_path)))
    assert second["n_skipped_known"] == 4 and second["n_articles_loaded"] == 1
    assert _query(db_path, "SELECT count(*) FROM stage_errors") == [(0,)]
    assert _query(db_path, f"SELECT count(*) > 0 FROM facts WHERE article_id = {where}") == [(True,)]

