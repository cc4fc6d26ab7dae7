"""CPU per page of each per-batch stage, warm, in one process, without Prefect.

    python -m benchmarks.stages                 # ms/page per stage over the 181 benchmark pages
    python -m benchmarks.stages --profile facts # and the top functions of one stage (cProfile)

It runs the stages' plain functions (the task bodies) on one batch of the extraction
benchmark's pages twice, and reports the second pass, so imports and per-process set-up
(spaCy, gazetteer, Great Expectations context) are not counted. Each stage's figure includes
its own checks; their share is printed as 'of which checks'. The bare trafilatura figure
is measured the same way, as the yardstick the throughput goal is set against.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Callable
from typing import Any

from benchmarks.throughput import base_pages
from tasks.clean import clean
from tasks.common import isolation
from tasks.common.models import RawDocument
from tasks.common.nlp import shared_parses
from tasks.discover import sha256_hex
from tasks.entities import entities
from tasks.extract import extract
from tasks.facts import facts
from tasks.fingerprint import fingerprint

STAGES: list[tuple[str, Callable[[Any], Any]]] = [
    ("clean", clean.fn),
    ("entities", entities.fn),
    ("facts", facts.fn),
    ("fingerprint", fingerprint.fn),
]


class CheckTimer:
    """Counts the CPU spent in each stage's checks (expectations/validate.py, with the engine it
    chooses), inside the stage's figure."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.real = isolation.validate

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return self.real(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - start


def documents(pages: list[bytes]) -> list[RawDocument]:
    """The pages as the discover stage would hand them on."""
    return [
        RawDocument(source_uri=f"bench/page-{i:03d}.html", content_sha256=sha256_hex(p), raw_bytes=p, media_type="text/html", size_bytes=len(p))
        for i, p in enumerate(pages)
    ]


def run_once(docs: list[RawDocument], pages: list[bytes], profile: str | None) -> dict[str, float]:
    """Seconds of CPU per stage for one pass over the batch."""
    import trafilatura

    seconds: dict[str, float] = {}
    start = time.process_time()
    for page in pages:
        trafilatura.extract(page)
    seconds["bare trafilatura.extract"] = time.process_time() - start
    timer = CheckTimer()
    isolation.validate = timer  # type: ignore[assignment]
    try:
        with shared_parses():
            _stages(docs, seconds, profile)
    finally:
        isolation.validate = timer.real
    seconds["of which checks"] = timer.seconds
    return seconds


def _stages(docs: list[RawDocument], seconds: dict[str, float], profile: str | None) -> None:
    profiler = cProfile.Profile() if profile else None
    start = time.process_time()
    if profile == "extract" and profiler:
        profiler.enable()
    batch = extract.fn(docs, "bench", 0)
    if profiler:
        profiler.disable()
    seconds["extract"] = time.process_time() - start
    for name, step in STAGES:
        start = time.process_time()
        if profile == name and profiler:
            profiler.enable()
        batch = step(batch)
        if profiler:
            profiler.disable()
        seconds[name] = time.process_time() - start
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["extract", *(n for n, _ in STAGES)], help="print a cProfile of this stage")
    args = parser.parse_args(argv)
    pages = base_pages()
    docs = documents(pages)
    run_once(docs, pages, None)  # warm: imports, spaCy, gazetteer, GX context
    seconds = run_once(docs, pages, args.profile)
    n = len(pages)
    # The same checks through Great Expectations (the declared source of truth), for comparison.
    previous = os.environ.get("FACTWIRE_CHECK_ENGINE")
    os.environ["FACTWIRE_CHECK_ENGINE"] = "gx"
    try:
        run_once(docs, pages, None)  # GX's suites built
        seconds["checks if run by GX"] = run_once(docs, pages, None)["of which checks"]
    finally:
        os.environ.pop("FACTWIRE_CHECK_ENGINE") if previous is None else os.environ.__setitem__("FACTWIRE_CHECK_ENGINE", previous)
    bare = seconds["bare trafilatura.extract"]
    pipeline = sum(v for k, v in seconds.items() if k not in ("bare trafilatura.extract", "of which checks", "checks if run by GX"))
    after = {k: v for k, v in seconds.items() if k in dict(STAGES)}
    print(f"CPU ms/page over {n} pages (warm, one process):")
    for name, s in seconds.items():
        print(f"  {name:<26} {1000 * s / n:7.2f}")
    print(f"  {'all stages':<26} {1000 * pipeline / n:7.2f}  ({pipeline / bare:.2f} x bare trafilatura)")
    worst = max(after, key=lambda k: after[k])
    print(f"  stages after extraction: {1000 * sum(after.values()) / n:.2f} ms/page together ({sum(after.values()) / bare:.2f} x bare; goal < 1), "
          f"costliest {worst} {after[worst] / bare:.2f} x bare (goal <= 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
