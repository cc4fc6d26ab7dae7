"""One name for one thing across the public tables and views; the old names stay as aliases for one release."""

from __future__ import annotations

import pytest


@pytest.fixture
def small_warehouse(memory_db):
    """Two articles by two outlets, an entity mentioned in one, two facts stating one claim."""
    con = memory_db
    con.execute("INSERT INTO entities (entity_id, name, type, source) VALUES ('Q1', 'Abu Kamal', 'GPE', 'curated')")
    for article_id, outlet in (("a1", "Outlet One"), ("a2", "Outlet Two")):
        con.execute("INSERT INTO stg_articles (article_id, content_sha256, source_uri, media_type, outlet, body, raw_text, "
                    "word_count, run_id, ingested_at) VALUES (?, ?, ?, 'text/plain', ?, 'Seven died in Abu Kamal.', "
                    "'Seven died in Abu Kamal.', 5, 'r', now())", [article_id, article_id * 4, f"file:///{article_id}", outlet])
        con.execute("INSERT INTO stg_facts (fact_id, article_id, value, value_text, unit, category, action, polarity, sentence, "
                    "sentence_index, start_char, end_char) VALUES (?, ?, 7, 'Seven', 'person', 'casualties', 'died', 'asserted', "
                    "'Seven died in Abu Kamal.', 0, 0, 5)", [f"f-{article_id}", article_id])
    con.execute("INSERT INTO stg_mentions (article_id, entity_id, surface, start_char, end_char, sentence_index, match_method, match_score) "
                "VALUES ('a1', 'Q1', 'Abu Kamal', 14, 23, 0, 'exact', 1.0)")
    return con


def _columns(con, name: str) -> set[str]:
    return {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}


def test_entity_name_category_and_outlet_have_one_name_everywhere(small_warehouse):
    con = small_warehouse
    assert "entity_name" in _columns(con, "entity_surfaces")
    assert {"category", "outlet"} <= _columns(con, "facts")
    assert "category" in _columns(con, "claims") and "category" in _columns(con, "claim_conflicts")
    assert con.execute("SELECT entity_name FROM entity_surfaces").fetchall() == [("Abu Kamal",)]
    assert con.execute("SELECT fact_id, outlet FROM facts ORDER BY fact_id").fetchall() == [("f-a1", "Outlet One"), ("f-a2", "Outlet Two")]
    assert con.execute("SELECT category, n_articles FROM claims").fetchall() == [("casualties", 2)]


def test_old_names_are_kept_as_aliases_for_one_release(small_warehouse):
    con = small_warehouse
    assert con.execute("SELECT count(*) FROM entity_surfaces WHERE entity IS DISTINCT FROM entity_name").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM claims WHERE claim_category IS DISTINCT FROM category").fetchone() == (0,)
    assert "claim_category" in _columns(con, "claim_conflicts")


def test_facts_keep_one_row_per_fact(small_warehouse):
    assert small_warehouse.execute("SELECT count(*), count(DISTINCT fact_id) FROM facts").fetchone() == (2, 2)
