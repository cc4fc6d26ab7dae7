"""Entity linking on the dev gold: actors with an id, cross-article grouping, cost per page.

    python -m benchmarks.entities            # the figures tests/test_entities_dev.py pins
    python -m benchmarks.entities --ner      # the same with the statistical NER on, next to off

The gold (`tests/golden/entities_dev.json`) lists, per article of `../shared/eval/wikiref-dev`
and `../shared/eval/fundus-dev`, the named actors a reader lists and the surfaces the article
uses for each; an `actor` key shared by two articles says they are one actor. The entity stage
runs on each article's headline and body as the clean stage hands them on (wikiref: the first
line is the headline; fundus: the gold title and body), so the figures measure linking only.

- actors with an id: an actor counts when one of its surfaces (as a whole word) is covered by a
  mention that has an entity id.
- grouping: each (article, actor) takes the id most of its covered surfaces got; pairs of them
  with the same id are predicted as one actor. Pairwise precision and recall against the gold
  `actor` keys (an actor without an id is alone).
- wrong merges: pairs of different gold actors given one id; those between two people are
  listed apart (the issue allows none).
- cost: CPU ms/page of the entity stage (its plain function, with its checks) over the
  English fundus-dev pages' gold bodies, next to bare `trafilatura.extract` on the same pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from tasks.common.models import Article, Batch

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "golden" / "entities_dev.json"
EVAL = REPO.parent / "shared" / "eval"


@dataclass
class Figures:
    """What the benchmark prints and the test pins."""

    n_articles: int = 0
    n_actors: int = 0
    n_actors_with_id: int = 0
    pair_precision: float = 0.0
    pair_recall: float = 0.0
    n_true_pairs: int = 0
    wrong_merges: list[tuple[str, str, str]] = field(default_factory=list)  # (actor, actor, id)
    person_merges: list[tuple[str, str, str]] = field(default_factory=list)
    missed: list[tuple[str, str]] = field(default_factory=list)  # (document, actor)
    missed_pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (actor, document, document)

    @property
    def share_with_id(self) -> float:
        return self.n_actors_with_id / self.n_actors if self.n_actors else 0.0


def gold() -> dict[str, Any]:
    return dict(json.loads(GOLD.read_text(encoding="utf-8")))


def _fundus_truth() -> dict[str, Any]:
    return dict(json.loads((EVAL / "fundus-dev" / "ground-truth.json").read_text(encoding="utf-8")))


def read_article(corpus: str, document: str, fundus: dict[str, Any] | None = None) -> Article:
    """The headline and body of a gold document, as the entity stage receives them."""
    if corpus == "wikiref-dev":
        raw = (EVAL / corpus / "texts" / f"{document}.txt").read_bytes().decode("cp1252")
        lines = raw.replace("\r\n", "\n").split("\n")
        title, body = lines[0].strip(), "\n".join(x.strip() for x in lines[1:] if x.strip())
    else:
        page = (fundus or _fundus_truth())[document]
        title, body = page["title"], page["body"]
    return Article(article_id=document, source_uri=f"{corpus}/{document}", content_sha256="", media_type="text/plain",
                   raw_text=body, title=title, body=body)


def _occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text)]


def _field_text(article: Article, name: str) -> str:
    return (article.title or "") if name == "title" else article.body


def link(articles: list[Article], ner: bool = False) -> list[Any]:
    """Mentions the entity stage finds in the articles' headlines and bodies (its logic, checks
    aside), with the statistical NER when asked."""
    from tasks.entities import ALL_FIELDS, find_entities

    return find_entities(articles, ALL_FIELDS, ner)[0]


def stage(articles: list[Article], ner: bool = False) -> None:
    """The entity stage's task body on one batch, with its checks (what the pipeline pays)."""
    from tasks.entities import entities

    entities.fn(Batch(run_id="bench", articles=articles), ner)


