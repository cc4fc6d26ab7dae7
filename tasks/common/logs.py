"""The run's logger inside a Prefect run (lines reach the UI), a plain logger outside (tests, scripts)."""

from __future__ import annotations

import logging
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import MissingContextError


def run_logger(name: str) -> Any:
    """Prefect's run logger when there is a run, else logging.getLogger(name)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(name)
