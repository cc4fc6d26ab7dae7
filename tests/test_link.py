"""Link stage and warehouse linking: copies and shared passages across the warehouse, claim keys, claims views."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tasks.common.frames import FACT_COLUMNS, articles_frame
from tasks.entities import entity_rows, find_mentions, read_entities
from tasks.facts import extract_facts
from tasks.link import RULES, check_links, claim_keys, duplicate_roots
from warehouse.db import create_views, load_query, migrate
from warehouse.linking import link

from .conftest import REPO

GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds_facts.json").read_text(encoding="utf-8"))
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _load(con, articles) -> None:
    """Insert articles and their facts the way the load stage does (no syndication yet)."""
    mentions = find_mentions(articles)
    facts = extract_facts(articles, mentions)
    con.register("_a", articles_frame(articles, "run", AT))
    con.execute("INSERT INTO stg_articles BY NAME SELECT * FROM _a")
    con.unregister("_a")
    con.register("_f", pd.DataFrame([{c: getattr(f, c) for c in FACT_COLUMNS} for f in facts], columns=FACT_COLUMNS))
    con.execute("INSERT INTO stg_facts BY NAME SELECT * FROM _f")
    con.unregister("_f")


def _ids(seed_articles) -> dict[str, str]:
    return {name: a.article_id for name, a in seed_articles.items()}


def _state(con):
    return (
        con.execute("SELECT article_id, duplicate_of FROM articles ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM shared_passages ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM article_similarity ORDER BY ALL").fetchall(),
        con.execute("SELECT fact_id, claim_key FROM fact_claims ORDER BY ALL").fetchall(),
    )


@pytest.fixture
def seeds_db(memory_db, seed_articles):
    memory_db.register("_e", pd.DataFrame([asdict(e) for e in entity_rows()]))
    memory_db.execute("INSERT INTO entities BY NAME SELECT * FROM _e")
    memory_db.unregister("_e")
    _load(memory_db, list(seed_articles.values()))
    link(memory_db, RULES, AT)
    return memory_db


def test_rewrite_points_at_the_story_it_names(seeds_db, seed_articles):
    ids = _ids(seed_articles)
    dups = dict(seeds_db.execute("SELECT article_id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL").fetchall())
    assert dups == {ids[copy]: ids[original] for copy, original in GOLDEN["duplicates"].items()}


def test_wire_copy_inside_different_stories_is_a_shared_passage(seeds_db, seed_articles):
    ids = _ids(seed_articles)
    for a, b, snippet in GOLDEN["shared_passages"]:
        rows = seeds_db.execute(
            "SELECT text, similarity FROM shared_passages WHERE article_id = ? AND other_article_id = ?", [ids[a], ids[b]]
        ).fetchall()
        assert any(snippet in text for text, _ in rows)
        pair = seeds_db.execute(
            "SELECT is_duplicate FROM article_similarity WHERE article_id = least(?, ?) AND other_article_id = greatest(?, ?)",
            [ids[a], ids[b], ids[a], ids[b]],
        ).fetchone()
        assert pair == (False,)  # sharing one passage does not make a copy


def test_shared_passage_offsets_point_into_both_bodies(seeds_db):
    rows = seeds_db.execute(
        "SELECT s.text, substr(a.body, s.start_char + 1, s.end_char - s.start_char), s.similarity "
        "FROM shared_passages s JOIN stg_articles a USING (article_id)"
    ).fetchall()
    assert rows and all(text == sliced and 0.4 <= sim <= 1.0 for text, sliced, sim in rows)
    mirrored = seeds_db.execute(
        "SELECT count(*) FROM shared_passages s JOIN shared_passages t ON s.article_id = t.other_article_id "
        "AND s.other_article_id = t.article_id AND s.start_char = t.other_start_char"
    ).fetchone()[0]
    assert mirrored == len(rows)


def test_golden_claims(seeds_db):
    names = {e.entity_id: e.name for e in read_entities().values()}
    for want in GOLDEN["claims"]:
        rows = seeds_db.execute(
            "SELECT n_articles, n_independent, speaker_entity_ids FROM claims WHERE unit = ? AND value = ? AND action = ?",
            [want["unit"], want["value"], want["action"]],
        ).fetchall()
        assert len(rows) == 1, want
        n_articles, n_independent, speakers = rows[0]
        assert (n_articles, n_independent) == (want["n_articles"], want["n_independent"])
        if "speaker" in want:
            assert want["speaker"] in {names[s] for s in speakers or []}


def test_convoy_is_one_claim_from_four_outlets(seeds_db):
    rows = seeds_db.execute("SELECT n_articles, n_independent, outlets FROM claims WHERE unit = 'bus' AND value = 17").fetchall()
    assert rows == [(5, 4, ["Alwaght", "Associated Press", "Press TV", "Ynetnews"])]


def test_denied_facts_are_not_claims(seeds_db):
    denied = seeds_db.execute("SELECT fact_id FROM stg_facts WHERE polarity = 'denied'").fetchall()
    assert denied
    in_claims = seeds_db.execute("SELECT count(*) FROM claims WHERE list_contains(fact_ids, ?)", [denied[0][0]]).fetchone()[0]
    assert in_claims == 0


def test_rerun_changes_nothing(seeds_db):
    before = _state(seeds_db)
    summary = link(seeds_db, RULES, AT)
    assert summary.n_fingerprinted == 0 and _state(seeds_db) == before


def test_incremental_runs_match_one_run(seeds_db, seed_articles):
    # the copy first, the original it names later: the link still points at the original
    memory_db = duckdb.connect(":memory:")
    migrate(memory_db)
    create_views(memory_db)
    names = sorted(seed_articles)
    _load(memory_db, [seed_articles[n] for n in names if n != "001_3da009fc58483ec1.txt"])
    link(memory_db, RULES, AT)
    assert memory_db.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchall() == [(0,)]
    _load(memory_db, [seed_articles["001_3da009fc58483ec1.txt"]])
    summary = link(memory_db, RULES, AT)
    assert summary.n_fingerprinted == 1
    assert _state(memory_db) == _state(seeds_db)
    memory_db.close()


def test_reloaded_article_is_fingerprinted_again(seeds_db, seed_articles):
    article_id = seed_articles["000_4640bc17174c948b.txt"].article_id
    # reloaded with another body, as the writer does it: the old row out, the new one in
    seeds_db.execute("DELETE FROM article_duplicates WHERE article_id = ?", [article_id])
    seeds_db.execute("CREATE TEMP TABLE _row AS SELECT * FROM stg_articles WHERE article_id = ?", [article_id])
    seeds_db.execute("DELETE FROM stg_articles WHERE article_id = ?", [article_id])
    seeds_db.execute("INSERT INTO stg_articles SELECT * REPLACE (body || ' An added line.' AS body) FROM _row")
    summary = link(seeds_db, RULES, AT)
    assert summary.n_fingerprinted == 1
    assert seeds_db.execute("SELECT duplicate_of FROM articles WHERE article_id = ?", [article_id]).fetchone()[0] is not None


def _facts_frame(rows):
    base = {"value_high": None, "qualifier": None, "unit": "bus", "category": "vehicles", "action": "remained"}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["value_high"] = frame["value_high"].fillna(frame["value"])
    return frame


def test_claim_keys_group_within_qualifier_tolerance():
    frame = _facts_frame([
        {"fact_id": "a", "value": 300, "value_text": "about 300", "qualifier": "about"},
        {"fact_id": "b", "value": 310, "value_text": "310"},
        {"fact_id": "c", "value": 300, "value_text": "more than 300", "qualifier": "more than", "value_high": 1e15},
        {"fact_id": "d", "value": 340, "value_text": "340"},
        {"fact_id": "e", "value": 12, "value_text": "dozens", "value_high": 99},
        {"fact_id": "f", "value": 12, "value_text": "12"},
        {"fact_id": "g", "value": 12, "value_text": "12", "action": "crossed"},
    ])
    keys = dict(zip(frame["fact_id"], claim_keys(frame), strict=True))
    assert keys["a"] == keys["b"] == keys["c"] == "vehicles|remained|300"
    assert keys["d"] == "vehicles|remained|340"  # outside "about 300"
    assert keys["e"] == "vehicles|remained|12+" and keys["f"] == "vehicles|remained|12"
    assert keys["g"] == "vehicles|crossed|12"


def test_claim_keys_do_not_drift_along_a_chain():
    frame = _facts_frame([{"fact_id": str(v), "value": v, "value_text": f"about {v}", "qualifier": "about"} for v in (100, 108, 116, 124)])
    assert claim_keys(frame).tolist() == ["vehicles|remained|100", "vehicles|remained|100", "vehicles|remained|116", "vehicles|remained|116"]


def test_original_is_earliest_then_named_then_longest():
    def art(aid, published=None, outlet=None, body="", words=10):
        return {"article_id": aid, "published_at": published, "outlet": outlet, "body": body, "word_count": words}

    dated = {"a": art("a", datetime(2017, 9, 2, tzinfo=UTC)), "b": art("b", datetime(2017, 9, 1, tzinfo=UTC))}
    assert duplicate_roots([("a", "b")], dated) == {"a": "b"}
    named = {"a": art("a", outlet="Wire", words=5), "b": art("b", body="..., Wire reported.", words=50)}
    assert duplicate_roots([("a", "b")], named) == {"b": "a"}
    longest = {"a": art("a", words=5), "b": art("b", words=50), "c": art("c", words=20)}
    assert duplicate_roots([("a", "c"), ("c", "b")], longest) == {"a": "b", "c": "b"}


def test_conflicting_values_are_listed(memory_db, seed_articles):
    _load(memory_db, list(seed_articles.values()))
    ynet = seed_articles["003_7bdef42adda05952.txt"].article_id
    memory_db.execute(
        "INSERT INTO stg_facts (fact_id, article_id, value, value_low, value_high, value_text, unit, category, action, "
        "speaker_text, polarity, sentence, sentence_index, start_char, end_char) VALUES "
        "('x1', ?, 9, 9, 9, 'nine', 'bus', 'vehicles', 'remained', 'a local official', 'asserted', 's', 0, 0, 4)", [ynet]
    )
    link(memory_db, RULES, AT)
    rows = memory_db.execute("SELECT value, other_value, other_speakers FROM claim_conflicts WHERE action = 'remained'").fetchall()
    assert rows == [(6.0, 9.0, ["a local official"])]


def _readme_queries() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Facts, claims and syndication", 1)[1].split("\n## ", 1)[0]
    return [q.strip() for block in re.findall(r"```sql\n(.*?)```", section, re.S) for q in block.split(";") if q.strip()]


def test_readme_queries_run_on_the_seeds(seeds_db):
    queries = _readme_queries()
    assert len(queries) >= 3
    results = [seeds_db.execute(sql).fetchall() for sql in queries]
    # the seeds corroborate and attribute, but report no incompatible figures
    assert sum(1 for r in results if r) >= len(queries) - 1


def test_crowded_buckets_compare_with_a_bounded_number_of_originals(memory_db, monkeypatch):
    from dataclasses import replace

    from tasks.common.models import Article

    rules = replace(RULES, max_bucket_articles=2)
    stock = "Follow our live coverage of the summit for the latest updates from the negotiating table tonight."
    articles = [
        Article(article_id=f"a{i}", source_uri=f"file://{i}", content_sha256=str(i), media_type="text/plain", raw_text="",
                body=f"{own} {stock}")
        for i, own in enumerate([
            "Farmers in the valley harvested an early crop of apricots this week.",
            "The city council voted to repair the old stone bridge over the river.",
            "A new museum of maritime history opened its doors to school groups.",
            "Heavy snow closed the mountain pass for most of the weekend traffic.",
            "Researchers catalogued rare orchids growing along the coastal cliffs.",
            "The orchestra announced a winter season of forgotten baroque operas.",
        ])
    ]
    _load(memory_db, articles[:5])
    link(memory_db, rules, AT)
    _load(memory_db, articles[5:])
    link(memory_db, rules, AT)
    partners = memory_db.execute("SELECT DISTINCT other_article_id FROM shared_passages WHERE article_id = 'a5'").fetchall()
    assert 0 < len(partners) <= 2


def test_choose_original_with_unknown_outlets_and_dates():
    import math

    from tasks.link import choose_original

    members = [
        {"article_id": "a", "outlet": math.nan, "published_at": None, "body": "short copy", "word_count": 2},
        {"article_id": "b", "outlet": None, "published_at": None, "body": "the longer original text", "word_count": 4},
    ]
    assert choose_original(members) == "b"


def test_exact_copies_are_paired_by_hash_without_passage_rows(memory_db, seed_articles):
    """Verbatim republications link to the first copy directly; only distinct bodies are compared."""
    from dataclasses import replace

    original = seed_articles["001_3da009fc58483ec1.txt"]
    copies = [replace(original, article_id=f"copy{i:02d}", boilerplate=[]) for i in range(3)]
    _load(memory_db, [original, *copies])
    summary = link(memory_db, RULES, AT)
    assert summary.n_fingerprinted == 4
    pairs = memory_db.execute("SELECT article_id, other_article_id, containment, is_duplicate FROM article_similarity ORDER BY ALL").fetchall()
    root = min(["copy00", "copy01", "copy02", original.article_id])
    assert pairs == [(root, other, 1.0, True) for other in sorted({"copy00", "copy01", "copy02", original.article_id} - {root})]
    assert memory_db.execute("SELECT count(*) FROM shared_passages").fetchone()[0] == 0
    duplicates = dict(memory_db.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    assert len({d for d in duplicates.values() if d}) == 1 and sum(d is None for d in duplicates.values()) == 1
    assert link(memory_db, RULES, AT).n_fingerprinted == 0  # idempotent


def test_the_link_suites_pass_on_the_seeds_and_reject_a_broken_passage(seeds_db):
    """Checks after linking: passages point into both bodies, copies point at originals, claims
    agree with their facts; a passage whose text is not at its offsets is rejected."""
    linked_at = seeds_db.execute("SELECT max(linked_at) FROM article_fingerprints").fetchone()[0]
    frames = {name: seeds_db.execute(load_query(f"link_{name}"), {"linked_at": linked_at} if name == "shared_passages" else {}).df()
              for name in ("shared_passages", "article_duplicates", "claims")}
    assert len(frames["shared_passages"]) > 0 and len(frames["article_duplicates"]) == 1
    dq_rows, rejected = check_links(frames, "run-1")
    assert {r["stage"] for r in dq_rows} == {"link"} and all(r["success"] for r in dq_rows)
    assert all(f.empty for f in rejected.values())
    frames["shared_passages"].loc[0, "check_text_at_offsets"] = False
    _rows, rejected = check_links(frames, "run-1")
    assert len(rejected["shared_passages"]) == 1 and rejected["article_duplicates"].empty
