"""Per-article failure isolation: one article that crashes a stage is quarantined, not the batch."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TypeVar

from tasks.models import Article, BatchResult, Quarantined

T = TypeVar("T")
log = logging.getLogger("factwire.batch")


def quarantine_article(article: Article, stage: str, exc: BaseException) -> Quarantined:
    """A quarantine row for an article a stage crashed on, keeping its text."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    reason = f"{stage} crashed: {type(exc).__name__}: {exc}{at}"
    log.warning("article %s (%s): %s", article.article_id, article.source_uri, reason)
    return Quarantined(article.source_uri, article.content_sha256, stage, reason, None, article.raw_text)


def per_article(batch: BatchResult, stage: str, step: Callable[[Article], T]) -> tuple[list[tuple[Article, T]], BatchResult]:
    """Run `step` on each article; crashing articles leave the batch for quarantine.

    Returns the (article, output) pairs that succeeded and the batch without the failed articles.
    """
    done: list[tuple[Article, T]] = []
    failed: list[Quarantined] = []
    for article in batch.articles:
        try:
            done.append((article, step(article)))
        except Exception as exc:  # one bad article must not fail the run
            failed.append(quarantine_article(article, stage, exc))
    if not failed:
        return done, batch
    kept_ids = {a.article_id for a, _ in done}
    return done, BatchResult(
        articles=[a for a, _ in done],
        mentions=[m for m in batch.mentions if m.article_id in kept_ids],
        facts=[f for f in batch.facts if f.article_id in kept_ids],
        quarantined=batch.quarantined + failed,
        raw=batch.raw,
        run_id=batch.run_id,
        index=batch.index,
        candidates=[c for c in batch.candidates if c.article_id in kept_ids],
    )
