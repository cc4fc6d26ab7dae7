"""Run a suite of expectations/ (Great Expectations, on pandas) over a stage's output frame."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")  # GX draws a progress bar per validation
logging.getLogger("great_expectations").setLevel(logging.WARNING)

EXPECTATIONS_DIR = Path(__file__).resolve().parent
log = logging.getLogger("factwire.expectations")
_GX_LOCK = threading.RLock()


@dataclass(frozen=True, slots=True)
class Suite:
    """One expectations/<table>.json file."""

    name: str
    stage: str
    table: str
    expectations: tuple[dict[str, Any], ...]


@dataclass(slots=True)
class SuiteOutcome:
    """Results of one suite on one frame: dq rows, and the rows a critical failure rejects."""

    rows: list[dict[str, Any]]
    rejected_index: set[int]
    rejected_all: bool
    reasons: dict[int, str]


@cache
def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> Suite:
    """Read one suite file."""
    data = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    return Suite(data["suite"], data["stage"], data["table"], tuple(data["expectations"]))


def suite_names(directory: Path = EXPECTATIONS_DIR) -> list[str]:
    """All suites kept in expectations/."""
    return sorted(p.stem for p in directory.glob("*.json"))


@lru_cache(maxsize=1)
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


@cache
def _gx_suite(name: str) -> Any:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = load_suite(name)
    gx_suite = gx.ExpectationSuite(name=name)
    for spec in suite.expectations:
        config = ExpectationConfiguration(type=spec["type"], kwargs=spec["kwargs"], meta=spec.get("meta", {}))
        gx_suite.add_expectation_configuration(config)
    return gx_suite


@cache
def _batch_definition(name: str) -> Any:
    ctx = _context()
    source = ctx.data_sources.add_pandas(f"factwire_{name}")
    asset = source.add_dataframe_asset(name)
    return asset.add_batch_definition_whole_dataframe(f"{name}_batch")


def _observed(result: dict[str, Any]) -> str:
    keep = {k: v for k, v in result.items() if k not in ("partial_unexpected_index_list", "unexpected_index_list", "unexpected_list", "unexpected_index_query")}
    if "partial_unexpected_list" in keep:
        keep["partial_unexpected_list"] = [str(v)[:120] for v in keep["partial_unexpected_list"][:5]]
    if "partial_unexpected_counts" in keep:
        keep["partial_unexpected_counts"] = [{"value": str(c["value"])[:120], "count": c["count"]} for c in keep["partial_unexpected_counts"][:5]]
    return json.dumps(keep, default=str)[:4000]


def _same(a: Any, b: Any) -> bool:
    """Equal as the suite file states it (GX may turn a list into a tuple or an int into a float)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str) or a == b


# The per-batch suites on the hot path are evaluated by expectations/native.py (the same declared
# expectations, checked against GX by tests/test_validate.py): the worker stages', run on every
# batch; discover's, which the writer runs on each batch it reads, the first one before any
# worker has work (through GX it waited there for GX's import, seconds); and load's, which the
# writer runs inside each batch's transaction (through GX a fixed ~85 ms a batch, measured).
# The suites the writer runs once per run (link, stories) go through GX, built meanwhile.
WORKER_STAGES = frozenset({"extract", "clean", "entities", "facts", "fingerprint"})
NATIVE_STAGES = WORKER_STAGES | {"discover", "load"}
ENGINES = ("gx", "native")


def engine_for(suite: Suite) -> str:
    """'native' for a hot-path suite (NATIVE_STAGES) that expectations/native.py can evaluate, else 'gx';
    FACTWIRE_CHECK_ENGINE=gx (or native) chooses one engine for every suite it can run."""
    from expectations import native

    forced = os.environ.get("FACTWIRE_CHECK_ENGINE", "").strip().lower()
    chosen = forced if forced in ENGINES else ("native" if suite.stage in NATIVE_STAGES else "gx")
    return "native" if chosen == "native" and native.supports(suite.expectations) else "gx"


def _run_native(suite: Suite, frame: pd.DataFrame) -> list[tuple[dict[str, Any], bool, dict[str, Any]]]:
    from expectations import native

    results = []
    for spec in suite.expectations:
        try:
            results.append((spec, *native.evaluate(spec, frame)))
        except Exception as exc:  # as GX reports a missing column or a bad argument: this expectation fails
            results.append((spec, False, {"exception": f"{type(exc).__name__}: {exc}"[:500]}))
    return results


