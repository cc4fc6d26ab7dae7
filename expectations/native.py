"""The suites' expectations evaluated with pandas directly: the same declared expectations
(expectations/*.json, Great Expectations' own types and keyword arguments), the same verdicts,
without GX's per-validation machinery.

Great Expectations stays the source of truth: each expectation type here mirrors GX 1.x's pandas
implementation (its metric's `_pandas` condition, its null handling and its `mostly` rule, cited
per type below), and `tests/test_validate.py` runs every suite through both engines on frames
the stages really produce and on frames built to fail, and requires the same success and the
same rejected rows. A suite with an expectation or a keyword argument not listed here is run by
GX (`supports()`).

Why: a GX validation costs a fixed ~40-100 ms whatever the frame's size (it builds a batch, a
validator and a metric graph), and importing GX costs seconds in every process. The per-batch
stage suites run in the workers on every batch; `benchmarks.stages` prints the checks' cost
with both engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

# Keyword arguments each type understands here; any other argument sends the suite to GX.
_COMMON = {"column", "mostly", "result_format", "meta"}
SUPPORTED: dict[str, set[str]] = {
    "expect_column_values_to_not_be_null": _COMMON,
    "expect_column_values_to_be_in_set": _COMMON | {"value_set"},
    "expect_column_values_to_be_unique": _COMMON,
    "expect_column_values_to_be_between": _COMMON | {"min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_values_to_match_regex": _COMMON | {"regex"},
    "expect_compound_columns_to_be_unique": {"column_list", "mostly", "result_format", "meta"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "mostly", "result_format", "meta"},
}
PARTIAL_LIST = 20  # GX's partial_unexpected_list length


def supports(expectations: tuple[dict[str, Any], ...]) -> bool:
    """Every expectation of the suite has a type and arguments this module evaluates."""
    return all(e["type"] in SUPPORTED and set(e["kwargs"]) <= SUPPORTED[e["type"]] for e in expectations)


def evaluate(spec: dict[str, Any], frame: pd.DataFrame) -> tuple[bool, dict[str, Any]]:
    """One expectation on a frame: (success, a GX-shaped result with unexpected_index_list)."""
    kwargs = spec["kwargs"]
    kind = spec["type"]
    if kind == "expect_compound_columns_to_be_unique":
        columns = frame[list(kwargs["column_list"])]
        # GX's multicolumn default ignore_row_if is "all_values_are_missing".
        considered = ~columns.isna().all(axis=1)
        ok = ~columns[considered].duplicated(keep=False)
        return _map_result(frame, considered, ok, kwargs, values=columns[considered].apply(tuple, axis=1))
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = frame[kwargs["column_A"]], frame[kwargs["column_B"]]
        # GX's column-pair default ignore_row_if is "both_values_are_missing".
        considered = ~(a.isna() & b.isna())
        a, b = a[considered], b[considered]
        ok = (a >= b) if kwargs.get("or_equal") else (a > b)
        return _map_result(frame, considered, ok, kwargs, values=pd.Series(list(zip(a, b, strict=True)), index=a.index))
    column = frame[kwargs["column"]]
    if kind == "expect_column_values_to_not_be_null":
        # GX: every row is considered; the nulls are the unexpected ones; mostly over all rows.
        considered = pd.Series(True, index=frame.index)
        return _map_result(frame, considered, column.notna(), kwargs, values=column)
    considered = column.notna()  # the other column map expectations skip nulls (GX's filter_column_isnull)
    present = column[considered]
    ok = CONDITIONS[kind](present, kwargs)
    return _map_result(frame, considered, ok, kwargs, values=present)


def _in_set(column: pd.Series, kwargs: dict[str, Any]) -> pd.Series:
    value_set = kwargs.get("value_set")
    if value_set is None:  # GX: vacuously true
        return pd.Series(True, index=column.index)
    return column.isin(value_set)


def _unique(column: pd.Series, _kwargs: dict[str, Any]) -> pd.Series:
    return ~column.duplicated(keep=False)


def _between(column: pd.Series, kwargs: dict[str, Any]) -> pd.Series:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is None and high is None:
        raise ValueError("min_value and max_value cannot both be None")
    ok = pd.Series(True, index=column.index)
    if low is not None:
        ok &= (column > low) if kwargs.get("strict_min") else (column >= low)
    if high is not None:
        ok &= (column < high) if kwargs.get("strict_max") else (column <= high)
    return ok


def _regex(column: pd.Series, kwargs: dict[str, Any]) -> pd.Series:
    # GX: column.astype(str).str.contains(regex), i.e. re.search anywhere in the value
    pattern = re.compile(kwargs["regex"])
    return pd.Series([bool(pattern.search(v)) for v in column.astype(str)], index=column.index, dtype=bool)


CONDITIONS: dict[str, Callable[[pd.Series, dict[str, Any]], pd.Series]] = {
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_be_unique": _unique,
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_match_regex": _regex,
}


def _map_result(frame: pd.DataFrame, considered: pd.Series, ok: pd.Series, kwargs: dict[str, Any], values: pd.Series) -> tuple[bool, dict[str, Any]]:
    """GX's map-expectation verdict: vacuously true with nothing to consider, else the share of
    considered rows that pass must reach `mostly` (1.0 when not given)."""
    total = len(frame)
    n_considered = int(considered.sum())
    ok = ok.astype(bool)
    bad_index = [int(i) for i in ok.index[~ok.to_numpy()]]
    n_bad = len(bad_index)
    mostly = kwargs.get("mostly")
    mostly = 1.0 if mostly is None else float(mostly)
    success = True if total == 0 or n_considered == 0 else (n_considered - n_bad) / n_considered >= mostly
    missing = total - n_considered
    bad_values = [_plain(v) for v in values.loc[bad_index[:PARTIAL_LIST]]] if n_bad else []
    result = {
        "element_count": total,
        "unexpected_count": n_bad,
        "unexpected_percent": (100.0 * n_bad / n_considered) if n_considered else None,
        "partial_unexpected_list": bad_values,
        "missing_count": missing,
        "missing_percent": (100.0 * missing / total) if total else None,
        "unexpected_index_list": bad_index,
    }
    return bool(success), result


def _plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
