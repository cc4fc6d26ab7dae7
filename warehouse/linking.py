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

from warehouse.db import load_query, registered, transaction, write_connection


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
    # facts -> the interval of the figure each states (claim_low, claim_high), which the claims view groups by
    claim_bounds: Callable[[pd.DataFrame], pd.DataFrame]
    # (facts with their claim key, pairs of facts inside one shared passage) -> source article per fact
    claim_sources: Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
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


def requeue_partners(con: duckdb.DuckDBPyConnection, ids_table: str) -> int:
    """Queue again for linking every article linked with the articles in `ids_table` (which are
    being reloaded or forgotten): their links are dropped and `linked_at` reset, so the next pass
    recomputes them against what is loaded then. Without this, what a partner found depended on
    which version of the other article it had met (a copy paired with an original that is gone,
    a new body root never compared). Returns how many were queued."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _partners AS
        SELECT other_article_id AS article_id FROM article_similarity WHERE article_id IN (SELECT article_id FROM {ids_table})
        UNION SELECT article_id FROM article_similarity WHERE other_article_id IN (SELECT article_id FROM {ids_table})
        UNION SELECT other_article_id FROM shared_passages WHERE article_id IN (SELECT article_id FROM {ids_table})
        """
    )
    con.execute(f"DELETE FROM _partners WHERE article_id IN (SELECT article_id FROM {ids_table})")
    n = _requeue(con, "_partners")
    con.execute("DROP TABLE _partners")
    _note_buckets_left(con, ids_table)
    return n


def _requeue(con: duckdb.DuckDBPyConnection, ids_table: str) -> int:
    """Drop the links of the articles in `ids_table` and mark them unlinked; returns how many."""
    n = int(con.execute(f"SELECT count(*) FROM {ids_table}").fetchall()[0][0])
    if n:
        _drop_links(con, ids_table)
        con.execute(f"UPDATE article_fingerprints SET linked_at = NULL WHERE article_id IN (SELECT article_id FROM {ids_table})")
    return n


def _note_buckets_left(con: duckdb.DuckDBPyConnection, ids_table: str) -> None:
    """Before articles leave their LSH buckets (reloaded or forgotten), note how many distinct
    bodies each of those buckets holds: if one was a template and no longer is, the next pass
    links its remaining members again (_recheck_buckets_left)."""
    con.execute(
        f"""
        INSERT INTO link_bucket_rechecks
        SELECT b.band, b.bucket, count(DISTINCT b.article_id) AS n_bodies_before
        FROM sentence_bands b
        SEMI JOIN (SELECT DISTINCT band, bucket FROM sentence_bands WHERE article_id IN (SELECT article_id FROM {ids_table})) t
             USING (band, bucket)
        SEMI JOIN (SELECT min(article_id) AS article_id FROM article_fingerprints GROUP BY body_sha256) r USING (article_id)
        GROUP BY b.band, b.bucket HAVING count(DISTINCT b.article_id) > 2
        ON CONFLICT (band, bucket) DO UPDATE SET n_bodies_before = greatest(link_bucket_rechecks.n_bodies_before, excluded.n_bodies_before)
        """
    )


def _recheck_buckets_left(con: duckdb.DuckDBPyConnection, rules: LinkRules) -> int:
    """Members of buckets that were templates before a reload and are not any more: their
    passages through the bucket were never looked for, so they are linked again."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _requeue AS
        WITH roots AS (SELECT min(article_id) AS article_id FROM article_fingerprints GROUP BY body_sha256),
        members AS (
            SELECT b.band, b.bucket, b.article_id FROM sentence_bands b
            SEMI JOIN link_bucket_rechecks c USING (band, bucket) SEMI JOIN roots USING (article_id)
        ),
        now AS (
            SELECT c.band, c.bucket, c.n_bodies_before, count(DISTINCT m.article_id) AS n_bodies
            FROM link_bucket_rechecks c LEFT JOIN members m USING (band, bucket) GROUP BY ALL
        )
        SELECT DISTINCT m.article_id FROM members m JOIN now USING (band, bucket)
        WHERE now.n_bodies_before > $cap AND now.n_bodies <= $cap
          AND m.article_id IN (SELECT article_id FROM article_fingerprints WHERE linked_at IS NOT NULL)
        """,
        {"cap": rules.max_bucket_articles},
    )
    n = _requeue(con, "_requeue")
    con.execute("DROP TABLE _requeue")
    con.execute("DELETE FROM link_bucket_rechecks")
    return n


