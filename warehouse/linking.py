"""Linking across the warehouse: shared passages, copies and claim keys, in link tables.

Runs after the batches of a run are loaded, as one transaction. It never updates the staging
tables: what it finds goes to article_similarity, shared_passages, article_duplicates and
fact_claims, which the public views join. The rules (similarity, thresholds, which article is
the original, claim keys) come in as LinkRules from the link stage (tasks/link.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from warehouse.db import load_query, transaction, write_connection


@dataclass(frozen=True, slots=True)
class LinkRules:
    """What linking needs from the stages: how to fingerprint a body, compare texts, pick the
    original of a group of copies, and key facts into claims."""

    fingerprint: Callable[[Iterable[tuple[str, str]], datetime], tuple[pd.DataFrame, pd.DataFrame]]
    shingles: Callable[[str], set[str]]
    jaccard: Callable[[set[str], set[str]], float]
    containment: Callable[[set[str], set[str]], float]
    duplicate_roots: Callable[[Iterable[tuple[str, str]], dict[str, dict[str, Any]]], dict[str, str]]
    claim_keys: Callable[[pd.DataFrame], pd.Series]
    shared_sentence_jaccard: float
    duplicate_containment: float
    max_bucket_articles: int


@dataclass(slots=True)
class LinkSummary:
    """What one pass found: counts for the run summary, and when it ran."""

    n_fingerprinted: int = 0
    n_shared_passages: int = 0
    n_article_pairs: int = 0
    n_duplicates: int = 0
    n_claim_keys: int = 0
    linked_at: datetime | None = None


def _forget_stale(con: duckdb.DuckDBPyConnection) -> None:
    """Drop fingerprints and links of articles that are gone or whose body changed."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stale AS SELECT f.article_id FROM article_fingerprints f "
        "LEFT JOIN stg_articles a USING (article_id) WHERE a.article_id IS NULL OR f.body_sha256 <> sha256(a.body)"
    )
    con.execute("DELETE FROM article_fingerprints WHERE article_id IN (SELECT article_id FROM _stale)")
    con.execute("DELETE FROM sentence_bands WHERE article_id IN (SELECT article_id FROM _stale)")
    for table in ("article_similarity", "shared_passages"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _stale) OR other_article_id IN (SELECT article_id FROM _stale)")
    con.execute("DROP TABLE _stale")

LINK_CHUNK = 500  # new articles linked per pass: bounds memory whatever the corpus size

