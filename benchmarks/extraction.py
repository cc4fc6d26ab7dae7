"""Extraction benchmark: our extract+clean against plain trafilatura on the scrapinghub corpus."""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "eval" / "scrapinghub-article-extraction-benchmark"
RESULTS = REPO / "benchmarks" / "results"
FLOOR_FILE = REPO / "benchmarks" / "extraction_floor.json"
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class PageScore:
    """Precision and recall of one page, normalised as the benchmark's evaluate.py does."""

    page_id: str
    precision: float
    recall: float


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """Means of per-page precision and recall, and F1 of those means (the benchmark's metric)."""

    precision: float
    recall: float
    f1: float
    pages: int


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-grams of \\w+ tokens, case kept."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(0, len(tokens) - n + 1)))


def score_page(page_id: str, predicted: str, truth: str) -> PageScore:
    """tp/fp/fn over shingle multisets, normalised by their sum, then P and R."""
    pred, true = shingles(predicted), shingles(truth)
    tp = sum((pred & true).values())
    fp = sum(pred.values()) - tp
    fn = sum(true.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return PageScore(page_id, 1.0, 1.0)
    tp_n, fp_n, fn_n = tp / total, fp / total, fn / total
    precision = tp_n / (tp_n + fp_n) if tp_n + fp_n else 0.0
    recall = tp_n / (tp_n + fn_n) if tp_n + fn_n else 0.0
    return PageScore(page_id, precision, recall)


def score_corpus(pages: Iterable[PageScore]) -> CorpusScore:
    """Corpus P and R are means over pages; F1 is computed from those means."""
    scores = list(pages)
    p = sum(s.precision for s in scores) / len(scores)
    r = sum(s.recall for s in scores) / len(scores)
    return CorpusScore(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(scores))


def load_corpus(corpus: Path = CORPUS) -> dict[str, dict[str, str]]:
    """Ground truth keyed by page id: {"articleBody": ..., "url": ...}."""
    return json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))


def page_path(page_id: str, corpus: Path = CORPUS) -> Path:
    return corpus / "html" / f"{page_id}.html.gz"


def factwire_extractor(options: object | None = None) -> Callable[[Path], tuple[str, object]]:
    """Our pipeline's extract + clean on one page file; returns (body, article)."""
    from tasks.clean import clean_article
    from tasks.discover import read_document
    from tasks.extract import DEFAULT_OPTIONS, ExtractError, extract_document

    opts = options or DEFAULT_OPTIONS

    def run(path: Path) -> tuple[str, object]:
        try:
            article = clean_article(extract_document(read_document(path), opts))  # type: ignore[arg-type]
        except ExtractError:
            return "", None
        return article.body, article

    return run


def trafilatura_default(path: Path) -> str:
    """Plain trafilatura.extract with its default settings: the reference in the same run."""
    import trafilatura

    html = gzip.decompress(path.read_bytes()).decode("utf-8")
    return trafilatura.extract(html) or ""


def run_factwire(truth: dict[str, dict[str, str]], corpus: Path = CORPUS, options: object | None = None) -> tuple[list[PageScore], dict[str, object], float]:
    """Score our extract+clean on every page; also returns the cleaned articles and seconds taken."""
    extract = factwire_extractor(options)
    scores: list[PageScore] = []
    articles: dict[str, object] = {}
    started = time.perf_counter()
    for page_id, expected in truth.items():
        body, article = extract(page_path(page_id, corpus))
        articles[page_id] = article
        scores.append(score_page(page_id, body, expected["articleBody"]))
    return scores, articles, time.perf_counter() - started


def run_baseline(truth: dict[str, dict[str, str]], corpus: Path = CORPUS) -> tuple[list[PageScore], float]:
    started = time.perf_counter()
    scores = [
        score_page(page_id, trafilatura_default(page_path(page_id, corpus)), expected["articleBody"])
        for page_id, expected in truth.items()
    ]
    return scores, time.perf_counter() - started


def write_pages(path: Path, truth: dict[str, dict[str, str]], ours: list[PageScore], base: list[PageScore]) -> None:
    """Per-page scores, ours next to trafilatura's, sorted by page id for stable diffs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    baseline = {s.page_id: s for s in base}
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["page_id", "url", "precision", "recall", "trafilatura_precision", "trafilatura_recall"])
        for s in sorted(ours, key=lambda x: x.page_id):
            b = baseline.get(s.page_id)
            writer.writerow([
                s.page_id, truth[s.page_id].get("url", ""), f"{s.precision:.4f}", f"{s.recall:.4f}",
                f"{b.precision:.4f}" if b else "", f"{b.recall:.4f}" if b else "",
            ])


def load_floor(path: Path = FLOOR_FILE) -> dict[str, float]:
    """The pinned quality floor: a change that scores below it fails tests/test_benchmark_extraction.py."""
    return {k: float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def _option_variants() -> dict[str, object]:
    from tasks.extract import DEFAULT_OPTIONS

    return {
        "chosen": DEFAULT_OPTIONS,
        "with fallback (fast=False)": replace(DEFAULT_OPTIONS, fast=False),
        "favor_recall": replace(DEFAULT_OPTIONS, favor_recall=True),
        "favor_precision": replace(DEFAULT_OPTIONS, favor_precision=True),
        "include_comments": replace(DEFAULT_OPTIONS, include_comments=True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pages-csv", type=Path, default=RESULTS / "extraction_pages.csv")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain trafilatura")
    parser.add_argument("--compare-options", action="store_true", help="also score other trafilatura settings under our clean stage")
    args = parser.parse_args(argv)
    os.environ.setdefault("TQDM_DISABLE", "1")
    if not (args.corpus / "ground-truth.json").exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    truth = load_corpus(args.corpus)
    ours, _articles, ours_s = run_factwire(truth, args.corpus)
    mine = score_corpus(ours)
    rows = [("factwire extract+clean", mine, ours_s)]
    base: list[PageScore] = []
    if not args.no_baseline:
        base, base_s = run_baseline(truth, args.corpus)
        rows.append(("trafilatura.extract (defaults)", score_corpus(base), base_s))
    if args.compare_options:
        for name, options in _option_variants().items():
            if name != "chosen":
                scores, _, secs = run_factwire(truth, args.corpus, options)
                rows.append((f"  variant: {name}", score_corpus(scores), secs))
    print(f"scrapinghub article-extraction-benchmark, {mine.pages} pages, metric of its evaluate.py")
    print(f"{'extractor':40s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'seconds':>8s}")
    for name, score, secs in rows:
        print(f"{name:40s} {score.precision:9.4f} {score.recall:7.4f} {score.f1:7.4f} {secs:8.1f}")
    write_pages(args.pages_csv, truth, ours, base)
    floor = load_floor()
    ok = mine.f1 >= floor["f1"] and mine.recall >= floor["recall"]
    print(f"floor (benchmarks/extraction_floor.json): F1 >= {floor['f1']}, recall >= {floor['recall']}: {'met' if ok else 'NOT MET'}")
    print(f"per-page scores: {args.pages_csv}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