def _requeue_new_templates(con: duckdb.DuckDBPyConnection, rules: LinkRules, new_ids: list[str]) -> int:
    """Buckets the articles about to be linked make templates: their members linked by an
    earlier pass (at most the cap of them: it was no template then) may hold passages through
    the bucket, which a clean load would not have, so they are linked again in this pass.
    Articles linked earlier in this pass already knew the bucket's size (_linked_this_pass)."""
    if not new_ids:
        return 0
    with registered(con, "_new", pd.DataFrame({"article_id": new_ids})):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _requeue AS
            WITH touched AS (
                SELECT DISTINCT band, bucket FROM sentence_bands WHERE article_id IN (SELECT article_id FROM _new)
            ),
            members AS (
                SELECT b.band, b.bucket, b.article_id, f.linked_at IS NOT NULL AND t.article_id IS NULL AS linked_before
                FROM sentence_bands b JOIN touched USING (band, bucket)
                SEMI JOIN (SELECT min(article_id) AS article_id FROM article_fingerprints GROUP BY body_sha256) r USING (article_id)
                JOIN article_fingerprints f USING (article_id)
                LEFT JOIN _linked_this_pass t USING (article_id)
            ),
            crossed AS (
                SELECT band, bucket FROM members GROUP BY band, bucket
                HAVING count(DISTINCT article_id) > $cap AND count(DISTINCT article_id) FILTER (WHERE linked_before) BETWEEN 1 AND $cap
            )
            SELECT DISTINCT article_id FROM members JOIN crossed USING (band, bucket) WHERE linked_before
            """,
            {"cap": rules.max_bucket_articles},
        )
    n = _requeue(con, "_requeue")
    con.execute("DROP TABLE _requeue")
    return n


def _drop_links(con: duckdb.DuckDBPyConnection, ids_table: str) -> None:
    """Delete every passage and pair an article in `ids_table` has, in both directions."""
    for table in ("article_similarity", "shared_passages"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM {ids_table}) "
                    f"OR other_article_id IN (SELECT article_id FROM {ids_table})")


def _forget_stale(con: duckdb.DuckDBPyConnection) -> None:
    """Drop fingerprints and links of articles that are gone or whose body changed (their partners
    are queued again)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stale AS SELECT f.article_id FROM article_fingerprints f "
        "LEFT JOIN stg_articles a USING (article_id) WHERE a.article_id IS NULL OR f.body_sha256 <> sha256(a.body)"
    )
    if con.execute("SELECT count(*) FROM _stale").fetchall()[0][0]:
        requeue_partners(con, "_stale")
        con.execute("DELETE FROM article_fingerprints WHERE article_id IN (SELECT article_id FROM _stale)")
        con.execute("DELETE FROM sentence_bands WHERE article_id IN (SELECT article_id FROM _stale)")
        _drop_links(con, "_stale")
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


