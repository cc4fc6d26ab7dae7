"""The extraction quality gate: extract+clean over the scrapinghub corpus must stay above the pinned floor."""

from __future__ import annotations

import csv
import json

import pytest

from benchmarks.extraction import (
    FLOOR_FILE,
    RESULTS,
    PageScore,
    load_corpus,
    load_floor,
    run_factwire,
    score_corpus,
    score_page,
)
from tasks.clean import rebuild_raw_text

from .conftest import benchmark_dir

# The goal; the floor file may rise above it, never fall below.
GOAL_F1 = 0.975
GOAL_RECALL = 0.97


@pytest.fixture(scope="module")
def benchmark_run():
    """Our extract+clean over all 181 pages, once for this module (about 10 s on one core)."""
    corpus = benchmark_dir()
    truth = load_corpus(corpus)
    scores, articles, _seconds = run_factwire(truth, corpus)
    return truth, scores, articles


def test_metric_matches_the_benchmark_definition():
    text = "one two three four five six"
    same = score_page("p", text, text)
    assert (same.precision, same.recall) == (1.0, 1.0)
    # 3 true shingles; the prediction has 2 of them plus 1 extra: tp=2, fp=1, fn=1
    half = score_page("p", "two three four five six seven", text)
    assert half.precision == pytest.approx(2 / 3) and half.recall == pytest.approx(2 / 3)
    assert score_page("p", "", text).recall == 0.0
    corpus = score_corpus([same, half])
    assert corpus.precision == pytest.approx((1 + 2 / 3) / 2)
    assert corpus.f1 == pytest.approx(2 * corpus.precision * corpus.recall / (corpus.precision + corpus.recall))


def test_floor_is_not_below_the_goal():
    floor = load_floor()
    assert floor["f1"] >= GOAL_F1 and floor["recall"] >= GOAL_RECALL, f"{FLOOR_FILE} was lowered"


@pytest.mark.slow
def test_extract_clean_meets_the_floor(benchmark_run):
    _truth, scores, _articles = benchmark_run
    score = score_corpus(scores)
    floor = load_floor()
    assert score.pages == 181
    assert score.f1 >= floor["f1"], f"F1 {score.f1:.4f} below the floor {floor['f1']} (P {score.precision:.4f}, R {score.recall:.4f})"
    assert score.recall >= floor["recall"], f"recall {score.recall:.4f} below the floor {floor['recall']}"


@pytest.mark.slow
def test_every_benchmark_page_rebuilds_losslessly(benchmark_run):
    _truth, _scores, articles = benchmark_run
    assert all(a is not None for a in articles.values()), "a benchmark page failed extraction"
    for page_id, article in articles.items():
        assert rebuild_raw_text(article.body, article.boilerplate) == article.raw_text, page_id
        for span in article.boilerplate:
            assert article.raw_text[span.start_char : span.end_char] == span.text, (page_id, span.rule)


@pytest.mark.slow
def test_committed_page_scores_cover_the_corpus(benchmark_run):
    truth, _scores, _articles = benchmark_run
    with (RESULTS / "extraction_pages.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["page_id"] for r in rows} == set(truth)
    committed = score_corpus([PageScore(r["page_id"], float(r["precision"]), float(r["recall"])) for r in rows])
    assert committed.f1 >= load_floor()["f1"], "benchmarks/results/extraction_pages.csv is stale or below the floor"


def test_floor_file_is_valid_json():
    data = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))
    assert {"f1", "recall"} <= set(data)
