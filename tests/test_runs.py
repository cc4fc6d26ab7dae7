"""The run's report, data-quality table, name, per-stage log lines and progress (tasks/runs.py)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import escape

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from tasks.common.models import Batch, Quarantined, StageError
from tasks.runs import (
    Progress,
    check_rows,
    log_stage,
    md_text,
    readable_list,
    readable_number,
    render_run_report,
    run_title,
)
from warehouse.runs import RunReport

HOSTILE = [
    "[click me](javascript:alert(1))",
    "![pixel](http://127.0.0.1:9/pixel.png)",
    "<img src=http://127.0.0.1:9/x.png onerror=alert(1)>Headline",
    "<a href='javascript:alert(1)'>x</a>",
    "<script>alert(1)</script>",
    "https://evil.example/track.png and www.evil.example",
    "a | b `code` **bold** <http://127.0.0.1:9/auto>",
    "[ref]: javascript:alert(1)\n[ref]",
]


def _html(markdown: str) -> str:
    """Rendered the way the Prefect UI renders artifact Markdown (CommonMark, GFM tables, links
    found in plain text)."""
    return MarkdownIt("commonmark", {"linkify": False}).enable("table").render(markdown)


@pytest.mark.parametrize("value", HOSTILE)
def test_page_values_render_as_plain_text(value):
    html = _html(f"| outlet |\n|---|\n| {md_text(value)} |\n\n{md_text(value)}\n")
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert "javascript:" not in re.sub(r"<td>.*?</td>|<p>.*?</p>", "", html, flags=re.S)  # only as cell text
    shown = " ".join(re.sub(r"<[^>]*>", " ", value).split())  # the text, tags stripped, is what a person reads
    assert html.count(escape(shown, quote=False)) == 2, (shown, html)


def test_readable_values():
    assert readable_number(17.0) == "17" and readable_number(2.50) == "2.5" and readable_number(1234567) == "1,234,567"
    assert readable_number(np.float64(3.0)) == "3" and readable_number(None) == ""
    assert readable_list(np.array(["Alwaght", "Associated Press"])) == "Alwaght, Associated Press"
    assert readable_list(["a"] * 7).endswith("\\+2 more")


def _report(failed: bool = True, hostile: str = HOSTILE[0]) -> RunReport:
    checks = pd.DataFrame([
        {"stage": "clean", "suite": "articles", "expectation": "expect_column_values_to_not_be_null", "column_name": "body",
         "severity": "critical", "success": True, "batches": 2, "failed_batches": 0, "n_rows": 5, "observed": None},
        {"stage": "facts", "suite": "facts", "expectation": "expect_column_values_to_be_between", "column_name": "value",
         "severity": "warning", "success": not failed, "batches": 2, "failed_batches": int(failed), "n_rows": 9, "observed": '{"unexpected_count": 1}'},
        {"stage": "fetch", "suite": "fetched", "expectation": "expect_table_row_count_to_be_between", "column_name": None,
         "severity": "warning", "success": True, "batches": 1, "failed_batches": 0, "n_rows": 0, "observed": None},
    ]).sort_values("success")
    claims = pd.DataFrame([{"category": "casualties", "action": "killed", "value": 17.0, "value_max": 17.0, "unit": "people",
                            "n_independent": 3, "n_articles": 4, "outlets": np.array([hostile, "Associated Press"]),
                            "speakers": np.array(["the ministry"]), "example_sentence": "At least 17 people were killed.",
                            "example_title": HOSTILE[2], "example_outlet": hostile, "claim_key": "casualties|killed|17"}])
    return RunReport(
        summary={"run_id": "r-1", "status": "completed", "started_at": "2026-11-30T04:15:00+00:00",
                 "finished_at": "2026-11-30T04:16:00+00:00", "total_articles": 5, "total_facts": 9, "error": None},
        checks=checks, top_claims=claims,
        quarantine=pd.DataFrame([{"stage": "extract", "reason": "no article text", "n": 2, "example_source": "file:///in/" + HOSTILE[1]}]),
        stage_errors=pd.DataFrame([{"stage": "facts", "error": "ValueError: bad", "n_articles": 1, "n_rows_dropped": 0.0}]),
        new_articles=pd.DataFrame([{"article_id": "a1", "outlet": hostile, "title": HOSTILE[2], "published_at": None}]),
    )


COUNTS = {"n_discovered": 7, "n_read": 7, "n_extracted": 5, "n_articles_loaded": 5, "n_quarantined": 2, "n_mentions": 30,
          "n_facts": 9, "n_stage_errors": 1}
SECONDS = {"extract": (2, 3.25), "clean": (2, 1.5), "facts": (2, 0.5), "load": (2, 0.4), "discover": (1, 0.01)}


def test_report_has_failed_checks_first_stages_and_readable_claims():
    md = render_run_report(_report(), COUNTS, SECONDS)
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == ["# factwire run completed", "## Failed checks", "## Stages", "## Quarantined", "## Stage errors",
                        "## New stories", "## Most reported claims", "## Dig further"]
    failed = md.split("## Failed checks")[1].split("##")[0]
    assert "expect\\_column\\_values\\_to\\_be\\_between" not in failed  # our own names are not escaped
    assert "expect_column_values_to_be_between" in failed and "1 of 2" in failed
    stages = md.split("## Stages")[1].split("##")[0]
    assert "| extract | 2 | 3.2 | 5 articles | 2 | 0 | 0 |" in stages
    assert "| facts | 2 | 0.5 | 9 facts | 0 | 1 | 1 |" in stages
    claims = md.split("## Most reported claims")[1].split("##")[0]
    assert "| 17 people |" in claims and "17.0" not in claims and "['" not in claims and "3 of 4" in claims
    assert "Associated Press" in claims and "At least 17 people were killed" in claims
    assert "WHERE run_id = 'r-1'" in md.split("## Dig further")[1]


def test_report_from_hostile_pages_renders_no_link_image_or_html():
    for hostile in HOSTILE:
        html = _html(render_run_report(_report(hostile=hostile), COUNTS, SECONDS))
        assert "<img" not in html and "<script" not in html, hostile
        assert not re.search(r"<a [^>]*href=\"(?!#)", html), hostile


def test_report_copes_with_missing_values():
    report = _report()
    report.top_claims.loc[0, ["speakers", "value_max", "example_title", "example_sentence"]] = [pd.NA, np.nan, None, pd.NA]
    report.new_articles.loc[0, ["outlet", "title", "published_at"]] = [None, pd.NA, pd.NaT]
    report.checks.loc[report.checks.index[0], "n_rows"] = np.nan
    md = render_run_report(report, COUNTS, SECONDS)
    assert "| 17 people |" in md and not re.search(r"\b(nan|NaT|<NA>)\b", md, re.I)
    assert check_rows(report)


def test_report_of_a_run_with_nothing_new_says_so():
    report = _report(failed=False)
    report.checks = report.checks[report.checks["n_rows"] == 0]
    md = render_run_report(report, {"n_discovered": 12, "n_skipped_known": 12}, {"discover": (1, 0.1)})
    assert "**Nothing new**: 12 documents read, all already known" in md
    assert "No data was checked in this run." in md


def test_check_rows_put_failures_first_and_drop_checks_of_empty_input():
    rows = check_rows(_report())
    assert [r["result"] for r in rows] == ["FAILED", "passed"]
    assert rows[0]["failed batches"] == 1 and rows[0]["rows checked"] == 9


def test_run_title_says_what_the_run_did():
    at = datetime(2026, 11, 30, 4, 15, 31, tzinfo=UTC)
    assert run_title(at, "completed", {"n_articles_loaded": 487}) == "ingest 2026-11-30 04:15 · 487 new"
    assert run_title(at.isoformat(), "completed", {"n_articles_loaded": 3, "n_quarantined": 1}) == "ingest 2026-11-30 04:15 · 3 new, 1 quarantined"
    assert run_title(at, "completed", {}) == "ingest 2026-11-30 04:15 · nothing new"
    assert run_title(at, "failed", {"n_articles_loaded": 2}) == "ingest 2026-11-30 04:15 · failed"


def test_log_stage_line_has_counts_reasons_and_seconds(caplog):
    batch = Batch("r", 3, quarantined=[Quarantined("file:///a", None, "clean", "not English: de"),
                                       Quarantined("file:///b", None, "clean", "not English: fr"),
                                       Quarantined("file:///c", None, "extract", "empty")],
                  stage_errors=[StageError("a1", "clean", "boom")],
                  tables={"stg_articles": pd.DataFrame({"article_id": ["x", "y"]})})
    with caplog.at_level("INFO", logger="factwire.stages"):
        log_stage("clean", batch, 4, 0.0)
    (line,) = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"clean batch 3: 4 in, 0 out, 2 rows to stg_articles, 2 quarantined \(not English: 2\), 1 stage errors, [\d.]+ s", line), line


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_tty_quiet_under_ci_or_a_pipe(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    tty = _Tty()
    progress = Progress(10, stream=tty)
    progress.update(5)
    progress.update(10)
    shown = tty.getvalue()
    assert "\r[###############...............]  50.0% 5/10 pages, 1 batches" in shown and "pages/s" in shown
    assert shown.endswith("100.0% " + shown.rsplit("100.0% ", 1)[1]) and shown.endswith("\n")
    piped = io.StringIO()
    Progress(10, stream=piped).update(5)
    assert piped.getvalue() == ""
    monkeypatch.setenv("CI", "true")
    ci = _Tty()
    Progress(10, stream=ci).update(5)
    assert ci.getvalue() == ""


HOSTILE_PAGE = """<!doctype html><html><head>
<meta property="og:site_name" content="[Click](javascript:alert(1))">
<meta property="og:title" content="&lt;img src=http://127.0.0.1:9/x.png&gt; Storm hits the coast">
<title>&lt;img src=http://127.0.0.1:9/x.png&gt; Storm hits the coast</title></head>
<body><article><h1>&lt;img src=http://127.0.0.1:9/x.png&gt; Storm hits the coast</h1>
<p>At least 17 people were killed when a storm hit the coast on Monday, officials said in a statement.</p>
<p>Rescue teams searched flooded villages through the night, and more than 200 homes were damaged by the wind.</p>
<p>The regional governor said schools would stay closed for the rest of the week while roads were cleared.</p>
<p>Forecasters expect the storm to weaken as it moves inland over the next two days, the weather office said.</p>
</article></body></html>
"""


@pytest.mark.usefixtures("prefect_harness")
def test_a_flow_run_carries_its_report_name_tag_and_stage_log_lines(tmp_path, db_path):
    """A real run: the report and data-quality artifacts hang off the flow run (not a task run), a
    hostile page's outlet and title reach them inert, the flow run is named after what it did and
    tagged with the run_id, and each stage's task run logs its counts."""
    import duckdb
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    from flows.ingest import ingest
    from flows.settings import IngestSettings
    from tests.conftest import SEEDS
    from tests.servers import wait_until

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "hostile.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (inbox / seed.name).write_bytes(seed.read_bytes())
    summary = ingest(IngestSettings(paths=[str(inbox)], db=str(db_path), workers=1))
    assert summary["n_articles_loaded"] == 3
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        (flow_run_id,) = con.execute("SELECT flow_run_id FROM runs WHERE run_id = ?", [summary["run_id"]]).fetchone()
        (outlet,) = con.execute("SELECT outlet FROM articles WHERE source_uri LIKE '%hostile.html'").fetchone()
    finally:
        con.close()
    assert "javascript:" in outlet.lower() and "](" in outlet  # the page's value is stored as it came

    client = get_client(sync_client=True)
    flow_run = client.read_flow_run(flow_run_id)
    assert re.fullmatch(r"ingest \d{4}-\d\d-\d\d \d\d:\d\d · 3 new", flow_run.name), flow_run.name
    assert f"factwire-run:{summary['run_id']}" in flow_run.tags
    artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])))
    by_key = {a.key: a for a in artifacts}
    assert {"factwire-run-report", "factwire-data-quality"} <= set(by_key)
    report = by_key["factwire-run-report"]
    assert report.type == "markdown" and report.task_run_id is None
    html = _html(report.data)
    assert "<img" not in html and not re.search(r"<a [^>]*href", html)
    assert "Storm hits the coast" in html and "17 people" in report.data
    assert by_key["factwire-data-quality"].task_run_id is None

    def stage_lines() -> list[str]:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id])), limit=200)
        return [entry.message for entry in logs if " batch 0: " in entry.message]

    wait_until(lambda: len(stage_lines()) >= 5, timeout=30, interval=1, what="stage log lines")
    assert {line.split(" ", 1)[0] for line in stage_lines()} >= {"extract", "clean", "entities", "facts", "fingerprint"}
    assert any(re.match(r"extract batch 0: 3 in, 3 out, 0 quarantined, 0 stage errors, [\d.]+ s", line) for line in stage_lines())