def _sync_exact_copies(con: duckdb.DuckDBPyConnection) -> int:
    """Articles whose body is identical to another's: each paired with the first article (by id)
    of that body, over the whole warehouse; returns how many pairs were added.

    Wire copy republished verbatim is common; comparing it sentence by sentence with every other
    copy grows with the square of the number of copies. An exact copy shares every sentence, so
    it is recorded as a pair (containment 1) without passage rows, and only the first article of
    each body (its root) is compared with the rest. Recomputed from every fingerprint on each
    pass (a group-by, cheap), so which article is the root never depends on load order: a root
    that stops being one loses its passages, and pairs with an old root are replaced.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _copies AS
        SELECT article_id, root, n_sentences FROM (
            SELECT article_id, n_sentences, min(article_id) OVER (PARTITION BY body_sha256) AS root FROM article_fingerprints
        ) WHERE article_id <> root
        """
    )
    con.execute("DELETE FROM shared_passages WHERE article_id IN (SELECT article_id FROM _copies) "
                "OR other_article_id IN (SELECT article_id FROM _copies)")
    con.execute(
        """
        DELETE FROM article_similarity s
        WHERE (s.article_id IN (SELECT article_id FROM _copies) OR s.other_article_id IN (SELECT article_id FROM _copies))
          AND NOT EXISTS (SELECT 1 FROM _copies c WHERE c.article_id = s.other_article_id AND c.root = s.article_id)
        """
    )
    added = con.execute(
        """
        INSERT INTO article_similarity (article_id, other_article_id, containment, jaccard, n_shared_sentences, is_duplicate)
        SELECT c.root, c.article_id, 1.0, 1.0, c.n_sentences, true FROM _copies c
        WHERE NOT EXISTS (SELECT 1 FROM article_similarity s WHERE s.article_id = c.root AND s.other_article_id = c.article_id)
        """
    ).fetchall()[0][0]
    con.execute("DROP TABLE _copies")
    return int(added)


def _link_pending(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime) -> tuple[int, int, int]:
    """Link every fingerprinted-but-unlinked article, a chunk at a time; (linked, passages, pairs).

    Only body roots are compared sentence by sentence; exact copies are paired by hash. An
    article queued again during the pass (a bucket became a template) is linked in this pass."""
    n_pairs = _sync_exact_copies(con)
    _recheck_buckets_left(con, rules)
    con.execute("CREATE OR REPLACE TEMP TABLE _linked_this_pass (article_id VARCHAR PRIMARY KEY)")
    n_linked = n_shared = 0
    while True:
        chunk = [r[0] for r in con.execute(
            "SELECT article_id FROM article_fingerprints WHERE linked_at IS NULL ORDER BY article_id LIMIT ?", [LINK_CHUNK]
        ).fetchall()]
        if not chunk:
            break
        with registered(con, "_chunk", pd.DataFrame({"article_id": chunk})):
            roots = [r[0] for r in con.execute(
                "SELECT min(article_id) AS article_id FROM article_fingerprints GROUP BY body_sha256 "
                "HAVING min(article_id) IN (SELECT article_id FROM _chunk) ORDER BY 1"
            ).fetchall()]
        _requeue_new_templates(con, rules, roots)
        shared, pairs = _link_new(con, rules, roots)
        n_linked, n_shared, n_pairs = n_linked + len(chunk), n_shared + shared, n_pairs + pairs
        with registered(con, "_done", pd.DataFrame({"article_id": chunk})):
            con.execute("UPDATE article_fingerprints SET linked_at = ? WHERE article_id IN (SELECT article_id FROM _done)", [at])
            con.execute("INSERT OR IGNORE INTO _linked_this_pass SELECT article_id FROM _done")
    con.execute("DROP TABLE _linked_this_pass")
    return n_linked, n_shared, n_pairs


