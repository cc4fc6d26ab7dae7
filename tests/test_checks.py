"""Checks: suites load from expectations/, critical failures reject rows, warnings do not."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from tasks.checks import add_fact_checks, check_frames, load_suite, suite_names, validate_frame
from tasks.entities import find_mentions, load_gazetteer
from tasks.facts import extract_facts
from tasks.models import BatchResult
from tasks.tables import batch_frames


def _frames(seed_articles):
    articles = list(seed_articles.values())
    mentions = find_mentions(articles)
    facts = extract_facts(articles, mentions)
    return batch_frames(BatchResult(articles, mentions, facts), "run-1", datetime.now(UTC))


def test_one_suite_per_checked_table():
    assert set(suite_names()) == {"raw_documents", "articles", "boilerplate", "entities", "mentions", "candidate_entities", "facts"}
    for name in suite_names():
        suite = load_suite(name)
        assert suite.name == name and suite.expectations
        assert {e["meta"]["severity"] for e in suite.expectations} <= {"critical", "warning"}


def test_seeds_pass_every_critical_check(seed_articles):
    checked = check_frames(_frames(seed_articles), "run-1", 0, set(load_gazetteer().entities))
    assert checked.rejected == {}
    critical_failures = [r for r in checked.dq_rows if r["severity"] == "critical" and not r["success"]]
    assert critical_failures == []
    assert {r["stage"] for r in checked.dq_rows} == {"clean", "entities", "facts"}
    assert len(checked.frames["stg_articles"]) == 5


def test_mention_with_wrong_offsets_rejects_its_article(seed_articles):
    frames = _frames(seed_articles)
    bad_article = frames["stg_mentions"].loc[0, "article_id"]
    frames["stg_mentions"].loc[0, "start_char"] += 1  # surface no longer equals the body slice
    checked = check_frames(frames, "run-1", 0, set(load_gazetteer().entities))
    assert set(checked.rejected) == {bad_article}
    assert "mentions" in checked.rejected[bad_article]
    for table, frame in checked.frames.items():
        assert bad_article not in set(frame["article_id"]), table
    assert len(checked.frames["stg_articles"]) == 4


def test_lossy_clean_is_critical(seed_articles):
    frames = _frames(seed_articles)
    victim = frames["stg_boilerplate"].loc[0, "article_id"]
    frames["stg_boilerplate"] = frames["stg_boilerplate"].drop(index=0)  # a removed span is lost
    checked = check_frames(frames, "run-1", 0, set(load_gazetteer().entities))
    assert victim in checked.rejected


def test_warning_failure_is_recorded_but_rejects_nothing(seed_articles):
    frames = _frames(seed_articles)
    frames["stg_articles"]["language"] = None
    checked = check_frames(frames, "run-1", 0, set(load_gazetteer().entities))
    failed = [r for r in checked.dq_rows if not r["success"]]
    assert [(r["suite"], r["column_name"], r["severity"]) for r in failed] == [("articles", "language", "warning")]
    assert checked.rejected == {}


def test_fact_with_negative_value_fails(seed_articles):
    frames = _frames(seed_articles)
    frames["stg_facts"].loc[0, "value"] = -3.0
    checked = add_fact_checks(frames["stg_facts"], frames["stg_articles"], set(load_gazetteer().entities))
    outcome = validate_frame("facts", checked, "run-1", 0)
    assert 0 in outcome.rejected_index


def test_empty_batch_passes_vacuously():
    outcome = validate_frame("facts", pd.DataFrame(columns=["fact_id", "article_id"]), "run-1", 0)
    assert all(r["success"] for r in outcome.rows) and not outcome.rejected_index
