"""One article's failure stays with that article: a stage that raises on it, or rows of it that
fail a critical check, never cost the batch (or the article's other stages) anything."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from expectations.validate import validate
from tasks.common.models import Article, Batch, Quarantined, StageError

T = TypeVar("T")
log = logging.getLogger("factwire.isolation")


class Refusal(ValueError):
    """A stage declines an article it cannot make usable (a body that cleaning leaves empty): a
    reason to quarantine it, not a fault of the code."""


def crash_reason(stage: str, exc: BaseException) -> str:
    """'<stage> crashed: <Type>: <message> at <file>:<line>'; '<stage>: <message>' for a Refusal."""
    if isinstance(exc, Refusal):
        return f"{stage}: {exc}"
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return f"{stage} crashed: {type(exc).__name__}: {exc}{at}"


def quarantine_article(article: Article, stage: str, reason: str) -> Quarantined:
    """A quarantine row for an article that cannot load, keeping its text."""
    log.warning("article %s (%s) quarantined: %s", article.article_id, article.source_uri, reason)
    return Quarantined(article.source_uri, article.content_sha256, stage, reason, None, article.raw_text)


def per_article(batch: Batch, stage: str, step: Callable[[Article], T], article_needs_it: bool) -> list[tuple[Article, T]]:
    """Run `step` on each article of the batch; returns the (article, output) pairs that worked.

    When the step raises on an article: if the article cannot exist without this stage
    (`article_needs_it`: extract, clean), it leaves the batch for quarantine; otherwise it
    loads without this stage's rows and a stage error says so (the next run tries it again).
    """
    done: list[tuple[Article, T]] = []
    failed: list[Article] = []
    for article in batch.articles:
        try:
            done.append((article, step(article)))
        except Exception as exc:  # one bad article must not fail the run
            reason = crash_reason(stage, exc)
            if article_needs_it:
                batch.quarantined.append(quarantine_article(article, stage, reason))
                failed.append(article)
            else:
                log.warning("article %s (%s): %s; it loads without %s rows", article.article_id, article.source_uri, reason, stage)
                batch.stage_errors.append(StageError(article.article_id, stage, reason))
    if failed:
        drop_articles(batch, {a.article_id for a in failed})
    return done


def drop_articles(batch: Batch, article_ids: set[str]) -> None:
    """Take articles, and every row of them so far, out of the batch."""
    batch.articles = [a for a in batch.articles if a.article_id not in article_ids]
    batch.mentions = [m for m in batch.mentions if m.article_id not in article_ids]
    batch.candidates = [c for c in batch.candidates if c.article_id not in article_ids]
    batch.facts = [f for f in batch.facts if f.article_id not in article_ids]
    batch.stage_errors = [e for e in batch.stage_errors if e.article_id not in article_ids]
    batch.tables = {t: f[~f["article_id"].isin(list(article_ids))].reset_index(drop=True) for t, f in batch.tables.items()}


def keep_checked(batch: Batch, suite: str, frame: pd.DataFrame, article_level: bool) -> pd.DataFrame:
    """Validate a stage's output frame with its suite; returns the rows cleared to move on.

    Every result goes to batch.dq_rows. Rows failing a critical expectation are kept out:
    article-level rows (`article_level`) send their article to quarantine; other rows are
    dropped and a stage error per article says how many and which expectation.
    The check_* columns a stage derives for its suite are not part of the table and are removed.
    """
    frame = frame.reset_index(drop=True)
    outcome = validate(suite, frame, batch.run_id, batch.index)
    batch.dq_rows.extend(outcome.rows)
    failing = set(range(len(frame))) if outcome.rejected_all else outcome.rejected_index
    stage = outcome.rows[0]["stage"] if outcome.rows else suite
    if failing:
        reasons = {i: outcome.reasons.get(i, outcome.reasons.get(-1, "critical expectation failed")) for i in failing}
        by_article: dict[str, list[str]] = {}
        for i in sorted(failing):
            by_article.setdefault(str(frame.at[i, "article_id"]), []).append(reasons[i])
        if article_level:
            by_id = {a.article_id: a for a in batch.articles}
            for article_id, why in by_article.items():
                if article_id in by_id:
                    batch.quarantined.append(quarantine_article(by_id[article_id], stage, why[0]))
            drop_articles(batch, set(by_article))
        else:
            for article_id, why in by_article.items():
                batch.stage_errors.append(StageError(article_id, stage, "; ".join(sorted(set(why))), len(why)))
        frame = frame.drop(index=sorted(failing)).reset_index(drop=True)
    return frame[[c for c in frame.columns if not c.startswith("check_")]]