def score(doc_gold: list[dict[str, Any]], articles: list[Article], mentions: list[Any]) -> Figures:
    """The figures for these articles and the mentions found in them."""
    by_field: dict[tuple[str, str], list[Any]] = {}
    for m in mentions:
        by_field.setdefault((m.article_id, getattr(m, "field", "body")), []).append(m)
    fig = Figures(n_articles=len(doc_gold))
    items: list[tuple[str, str, str | None]] = []  # (actor, type, predicted id)
    documents: list[str] = []
    for entry, article in zip(doc_gold, articles, strict=True):
        for actor in entry["actors"]:
            ids: Counter[str] = Counter()
            for name in ("title", "body"):
                text = _field_text(article, name)
                found = by_field.get((article.article_id, name), [])
                # an occurrence inside another actor's longer surface is that actor's ("Obama" in "Michelle Obama")
                others = [o for a in entry["actors"] if a is not actor for x in a["surfaces"] for o in _occurrences(text, x)]
                for surface in actor["surfaces"]:
                    for s, e in _occurrences(text, surface):
                        if any(os <= s and e <= oe and oe - os > e - s for os, oe in others):
                            continue
                        best = max(found, default=None, key=lambda m, s=s, e=e: min(e, m.end_char) - max(s, m.start_char))
                        if best is not None and min(e, best.end_char) - max(s, best.start_char) > 0 and best.entity_id:
                            ids[best.entity_id] += 1
            fig.n_actors += 1
            if ids:
                fig.n_actors_with_id += 1
            else:
                fig.missed.append((entry["document"], actor["actor"]))
            items.append((actor["actor"], actor["type"], ids.most_common(1)[0][0] if ids else None))
            documents.append(entry["document"])
    tp = fp = fn = 0
    merges: set[tuple[str, str, str]] = set()
    people = {a for a, t, _ in items if t == "PERSON"}
    for ((a, _ta, x), da), ((b, _tb, y), db) in combinations(zip(items, documents, strict=True), 2):
        same_gold, same_pred = a == b, x is not None and x == y
        if same_gold and not same_pred:
            fig.missed_pairs.append((a, da, db))
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
        if same_pred and not same_gold and x is not None:
            merges.add((min(a, b), max(a, b), x))
    fig.n_true_pairs = tp + fn
    fig.pair_precision = tp / (tp + fp) if tp + fp else 1.0
    fig.pair_recall = tp / (tp + fn) if tp + fn else 1.0
    fig.wrong_merges = sorted(merges)
    fig.person_merges = sorted(m for m in merges if m[0] in people and m[1] in people)
    return fig


def dev_figures(ner: bool = False) -> tuple[Figures, list[Article], list[Any]]:
    """Link the gold articles and score them."""
    g = gold()
    fundus = _fundus_truth()
    articles = [read_article(d["corpus"], d["document"], fundus) for d in g["articles"]]
    mentions = link(articles, ner)
    return score(g["articles"], articles, mentions), articles, mentions


def cost_per_page(ner: bool = False) -> tuple[float, float, int]:
    """CPU ms/page of the entity stage (with the NER when asked) and of bare trafilatura on the
    English fundus-dev pages."""
    import trafilatura

    truth = _fundus_truth()
    ids = sorted(k for k, v in truth.items() if v["language"] == "en")
    pages = [gzip.decompress((EVAL / "fundus-dev" / "html" / f"{k}.html.gz").read_bytes()) for k in ids]
    articles = [read_article("fundus-dev", k, truth) for k in ids]
    stage(articles, ner)  # warm: spaCy, gazetteer, checks, the model
    trafilatura.extract(pages[0])
    start = time.process_time()
    stage(articles, ner)
    spent = time.process_time() - start
    start = time.process_time()
    for p in pages:
        trafilatura.extract(p)
    bare = time.process_time() - start
    return 1000 * spent / len(pages), 1000 * bare / len(pages), len(pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-cost", action="store_true", help="skip the timing")
    parser.add_argument("--missed", action="store_true", help="list the actors without an id and the same-actor pairs not grouped")
    parser.add_argument("--ner", action="store_true", help="also run with the statistical NER (--ner) and print both")
    args = parser.parse_args(argv)
    for ner in (False, True) if args.ner else (False,):
        report(ner, args.missed, not args.no_cost)
    return 0


def report(ner: bool, missed: bool, cost: bool) -> None:
    """Print the dev-gold figures and the cost for one setting of the NER."""
    fig, _articles, mentions = dev_figures(ner)
    print(f"NER {'on' if ner else 'off'}; dev gold: {fig.n_articles} articles, {fig.n_actors} actors, {fig.n_true_pairs} same-actor pairs")
    if ner:
        by_link = Counter(m.link_method for m in mentions)
        typed = sum(1 for m in mentions if m.entity_type)
        print(f"  mentions                 {len(mentions)} ({by_link['ner']} ner, {by_link['ner+kb']} ner+kb; {typed} typed)")
    print(f"  actors with an id        {fig.n_actors_with_id}/{fig.n_actors} = {fig.share_with_id:.3f}")
    print(f"  grouping pairwise        P={fig.pair_precision:.3f}  R={fig.pair_recall:.3f}")
    print(f"  wrong merges             {len(fig.wrong_merges)} (of two people: {len(fig.person_merges)})")
    for a, b, x in fig.wrong_merges:
        print(f"    {a} + {b} -> {x}")
    if missed:
        for d, a in fig.missed:
            print(f"  no id: {d}: {a}")
        for a, d1, d2 in fig.missed_pairs:
            print(f"  not grouped: {a}: {d1} / {d2}")
    if cost:
        ms, bare, n = cost_per_page(ner)
        print(f"  CPU ms/page over {n} English fundus-dev pages: entity stage {ms:.2f}, bare trafilatura.extract {bare:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
