"""Extraction benchmark: factwire's extract+clean against two trafilatura settings, on every corpus."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tasks.common.timestamps import zone_in_resolution

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
CORPUS = EVAL / "scrapinghub-article-extraction-benchmark"
FUNDUS = EVAL / "fundus-dev"
CORPORA = {"scrapinghub": CORPUS, "fundus-dev": FUNDUS}
RESULTS = REPO / "benchmarks" / "results"
FLOOR_FILE = REPO / "benchmarks" / "extraction_floor.json"
_TOKEN = re.compile(r"\w+")
EXTRACTORS = ("factwire", "trafilatura default", "trafilatura precision")


@dataclass(frozen=True, slots=True)
class PageScore:
    """Precision and recall of one page, normalised as the benchmark's evaluate.py does."""

    page_id: str
    precision: float
    recall: float
    predicted: bool = True  # False for an empty prediction (fundus-dev's score.py skips it in P)


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """Means of per-page precision and recall, and F1 of those means (the benchmark's metric)."""

    precision: float
    recall: float
    f1: float
    pages: int


@dataclass(slots=True)
class Gold:
    """What a corpus expects of one page; metadata is None where the corpus has none."""

    body: str
    url: str = ""
    title: str | None = None
    authors: list[str] | None = None
    published_at: str | None = None


@dataclass(slots=True)
class Prediction:
    """What one extractor gave for one page."""

    body: str
    title: str | None = None
    authors: list[str] | None = None
    published_at: str | None = None  # ISO 8601 in the page's own offset where known
    article: Any = None  # factwire's cleaned Article
    error: str | None = None


@dataclass(slots=True)
class Corpus:
    """One evaluation corpus: its pages, ground truth and body metric."""

    name: str
    path: Path
    gold: dict[str, Gold]
    metric: str  # "scrapinghub" or "fundus"

    def page_path(self, page_id: str) -> Path:
        return self.path / "html" / f"{page_id}.html.gz"


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-grams of \\w+ tokens, case kept."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(0, len(tokens) - n + 1)))


def score_page(page_id: str, predicted: str, truth: str) -> PageScore:
    """tp/fp/fn over shingle multisets, normalised by their sum, then P and R (scrapinghub)."""
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
    """Corpus P and R are means over pages; F1 is computed from those means (scrapinghub)."""
    scores = list(pages)
    p = sum(s.precision for s in scores) / len(scores)
    r = sum(s.recall for s in scores) / len(scores)
    return CorpusScore(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(scores))


def _fundus_shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    grams = [tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3))]
    return Counter(g for g in grams if g)  # a text under 4 tokens is one short shingle


def score_page_fundus(page_id: str, predicted: str, truth: str) -> PageScore:
    """fundus-dev's score.py: as scrapinghub, but an empty prediction is left out of P."""
    t, p = _fundus_shingles(truth), _fundus_shingles(predicted)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    if fp == 0 and fn == 0:
        return PageScore(page_id, 1.0, 1.0, tp > 0)
    return PageScore(page_id, tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, tp + fp > 0)


def score_corpus_fundus(pages: Iterable[PageScore]) -> CorpusScore:
    """P over pages with a prediction, R over all pages (every fundus-dev page has a body)."""
    scores = list(pages)
    predicted = [s.precision for s in scores if s.predicted]
    p = sum(predicted) / len(predicted) if predicted else 0.0
    r = sum(s.recall for s in scores) / len(scores) if scores else 0.0
    return CorpusScore(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(scores))


def open_corpus(name: str, path: Path | None = None) -> Corpus:
    """A corpus by name, its ground truth normalised to Gold records."""
    path = path or CORPORA[name]
    raw = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    if name == "scrapinghub":
        gold = {k: Gold(v["articleBody"], v.get("url", "")) for k, v in raw.items()}
        return Corpus(name, path, gold, "scrapinghub")
    gold = {
        k: Gold(v["body"], v.get("url", ""), v.get("title"), v.get("authors"), v.get("publishing_date"))
        for k, v in raw.items()
    }
    return Corpus(name, path, gold, "fundus")


