"""Stories benchmark: the stories stage's grouping of wikiref-dev's 130 texts against its topic
labels (B-cubed P/R/F1 and ARI, as its score_clusters.py computes them), and how much it merges
pages that are about different things (fundus-dev: 126 pages of 89 publishers).

    python -m benchmarks.stories                  # figures at the chosen threshold
    python -m benchmarks.stories --sweep          # and across thresholds, to see the plateau, and
                                                  # each topic held out of the threshold's choice

Articles go through the same path as `factwire ingest` (read, extract, clean).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

from tasks import stories
from tasks.clean import clean_article
from tasks.discover import read_document
from tasks.extract import extract_document

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
WIKIREF = EVAL / "wikiref-dev"
FUNDUS = EVAL / "fundus-dev"
SCRAPINGHUB = EVAL / "scrapinghub-article-extraction-benchmark"
FLOOR_FILE = REPO / "benchmarks" / "stories_floor.json"


def scorer() -> ModuleType:
    """wikiref-dev's own score_clusters.py (standard library only)."""
    spec = importlib.util.spec_from_file_location("score_clusters", WIKIREF / "score_clusters.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_articles(paths: list[Path]) -> dict[str, stories.StoryArticle]:
    """file name -> the article as the stories stage sees it after extract and clean."""
    out = {}
    for path in paths:
        article = clean_article(extract_document(read_document(path)))
        out[path.name] = stories.StoryArticle(article.article_id, article.title, article.body, article.published_at, article.language)
    return out


def cluster(articles: dict[str, stories.StoryArticle], threshold: float, gap_days: float | None) -> dict[str, str]:
    """file name -> story id, all articles assigned in one pass on an empty warehouse."""
    assigned = stories.assign_stories(articles.values(), [], threshold, gap_days)
    return {name: assigned[a.article_id] for name, a in articles.items()}


def score(gold: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    """B-cubed and ARI as wikiref-dev's scorer computes them."""
    sc = scorer()
    p, r, f = sc.bcubed(gold, predicted)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "ari": round(sc.adjusted_rand(gold, predicted), 4),
            "clusters": len(set(predicted.values()))}


def wikiref_gold() -> dict[str, str]:
    with (WIKIREF / "labels.csv").open(encoding="utf-8") as fh:
        return {row["file"]: row["topic"] for row in csv.DictReader(fh)}


def merges_of_unrelated(assigned: dict[str, str]) -> dict[str, int]:
    """How many pages share a story, and the largest one. fundus-dev's pages are about different
    things (any sharing is a false merge); scrapinghub's were collected in one week of November
    2019 and several outlets cover the same events (impeachment hearings, WeWork, Stadia)."""
    sizes = Counter(assigned.values())
    return {"pages": len(assigned), "pages_in_shared_stories": sum(n for n in sizes.values() if n > 1),
            "largest_story": max(sizes.values(), default=0)}


def mixed_pool(gold: dict[str, str], wiki: dict[str, stories.StoryArticle], unrelated: dict[str, stories.StoryArticle],
               threshold: float, gap_days: float | None) -> dict[str, object]:
    """wikiref-dev's topics grouped together with unrelated pages (each its own topic), as a
    warehouse holds them: B-cubed over the whole pool, wikiref-dev's part of it alone, and how many
    unrelated pages joined a group holding a wikiref-dev text. A threshold that holds only when
    the topics are alone would not hold on a real warehouse."""
    predicted = cluster({**wiki, **unrelated}, threshold, gap_days)
    whole = score({**gold, **{name: f"unrelated:{name}" for name in unrelated}}, predicted)
    wiki_groups = {predicted[name] for name in gold}
    return {"pool": whole, "wikiref_part_f1": score(gold, {name: predicted[name] for name in gold})["f1"],
            "unrelated_in_wikiref_groups": sum(predicted[name] in wiki_groups for name in unrelated)}


SWEEP = (0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3)


def bcubed_of(items: list[str], gold: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    """B-cubed precision and recall averaged over `items` only (each item's cluster and gold class
    counted over every item of the pool)."""
    p = r = 0.0
    for i in items:
        cluster_i = {j for j in predicted if predicted[j] == predicted[i]}
        class_i = {j for j in gold if gold[j] == gold[i]}
        p += len(cluster_i & class_i) / len(cluster_i)
        r += len(cluster_i & class_i) / len(class_i)
    p, r = p / len(items), r / len(items)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def leave_one_topic_out(gold: dict[str, str], wiki: dict[str, stories.StoryArticle]) -> dict[str, object]:
    """How a threshold chosen without a topic does on it: for each topic, the sweep's threshold
    with the best B-cubed F1 on the other topics alone (ties to the lower), then that topic's texts
    scored in the whole pool at it, next to their score at the shipped threshold. The gap between
    the two is what choosing the threshold on these topics buys that an unseen topic would not get."""
    pooled = {t: cluster(wiki, t, None) for t in SWEEP}
    shipped = cluster(wiki, stories.TOPIC_JOIN_SIMILARITY, None)
    rows = []
    for topic in sorted(set(gold.values())):
        others = {k: v for k, v in gold.items() if v != topic}
        rest = {k: a for k, a in wiki.items() if k in others}
        best = max(SWEEP, key=lambda t: (score(others, cluster(rest, t, None))["f1"], -t))
        items = [k for k, v in gold.items() if v == topic]
        rows.append({"held_out": topic, "texts": len(items), "threshold_chosen_without_it": best,
                     "held_out_at_chosen": bcubed_of(items, gold, pooled[best]),
                     "held_out_at_shipped": bcubed_of(items, gold, shipped)})
    mean = {k: round(sum(row[k]["f1"] for row in rows) / len(rows), 4) for k in ("held_out_at_chosen", "held_out_at_shipped")}  # type: ignore[index]
    return {"topics": rows, "mean_f1": mean}


def run(sweep: bool) -> dict[str, object]:
    gold = wikiref_gold()
    wiki = load_articles([WIKIREF / "texts" / name for name in sorted(gold)])
    fundus = load_articles(sorted((FUNDUS / "html").glob("*.html.gz")))
    scrapinghub = load_articles(sorted((SCRAPINGHUB / "html").glob("*.html.gz")))
    levels = [("stories", stories.JOIN_SIMILARITY, stories.STORY_GAP_DAYS), ("topics", stories.TOPIC_JOIN_SIMILARITY, None)]
    if sweep:
        levels += [(f"threshold {t}", t, None) for t in SWEEP]
    rows = []
    for name, threshold, gap in levels:
        rows.append({"level": name, "threshold": threshold, "wikiref_dev_topics": score(gold, cluster(wiki, threshold, gap)),
                     "fundus_dev_unrelated": merges_of_unrelated(cluster(fundus, threshold, gap)),
                     "scrapinghub_one_week": merges_of_unrelated(cluster(scrapinghub, threshold, gap)),
                     "wikiref_dev_with_fundus_dev": mixed_pool(gold, wiki, fundus, threshold, gap)})
    report: dict[str, object] = {"results": rows}
    if sweep:
        report["leave_one_topic_out"] = leave_one_topic_out(gold, wiki)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", action="store_true", help="also try other join thresholds")
    args = parser.parse_args(argv)
    report = run(args.sweep)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
