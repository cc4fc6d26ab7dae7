"""`factwire sql`: fast, sandboxed, one-line errors, every output format, an interactive shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import duckdb
import pytest

from flows.cli import DEFAULT_BATCH_SIZE, DEFAULT_DB, DEFAULT_MAX_BYTES, format_rows, main
from warehouse.db import initialise

FACTWIRE = Path(sys.executable).parent / "factwire"


@pytest.fixture
def warehouse(db_path: Path) -> Path:
    """A migrated warehouse file with one small table of awkward values."""
    initialise(db_path)
    con = duckdb.connect(str(db_path), config={"storage_compatibility_version": "v1.5.0"})
    con.execute("CREATE TABLE sample AS SELECT range AS n, 17.0::DOUBLE AS value, 'a|b' AS pipe, "
                "['x', 'y'] AS outlets, repeat('w', 300) AS long_text FROM range(50)")
    con.close()
    return db_path


def test_the_parser_keeps_the_settings_defaults():
    from flows.settings import DEFAULT_BATCH_SIZE as settings_batch
    from flows.settings import DEFAULT_DB as settings_db
    from tasks.discover import DEFAULT_MAX_BYTES as discover_max

    assert (settings_db, discover_max, settings_batch) == (DEFAULT_DB, DEFAULT_MAX_BYTES, DEFAULT_BATCH_SIZE)


def test_sql_imports_no_prefect_pandas_or_stages_and_answers_fast(warehouse):
    probe = ("import sys; from flows.cli import main; rc = main(['sql', 'select 42', '--db', sys.argv[1]]); "
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'pandas', 'great_expectations', 'tasks', 'spacy')); "
             "print(heavy); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", probe, str(warehouse)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"
    best = min(_timed([str(FACTWIRE), "sql", "select 1", "--db", str(warehouse)]) for _ in range(3))
    assert best < 1.0, f"factwire sql took {best:.2f}s"  # measured 0.4 s on the 2-core machine


def _timed(cmd: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return time.monotonic() - started


def test_sql_error_is_one_line_without_traceback(warehouse):
    out = subprocess.run([str(FACTWIRE), "sql", "selec 1", "--db", str(warehouse)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("factwire sql: Parser Error")
    assert "Traceback" not in out.stderr


def test_missing_warehouse_is_one_line(tmp_path, capsys):
    assert main(["sql", "select 1", "--db", str(tmp_path / "none.duckdb")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("factwire sql: no warehouse at") and err.count("\n") == 1
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("statement", [
    "COPY sample TO '{tmp}/out.csv'",
    "SELECT * FROM read_text('/etc/shadow')",
    "SELECT * FROM read_text('{tmp}/secret.txt')",
    "ATTACH '{tmp}/other.duckdb' AS other (READ_WRITE)",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "CREATE TABLE x AS SELECT 1",
])
def test_sql_sandbox_refuses(statement, warehouse, tmp_path, capsys):
    (tmp_path / "secret.txt").write_text("secret")
    assert main(["sql", statement.format(tmp=tmp_path), "--db", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("factwire sql: ") and err.count("\n") == 1
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_sql_outputs_every_column_whole_in_each_format(warehouse, capsys):
    query = "SELECT n, value, pipe, outlets, long_text FROM sample ORDER BY n"
    assert main(["sql", query, "--db", str(warehouse)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["n", "value", "pipe", "outlets", "long_text"]
    assert "w" * 300 in lines[2] and "[x, y]" in lines[2] and " 17 " in lines[2]
    assert len(lines) == 2 + 40 and "50 rows, 40 shown" in err

    assert main(["sql", query, "--db", str(warehouse), "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert len(csv_lines) == 51 and csv_lines[1] == '0,17,a|b,"[x, y]",' + "w" * 300

    assert main(["sql", query, "--db", str(warehouse), "--format", "json", "--max-rows", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"n": i, "value": 17.0, "pipe": "a|b", "outlets": ["x", "y"], "long_text": "w" * 300} for i in range(2)]

    assert main(["sql", query, "--db", str(warehouse), "--format", "markdown", "--max-width", "10"]) == 0
    md = capsys.readouterr().out.splitlines()
    assert md[0] == "| n | value | pipe | outlets | long_text |" and md[1] == "|---|---|---|---|---|"
    assert md[2] == "| 0 | 17 | a\\|b | [x, y] | wwwwwwwww… |"


def test_format_rows_shows_null_and_keeps_text():
    assert format_rows(["a", "b"], [(None, "x")], "table").splitlines()[2].split() == ["NULL", "x"]
    assert format_rows(["a", "b"], [(None, 1)], "csv") == "a,b\n,1"  # NULL is an empty field


def test_sql_shell_answers_each_statement_read_only(warehouse):
    script = "SELECT count(*) AS n\nFROM sample;\nselec;\nCREATE TABLE y AS SELECT 1;\nSELECT 'still here' AS s;\n"
    out = subprocess.run([str(FACTWIRE), "sql", "--db", str(warehouse)], input=script, capture_output=True,
                         text=True, timeout=60, env={**os.environ})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["n", "--", "50", "s", "----------", "still", "here"]
    errors = out.stderr.splitlines()
    assert len(errors) == 2 and errors[0].startswith("factwire sql: Parser Error") and "read-only" in errors[1]


def test_ingest_summary_says_nothing_new_instead_of_counting_empty_checks(capsys):
    from flows.cli import _print_summary

    summary = {"run_id": "r", "status": "completed", "n_discovered": 3, "n_skipped_known": 3, "n_articles_loaded": 0,
               "n_quarantined": 0, "n_mentions": 0, "n_facts": 0, "n_checks_passed": 90, "n_checks_failed": 0}
    _print_summary({**summary, "nothing_new": True}, "x.duckdb")
    out = capsys.readouterr().out
    assert "checks             nothing new to check" in out and "90 passed" not in out
    _print_summary({**summary, "nothing_new": False}, "x.duckdb")
    assert "90 passed, 0 failed" in capsys.readouterr().out


def test_ner_is_off_unless_asked_on_ingest_and_serve():
    from flows.cli import _settings, build_parser

    parser = build_parser()
    for command in (["ingest", "seeds"], ["serve", "--inbox", "seeds"]):
        off, on = parser.parse_args(command), parser.parse_args([*command, "--ner"])
        assert (_settings(off, [Path("seeds")]).ner, _settings(on, [Path("seeds")]).ner) == (False, True)


def test_the_command_exits_quickly_but_runs_exit_handlers_and_joins_threads(tmp_path, monkeypatch):
    """`factwire` (flows.cli:run) skips Python's heap teardown, not what must happen at exit:
    a non-daemon thread finishes, atexit handlers run (Prefect flushes its logs there), the
    output is flushed and the exit code is main()'s."""
    marker = tmp_path / "marker.txt"
    probe = (
        "import atexit, sys, threading, time\n"
        "from pathlib import Path\n"
        "import flows.cli as cli\n"
        f"marker = Path({str(marker)!r})\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    with marker.open('a') as f: f.write('thread\\n')\n"
        "def at_exit():\n"
        "    with marker.open('a') as f: f.write('atexit\\n')\n"
        "atexit.register(at_exit)\n"
        "cli.main = lambda argv=None: (threading.Thread(target=late).start(), print('summary', end=''), 3)[2]\n"
        "cli.run()\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 3 and out.stdout == "summary"
    assert marker.read_text().splitlines() == ["thread", "atexit"]
    scripts = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["factwire"] == "flows.cli:run"


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`factwire sql ... | head -1`: the command stops quietly when its reader closes the pipe."""
    probe = "import flows.cli as cli\ncli.main = lambda argv=None: ([print('row', i, flush=True) for i in range(200_000)], 0)[1]\ncli.run()\n"
    proc = subprocess.Popen([sys.executable, "-c", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"row 0\n"
    proc.stdout.close()
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and b"Traceback" not in err and b"BrokenPipe" not in err


def test_a_thread_that_never_ends_does_not_keep_the_command_alive(tmp_path):
    """main() returned, but a non-daemon thread waits forever (as a pool's manager thread did for a
    message a dead worker never finished): the command still exits, after EXIT_DEADLINE_S, with
    every thread's stack on stderr and status 1."""
    script = (
        "import threading, time\n"
        "import flows.cli as cli\n"
        "cli.EXIT_DEADLINE_S = 2\n"
        "def main(argv=None):\n"
        "    threading.Thread(target=time.sleep, args=(600,), name='stuck').start()\n"
        "    return 0\n"
        "cli.main = main\n"
        "cli.run()\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent)
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert done.stderr.startswith("Timeout (0:00:02)!")  # faulthandler's header over the stacks
    assert "in _shutdown" in done.stderr  # the main thread, joining the stuck one
