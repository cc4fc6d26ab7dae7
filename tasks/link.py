"""Link stage: copies of other articles, passages shared verbatim, and facts grouped into claims,
across the whole warehouse. The rules are here; warehouse/linking.py runs them over the tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from expectations.validate import validate
from tasks.facts import QUALIFIER_TOLERANCE, SHARE_KINDS
from tasks.fingerprint import (
    SHARED_SENTENCE_JACCARD,
    containment,
    fingerprint_frames,
    jaccard,
    shingles,
)
from warehouse.linking import LinkRules, link_check_frames, link_warehouse, remove_links
from warehouse.writer import insert_dq_rows

# Word 3-shingle containment of the shorter body in the longer: the Alwaght rewrite of the AP
# story scores 0.68; other pairs of seeds, all about the same event, 0.04-0.12; on the 181
# bodies of the extraction benchmark the highest pair (two stories quoting the same people) 0.31.
DUPLICATE_CONTAINMENT = 0.5
# A bucket shared by more distinct bodies than this is a template: a stock phrase, boilerplate the
# cleaner kept, a form letter. It is skipped before the self-join (verbatim copies count once: they
# are paired by body hash), so no bucket makes the work or the memory quadratic.
MAX_BUCKET_ARTICLES = 100


def choose_original(members: list[dict[str, Any]]) -> str:
    """The article the others copy: earliest published when every date is known; else the one
    whose outlet the others name ("Associated Press cited ..."); else the longest (copies trim
    more than they add); ties by article_id."""
    if all(m["published_at"] is not None and not pd.isna(m["published_at"]) for m in members):
        return min(members, key=lambda m: (m["published_at"], m["article_id"]))["article_id"]
    attributed = [
        m for m in members
        # an all-NULL outlet column comes back from pandas as NaN, not None
        if isinstance(m["outlet"], str) and m["outlet"]
        and any(m["outlet"].lower() in o["body"].lower() for o in members if o["article_id"] != m["article_id"])
    ]
    pool = attributed or members
    return min(pool, key=lambda m: (-m["word_count"], m["article_id"]))["article_id"]


def duplicate_roots(pairs: Iterable[tuple[str, str]], articles: dict[str, dict[str, Any]]) -> dict[str, str]:
    """article_id -> the original of its group of copies (union-find over duplicate pairs)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    out: dict[str, str] = {}
    for members in groups.values():
        original = choose_original([articles[m] for m in sorted(members)])
        out.update({m: original for m in members if m != original})
    return out


def _tolerance(qualifier: str | None) -> float:
    return QUALIFIER_TOLERANCE.get(qualifier, 0.1)


# Units that name people by what happened to them: "130 deaths" are 130 people killed, "239
# passengers" 239 people aboard (the facts stage gives them that action), so their claims join
# the people counted with the same action.
PEOPLE_UNITS = frozenset({"death", "fatality", "injury", "passenger"})


def claim_family(unit: str | None, category: str | None) -> str:
    """What a claim counts, normalised: the category (passengers and deaths are people); a share
    keeps what it is a share of ("percent:vote"); an uncategorised noun is its own family."""
    if category in SHARE_KINDS:
        return f"{category}:{unit or '-'}"
    if unit in PEOPLE_UNITS:
        return "people"
    return category or unit or "-"


