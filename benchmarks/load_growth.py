"""Does a batch's load cost grow with the warehouse? One batch, loaded again and again.

    python -m benchmarks.load_growth              # 40 loads of the benchmark's pages (~7,000 articles)
    python -m benchmarks.load_growth --loads 80

The extraction benchmark's pages go through every per-batch stage once; the batch is then
written (`warehouse.writer.write_batch`, with the load check, as `factwire ingest` does) into one
warehouse N times, each time as new articles and new quarantined pages (ids and sources with a
suffix), so the warehouse grows by one batch per load. Each writer checkpoints, as a writer of a
real batch does (its log is over WAL_CHECKPOINT_BYTES). It prints the median seconds of the first
and last five loads and their ratio: a load whose cost grows with what is stored (a table
rewritten at each checkpoint, a scan of every stored row) shows as a ratio above 1. Before
migrations 0116 and 0117 and queries/batch_marks.sql, a load of 100 unique real pages took
1.0-1.2 s into a warehouse of 4,945 and 0.3 s into an empty one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from benchmarks.stages import STAGES, documents
from benchmarks.throughput import base_pages
from flows.runtime import warm_stages
from tasks import load
from tasks.common.models import Quarantined
from tasks.common.nlp import shared_parses
from tasks.extract import extract
from warehouse import db as warehouse_db
from warehouse import writer

QUARANTINED_PER_BATCH = 3
KEEP: Path | None = None  # a test keeps the warehouse here to read it


def batch_frames() -> tuple[dict[str, pd.DataFrame], str, int]:
    """The benchmark's pages as one batch's tables, ready to load."""
    warm_stages()
    docs = documents(base_pages())
    with shared_parses():
        batch = extract.fn(docs, "load-growth", 0)
        for _name, step in STAGES:
            batch = step(batch)
        batch = batch.for_load()
    # A share of pages quarantined, as real feeds have (a quarantine row keeps the page's bytes).
    quarantined = [*batch.quarantined, *(Quarantined(d.source_uri, d.content_sha256, "extract", "no text (load_growth)", d.raw_bytes)
                                         for d in docs[:QUARANTINED_PER_BATCH])]
    return load.batch_frames(batch, quarantined, batch.dq_rows, datetime.now(UTC)), batch.run_id, batch.index


def as_new(frames: dict[str, pd.DataFrame], n: int) -> dict[str, pd.DataFrame]:
    """The same batch as other articles and other quarantined sources."""
    out = {}
    for table, frame in frames.items():
        frame = frame.copy()
        for column in ("article_id", "fact_id", "source_uri"):
            if column in frame and not frame.empty:
                frame[column] = frame[column].astype("string") + f"#{n}"
        out[table] = frame
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=40, help="times the batch is loaded (default 40)")
    args = parser.parse_args(argv)
    if args.loads < 10:
        parser.error("--loads must be at least 10 (the first and last five are compared)")
    frames, run_id, index = batch_frames()

    def check(rows: pd.DataFrame) -> writer.LoadVerdict:
        return load.check_loaded_rows(rows, run_id, index)

    n_articles = len(frames["stg_articles"])
    threshold, warehouse_db.WAL_CHECKPOINT_BYTES = warehouse_db.WAL_CHECKPOINT_BYTES, 0  # every load checkpoints, as a real batch's does
    try:
        seconds = []
        with tempfile.TemporaryDirectory(prefix="factwire-load-growth-") as tmp:
            db = Path(tmp) / "growth.duckdb"
            warehouse_db.initialise(db)
            writer.write_batch(db, as_new(frames, -1), check=check)  # warm
            for n in range(args.loads):
                start = time.perf_counter()
                writer.write_batch(db, as_new(frames, n), check=check)
                seconds.append(time.perf_counter() - start)
            size_mb = db.stat().st_size / 1e6
            if KEEP is not None:
                shutil.copy(db, KEEP)
    finally:
        warehouse_db.WAL_CHECKPOINT_BYTES = threshold
    first, last = statistics.median(seconds[:5]), statistics.median(seconds[-5:])
    print(f"one batch of {n_articles} articles and {len(frames.get('quarantine', []))} quarantined pages, loaded {args.loads} times "
          f"({n_articles * (args.loads + 1):,} articles stored at the end, {size_mb:,.0f} MB)")
    print(f"  load, median of the first five: {first:.3f} s")
    print(f"  load, median of the last five:  {last:.3f} s")
    print(f"  last / first: {last / first:.2f} (a load that does not grow with the warehouse stays near 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
