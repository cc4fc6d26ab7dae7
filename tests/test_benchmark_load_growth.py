"""benchmarks/load_growth.py: the batch is loaded as new articles each time, and the figures print."""

from __future__ import annotations

import re

import duckdb

from benchmarks import load_growth, throughput


def test_each_load_adds_new_articles_and_the_ratio_prints(monkeypatch, capsys, tmp_path):
    pages = throughput.base_pages()[:12]
    monkeypatch.setattr(load_growth, "base_pages", lambda: pages)
    frames, _run, _index = load_growth.batch_frames()
    again = load_growth.as_new(frames, 7)
    assert set(again["stg_articles"]["article_id"]).isdisjoint(frames["stg_articles"]["article_id"])
    assert (again["stg_articles"]["article_id"].str.split("#").str[0] == frames["stg_articles"]["article_id"]).all()
    assert set(again["quarantine"]["source_uri"]).isdisjoint(frames["quarantine"]["source_uri"])
    kept = tmp_path / "kept.duckdb"
    monkeypatch.setattr(load_growth, "KEEP", kept)
    assert load_growth.main(["--loads", "10"]) == 0
    out = capsys.readouterr().out
    n = len(frames["stg_articles"])
    assert f"one batch of {n} articles and {load_growth.QUARANTINED_PER_BATCH} quarantined pages, loaded 10 times" in out
    assert re.search(r"last / first: \d+\.\d\d", out)
    con = duckdb.connect(str(kept), read_only=True)
    assert con.execute("SELECT count(*) FROM stg_articles").fetchone()[0] == 11 * n
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 11 * load_growth.QUARANTINED_PER_BATCH
    con.close()
