"""How long the writer holds the DuckDB lock per batch, and a reader per query (README, Scale-out).

    .venv/bin/python -m benchmarks.lock_times --batch-size 200 --batches 25
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tasks.clean import clean_articles
from tasks.common.frames import articles_frame, boilerplate_frame, facts_frame, mentions_frame
from tasks.common.models import RawDocument
from tasks.discover import sha256_hex
from tasks.entities import find_mentions
from tasks.extract import extract_documents
from tasks.facts import extract_facts
from warehouse.db import connect, initialise
from warehouse.writer import write_batch

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    seeds = sorted(SEEDS.glob("*.txt"))
    db = Path(tempfile.mkdtemp()) / "bench.duckdb"
    initialise(db)
    holds, n = [], 0
    for _ in range(args.batches):
        docs = []
        for _ in range(args.batch_size):
            data = seeds[n % len(seeds)].read_bytes() + f"\n\nCopy {n}.\n".encode()  # distinct bytes, same text
            docs.append(RawDocument(f"file:///bench/{n}.txt", sha256_hex(data), data, "text/plain", len(data)))
            n += 1
        articles, _ = extract_documents(docs)
        articles = clean_articles(articles)
        mentions = find_mentions(articles)
        frames = {"stg_articles": articles_frame(articles, "bench", datetime.now(UTC)), "stg_boilerplate": boilerplate_frame(articles),
                  "stg_mentions": mentions_frame(mentions), "stg_facts": facts_frame(extract_facts(articles, mentions))}
        started = time.perf_counter()
        write_batch(db, frames)  # open, one transaction, close
        holds.append(time.perf_counter() - started)
    reads = []
    for _ in range(20):
        started = time.perf_counter()
        con = connect(db, read_only=True)
        con.execute("SELECT count(*) FROM articles JOIN mentions USING (article_id)").fetchall()
        con.close()
        reads.append(time.perf_counter() - started)
    print(f"batch {args.batch_size}: writer holds the lock median {statistics.median(holds) * 1000:.0f} ms, "
          f"max {max(holds) * 1000:.0f} ms over {args.batches} batches; warehouse {db.stat().st_size / 1e6:.1f} MB, "
          f"{n} articles; reader open+query+close median {statistics.median(reads) * 1000:.0f} ms, max {max(reads) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