@pytest.mark.usefixtures("prefect_harness")
def test_report_progress_keeps_one_progress_artifact_on_the_flow_run_per_run():
    """What the flow calls after each loaded batch: one progress artifact, updated, on the flow run."""
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.runtime import flow_run as current

    from tasks.runs import report_progress

    @flow(name="progress-probe")
    def probe() -> tuple[str, list[str]]:
        shown = [report_progress("run-p", {"n_discovered": 10, "n_read": 4}),
                 report_progress("run-p", {"n_discovered": 10, "n_read": 10})]
        return str(current.id), shown

    flow_run_id, shown = probe()
    assert shown[0].startswith("4/10 pages, 1 batches") and shown[1].startswith("10/10 pages, 2 batches")
    artifacts = get_client(sync_client=True).read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    (progress,) = [a for a in artifacts if a.key == "factwire-progress"]
    assert progress.type == "progress" and float(progress.data) == 100.0 and progress.task_run_id is None
    assert progress.description.startswith("10/10 pages")


def test_the_flow_and_run_tasks_pickle_for_the_worker_pool():
    """cloudpickle copies the flow's function by value with the globals it names (tasks included);
    a lock among them (a threading.Event named in finish_run) failed every batch submission."""
    import cloudpickle

    from flows.ingest import ingest
    from tasks.runs import finish_run, start_run

    for fn in (ingest.fn, finish_run.fn, start_run.fn):
        assert cloudpickle.loads(cloudpickle.dumps(fn)).__name__ == fn.__name__
