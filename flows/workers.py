"""Where the per-batch stages run by default: worker processes forked from one warm server.

Prefect's ProcessPoolTaskRunner spawns each worker as a fresh interpreter, which then imports
the stages (spaCy, Great Expectations, trafilatura, pandas) and builds the gazetteer and the
expectation suites: about 8 s of CPU per worker, measured, repeated for every worker of every
run. Here the workers are forked from a multiprocessing "forkserver" that did that work once,
before any thread was started; `start_worker_server()` launches it at the very start of the
command, so it warms up while the main process is still importing.

This module stays light: the CLI imports it before anything heavy.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from multiprocessing import forkserver
from typing import Any

# Imported by the server before it forks any worker; importing it warms the per-process state.
PRELOAD = ["flows.warm"]


def _warm_server() -> multiprocessing.context.ForkServerContext:
    """The forkserver context, with the warm-up module in its preload list."""
    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload(PRELOAD)
    return server


def start_worker_server() -> None:
    """Start the warm server now (idempotent); workers started later fork from it."""
    _warm_server()
    forkserver.ensure_running()


@contextmanager
def spawn_means_forkserver() -> Iterator[None]:
    """While entered, multiprocessing.get_context("spawn") returns the forkserver context.

    Prefect's ProcessPoolTaskRunner asks for "spawn" by name when it builds its pool and queue;
    everything else about the runner stays Prefect's.
    """
    server = _warm_server()
    real = multiprocessing.get_context

    def get_context(method: str | None = None) -> Any:
        return server if method == "spawn" else real(method)

    multiprocessing.get_context = get_context  # type: ignore[assignment]
    try:
        yield
    finally:
        multiprocessing.get_context = real  # type: ignore[assignment]


@contextmanager
def start_up_objects_frozen() -> Iterator[None]:
    """While entered, the collector skips every object that exists on entry (modules, caches):
    the per-batch collections of release_memory() then walk only what the run creates."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # and collect now: DuckDB's bindings report objects still alive at exit
        gc.collect()


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_memory() -> None:
    """After a batch: collect its reference cycles and hand freed heap pages back to the system.

    A batch is few Python objects holding much memory (pages, parses, frames), so the collector's
    own thresholds rarely fire, and glibc keeps freed memory in the process unless asked.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