def _fingerprint_new(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime) -> int:
    """Fingerprint articles that have none (loaded before fingerprints, or by an older version)."""
    missing = [r[0] for r in con.execute(
        "SELECT a.article_id FROM stg_articles a ANTI JOIN article_fingerprints f USING (article_id) ORDER BY a.article_id"
    ).fetchall()]
    for start in range(0, len(missing), LINK_CHUNK):
        con.register("_ids", pd.DataFrame({"article_id": missing[start : start + LINK_CHUNK]}))
        rows = con.execute("SELECT article_id, body FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)").fetchall()
        con.unregister("_ids")
        fp, bands = rules.fingerprint(rows, at)
        for table, frame in (("article_fingerprints", fp), ("sentence_bands", bands)):
            if not frame.empty:
                con.register("_rows", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
                con.unregister("_rows")
    return len(missing)


def _link_exact_copies(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """Articles whose body is identical to another's: paired with the first such article by hash.

    Wire copy republished verbatim is common; comparing it sentence by sentence with every other
    copy grows with the square of the number of copies. An exact copy shares every sentence, so
    it is recorded as a pair (containment 1) without passage rows; returns the copies' ids.
    """
    con.register("_ids", pd.DataFrame({"article_id": ids}))
    copies = con.execute(
        """
        WITH roots AS (SELECT body_sha256, min(article_id) AS root FROM article_fingerprints GROUP BY body_sha256)
        SELECT r.root AS article_id, f.article_id AS other_article_id, 1.0 AS containment, 1.0 AS jaccard,
               f.n_sentences AS n_shared_sentences, true AS is_duplicate
        FROM article_fingerprints f JOIN roots r USING (body_sha256)
        WHERE f.article_id IN (SELECT article_id FROM _ids) AND f.article_id <> r.root
        """
    ).df()
    con.unregister("_ids")
    if not copies.empty:
        con.register("_pairs", copies)
        con.execute("INSERT OR REPLACE INTO article_similarity BY NAME SELECT * FROM _pairs")
        con.unregister("_pairs")
    return copies["other_article_id"].tolist()


def _link_pending(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime) -> tuple[int, int, int]:
    """Link every fingerprinted-but-unlinked article, a chunk at a time; (linked, passages, pairs)."""
    pending = [r[0] for r in con.execute(
        "SELECT article_id FROM article_fingerprints WHERE linked_at IS NULL ORDER BY article_id"
    ).fetchall()]
    n_shared = n_pairs = 0
    for start in range(0, len(pending), LINK_CHUNK):
        chunk = pending[start : start + LINK_CHUNK]
        copies = set(_link_exact_copies(con, chunk))
        shared, pairs = _link_new(con, rules, [a for a in chunk if a not in copies])
        n_shared, n_pairs = n_shared + shared, n_pairs + pairs + len(copies)
        con.register("_done", pd.DataFrame({"article_id": chunk}))
        con.execute("UPDATE article_fingerprints SET linked_at = ? WHERE article_id IN (SELECT article_id FROM _done)", [at])
        con.unregister("_done")
    return len(pending), n_shared, n_pairs


def _link_new(con: duckdb.DuckDBPyConnection, rules: LinkRules, new_ids: list[str]) -> tuple[int, int]:
    """Shared passages and article pairs between new articles and everything loaded."""
    if not new_ids:
        return 0, 0
    con.register("_new", pd.DataFrame({"article_id": new_ids}))
    candidates = con.execute(
        """
        WITH touched AS (
            SELECT DISTINCT band, bucket FROM sentence_bands WHERE article_id IN (SELECT article_id FROM _new)
        ),
        body_roots AS (
            SELECT min(article_id) AS article_id FROM article_fingerprints GROUP BY body_sha256
        ),
        members AS (
            SELECT b.*, d.duplicate_of IS NULL AS is_root,
                   count(*) OVER (PARTITION BY b.band, b.bucket) AS bucket_size,
                   row_number() OVER (PARTITION BY b.band, b.bucket ORDER BY d.duplicate_of IS NULL DESC, b.article_id) AS bucket_rank
            FROM sentence_bands b JOIN touched USING (band, bucket) JOIN stg_articles a USING (article_id)
            LEFT JOIN article_duplicates d USING (article_id)
            SEMI JOIN body_roots USING (article_id)
        )
        SELECT DISTINCT n.article_id, n.sentence_index, n.start_char, n.end_char,
               o.article_id AS other_article_id, o.sentence_index AS other_sentence_index,
               o.start_char AS other_start_char, o.end_char AS other_end_char
        FROM members n
        JOIN members o ON n.band = o.band AND n.bucket = o.bucket AND n.article_id <> o.article_id
        WHERE n.article_id IN (SELECT article_id FROM _new)
          AND (o.article_id IN (SELECT article_id FROM _new) AND n.article_id < o.article_id
               OR o.article_id IN (SELECT article_id FROM article_fingerprints WHERE linked_at IS NOT NULL))
          AND (o.bucket_size <= ? OR (o.is_root AND o.bucket_rank <= ?))
        """,
        [rules.max_bucket_articles, rules.max_bucket_articles],
    ).df()
    con.unregister("_new")
    if candidates.empty:
        return 0, 0
    involved = sorted(set(candidates["article_id"]) | set(candidates["other_article_id"]))
    con.register("_ids", pd.DataFrame({"article_id": involved}))
    bodies = dict(con.execute("SELECT article_id, body FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)").fetchall())
    con.unregister("_ids")
    passages = []
    sentence_shingles: dict[tuple[str, int, int], set[str]] = {}

    def sentence(article_id: str, start: int, end: int) -> set[str]:
        key = (article_id, start, end)
        if key not in sentence_shingles:
            sentence_shingles[key] = rules.shingles(bodies[article_id][start:end])
        return sentence_shingles[key]

    for r in candidates.itertuples(index=False):
        a_text = bodies[r.article_id][r.start_char : r.end_char]
        b_text = bodies[r.other_article_id][r.other_start_char : r.other_end_char]
        score = rules.jaccard(sentence(r.article_id, r.start_char, r.end_char), sentence(r.other_article_id, r.other_start_char, r.other_end_char))
        if score >= rules.shared_sentence_jaccard:
            passages.append((r.article_id, r.start_char, r.end_char, r.other_article_id, r.other_start_char, r.other_end_char, score, a_text))
            passages.append((r.other_article_id, r.other_start_char, r.other_end_char, r.article_id, r.start_char, r.end_char, score, b_text))
    columns = ["article_id", "start_char", "end_char", "other_article_id", "other_start_char", "other_end_char", "similarity", "text"]
    shared = pd.DataFrame(passages, columns=columns).drop_duplicates(["article_id", "start_char", "other_article_id", "other_start_char"])
    pairs = []
    body_shingles: dict[str, set[str]] = {}
    for (a, b), group in shared[shared["article_id"] < shared["other_article_id"]].groupby(["article_id", "other_article_id"]):
        sa = body_shingles.setdefault(a, rules.shingles(bodies[a]))
        sb = body_shingles.setdefault(b, rules.shingles(bodies[b]))
        c = rules.containment(sa, sb)
        pairs.append({"article_id": a, "other_article_id": b, "containment": c, "jaccard": rules.jaccard(sa, sb),
                      "n_shared_sentences": int(group["start_char"].nunique()), "is_duplicate": c >= rules.duplicate_containment})
    if not shared.empty:
        con.register("_shared", shared)
        con.execute("INSERT INTO shared_passages BY NAME SELECT * FROM _shared ON CONFLICT DO NOTHING")
        con.unregister("_shared")
    if pairs:
        con.register("_pairs", pd.DataFrame(pairs))
        con.execute("INSERT OR REPLACE INTO article_similarity BY NAME SELECT * FROM _pairs")
        con.unregister("_pairs")
    return len(shared), len(pairs)


def _set_duplicates(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime) -> int:
    """Recompute article_duplicates from the stored duplicate pairs (cheap: pairs are few)."""
    pairs = con.execute("SELECT article_id, other_article_id FROM article_similarity WHERE is_duplicate").fetchall()
    ids = sorted({x for p in pairs for x in p})
    articles: dict[str, dict[str, Any]] = {}
    if ids:
        con.register("_ids", pd.DataFrame({"article_id": ids}))
        rows = con.execute(
            "SELECT article_id, published_at, outlet, body, word_count FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)"
        ).df()
        con.unregister("_ids")
        articles = {r["article_id"]: r for r in rows.to_dict("records")}
    roots = rules.duplicate_roots([p for p in pairs if p[0] in articles and p[1] in articles], articles)
    con.register("_roots", pd.DataFrame({"article_id": list(roots), "duplicate_of": list(roots.values())}, columns=["article_id", "duplicate_of"]))
    con.execute("DELETE FROM article_duplicates d WHERE NOT EXISTS "
                "(SELECT 1 FROM _roots r WHERE r.article_id = d.article_id AND r.duplicate_of = d.duplicate_of)")
    con.execute("INSERT INTO article_duplicates SELECT r.article_id, r.duplicate_of, ? FROM _roots r "
                "ANTI JOIN article_duplicates d USING (article_id)", [at])
    con.unregister("_roots")
    return len(roots)


def _set_claim_keys(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime) -> int:
    """Recompute fact_claims over the warehouse (a sort per category: n log n); only changed keys are written."""
    facts = con.execute(
        "SELECT f.fact_id, f.value, f.value_high, f.value_text, f.qualifier, f.unit, f.category, f.action, c.claim_key "
        "FROM stg_facts f LEFT JOIN fact_claims c USING (fact_id)"
    ).df()
    con.execute("DELETE FROM fact_claims c WHERE NOT EXISTS (SELECT 1 FROM stg_facts f WHERE f.fact_id = c.fact_id)")
    if facts.empty:
        return 0
    facts["new_key"] = rules.claim_keys(facts)
    changed = facts[facts["new_key"] != facts["claim_key"]][["fact_id", "new_key"]]
    if not changed.empty:
        con.register("_keys", changed)
        con.execute("INSERT OR REPLACE INTO fact_claims SELECT fact_id, new_key, ? FROM _keys", [at])
        con.unregister("_keys")
    return len(facts)


def link(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime | None = None) -> LinkSummary:
    """One idempotent pass over the warehouse, in one transaction: unlinked articles against all linked ones."""
    at = at or datetime.now(UTC)
    with transaction(con):
        _forget_stale(con)
        _fingerprint_new(con, rules, at)
        n_linked, n_shared, n_pairs = _link_pending(con, rules, at)
        n_dup = _set_duplicates(con, rules, at)
        n_keys = _set_claim_keys(con, rules, at)
    return LinkSummary(n_linked, n_shared, n_pairs, n_dup, n_keys, at)


def link_warehouse(db: str, rules: LinkRules) -> LinkSummary:
    """Run one linking pass on the warehouse file."""
    with write_connection(db) as con:
        return link(con, rules)


def link_check_frames(db: str, linked_at: datetime) -> dict[str, pd.DataFrame]:
    """What the link suites check, read back after a pass: the passages and copies of the
    articles it linked (linked_at), and every claim (warehouse/queries/link_*.sql)."""
    with write_connection(db) as con:
        params = {"linked_at": linked_at}
        return {
            "shared_passages": con.execute(load_query("link_shared_passages"), params).df(),
            "article_duplicates": con.execute(load_query("link_article_duplicates")).df(),
            "claims": con.execute(load_query("link_claims")).df(),
        }


def remove_links(db: str, shared_passages: pd.DataFrame, article_duplicates: pd.DataFrame) -> None:
    """Delete link rows a critical link check rejected (keyed as in the link tables)."""
    with write_connection(db) as con, transaction(con):
        if not shared_passages.empty:
            con.register("_bad", shared_passages[["article_id", "start_char", "other_article_id", "other_start_char"]])
            con.execute("DELETE FROM shared_passages p USING _bad b WHERE p.article_id = b.article_id AND p.start_char = b.start_char "
                        "AND p.other_article_id = b.other_article_id AND p.other_start_char = b.other_start_char")
            con.unregister("_bad")
        if not article_duplicates.empty:
            con.register("_bad", article_duplicates[["article_id"]])
            con.execute("DELETE FROM article_duplicates d USING _bad b WHERE d.article_id = b.article_id")
            con.unregister("_bad")
