"""Typed settings for the ingest flow, passed as one parameter."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, Field

from tasks.discover import DEFAULT_MAX_BYTES

DEFAULT_DB = "data/factwire.duckdb"


class IngestSettings(BaseModel):
    """Everything a run needs to know."""

    paths: list[str] = Field(default_factory=list, description="files and folders to ingest")
    db: str = Field(DEFAULT_DB, description="DuckDB warehouse file")
    batch_size: int = Field(200, ge=1, description="documents per task run")
    max_document_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1, description="larger files are quarantined")
    reprocess: bool = Field(False, description="re-run known documents through every stage (replaces their rows)")
    lock_wait_seconds: float = Field(120.0, ge=0, description="how long to wait for another writer's lock")
    task_runner: Literal["process", "thread", "dask"] = Field(
        "process", description="where the per-batch stages run: a process pool on this machine, threads, or Dask"
    )
    workers: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1, description="parallel batches (processes or Dask workers)")
    dask_address: str | None = Field(None, description="scheduler address of an existing Dask cluster; None starts a LocalCluster")
