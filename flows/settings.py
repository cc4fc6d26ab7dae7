"""Typed settings for the ingest flow, passed as one parameter."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, Field

from tasks.discover import DEFAULT_MAX_BYTES
from tasks.fetch import FetchOptions

DEFAULT_DB = "data/factwire.duckdb"
# Documents per batch at most. Memory is bounded by the batches in flight (one in each worker,
# and the one the writer loads): at 10,000 pages on two workers, batches of 500 peaked at
# 2.35 GB PSS and ran 2-8% faster than batches of 250, which peaked at 1.85-1.87 GB (README,
# Performance). `--batch-size` trades one for the other.
DEFAULT_BATCH_SIZE = 250


class FetchSettings(BaseModel):
    """How `--urls` pages are fetched: patiently, politely, and only where robots.txt allows."""

    timeout_seconds: int = Field(20, ge=1, description="per request (trafilatura counts whole seconds)")
    retries: int = Field(1, ge=0, description="extra rounds after a timeout, refused connection or 429/5xx (trafilatura retries twice within each)")
    backoff_seconds: float = Field(2.0, ge=0, description="first wait between attempts, doubled each time")
    per_host_delay_seconds: float = Field(2.0, ge=0, description="minimum gap between requests to one host (robots.txt Crawl-delay wins when longer)")
    respect_robots: bool = Field(True, description="read each host's robots.txt and skip what it disallows")
    allow_private_hosts: bool = Field(False, description="allow loopback and private addresses (intranet, tests)")

    def options(self, max_bytes: int) -> FetchOptions:
        """The fetch stage's options object."""
        return FetchOptions(**self.model_dump(), max_bytes=max_bytes)


class IngestSettings(BaseModel):
    """Everything a run needs to know."""

    paths: list[str] = Field(default_factory=list, description="files and folders to ingest")
    urls: str | None = Field(None, description="a text file of URLs to fetch, one a line")
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    db: str = Field(DEFAULT_DB, description="DuckDB warehouse file")
    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1, description="documents per task run at most (batches are evened out across the workers)")
    max_document_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1, description="larger files are quarantined")
    ner: bool = Field(False, description="also find names with the statistical NER model (requirements-models.lock): typed, at 120-170 ms/page")
    reprocess: bool = Field(False, description="re-run known documents through every stage (replaces their rows); refetch known URLs")
    lock_wait_seconds: float = Field(120.0, ge=0, description="how long to wait for another writer's lock")
    task_runner: Literal["process", "thread", "dask"] = Field(
        "process", description="where the per-batch stages run: a process pool on this machine, threads, or Dask"
    )
    workers: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1, description="parallel batches (processes or Dask workers)")
    dask_address: str | None = Field(None, description="scheduler address of an existing Dask cluster; None starts a LocalCluster")

    def inputs(self) -> str:
        """What the run reads, as recorded in runs.inputs."""
        return " ".join([*self.paths, *([f"--urls {self.urls}"] if self.urls else [])])