def _page_scorer(metric: str) -> Callable[[str, str, str], PageScore]:
    return score_page if metric == "scrapinghub" else score_page_fundus


def _corpus_scorer(metric: str) -> Callable[[Iterable[PageScore]], CorpusScore]:
    return score_corpus if metric == "scrapinghub" else score_corpus_fundus


# --- extractors -------------------------------------------------------------------------------


def split_authors(author: str | None) -> list[str] | None:
    """factwire keeps several authors in one column, separated by "; " (as trafilatura does)."""
    if not author:
        return None
    return [a.strip() for a in author.split(";") if a.strip()]


def local_iso(article: Any) -> str | None:
    """published_at (UTC) shown in the offset the page wrote, so a day is read as the page meant it."""
    when = article.published_at
    if when is None:
        return None
    text = article.published_at_text or ""
    try:
        written = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        written = None
    if written is not None and written.tzinfo is not None:
        when = when.astimezone(written.tzinfo)
    elif zone := zone_in_resolution(article.published_at_source):
        when = when.astimezone(zone)  # a local time read in the outlet's or the country's zone: shown as written
    return str(when.isoformat())


def predict_factwire(path: Path, options: object | None = None) -> Prediction:
    """discover -> extract -> clean, the calls `factwire ingest` makes per document; a refused page
    (an ExtractError, or the clean stage's empty-body error, both ValueErrors) is a lost page."""
    from tasks.clean import clean_article
    from tasks.discover import read_document
    from tasks.extract import DEFAULT_OPTIONS, extract_document

    try:
        article = clean_article(extract_document(read_document(path), options or DEFAULT_OPTIONS))  # type: ignore[arg-type]
    except ValueError as exc:
        return Prediction("", error=str(exc))
    return Prediction(article.body, article.title, split_authors(article.author), local_iso(article), article)