def _link_new(con: duckdb.DuckDBPyConnection, rules: LinkRules, new_ids: list[str]) -> tuple[int, int]:
    """Shared passages and article pairs between new articles and everything loaded."""
    if not new_ids:
        return 0, 0
    con.register("_new", pd.DataFrame({"article_id": new_ids}))
    # Buckets are capped before the self-join: a bucket shared by more than max_bucket_articles
    # distinct bodies is a template (stock phrase, boilerplate the cleaner kept, a form letter)
    # and is not used, so the join holds at most max_bucket_articles rows per bucket side and
    # memory is bounded whatever the corpus. Counted over the whole warehouse, so whether a
    # bucket is a template does not depend on which articles came first.
    candidates = con.execute(
        """
        WITH touched AS (
            SELECT DISTINCT band, bucket FROM sentence_bands WHERE article_id IN (SELECT article_id FROM _new)
        ),
        body_roots AS (
            SELECT min(article_id) AS article_id FROM article_fingerprints GROUP BY body_sha256
        ),
        members AS (
            SELECT b.* FROM sentence_bands b JOIN touched USING (band, bucket) SEMI JOIN body_roots USING (article_id)
        ),
        usable AS (
            SELECT band, bucket FROM members GROUP BY band, bucket HAVING count(DISTINCT article_id) BETWEEN 2 AND ?
        ),
        kept AS (
            SELECT m.* FROM members m JOIN usable USING (band, bucket)
        )
        SELECT DISTINCT n.article_id, n.sentence_index, n.start_char, n.end_char,
               o.article_id AS other_article_id, o.sentence_index AS other_sentence_index,
               o.start_char AS other_start_char, o.end_char AS other_end_char
        FROM kept n
        JOIN kept o ON n.band = o.band AND n.bucket = o.bucket AND n.article_id <> o.article_id
        WHERE n.article_id IN (SELECT article_id FROM _new)
          AND (o.article_id IN (SELECT article_id FROM _new) AND n.article_id < o.article_id
               OR o.article_id IN (SELECT article_id FROM article_fingerprints WHERE linked_at IS NOT NULL))
        """,
        [rules.max_bucket_articles],
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
    # typed: an empty frame would otherwise reach DuckDB as DOUBLE (when the last copy goes)
    con.register("_roots", pd.DataFrame({"article_id": list(roots), "duplicate_of": list(roots.values())}, dtype="string"))
    con.execute("DELETE FROM article_duplicates d WHERE NOT EXISTS "
                "(SELECT 1 FROM _roots r WHERE r.article_id = d.article_id AND r.duplicate_of = d.duplicate_of)")
    con.execute("INSERT INTO article_duplicates SELECT r.article_id, r.duplicate_of, ? FROM _roots r "
                "ANTI JOIN article_duplicates d USING (article_id)", [at])
    con.unregister("_roots")
    return len(roots)


def _set_claim_keys(con: duckdb.DuckDBPyConnection, rules: LinkRules, at: datetime) -> int:
    """Recompute fact_claims over the warehouse (a sort per category: n log n), with each fact's
    source article (copies and verbatim passages count once); only changed rows are written."""
    facts = con.execute(
        "SELECT f.fact_id, f.article_id, f.value, f.value_low, f.value_high, f.value_text, f.qualifier, f.unit, f.category, "
        "f.action, f.subject_entity_id, d.duplicate_of, c.claim_key, c.source_article_id, c.claim_low, c.claim_high "
        "FROM stg_facts f LEFT JOIN fact_claims c USING (fact_id) LEFT JOIN article_duplicates d USING (article_id)"
    ).df()
    con.execute("DELETE FROM fact_claims c WHERE NOT EXISTS (SELECT 1 FROM stg_facts f WHERE f.fact_id = c.fact_id)")
    if facts.empty:
        return 0
    facts["new_key"] = rules.claim_keys(facts)
    bounds = rules.claim_bounds(facts)
    facts["new_low"], facts["new_high"] = bounds["claim_low"], bounds["claim_high"]
    # pairs of facts that sit in one passage two articles share (a range join on the passage offsets)
    shared = con.execute(
        "SELECT DISTINCT f.fact_id, g.fact_id AS other_fact_id FROM shared_passages p "
        "JOIN stg_facts f ON f.article_id = p.article_id AND f.start_char >= p.start_char AND f.start_char < p.end_char "
        "JOIN stg_facts g ON g.article_id = p.other_article_id AND g.start_char >= p.other_start_char "
        "AND g.start_char < p.other_end_char"
    ).df()
    facts["new_source"] = rules.claim_sources(facts.assign(claim_key=facts["new_key"]), shared)
    changed = facts[(facts["new_key"] != facts["claim_key"])
                    | (facts["new_source"] != facts["source_article_id"].fillna(""))
                    | (facts["new_low"] != facts["claim_low"]) | (facts["new_high"] != facts["claim_high"])
                    ][["fact_id", "new_key", "new_source", "new_low", "new_high"]]
    if not changed.empty:
        con.register("_keys", changed)
        con.execute("INSERT OR REPLACE INTO fact_claims (fact_id, claim_key, linked_at, source_article_id, claim_low, claim_high) "
                    "SELECT fact_id, new_key, ?, new_source, new_low, new_high FROM _keys", [at])
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
