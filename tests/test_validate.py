"""expectations/: every suite loads, critical failures name the rows to keep out, warnings only
report; and the shared gate (tasks/common/isolation.keep_checked) applies that to a batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from expectations.validate import EXPECTATIONS_DIR, load_suite, suite_names, validate
from tasks.clean import article_check_columns, boilerplate_check_columns
from tasks.common.frames import articles_frame, boilerplate_frame
from tasks.common.isolation import keep_checked
from tasks.common.models import Batch

# Every stage checks its own output; the load and link suites check the warehouse after them.
SUITES_BY_STAGE = {
    "discover": {"raw_documents"},
    "extract": {"extracted_articles"},
    "clean": {"articles", "boilerplate"},
    "entities": {"entities", "mentions", "candidate_entities"},
    "facts": {"facts"},
    "fingerprint": {"article_fingerprints"},
    "load": {"loaded_rows"},
    "link": {"shared_passages", "article_duplicates", "claims"},
    "stories": {"article_stories"},
}


def test_one_suite_per_checked_table_and_every_stage_has_one():
    by_stage: dict[str, set[str]] = {}
    for name in suite_names():
        suite = load_suite(name)
        assert suite.name == name and suite.expectations and suite.table
        assert {e.get("meta", {}).get("severity", "critical") for e in suite.expectations} <= {"critical", "warning"}
        by_stage.setdefault(suite.stage, set()).add(name)
    assert by_stage == SUITES_BY_STAGE


def test_no_suite_states_one_expectation_twice_on_a_column():
    """Great Expectations keeps one expectation per type and column in a suite and silently drops
    the other: two on one column must use two columns (a derived one if need be)."""
    for name in suite_names():
        domains = [(e["type"], json.dumps({k: v for k, v in e["kwargs"].items() if k in ("column", "column_list", "column_A", "column_B")},
                                          sort_keys=True)) for e in load_suite(name).expectations]
        assert len(domains) == len(set(domains)), name


def test_suite_files_are_valid_json_with_a_description():
    for path in EXPECTATIONS_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["description"], path.name


def _clean_frames(seed_articles) -> tuple[pd.DataFrame, pd.DataFrame]:
    articles = list(seed_articles.values())
    frame = articles_frame(articles, "run-1", datetime.now(UTC))
    spans = boilerplate_frame(articles)
    return article_check_columns(frame, spans), boilerplate_check_columns(spans, articles)


def test_seeds_pass_every_critical_check(seed_articles):
    articles, boilerplate = _clean_frames(seed_articles)
    for name, frame in (("articles", articles), ("boilerplate", boilerplate)):
        outcome = validate(name, frame, "run-1", 0)
        assert not outcome.rejected_index and not outcome.rejected_all, name
        assert {r["stage"] for r in outcome.rows} == {"clean"}


def test_a_lossy_clean_sends_its_article_to_quarantine(seed_articles):
    """article-level rows: the whole article leaves the batch, with the expectation as reason."""
    batch = Batch("run-1", 0, articles=list(seed_articles.values()))
    articles, boilerplate = _clean_frames(seed_articles)
    victim = articles.loc[0, "article_id"]
    articles.loc[0, "check_raw_text_rebuilds"] = False
    kept = keep_checked(batch, "articles", articles, article_level=True)
    assert victim not in set(kept["article_id"]) and len(kept) == 4
    assert victim not in {a.article_id for a in batch.articles}
    [q] = batch.quarantined
    assert q.stage == "clean" and "check_raw_text_rebuilds" in q.reason and q.raw_text
    assert not any(c.startswith("check_") for c in kept.columns)


def test_a_failing_child_row_is_dropped_alone_with_a_stage_error(seed_articles):
    """row-level: only the failing rows are kept out; the article stays."""
    batch = Batch("run-1", 0, articles=list(seed_articles.values()))
    _articles, boilerplate = _clean_frames(seed_articles)
    boilerplate.loc[[0, 1], "check_text_matches_raw"] = False
    kept = keep_checked(batch, "boilerplate", boilerplate, article_level=False)
    assert len(kept) == len(boilerplate) - 2
    assert len(batch.articles) == 5 and not batch.quarantined
    assert sum(e.n_rows_dropped for e in batch.stage_errors) == 2
    assert all("check_text_matches_raw" in e.error for e in batch.stage_errors)


def test_warning_failure_is_recorded_but_rejects_nothing(seed_articles):
    batch = Batch("run-1", 0, articles=list(seed_articles.values()))
    articles, _ = _clean_frames(seed_articles)
    articles["language"] = None
    kept = keep_checked(batch, "articles", articles, article_level=True)
    failed = [r for r in batch.dq_rows if not r["success"]]
    assert [(r["suite"], r["column_name"], r["severity"]) for r in failed] == [("articles", "language", "warning")]
    assert len(kept) == 5 and not batch.quarantined and not batch.stage_errors


def test_a_blank_or_untrimmed_summary_fails_its_warning_and_a_shown_one_passes(seed_articles):
    batch = Batch("run-1", 0, articles=list(seed_articles.values()))
    articles, _ = _clean_frames(seed_articles)
    articles["summary"] = ["The convoy reached the border after a week in the desert.", None, " ", "Two lines\nof it", None]
    kept = keep_checked(batch, "articles", articles, article_level=True)
    failed = [r for r in batch.dq_rows if not r["success"]]
    assert [(r["column_name"], r["severity"]) for r in failed] == [("summary", "warning")]
    assert json.loads(failed[0]["observed"])["unexpected_count"] == 2
    assert len(kept) == 5


def test_empty_batch_passes_vacuously():
    outcome = validate("facts", pd.DataFrame(columns=["fact_id", "article_id"]), "run-1", 0)
    assert all(r["success"] for r in outcome.rows) and not outcome.rejected_index


def _facts_frame(n_rows: int, with_category: int, with_action: int) -> pd.DataFrame:
    """Facts that pass every facts expectation but the shares of category and action given."""
    checks = {c: [True] * n_rows for c in ("check_value_finite_non_negative", "check_offsets_in_body", "check_sentence_contains_value",
                                           "check_speaker_entity_exists", "check_range_contains_value", "check_speaker_named_in_words")}
    return pd.DataFrame({"fact_id": [f"f{i}" for i in range(n_rows)], **checks, "polarity": ["asserted"] * n_rows,
                         "qualifier": [None] * n_rows, "unit": ["person"] * n_rows,
                         "category": ["people" if i < with_category else None for i in range(n_rows)],
                         "action": ["killed" if i < with_action else None for i in range(n_rows)]})


def test_share_checks_wait_for_a_sample_then_catch_a_stage_that_stopped_finding():
    """The facts suite's category and action shares (meta.min_rows 200) are not judged on a small
    batch, pass at the shares real news gives, and fail when almost no fact has one."""
    def failed(frame: pd.DataFrame, engine: str) -> list[str | None]:
        return [r["column_name"] for r in validate("facts", frame, "run", 0, engine=engine).rows if not r["success"]]

    for engine in ("native", "gx"):
        small = validate("facts", _facts_frame(150, 0, 0), "run", 0, engine=engine).rows
        assert all(r["success"] for r in small)  # too few rows to say anything
        assert "not_checked" in json.loads([r for r in small if r["column_name"] == "action"][-1]["observed"])
        assert failed(_facts_frame(250, 80, 12), engine) == []  # 0.32 and 0.05, as in wikiref-dev
        assert failed(_facts_frame(250, 10, 1), engine) == ["category", "action"]


# --- the native engine (expectations/native.py) against Great Expectations ------------------------

REGEX_SAMPLES = ["0" * 64, "a1" * 32, "Q42", "Q", "s" + "0" * 15, "t" + "a" * 15, "html-metadata", "text: 3 May",
                 "fw:x", "", "bad value", "0" * 63]


def _pools(suite) -> dict[str, list]:
    """Candidate values per checked column: ones each expectation accepts and ones it rejects,
    nulls included, so a random frame exercises passes, failures and the null rules."""
    numeric: set[str] = set()
    pools: dict[str, list] = {}
    for spec in suite.expectations:
        kw = spec["kwargs"]
        if spec["type"] == "expect_column_values_to_be_between":
            numeric.add(kw["column"])
            low, high = kw.get("min_value"), kw.get("max_value")
            values = [v for b in (low, high) if b is not None for v in (b - 1, b, b + 0.5, b + 1)]
            pools.setdefault(kw["column"], []).extend([*values, None])
        elif spec["type"] == "expect_column_values_to_be_in_set":
            pools.setdefault(kw["column"], []).extend([*kw["value_set"][:6], "zz-not-in-set", None])
        elif spec["type"] == "expect_column_values_to_match_regex":
            pools.setdefault(kw["column"], []).extend([*REGEX_SAMPLES, None])
        elif spec["type"] in ("expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"):
            pools.setdefault(kw["column"], []).extend(["u1", "u2", "u3", None])
        elif spec["type"] == "expect_compound_columns_to_be_unique":
            for c in kw["column_list"]:
                pools.setdefault(c, []).extend(["k1", "k2", None] if c.endswith("id") or c == "field" else [0, 1, None])
        elif spec["type"] == "expect_column_pair_values_a_to_be_greater_than_b":
            for c in (kw["column_A"], kw["column_B"]):
                numeric.add(c)
                pools.setdefault(c, []).extend([0, 1, 2, None])
    for c in numeric:  # one type per column: a numeric column gets numbers and nulls only
        pools[c] = [v for v in pools[c] if v is None or isinstance(v, int | float)] or [0, 1, None]
    return pools


def _fuzz_frame(suite, seed: int, n_rows: int = 40) -> pd.DataFrame:
    import random

    rng = random.Random(seed)
    pools = _pools(suite)
    return pd.DataFrame({c: [rng.choice(pool) for _ in range(n_rows)] for c, pool in sorted(pools.items())})


def _verdicts(name: str, frame: pd.DataFrame, engine: str) -> list[tuple]:
    outcome = validate(name, frame, "run", 0, engine=engine)
    observed = [json.loads(r["observed"]) for r in outcome.rows]
    return [(r["expectation"], r["column_name"], r["success"], o.get("unexpected_count"), o.get("element_count"))
            for r, o in zip(outcome.rows, observed, strict=True)] + [("rejected", sorted(outcome.rejected_index), outcome.rejected_all)]


def test_the_native_engine_covers_every_suite():
    from expectations import native

    assert [n for n in suite_names() if not native.supports(load_suite(n).expectations)] == []


def test_native_engine_gives_gx_verdicts_on_frames_built_to_fail():
    """Every suite, on random frames mixing accepted values, rejected values and nulls: the same
    success, unexpected count and rejected rows from both engines."""
    outcomes: list[bool] = []
    for name in suite_names():
        for seed, n_rows in enumerate((1, 2, 3, 5, 40)):  # small frames pass often, large ones fail
            frame = _fuzz_frame(load_suite(name), seed, n_rows)
            native_verdicts = _verdicts(name, frame, "native")
            assert native_verdicts == _verdicts(name, frame, "gx"), (name, seed)
            outcomes.extend(v[2] for v in native_verdicts[:-1])
    # the frames exercise both verdicts, often
    assert outcomes.count(False) > len(outcomes) / 4 and outcomes.count(True) > len(outcomes) / 4


def test_native_engine_gives_gx_verdicts_on_the_stages_frames(seed_articles):
    from tasks.common.frames import mentions_frame
    from tasks.entities import find_entities, mention_check_columns

    articles = list(seed_articles.values())
    found, _candidates = find_entities(articles)
    frames = {
        "articles": article_check_columns(articles_frame(articles, "run", datetime.now(UTC)), boilerplate_frame(articles)),
        "boilerplate": boilerplate_check_columns(boilerplate_frame(articles), articles),
        "mentions": mention_check_columns(mentions_frame(found), articles),
    }
    for name, frame in frames.items():
        assert len(frame) > 0
        assert _verdicts(name, frame, "native") == _verdicts(name, frame, "gx"), name


def test_the_engine_is_recorded_and_can_be_forced(monkeypatch):
    frame = pd.DataFrame({"body_sha256": ["0" * 64, "bad"], "n_sentences": [1, -1]})
    rows = validate("article_fingerprints", frame.assign(article_id=["a", "b"]), "run", 0).rows
    assert {r["engine"] for r in rows} == {"native"}  # a worker stage's suite
    monkeypatch.setenv("FACTWIRE_CHECK_ENGINE", "gx")
    assert {r["engine"] for r in validate("article_fingerprints", frame.assign(article_id=["a", "b"]), "run", 0).rows} == {"gx"}


def test_hot_path_suites_run_natively_and_the_writers_once_per_run_suites_through_gx(monkeypatch):
    """discover's suite runs on every batch the writer reads, the first before any worker has
    work: it must not wait for GX's import; load's runs in every batch's transaction. The link
    and stories suites, once per run, go through GX."""
    from expectations.validate import engine_for, load_suite

    monkeypatch.delenv("FACTWIRE_CHECK_ENGINE", raising=False)
    assert {engine_for(load_suite(n)) for n in ("raw_documents", "loaded_rows")} == {"native"}
    assert {engine_for(load_suite(n)) for n in ("article_stories", "claims")} == {"gx"}
