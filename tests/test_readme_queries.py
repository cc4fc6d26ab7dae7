"""The README's example queries answer what they say they do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.conftest import REPO


def _readme_query(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"-- {re.escape(title)}[^\n]*\n(.*?;)", text, re.S)
    assert match, f"README has no query titled {title!r}"
    return match.group(1)


def test_data_quality_of_the_last_run_skips_a_run_in_progress(memory_db):
    con = memory_db
    now = datetime.now(UTC)
    con.execute("INSERT INTO runs (run_id, started_at, finished_at, status) VALUES "
                "('done', ?, ?, 'completed'), ('going', ?, NULL, 'running')", [now - timedelta(minutes=5), now - timedelta(minutes=1), now])
    for run_id, expectation in (("done", "expect_done"), ("going", "expect_going")):
        con.execute("INSERT INTO dq_results (run_id, batch_index, stage, suite, expectation, column_name, severity, success, "
                    "n_rows, checked_at) VALUES (?, 0, 'clean', 'articles', ?, 'body', 'critical', true, 1, now())", [run_id, expectation])
    rows = con.execute(_readme_query("Data quality of the last")).fetchall()
    assert [r[2] for r in rows] == ["expect_done"]
