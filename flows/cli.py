"""The `factwire` command: ingest files or URLs into the warehouse, serve it on a schedule, query it read-only."""

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
    # INFO goes to the Prefect API (the UI shows each run's logs); the terminal shows warnings only.
    "PREFECT_LOGGING_LEVEL": "INFO",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
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


def _settings(args: argparse.Namespace, paths: list[Path]):  # -> IngestSettings (imported lazily)
    from flows.settings import FetchSettings, IngestSettings

    fetch = FetchSettings(
        timeout_seconds=args.fetch_timeout, per_host_delay_seconds=args.per_host_delay,
        allow_private_hosts=args.allow_private_hosts,
    )
    return IngestSettings(
        paths=[str(p) for p in paths], urls=str(args.urls) if args.urls else None, fetch=fetch, db=args.db,
        batch_size=args.batch_size, max_document_bytes=args.max_bytes, reprocess=args.reprocess,
        task_runner=getattr(args, "task_runner", "process"), dask_address=getattr(args, "dask_address", None),
        **({"workers": args.workers} if getattr(args, "workers", None) else {}),
    )


def _warm_workers_early(args: argparse.Namespace) -> None:
    """Start the warm worker server before the heavy imports below, so both proceed at once."""
    if getattr(args, "task_runner", "process") == "process":
        from flows.runtime import start_worker_server

        start_worker_server()


def cmd_ingest(args: argparse.Namespace) -> int:
    if not args.paths and not args.urls:
        print("factwire ingest: give files or folders, or --urls FILE", file=sys.stderr)
        return 2
    _warm_workers_early(args)
    from flows.ingest import run_ingest

    try:
        summary = run_ingest(_settings(args, args.paths))
    except Exception as exc:
        print(f"factwire ingest failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    _print_summary(summary, args.db)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print("factwire serve: PREFECT_API_URL is not set; schedules need a Prefect server. "
              "Start one with `make ui` and export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return 2
    _warm_workers_early(args)
    from flows.serve import build_deployment, serve

    settings = _settings(args, [*args.inbox, *args.paths])
    if not settings.paths and not settings.urls:
        print("factwire serve: give --inbox DIR (or --urls FILE)", file=sys.stderr)
        return 2
    deployment = build_deployment(settings, cron=None if args.interval else args.cron,
                                  interval_seconds=args.interval, name=args.name)
    print(f"factwire serve: {deployment.name} on {args.interval and f'every {args.interval:g}s' or args.cron!r}, "
          f"inputs {' '.join(settings.paths)} {settings.urls or ''}-> {settings.db}. Ctrl-C stops it.", flush=True)
    serve(deployment)
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


def cmd_snapshot(args: argparse.Namespace) -> int:
    from warehouse.db import publish_snapshot

    dest = args.to or str(Path(args.db).with_suffix(".snapshot.duckdb"))
    print(f"snapshot of {args.db} published at {publish_snapshot(args.db, dest, args.wait)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from flows.settings import DEFAULT_DB
    from tasks.discover import DEFAULT_MAX_BYTES

    parser = argparse.ArgumentParser(prog="factwire", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_ingest_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--urls", type=Path, help="a text file of page URLs to fetch, one a line")
        p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
        p.add_argument("--batch-size", type=int, default=500)
        p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="quarantine larger files and pages")
        p.add_argument("--reprocess", action="store_true", help="run known documents through every stage again")
        p.add_argument("--fetch-timeout", type=int, default=20, help="seconds per page request")
        p.add_argument("--per-host-delay", type=float, default=2.0, help="seconds between requests to one host")
        p.add_argument("--allow-private-hosts", action="store_true", help="fetch from loopback/private addresses")
        p.add_argument("--task-runner", choices=["process", "thread", "dask"], default="process",
                       help="run the per-batch stages in a process pool (default, all cores), threads, or on Dask")
        p.add_argument("--workers", type=int, default=None, help="parallel batches (default: number of cores)")
        p.add_argument("--dask-address", default=None, help="scheduler of an existing Dask cluster (with --task-runner dask)")

    p = sub.add_parser("ingest", help="ingest .txt, .html, .htm and .html.gz files or folders, or a URL list")
    p.add_argument("paths", nargs="*", type=Path)
    add_ingest_options(p)
    p.set_defaults(func=cmd_ingest)

    s = sub.add_parser("serve", help="ingest an inbox folder on a schedule (needs a Prefect server: make ui)")
    s.add_argument("paths", nargs="*", type=Path, help="more folders or files to watch")
    s.add_argument("--inbox", type=Path, action="append", default=[], help="folder to ingest what is new from (repeatable)")
    s.add_argument("--cron", default="*/15 * * * *", help="cron schedule (default every 15 minutes)")
    s.add_argument("--interval", type=float, help="run every N seconds instead of --cron")
    s.add_argument("--name", default="factwire-inbox", help="deployment name shown in the Prefect UI")
    add_ingest_options(s)
    s.set_defaults(func=cmd_serve)

    q = sub.add_parser("sql", help="run one SQL query read-only and close the file at once")
    q.add_argument("query")
    q.add_argument("--db", default=DEFAULT_DB)
    q.add_argument("--max-rows", type=int, default=40)
    q.add_argument("--wait", type=float, default=30.0, help="seconds to wait while a writer holds the lock")
    q.set_defaults(func=cmd_sql)

    n = sub.add_parser("snapshot", help="copy the warehouse, consistent between two batches, for long read-only sessions")
    n.add_argument("--db", default=DEFAULT_DB)
    n.add_argument("--to", help="destination (default: the db name with .snapshot.duckdb)")
    n.add_argument("--wait", type=float, default=60.0, help="seconds to wait while a writer holds the lock")
    n.set_defaults(func=cmd_snapshot)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
