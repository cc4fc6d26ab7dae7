"""Link stage: copies of other articles, passages shared verbatim, and facts grouped into claims,
across the whole warehouse. The rules are here; warehouse/linking.py runs them over the tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
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
    named = _named_by_another(members)
    attributed = [m for m, is_named in zip(members, named, strict=True) if is_named]
    pool = attributed or members
    return min(pool, key=lambda m: (-m["word_count"], m["article_id"]))["article_id"]


def _named_by_another(members: list[dict[str, Any]]) -> list[bool]:
    """For each member, whether another member's body contains its outlet (case-insensitive).

    Each body is lowered once and each distinct outlet searched until two bodies hold it: a
    group of k copies costs (distinct outlets) x k searches at most, not k^2 lowered bodies (a
    group of 2,103 copies took 67 s of every linking pass that way, measured 2026-11-30)."""
    bodies = [m["body"].lower() for m in members]
    # an all-NULL outlet column comes back from pandas as NaN, not None
    outlets = [m["outlet"].lower() if isinstance(m["outlet"], str) and m["outlet"] else None for m in members]
    holders: dict[str, list[int]] = {}  # outlet -> indexes of (at most two) bodies containing it
    for outlet in outlets:
        if outlet is not None and outlet not in holders:
            found: list[int] = []
            for i, body in enumerate(bodies):
                if outlet in body:
                    found.append(i)
                    if len(found) == 2:
                        break
            holders[outlet] = found
    return [outlet is not None and any(j != i for j in holders[outlet]) for i, outlet in enumerate(outlets)]


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
# Nouns outlets use in turn for one negotiated arrangement: "Greece's two bailout deals", "its two
# rescue packages", "two international bailout agreements" count the same thing.
AGREEMENT_UNITS = frozenset({"agreement", "accord", "deal", "pact", "package", "treaty"})
# What a share is of when the text names no whole: "29.7%" alone is a share of something the
# story says elsewhere ("of the vote"), so the claims view lets it join the one whole its story
# gives the same figure.
NO_WHOLE = "-"


def claim_family(unit: str | None, category: str | None) -> str:
    """What a claim counts, normalised: the category (passengers and deaths are people); a share
    keeps what it is a share of ("percent:vote"; "percent:-" when the text names none); deals,
    packages and treaties are agreements; another uncategorised noun is its own family."""
    if category in SHARE_KINDS:
        whole = NO_WHOLE if unit is None or unit in SHARE_KINDS else unit
        return f"{category}:{whole}"
    if unit in PEOPLE_UNITS:
        return "people"
    if category is None and unit in AGREEMENT_UNITS:
        return "agreement"
    return category or unit or "-"


def vague_mask(facts: pd.DataFrame) -> pd.Series:
    """Facts stated only in words that stand for a range ("dozens", "hundreds")."""
    high = facts["value_high"].fillna(facts["value"])
    return ~facts["value_text"].fillna("").str.contains(r"\d", regex=True) & (high > facts["value"]) & facts["qualifier"].isna()


def half_units(value_texts: pd.Series, values: pd.Series) -> pd.Series:
    """Half a unit of the last digit the outlet wrote: "30" could be any figure rounded to 30
    (29.5-30.5), "29.7" one rounded to a tenth; "1.5 million" to a tenth of a million. A number
    in words is a whole number; a fraction in words ("two-thirds"), or digits that are not the
    value ("1 in 10"), is exact to a hundredth of the whole."""
    found = value_texts.fillna("").str.extract(r"(\d[\d,]*(?:\.(\d+))?)")
    written = pd.to_numeric(found[0].str.replace(",", "", regex=False), errors="coerce")
    step = 10.0 ** -found[1].str.len().fillna(0)
    scale = (values / written).where(written > 0, 1.0)
    below_one = (values.abs() > 0) & (values.abs() < 1)
    whole_or_hundredth = pd.Series(0.5, index=values.index).where(~below_one, 0.005)
    from_digits = (0.5 * step * scale).where(scale >= 1, (0.5 * step).where(~below_one, 0.005))
    return from_digits.where(written.notna(), whole_or_hundredth)


def claim_bounds(facts: pd.DataFrame) -> pd.DataFrame:
    """The figure each fact states, as an interval (`claim_low`, `claim_high`): an exact figure
    give or take half a unit of its last written digit, a range its two ends; a hedge widens
    it by the qualifier's tolerance (a share: one unit of its last digit) but no further ("at
    least 20" is 20-22, "about 30" 27-33, "nearly 300" 270-300: an open end would join every
    larger figure); a vague word is its own value (the view keeps "dozens" apart from figures
    anyway). Facts of one story whose intervals hold each other's value state the same figure
    (12 and 12.5 percent do not: 12.5 is not a figure rounded to 12 but 29.7 is one rounded to 30)."""
    value = facts["value"].astype(float)
    low = facts["value_low"].fillna(value).astype(float)
    high = facts["value_high"].fillna(value).astype(float)
    half = half_units(facts["value_text"], value)
    hedged = facts["qualifier"].notna()
    # a share is already relative: "about 30 per cent" is 29-31, not 27-33 (that would take in
    # "almost 27 per cent", another party's share); a count is hedged by 10%
    share = facts["category"].isin(SHARE_KINDS)
    relative = facts["qualifier"].map(lambda q: _tolerance(q) if isinstance(q, str) else 0.0).astype(float)
    tol = (2 * half).where(share, relative * value.abs())
    low = low.where(~hedged, pd.concat([low, value - tol], axis=1).max(axis=1))
    high = high.where(~hedged, pd.concat([high, value + tol], axis=1).min(axis=1))
    vague = vague_mask(facts)
    low, high = low.where(~vague, value), high.where(~vague, value)
    return pd.DataFrame({"claim_low": low - half, "claim_high": high + half}, index=facts.index)


def claim_keys(facts: pd.DataFrame) -> pd.Series:
    """A claim key per fact: `family|action|value` (family: the category, or the unit; action
    '-' when none), with '+' after the value of a figure stated only in vague words ("dozens"
    joins only "dozens"). Which values are one figure is the `claims` view's business: it groups,
    within one story, facts whose value lies within the other's `claim_bounds` (stories are
    found after linking, and the same values in two stories must not decide each other's
    grouping)."""
    families = [claim_family(u if isinstance(u, str) else None, c if isinstance(c, str) else None)
                for u, c in zip(facts["unit"], facts["category"], strict=True)]
    actions = facts["action"].where(facts["action"].fillna("") != "", "-")
    marks = vague_mask(facts).map({True: "+", False: ""})
    return pd.Series([f"{f}|{a}|{float(v):g}{m}" for f, a, v, m in zip(families, actions, facts["value"], marks, strict=True)],
                     index=facts.index, dtype=object)


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
    duplicate_roots=duplicate_roots, claim_keys=claim_keys, claim_bounds=claim_bounds, claim_sources=claim_sources, shared_sentence_jaccard=SHARED_SENTENCE_JACCARD,
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