def _run_gx(name: str, suite: Suite, frame: pd.DataFrame) -> list[tuple[dict[str, Any], bool, dict[str, Any]]]:
    with _GX_LOCK:  # GX's context is not thread-safe (thread task runner)
        batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(_gx_suite(name), result_format={"result_format": "COMPLETE"})
    by_key = {}
    for r in validation.results:
        cfg = r.expectation_config
        by_key[(cfg.type, json.dumps({k: v for k, v in cfg.kwargs.items() if k != "batch_id"}, sort_keys=True, default=str))] = r
    results = []
    for spec in suite.expectations:
        key = (spec["type"], json.dumps(spec["kwargs"], sort_keys=True, default=str))
        r = by_key.get(key)
        if r is None:  # GX normalises some kwargs (adds defaults): match every kwarg the suite gives
            r = next(x for x in validation.results if x.expectation_config.type == spec["type"]
                     and all(_same(x.expectation_config.kwargs.get(k), v) for k, v in spec["kwargs"].items()))
        result = r.result or {}
        if r.exception_info and r.exception_info.get("raised_exception"):
            result = {"exception": str(r.exception_info.get("exception_message"))[:500]}
        results.append((spec, bool(r.success), result))
    return results


def too_few_rows(spec: dict[str, Any], n_rows: int) -> bool:
    """A share expectation (`mostly`) whose suite sets `meta.min_rows` says nothing on a smaller
    batch: the share of facts with a category swings from 0.09 to 0.64 between runs of 100 facts of
    real news. Such a batch passes it vacuously, as an empty batch passes every expectation."""
    return n_rows < int(spec.get("meta", {}).get("min_rows", 0))


def validate(name: str, frame: pd.DataFrame, run_id: str, batch_index: int, engine: str | None = None) -> SuiteOutcome:
    """Validate a frame with suite `name`; critical failures name the rows to reject. `engine`
    ('gx' or 'native') overrides engine_for()."""
    suite = load_suite(name)
    engine = engine or engine_for(suite)
    checked_at = datetime.now(UTC)
    frame = frame.reset_index(drop=True)
    rows: list[dict[str, Any]] = []
    rejected: set[int] = set()
    reasons: dict[int, str] = {}
    rejected_all = False
    if frame.empty:
        # GX cannot infer column types of an empty frame; an empty batch passes vacuously.
        results: list[tuple[dict[str, Any], bool, dict[str, Any]]] = [(spec, True, {"element_count": 0}) for spec in suite.expectations]
    elif engine == "native":
        results = _run_native(suite, frame)
    else:
        results = _run_gx(name, suite, frame)
    results = [(spec, True, {"element_count": len(frame), "not_checked": f"fewer rows than min_rows ({spec['meta']['min_rows']})"})
               if too_few_rows(spec, len(frame)) else (spec, success, result) for spec, success, result in results]
    for spec, success, result in results:
        severity = spec.get("meta", {}).get("severity", "critical")
        column = spec["kwargs"].get("column") or ",".join(str(spec["kwargs"].get(k)) for k in ("column_A", "column_B") if k in spec["kwargs"]) or None
        rows.append({
            "run_id": run_id, "batch_index": batch_index, "stage": suite.stage, "suite": suite.name,
            "expectation": spec["type"], "column_name": column, "severity": severity,
            "success": success, "observed": _observed(result), "n_rows": len(frame), "checked_at": checked_at,
            "engine": engine,
        })
        if not success and severity == "critical":
            index: list[Any] = list(result.get("unexpected_index_list") or [])
            why = f"critical expectation failed: {suite.name}.{spec['type']}({column})"
            if index:
                for i in index:
                    rejected.add(int(i))
                    reasons.setdefault(int(i), why)
            else:
                rejected_all = True
                reasons.setdefault(-1, why)
            log.warning("%s (batch %d): %s", why, batch_index, _observed(result)[:300])
    return SuiteOutcome(rows, rejected, rejected_all, reasons)


def warm(stages: frozenset[str] | None = None) -> None:
    """Build the GX context and suites this process will run, once (a worker forks after this):
    those of `stages` (every stage when None) that GX evaluates. A worker whose suites all run
    natively never imports GX."""
    with _GX_LOCK:  # a validation started meanwhile waits instead of building the context twice
        for name in suite_names():
            suite = load_suite(name)
            if (stages is None or suite.stage in stages) and engine_for(suite) == "gx":
                _gx_suite(name)
                _batch_definition(name)
