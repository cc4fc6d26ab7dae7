"""Shared fixtures: a Prefect test harness for the session, DuckDB in memory, the seeds."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
BENCHMARK = REPO.parent / "shared" / "eval" / "scrapinghub-article-extraction-benchmark"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for every test that runs a flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def memory_db() -> duckdb.DuckDBPyConnection:
    """A migrated in-memory warehouse."""
    from warehouse.db import create_views, migrate

    con = duckdb.connect(":memory:")
    migrate(con)
    create_views(con)
    yield con
    con.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A warehouse file path in a temporary folder (never in the working tree)."""
    return tmp_path / "factwire.duckdb"


@pytest.fixture(scope="session")
def seed_articles():
    """The five seeds through extract and clean, parsed once for the session."""
    from tasks.clean import clean_article
    from tasks.discover import read_document
    from tasks.extract import extract_document

    return {p.name: clean_article(extract_document(read_document(p))) for p in sorted(SEEDS.glob("*.txt"))}


def benchmark_dir() -> Path:
    """The benchmark corpus, or a skip with the reason when it is not beside the repo."""
    if not (BENCHMARK / "ground-truth.json").exists():
        pytest.skip(f"extraction benchmark not found at {BENCHMARK} (it lives in ../shared/eval/)")
    return BENCHMARK


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """A real `prefect server start` on 127.0.0.1 for the session; its API URL."""
    from tests.servers import prefect_server

    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as api:
        yield api
