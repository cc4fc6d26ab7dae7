"""`factwire` with the batch transaction held open after the articles are inserted: for tests that
kill a run mid-load or read while it writes. Test code only; the load path has no hook for it.

    python -m tests.pause_in_load SECONDS MARKER_FILE ingest DIR --db FILE ...

Each pause appends "<pid> <articles visible inside the transaction>" to MARKER_FILE, so the test
knows the transaction is open.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def hold_loads_open(seconds: float, marker: str) -> None:
    """Make every batch write pause right after its stg_articles rows are inserted."""
    from warehouse import writer

    insert = writer.insert_frame

    def insert_then_pause(con: Any, table: str, frame: Any, conflict: str = "") -> None:
        insert(con, table, frame, conflict)
        if table == "stg_articles":
            with open(marker, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {con.execute('SELECT count(*) FROM stg_articles').fetchall()[0][0]}\n")
            time.sleep(seconds)

    writer.insert_frame = insert_then_pause  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    seconds, marker, *args = argv
    hold_loads_open(float(seconds), marker)
    from flows.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
