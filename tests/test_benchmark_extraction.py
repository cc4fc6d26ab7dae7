"""The extraction quality gate: extract+clean over every corpus must stay above its pinned floor."""

from __future__ import annotations

import importlib.util
import json

import pytest

from benchmarks.extraction import (
    CORPORA,
    FLOOR_FILE,
    RESULTS,
    PageScore,
    floor_failures,
    load_floor,
    open_corpus,
    read_committed_pages,
    run_extractor,
    same_minute,
    score_corpus,
    score_corpus_fundus,
    score_page,
    score_page_fundus,
)
from tasks.clean import rebuild_raw_text

# The goals (issue 12), where reached; the floor file may rise above them, never fall below.
# Body F1: the best trafilatura setting on that corpus + 0.01 (scrapinghub 0.9641, fundus-dev 0.9483).
# Title exact on fundus-dev: the issue asks 0.95; 0.93 is what is reached (see README for the misses).
GOALS = {
    "scrapinghub": {"f1": 0.9741, "recall": 0.97, "max_lost": 0},
    "fundus-dev": {"f1": 0.9583, "recall": 0.96, "max_lost": 0, "title": 0.93, "authors": 0.9, "day": 0.95, "minute": 0.95},
}


def _corpus_or_skip(name: str):
    if not (CORPORA[name] / "ground-truth.json").exists():
        pytest.skip(f"corpus {name} not found at {CORPORA[name]} (it lives in ../shared/eval/)")
    return open_corpus(name)


@pytest.fixture(scope="module", params=sorted(CORPORA))
def factwire_run(request):
    """factwire over all pages of one corpus, once for this module (about 10 s per corpus on one core)."""
    corpus = _corpus_or_skip(request.param)
    return corpus, run_extractor(corpus, "factwire")


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


def test_fundus_metric_leaves_empty_predictions_out_of_precision():
    text = "one two three four five six"
    empty = score_page_fundus("e", "", text)
    assert not empty.predicted and empty.recall == 0.0
    full = score_page_fundus("f", text, text)
    score = score_corpus_fundus([empty, full])
    assert score.precision == 1.0 and score.recall == 0.5
    assert score_page_fundus("s", "two words", "two words").precision == 1.0  # one short shingle


def test_fundus_metric_agrees_with_its_score_py():
    corpus = _corpus_or_skip("fundus-dev")
    spec = importlib.util.spec_from_file_location("fundus_score", corpus.path / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    gold = [g.body for g in list(corpus.gold.values())[:20]]
    preds = ["", gold[1][: len(gold[1]) // 2], *gold[2:10], *(g + " extra words here now" for g in gold[10:])]
    preds.insert(0, gold[0])
    preds = preds[:20]
    p, r, f1, _exact, _counts = module.body_scores(list(zip(gold, preds, strict=True)))
    ours = score_corpus_fundus(score_page_fundus(str(i), pr, g) for i, (g, pr) in enumerate(zip(gold, preds, strict=True)))
    assert (ours.precision, ours.recall, ours.f1) == pytest.approx((p, r, f1), abs=1e-12)


def test_same_minute():
    assert same_minute("2024-05-03 15:47:42.389000+00:00", "2024-05-03T17:47:00+02:00")
    assert not same_minute("2024-05-03 15:47:42+00:00", "2024-05-03T15:48:00+00:00")
    assert same_minute("2024-05-03 15:47:42", "2024-05-03T15:47:10+00:00")  # naive: wall clock


def test_floor_is_not_below_the_goal():
    floor = load_floor()
    for corpus, goals in GOALS.items():
        for key, goal in goals.items():
            if key == "max_lost":
                assert floor[corpus][key] <= goal, f"{FLOOR_FILE}: {corpus} allows more lost pages than {goal}"
            else:
                assert floor[corpus][key] >= goal, f"{FLOOR_FILE}: {corpus} {key} was lowered below {goal}"


@pytest.mark.slow
def test_extract_clean_meets_the_floor(factwire_run):
    corpus, run = factwire_run
    assert run.score.pages == len(corpus.gold)
    assert floor_failures(corpus.name, run, load_floor()[corpus.name]) == []


@pytest.mark.slow
def test_every_page_rebuilds_losslessly(factwire_run):
    _corpus, run = factwire_run
    for page_id, pred in run.preds.items():
        article = pred.article
        if article is None:
            continue
        assert rebuild_raw_text(article.body, article.boilerplate) == article.raw_text, page_id
        for span in article.boilerplate:
            assert article.raw_text[span.start_char : span.end_char] == span.text, (page_id, span.rule)


@pytest.mark.slow
def test_committed_page_scores_cover_the_corpus(factwire_run):
    corpus, _run = factwire_run
    rows = read_committed_pages(RESULTS / f"extraction_pages_{corpus.name}.csv")
    assert {r.page_id for r in rows} == set(corpus.gold)
    scorer = score_corpus if corpus.metric == "scrapinghub" else score_corpus_fundus
    committed = scorer([PageScore(r.page_id, r.precision, r.recall) for r in rows])
    assert committed.f1 >= load_floor()[corpus.name]["f1"], "the committed per-page scores are stale or below the floor"


def test_floor_file_is_valid_json():
    data = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))
    assert set(CORPORA) <= set(data)
    assert all({"f1", "recall"} <= set(data[name]) for name in CORPORA)


def test_the_stripped_copy_has_no_structured_metadata_and_the_same_visible_page():
    from benchmarks.strip_metadata import strip_metadata

    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "author": "Jane Roe"}</script>'
        '<meta property="og:title" content="Convoy stranded"><meta name="author" content="Jane Roe">'
        '<meta name="viewport" content="width=device-width"><title>Convoy stranded | Example</title></head>'
        '<body><article itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">Convoy stranded</h1>'
        '<p class="byline">By Jane Roe, 25.04.24 14:07</p></article></body></html>'
    )
    stripped = strip_metadata(page)
    assert "ld+json" not in stripped and "og:title" not in stripped and 'name="author"' not in stripped
    assert "itemprop" not in stripped and "itemscope" not in stripped and "schema.org" not in stripped
    assert 'name="viewport"' in stripped and "<title>Convoy stranded | Example</title>" in stripped
    assert '<h1 >Convoy stranded</h1>' in stripped and "By Jane Roe, 25.04.24 14:07" in stripped
