"""The `factwire` command: ingest files into the warehouse, query it read-only."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Telemetry off before prefect or great_expectations is imported: factwire runs offline.
for _key, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
    # the ephemeral API needs more than the default 20 s to start on a busy 2-core machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
}.items():
    os.environ.setdefault(_key, _value)

EXAMPLE_SQL = (
    "SELECT e.name, a.outlet, m.surface, count(*) AS n FROM mentions m "
    "JOIN entities e USING (entity_id) JOIN articles a USING (article_id) "
    "WHERE e.name = 'Islamic State' GROUP BY ALL ORDER BY n DESC"
)


def _print_summary(summary: dict, db: str) -> None:
    print("factwire ingest finished")
    print(f"  run                {summary['run_id']} ({summary['status']})")
    print(f"  documents read     {summary['n_discovered']} ({summary['n_skipped_known']} already known, skipped)")
    print(f"  articles loaded    {summary['n_articles_loaded']} this run, {summary.get('total_articles')} in total")
    print(f"  quarantined        {summary['n_quarantined']} this run (see table quarantine)")
    print(f"  entity mentions    {summary['n_mentions']} this run; {summary.get('total_entities_mentioned')} distinct entities mentioned in total")
    print(f"  facts              {summary['n_facts']} this run, {summary.get('total_facts')} in total")
    print(f"  checks             {summary['n_checks_passed']} passed, {summary['n_checks_failed']} failed (see table dq_results)")
    print(f"  warehouse          {Path(db).resolve()}")
    print("  try:")
    print(f"    .venv/bin/factwire sql \"{EXAMPLE_SQL}\" --db {db}")


def cmd_ingest(args: argparse.Namespace) -> int:
    from flows.ingest import run_ingest
    from flows.settings import IngestSettings

    settings = IngestSettings(
        paths=[str(p) for p in args.paths], db=args.db, batch_size=args.batch_size,
        max_document_bytes=args.max_bytes, reprocess=args.reprocess,
        task_runner=args.task_runner, dask_address=args.dask_address,
        **({"workers": args.workers} if args.workers else {}),
    )
    try:
        summary = run_ingest(settings)
    except Exception as exc:
        print(f"factwire ingest failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    _print_summary(summary, args.db)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from warehouse.db import connect

    con = connect(args.db, read_only=True, wait_seconds=args.wait)
    try:
        result = con.sql(args.query)
        if result is not None:
            result.show(max_rows=args.max_rows, max_width=200)
    finally:
        con.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    from flows.settings import DEFAULT_DB
    from tasks.discover import DEFAULT_MAX_BYTES

    parser = argparse.ArgumentParser(prog="factwire", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest .txt, .html, .htm and .html.gz files or folders")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="quarantine larger files")
    p.add_argument("--reprocess", action="store_true", help="run known documents through every stage again")
    p.add_argument("--task-runner", choices=["process", "thread", "dask"], default="process",
                   help="run the per-batch stages in a process pool (default, all cores), threads, or on Dask")
    p.add_argument("--workers", type=int, default=None, help="parallel batches (default: number of cores)")
    p.add_argument("--dask-address", default=None, help="scheduler of an existing Dask cluster (with --task-runner dask)")
    p.set_defaults(func=cmd_ingest)

    q = sub.add_parser("sql", help="run one SQL query read-only and close the file at once")
    q.add_argument("query")
    q.add_argument("--db", default=DEFAULT_DB)
    q.add_argument("--max-rows", type=int, default=40)
    q.add_argument("--wait", type=float, default=30.0, help="seconds to wait while a writer holds the lock")
    q.set_defaults(func=cmd_sql)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