def _html(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")


def _predict_trafilatura(path: Path, **settings: Any) -> Prediction:
    import trafilatura

    html = _html(path)
    body = trafilatura.extract(html, **settings) or ""
    meta = trafilatura.extract_metadata(html)
    if meta is None:
        return Prediction(body)
    return Prediction(body, meta.title or None, split_authors(meta.author), meta.date or None)


def predict(extractor: str, path: Path) -> Prediction:
    """One page through one of EXTRACTORS."""
    if extractor == "factwire":
        return predict_factwire(path)
    if extractor == "trafilatura default":
        return _predict_trafilatura(path)
    return _predict_trafilatura(path, include_comments=False, favor_precision=True)


# --- metadata rates (fundus-dev's score.py) ---------------------------------------------------


def _norm(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _when(value: str | None) -> dt.datetime | None:
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())
        except ValueError:
            return None


def same_title(gold: str, pred: str | None) -> bool:
    return pred is not None and _norm(gold) == _norm(pred)


def same_authors(gold: list[str], pred: list[str] | None) -> bool:
    return pred is not None and {_norm(a) for a in gold} == {_norm(a) for a in pred if _norm(a)}


def same_day(gold: str, pred: str | None) -> bool:
    t, p = _when(gold), _when(pred)
    return t is not None and p is not None and t.date() == p.date()


def same_minute(gold: str, pred: str | None) -> bool:
    """The same minute: instants when both carry an offset, wall-clock times otherwise."""
    t, p = _when(gold), _when(pred)
    if t is None or p is None:
        return False
    if t.tzinfo is None or p.tzinfo is None:
        t, p = t.replace(tzinfo=None), p.replace(tzinfo=None)
    return t.replace(second=0, microsecond=0) == p.replace(second=0, microsecond=0)


def gold_has_time(value: str) -> bool:
    when = _when(value)
    return when is not None and (when.hour, when.minute, when.second) != (0, 0, 0)


@dataclass(slots=True)
class MetadataRates:
    """Exact-match rates over the pages whose ground truth has the field: (hits, total)."""

    title: tuple[int, int] = (0, 0)
    authors: tuple[int, int] = (0, 0)
    day: tuple[int, int] = (0, 0)
    minute: tuple[int, int] = (0, 0)  # over pages whose expected date has a time


def metadata_rates(gold: dict[str, Gold], preds: dict[str, Prediction]) -> MetadataRates:
    def rate(ids: list[str], ok: Callable[[str], bool]) -> tuple[int, int]:
        return sum(1 for k in ids if ok(k)), len(ids)

    titled = [k for k, g in gold.items() if g.title is not None]
    authored = [k for k, g in gold.items() if g.authors is not None]
    dated = [k for k, g in gold.items() if g.published_at is not None]
    timed = [k for k in dated if gold_has_time(gold[k].published_at or "")]
    return MetadataRates(
        rate(titled, lambda k: same_title(gold[k].title or "", preds[k].title)),
        rate(authored, lambda k: same_authors(gold[k].authors or [], preds[k].authors)),
        rate(dated, lambda k: same_day(gold[k].published_at or "", preds[k].published_at)),
        rate(timed, lambda k: same_minute(gold[k].published_at or "", preds[k].published_at)),
    )


# --- one corpus, every extractor --------------------------------------------------------------


@dataclass(slots=True)
class ExtractorRun:
    """One extractor over one corpus."""

    name: str
    preds: dict[str, Prediction]
    pages: list[PageScore]
    score: CorpusScore
    seconds: float
    lost: list[str]  # pages with an empty body or a failure
    metadata: MetadataRates | None = None


@dataclass(slots=True)
class RuleEffect:
    """What one cleaning rule does on one corpus (measured by putting its spans back)."""

    rule: str
    pages_fired: int = 0
    words_removed: int = 0
    gold_words_removed: int = 0
    helped: list[str] = field(default_factory=list)
    hurt: list[str] = field(default_factory=list)
    f1_without: float = 0.0


def run_extractor(corpus: Corpus, extractor: str) -> ExtractorRun:
    started = time.perf_counter()
    preds = {page_id: predict(extractor, corpus.page_path(page_id)) for page_id in corpus.gold}
    seconds = time.perf_counter() - started
    scorer = _page_scorer(corpus.metric)
    pages = [scorer(k, preds[k].body, g.body) for k, g in corpus.gold.items()]
    lost = sorted(k for k, p in preds.items() if not p.body.strip())
    has_meta = any(g.title is not None for g in corpus.gold.values())
    return ExtractorRun(
        extractor, preds, pages, _corpus_scorer(corpus.metric)(pages), seconds, lost,
        metadata_rates(corpus.gold, preds) if has_meta else None,
    )


def body_without_rule(article: Any, rule: str) -> str:
    """The body the clean stage would give if `rule`'s spans had stayed in (whitespace tidying kept)."""
    raw = article.raw_text
    spans = sorted((s.start_char, s.end_char) for s in article.boilerplate if s.rule != rule)
    out: list[str] = []
    pos = 0
    for s, e in spans:
        if s > pos:
            out.append(raw[pos:s])
        pos = max(pos, e)
    out.append(raw[pos:])
    return "".join(out)


def rule_effects(corpus: Corpus, run: ExtractorRun) -> list[RuleEffect]:
    """Per cleaning rule: words it removed, how many were gold words, pages it helped or hurt.

    A page is helped when its F1 is higher with the rule than with the rule's spans put back.
    """
    scorer = _page_scorer(corpus.metric)
    by_page = {s.page_id: s for s in run.pages}
    effects: dict[str, RuleEffect] = {}
    without: dict[str, dict[str, PageScore]] = {}
    for page_id, pred in run.preds.items():
        article = pred.article
        if article is None:
            continue
        gold_tokens = Counter(_TOKEN.findall(corpus.gold[page_id].body))
        body_tokens = Counter(_TOKEN.findall(article.body))
        for rule in sorted({s.rule for s in article.boilerplate if s.rule != "tidy_whitespace"}):
            effect = effects.setdefault(rule, RuleEffect(rule))
            restored = body_without_rule(article, rule)
            restored_tokens = Counter(_TOKEN.findall(restored))
            removed = restored_tokens - body_tokens
            effect.pages_fired += 1
            effect.words_removed += sum(removed.values())
            effect.gold_words_removed += sum((restored_tokens & gold_tokens).values()) - sum((body_tokens & gold_tokens).values())
            alt = scorer(page_id, restored, corpus.gold[page_id].body)
            without.setdefault(rule, {})[page_id] = alt
            f1_with, f1_alt = _f1(by_page[page_id]), _f1(alt)
            if f1_with > f1_alt + 1e-9:
                effect.helped.append(page_id)
            elif f1_alt > f1_with + 1e-9:
                effect.hurt.append(page_id)
    for rule, effect in effects.items():
        pages = [without[rule].get(k, by_page[k]) for k in corpus.gold]
        effect.f1_without = _corpus_scorer(corpus.metric)(pages).f1
    return sorted(effects.values(), key=lambda e: (-e.pages_fired, e.rule))


def _f1(s: PageScore) -> float:
    return 2 * s.precision * s.recall / (s.precision + s.recall) if s.precision + s.recall else 0.0


# --- output ------------------------------------------------------------------------------------


def write_pages(path: Path, corpus: Corpus, runs: dict[str, ExtractorRun]) -> None:
    """Per-page body scores of every extractor, sorted by page id for stable diffs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    by_name = {name: {s.page_id: s for s in run.pages} for name, run in runs.items()}
    names = [n for n in EXTRACTORS if n in runs]
    columns = {"factwire": ("precision", "recall"), "trafilatura default": ("trafilatura_precision", "trafilatura_recall"),
               "trafilatura precision": ("trafilatura_precise_precision", "trafilatura_precise_recall")}
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["page_id", "url", *[c for n in names for c in columns[n]]])
        for page_id in sorted(corpus.gold):
            row: list[str] = [page_id, corpus.gold[page_id].url]
            for n in names:
                s = by_name[n][page_id]
                row += [f"{s.precision:.4f}", f"{s.recall:.4f}"]
            writer.writerow(row)


def read_committed_pages(path: Path) -> list[PageScore]:
    with path.open(encoding="utf-8") as fh:
        return [PageScore(r["page_id"], float(r["precision"]), float(r["recall"])) for r in csv.DictReader(fh)]


def load_floor(path: Path = FLOOR_FILE) -> dict[str, dict[str, float]]:
    """The pinned quality floor per corpus: a change below it fails tests/test_benchmark_extraction.py."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: {k: float(v) for k, v in values.items()} for name, values in data.items() if not name.startswith("_")}


def floor_failures(corpus: str, run: ExtractorRun, floor: dict[str, float]) -> list[str]:
    """What falls below the corpus's floor, as readable lines (empty when all is met)."""
    got: dict[str, float] = {"f1": run.score.f1, "recall": run.score.recall, "max_lost": float(len(run.lost))}
    if run.metadata:
        for name in ("title", "authors", "day", "minute"):
            hits, total = getattr(run.metadata, name)
            got[name] = hits / total if total else 1.0
    out = []
    for key, value in floor.items():
        if key == "max_lost":
            if got[key] > value:
                out.append(f"{corpus}: {int(got[key])} pages lost > {int(value)}")
        elif got.get(key, 0.0) < value:
            out.append(f"{corpus}: {key} {got.get(key, 0.0):.4f} < floor {value}")
    return out


def _rate(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits / total:.4f} ({hits}/{total})" if total else "n/a"


def report(corpus: Corpus, runs: dict[str, ExtractorRun], effects: list[RuleEffect]) -> str:
    lines = [f"\n== {corpus.name}: {len(corpus.gold)} pages, metric of "
             + ("its evaluate.py" if corpus.metric == "scrapinghub" else "its score.py")]
    lines.append(f"{'extractor':24s} {'P':>7s} {'R':>7s} {'F1':>7s} {'lost':>5s} {'title':>17s} {'authors':>17s} "
                 f"{'same day':>17s} {'same minute':>17s} {'seconds':>7s}")
    for name in EXTRACTORS:
        if name not in runs:
            continue
        r = runs[name]
        m = r.metadata
        meta = [_rate(m.title), _rate(m.authors), _rate(m.day), _rate(m.minute)] if m else ["-"] * 4
        lines.append(f"{name:24s} {r.score.precision:7.4f} {r.score.recall:7.4f} {r.score.f1:7.4f} {len(r.lost):5d} "
                     + " ".join(f"{x:>17s}" for x in meta) + f" {r.seconds:7.1f}")
    fw = runs.get("factwire")
    if fw:
        traf_ok = {k for name, r in runs.items() if name != "factwire" for k in r.preds if r.preds[k].body.strip()}
        lost_vs = [k for k in fw.lost if k in traf_ok]
        lines.append(f"factwire pages lost that trafilatura extracts: {len(lost_vs)} {lost_vs[:10]}")
    if effects:
        lines.append(f"cleaning rules (effect measured by putting the rule's spans back; F1 now {fw.score.f1 if fw else 0:.4f})")
        lines.append(f"  {'rule':28s} {'pages':>5s} {'words':>6s} {'gold':>6s} {'helped':>6s} {'hurt':>5s} {'F1 without':>10s}")
        for e in effects:
            lines.append(f"  {e.rule:28s} {e.pages_fired:5d} {e.words_removed:6d} {e.gold_words_removed:6d} "
                         f"{len(e.helped):6d} {len(e.hurt):5d} {e.f1_without:10.4f}")
    return "\n".join(lines)


def _option_variants() -> dict[str, object]:
    from tasks.extract import DEFAULT_OPTIONS

    return {
        "chosen": DEFAULT_OPTIONS,
        "fast pass only (no retry)": replace(DEFAULT_OPTIONS, retry_below_prose_chars=0, retry_below_prose_share=0.0,
                                             retry_with_precision=False),
        "no precision pass": replace(DEFAULT_OPTIONS, retry_with_precision=False),
        "fallback on every page": replace(DEFAULT_OPTIONS, fast=False),
        "favor_recall": replace(DEFAULT_OPTIONS, favor_recall=True, favor_precision=False),
        "favor_precision": replace(DEFAULT_OPTIONS, favor_precision=True, favor_recall=False),
        "include_comments": replace(DEFAULT_OPTIONS, include_comments=True),
        "tables left out": replace(DEFAULT_OPTIONS, include_tables=not DEFAULT_OPTIONS.include_tables),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__)
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="one corpus (default: all)")
    parser.add_argument("--no-baseline", action="store_true", help="skip both trafilatura settings")
    parser.add_argument("--no-rules", action="store_true", help="skip the per-rule effects")
    parser.add_argument("--compare-options", action="store_true", help="also score other trafilatura settings under our clean stage")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the per-page CSV files")
    args = parser.parse_args(argv)
    os.environ.setdefault("TQDM_DISABLE", "1")
    floor = load_floor()
    failures: list[str] = []
    for name in args.corpus or list(CORPORA):
        if not (CORPORA[name] / "ground-truth.json").exists():
            print(f"corpus not found: {CORPORA[name]}", file=sys.stderr)
            return 2
        corpus = open_corpus(name)
        extractors = ["factwire"] if args.no_baseline else list(EXTRACTORS)
        runs = {e: run_extractor(corpus, e) for e in extractors}
        effects = [] if args.no_rules else rule_effects(corpus, runs["factwire"])
        print(report(corpus, runs, effects), flush=True)
        if args.compare_options:
            print("factwire extract+clean under other trafilatura settings:")
            for label, options in _option_variants().items():
                preds = {k: _with_options(corpus.page_path(k), options) for k in corpus.gold}
                pages = [_page_scorer(corpus.metric)(k, preds[k], g.body) for k, g in corpus.gold.items()]
                s = _corpus_scorer(corpus.metric)(pages)
                print(f"  {label:28s} P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f} lost {sum(1 for v in preds.values() if not v.strip())}")
        write_pages(args.results / f"extraction_pages_{name}.csv", corpus, runs)
        failures += floor_failures(name, runs["factwire"], floor.get(name, {}))
    print("\nfloor (benchmarks/extraction_floor.json): " + ("met" if not failures else "NOT MET: " + "; ".join(failures)))
    return 0 if not failures else 1


def _with_options(path: Path, options: object) -> str:
    return predict_factwire(path, options).body


if __name__ == "__main__":
    sys.exit(main())
