"""Checks stage: run the Great Expectations suite of each table on a batch's DataFrames."""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.models import BatchResult, Quarantined
from tasks.tables import batch_frames

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")  # GX draws a progress bar per validation
logging.getLogger("great_expectations").setLevel(logging.WARNING)

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
SHARE_PROMPT_IN_BODY = r"(?im)^\s*(?:share this article|share on facebook|follow us on)\s*$"
log = logging.getLogger("factwire.checks")
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


def validate_frame(name: str, frame: pd.DataFrame, run_id: str, batch_index: int) -> SuiteOutcome:
    """Validate a frame with suite `name`; critical failures name the rows to reject."""
    suite = load_suite(name)
    checked_at = datetime.now(UTC)
    frame = frame.reset_index(drop=True)
    rows: list[dict[str, Any]] = []
    rejected: set[int] = set()
    reasons: dict[int, str] = {}
    rejected_all = False
    if frame.empty:
        # GX cannot infer column types of an empty frame; an empty batch passes vacuously.
        results: list[tuple[dict[str, Any], bool, dict[str, Any]]] = [(spec, True, {"element_count": 0}) for spec in suite.expectations]
    else:
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
            if r is None:  # GX normalises some kwargs; fall back to matching by type and column
                r = next(x for x in validation.results if x.expectation_config.type == spec["type"]
                         and x.expectation_config.kwargs.get("column") == spec["kwargs"].get("column"))
            result = r.result or {}
            if r.exception_info and r.exception_info.get("raised_exception"):
                result = {"exception": str(r.exception_info.get("exception_message"))[:500]}
            results.append((spec, bool(r.success), result))
    for spec, success, result in results:
        severity = spec.get("meta", {}).get("severity", "critical")
        column = spec["kwargs"].get("column") or ",".join(str(spec["kwargs"].get(k)) for k in ("column_A", "column_B") if k in spec["kwargs"]) or None
        rows.append({
            "run_id": run_id, "batch_index": batch_index, "stage": suite.stage, "suite": suite.name,
            "expectation": spec["type"], "column_name": column, "severity": severity,
            "success": success, "observed": _observed(result), "n_rows": len(frame), "checked_at": checked_at,
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


# Derived boolean columns: cross-field checks that GX's column expectations cannot state directly.
def add_article_checks(articles: pd.DataFrame, boilerplate: pd.DataFrame) -> pd.DataFrame:
    """check_raw_text_rebuilds, check_published_not_in_future, check_body_free_of_share_prompts."""
    from tasks.clean import rebuild_raw_text
    from tasks.models import BoilerplateSpan

    spans: dict[str, list[BoilerplateSpan]] = {}
    for r in boilerplate.itertuples(index=False):
        spans.setdefault(r.article_id, []).append(BoilerplateSpan(r.article_id, r.kind, r.text, r.start_char, r.end_char, r.rule))
    out = articles.copy()
    out["check_raw_text_rebuilds"] = [
        rebuild_raw_text(body, spans.get(aid, [])) == raw
        for aid, body, raw in zip(out["article_id"], out["body"], out["raw_text"], strict=True)
    ]
    now = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    out["check_published_not_in_future"] = out["published_at"].isna() | (out["published_at"] <= now)
    out["check_body_free_of_share_prompts"] = ~out["body"].str.contains(SHARE_PROMPT_IN_BODY, regex=True)
    return out


def add_boilerplate_checks(boilerplate: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """check_text_matches_raw."""
    raw = dict(zip(articles["article_id"], articles["raw_text"], strict=True))
    out = boilerplate.copy()
    out["check_text_matches_raw"] = [
        raw.get(a, "")[s:e] == t for a, s, e, t in zip(out["article_id"], out["start_char"], out["end_char"], out["text"], strict=True)
    ]
    return out


def add_mention_checks(mentions: pd.DataFrame, articles: pd.DataFrame, entity_ids: set[str]) -> pd.DataFrame:
    """check_entity_exists, check_offsets_in_body, check_surface_matches_body."""
    body = dict(zip(articles["article_id"], articles["body"], strict=True))
    out = mentions.copy()
    out["check_entity_exists"] = out["entity_id"].isin(entity_ids)
    out["check_offsets_in_body"] = [
        0 <= s < e <= len(body.get(a, "")) for a, s, e in zip(out["article_id"], out["start_char"], out["end_char"], strict=True)
    ]
    out["check_surface_matches_body"] = [
        body.get(a, "")[s:e] == t for a, s, e, t in zip(out["article_id"], out["start_char"], out["end_char"], out["surface"], strict=True)
    ]
    return out


def add_candidate_checks(candidates: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """check_offsets_in_body, check_surface_matches_body, check_sentence_contains_surface."""
    body = dict(zip(articles["article_id"], articles["body"], strict=True))
    out = candidates.copy()
    out["check_offsets_in_body"] = [
        0 <= s < e <= len(body.get(a, "")) for a, s, e in zip(out["article_id"], out["start_char"], out["end_char"], strict=True)
    ]
    out["check_surface_matches_body"] = [
        body.get(a, "")[s:e] == t for a, s, e, t in zip(out["article_id"], out["start_char"], out["end_char"], out["surface"], strict=True)
    ]
    out["check_sentence_contains_surface"] = [t in sent for t, sent in zip(out["surface"], out["sentence"], strict=True)]
    return out


def add_entity_checks(entities: pd.DataFrame) -> pd.DataFrame:
    """check_id_form, check_id_is_wikidata_id, check_place_has_coordinates."""
    out = entities.copy()
    out["check_id_form"] = out["entity_id"].str.fullmatch(r"Q[0-9]+|fw:[a-z0-9_]+")
    out["check_id_is_wikidata_id"] = out["wikidata_id"].isna() | (out["wikidata_id"] == out["entity_id"])
    out["check_place_has_coordinates"] = out["geonames_id"].isna() | (out["latitude"].notna() & out["longitude"].notna())
    return out


def add_fact_checks(facts: pd.DataFrame, articles: pd.DataFrame, entity_ids: set[str]) -> pd.DataFrame:
    """check_value_finite_non_negative, check_offsets_in_body, check_sentence_contains_value, check_speaker_entity_exists,
    check_range_contains_value, check_speaker_named_in_words."""
    body = dict(zip(articles["article_id"], articles["body"], strict=True))
    out = facts.copy()
    out["check_value_finite_non_negative"] = [isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in out["value"]]
    out["check_offsets_in_body"] = [
        0 <= s < e <= len(body.get(a, "")) for a, s, e in zip(out["article_id"], out["start_char"], out["end_char"], strict=True)
    ]
    out["check_sentence_contains_value"] = [
        vt in sent and sent in body.get(a, "") for a, vt, sent in zip(out["article_id"], out["value_text"], out["sentence"], strict=True)
    ]
    out["check_speaker_entity_exists"] = out["speaker_entity_id"].isna() | out["speaker_entity_id"].isin(entity_ids)
    out["check_range_contains_value"] = (out["value_low"] <= out["value"]) & (out["value"] <= out["value_high"])
    out["check_speaker_named_in_words"] = out["speaker_entity_id"].isna() | out["speaker_text"].notna()
    return out


@dataclass(slots=True)
class CheckedBatch:
    """Frames cleared for loading, the dq rows, and articles a critical failure rejected."""

    frames: dict[str, pd.DataFrame]
    dq_rows: list[dict[str, Any]]
    rejected: dict[str, str]  # article_id -> reason
    quarantined: list[Quarantined] = field(default_factory=list)  # every stage's quarantine for the batch


def _strip_checks(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame.columns if not c.startswith("check_")]]


def check_frames(frames: dict[str, pd.DataFrame], run_id: str, batch_index: int, entity_ids: set[str]) -> CheckedBatch:
    """Run the articles, boilerplate, mentions and facts suites on one batch.

    A critical failure rejects the articles its rows belong to (all their rows, in every table,
    so the warehouse never holds half an article); warnings are only recorded.
    """
    articles = frames["stg_articles"]
    checked = {
        "articles": add_article_checks(articles, frames["stg_boilerplate"]),
        "boilerplate": add_boilerplate_checks(frames["stg_boilerplate"], articles),
        "mentions": add_mention_checks(frames["stg_mentions"], articles, entity_ids),
        "facts": add_fact_checks(frames["stg_facts"], articles, entity_ids),
    }
    if "stg_candidate_entities" in frames:
        checked["candidate_entities"] = add_candidate_checks(frames["stg_candidate_entities"], articles)
    dq_rows: list[dict[str, Any]] = []
    rejected: dict[str, str] = {}
    for name, frame in checked.items():
        outcome = validate_frame(name, frame, run_id, batch_index)
        dq_rows.extend(outcome.rows)
        ids = frame["article_id"].tolist()
        if outcome.rejected_all:
            for aid in ids:
                rejected.setdefault(aid, outcome.reasons[-1])
        for i in outcome.rejected_index:
            rejected.setdefault(ids[i], outcome.reasons[i])
    kept = {
        table: _strip_checks(frame[~frame["article_id"].isin(list(rejected))]).reset_index(drop=True)
        for table, frame in frames.items()
    }
    return CheckedBatch(kept, dq_rows, rejected)


def check_raw_documents(raw: pd.DataFrame, run_id: str, batch_index: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The raw_documents suite on a batch's raw rows: dq rows and rejected hashes with reasons."""
    frame = raw.reset_index(drop=True)
    outcome = validate_frame("raw_documents", frame, run_id, batch_index)
    hashes = frame["content_sha256"].tolist() if not frame.empty else []
    rejected = {hashes[i]: outcome.reasons[i] for i in outcome.rejected_index}
    if outcome.rejected_all:
        rejected = dict.fromkeys(hashes, outcome.reasons[-1])
    return outcome.rows, rejected


def check_entities(entities: pd.DataFrame, run_id: str) -> tuple[bool, list[dict[str, Any]]]:
    """The entities suite on the gazetteer as loaded; False means do not load it."""
    outcome = validate_frame("entities", add_entity_checks(entities), run_id, -1)
    return not (outcome.rejected_all or outcome.rejected_index), outcome.rows


@task(name="checks", cache_policy=NO_CACHE)
def checks(batch: BatchResult) -> CheckedBatch:
    """Run every stage's suite on the batch; critically failing articles join the quarantine."""
    from tasks.entities import entity_rows

    run_id, batch_index = batch.run_id, batch.index
    raw_columns = ["content_sha256", "media_type", "size_bytes", "check_hash_matches_bytes"]
    raw_dq, raw_rejected = check_raw_documents(pd.DataFrame(batch.raw, columns=raw_columns), run_id, batch_index)
    frames = batch_frames(batch, run_id, datetime.now(UTC))
    checked = check_frames(frames, run_id, batch_index, {e.entity_id for e in entity_rows()})
    by_id = {a.article_id: a for a in batch.articles}
    for aid, a in by_id.items():
        if a.content_sha256 in raw_rejected:
            checked.rejected.setdefault(aid, raw_rejected[a.content_sha256])
    if raw_rejected:  # drop what the raw suite rejected from every table
        checked.frames = {t: f[~f["article_id"].isin(list(checked.rejected))].reset_index(drop=True) for t, f in checked.frames.items()}
    rejected = [
        Quarantined(by_id[aid].source_uri, by_id[aid].content_sha256, "checks", reason, None, by_id[aid].raw_text)
        for aid, reason in checked.rejected.items()
    ]
    checked.dq_rows = raw_dq + checked.dq_rows
    checked.quarantined = batch.quarantined + rejected
    return checked


@task(name="check-gazetteer", cache_policy=NO_CACHE)
def check_gazetteer(run_id: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The entities suite on the gazetteer; raises when a critical expectation fails."""
    from dataclasses import asdict

    from tasks.entities import entity_rows

    frame = pd.DataFrame([asdict(e) for e in entity_rows()])
    ok, dq_rows = check_entities(frame, run_id)
    if not ok:
        failed = [r["expectation"] + "(" + str(r["column_name"]) + ")" for r in dq_rows if not r["success"] and r["severity"] == "critical"]
        raise ValueError(f"the gazetteer failed critical expectations {failed}; fix gazetteer/ (see dq_results, suite 'entities')")
    return frame, dq_rows