def claim_keys(facts: pd.DataFrame) -> pd.Series:
    """A claim key per fact: same family (category, or unit) and action, values equal within the
    qualifiers' tolerance, vague words ("dozens") only with the same vague word.

    Within each (family, action) group, facts sorted by value join the current claim while
    their value is within tolerance of the claim's first (smallest) value, so a chain of small
    steps cannot drift into a different figure. The story and the subject are added by the
    `claims` view (stories are found after linking)."""
    keys = pd.Series(index=facts.index, dtype=object)
    if facts.empty:
        return keys
    frame = facts.assign(
        claim_cat=[claim_family(u if isinstance(u, str) else None, c if isinstance(c, str) else None)
                   for u, c in zip(facts["unit"], facts["category"], strict=True)],
        claim_action=facts["action"].fillna("-"),
        is_vague=~facts["value_text"].str.contains(r"\d", regex=True) & (facts["value_high"] > facts["value"]) & facts["qualifier"].isna(),
    ).sort_values(["claim_cat", "claim_action", "is_vague", "value", "fact_id"])
    for (cat, action, vague), group in groupby(frame.itertuples(), key=lambda r: (r.claim_cat, r.claim_action, r.is_vague)):
        anchor: float | None = None
        anchor_tol = 0.0
        for row in group:
            tol = max(anchor_tol, _tolerance(row.qualifier if isinstance(row.qualifier, str) else None))
            if anchor is None or (vague and row.value != anchor) or (not vague and abs(row.value - anchor) > tol * anchor):
                anchor, anchor_tol = row.value, _tolerance(row.qualifier if isinstance(row.qualifier, str) else None)
            keys[row.Index] = f"{cat}|{action}|{anchor:g}{'+' if vague else ''}"
    return keys


def claim_sources(facts: pd.DataFrame, shared: pd.DataFrame) -> pd.Series:
    """The source article of each fact within its claim: a copy stands for its original
    (`duplicate_of`), and articles stating the fact inside one passage they share verbatim are
    one source (union-find per claim key; the smallest id names the group). `facts` has fact_id,
    article_id, duplicate_of, claim_key; `shared` pairs fact_id with other_fact_id."""
    label = {r.fact_id: (r.claim_key, r.duplicate_of if isinstance(r.duplicate_of, str) and r.duplicate_of else r.article_id)
             for r in facts.itertuples()}
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(shared.get("fact_id", []), shared.get("other_fact_id", []), strict=True):
        la, lb = label.get(a), label.get(b)
        if la is None or lb is None or la[0] != lb[0]:
            continue  # only the same claim: a passage may also hold figures of other claims
        ra, rb = find(la), find(lb)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return pd.Series([find(label[f])[1] for f in facts["fact_id"]], index=facts.index, dtype=object)


RULES = LinkRules(
    fingerprint=fingerprint_frames, shingles=shingles, jaccard=jaccard, containment=containment,
    duplicate_roots=duplicate_roots, claim_keys=claim_keys, claim_sources=claim_sources, shared_sentence_jaccard=SHARED_SENTENCE_JACCARD,
    duplicate_containment=DUPLICATE_CONTAINMENT, max_bucket_articles=MAX_BUCKET_ARTICLES,
)


def check_links(frames: dict[str, pd.DataFrame], run_id: str) -> tuple[list[dict[str, Any]], dict[str, pd.DataFrame]]:
    """The link suites (shared_passages, article_duplicates, claims) over what a pass wrote:
    dq rows, and per link table the rows a critical failure rejects."""
    dq_rows: list[dict[str, Any]] = []
    rejected: dict[str, pd.DataFrame] = {}
    for suite, frame in frames.items():
        frame = frame.reset_index(drop=True)
        outcome = validate(suite, frame, run_id, -1)
        dq_rows.extend(outcome.rows)
        failing = sorted(set(range(len(frame))) if outcome.rejected_all else outcome.rejected_index)
        rejected[suite] = frame.iloc[failing]
    return dq_rows, rejected


@task(name="link", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def link(db: str | Path, run_id: str) -> dict[str, Any]:
    """Link the articles loaded since the last pass with everything loaded, then check the links:
    passages and copies failing a critical check are removed (claims are a view: only reported)."""
    summary = link_warehouse(str(db), RULES)
    dq_rows, rejected = check_links(link_check_frames(str(db), summary.linked_at or datetime.now(UTC)), run_id)
    remove_links(str(db), rejected["shared_passages"], rejected["article_duplicates"])
    insert_dq_rows(db, dq_rows)
    counts = asdict(summary)
    counts.pop("linked_at")
    counts["n_links_rejected"] = int(sum(len(f) for f in rejected.values() if f is not None))
    counts["n_checks_passed"] = sum(1 for r in dq_rows if r["success"])
    counts["n_checks_failed"] = sum(1 for r in dq_rows if not r["success"])
    return counts
