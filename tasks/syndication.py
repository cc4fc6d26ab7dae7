"""Syndication and claims: copies of other articles, shared wire passages, and facts grouped into claims."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.facts import QUALIFIER_TOLERANCE
from tasks.models import BatchResult
from tasks.nlp import parse
from warehouse.db import write_connection

# Sentences are compared on word 3-shingles: long enough to ignore common phrases, short enough
# that a rewrite swapping one word ("militants" for "terrorists") keeps most shingles.
SHINGLE_WORDS = 3
MIN_SENTENCE_WORDS = 8  # shorter sentences ("The convoy left.") are shared by chance
NUM_PERM = 128
# datasketch picks bands x rows for the threshold; weighting false negatives 9:1 gives 42 bands
# of 3 rows: a sentence pair at Jaccard 0.4 becomes a candidate with p = 0.94, at 0.47 with
# p = 0.99, at 0.1 with p = 0.04 (candidates are then verified exactly).
LSH_WEIGHTS = (0.1, 0.9)
# Measured on the seeds (word 3-shingle Jaccard of sentence pairs): sentences of the AP story
# reused in Alwaght's rewrite score 0.71-1.0; Reuters copy reused in two otherwise different
# stories ("The coalition has vowed/sworn to continue monitoring the convoy...") 0.47; the
# nearest pairs that are not the same passage 0.21-0.30. LSH buckets are tuned to this threshold.
SHARED_SENTENCE_JACCARD = 0.4
# Word 3-shingle containment of the shorter body in the longer: the Alwaght rewrite of the AP
# story scores 0.68; other pairs of seeds, all about the same event, 0.04-0.12; on the 181
# bodies of the extraction benchmark the highest pair (two stories quoting the same people) 0.31.
DUPLICATE_CONTAINMENT = 0.5
# A bucket holding more sentences than this is a stock phrase or leftover boilerplate, or a wire
# story copied very widely: a new sentence is then compared only with the originals in it
# (articles that are not copies), at most this many, so no bucket makes the work quadratic.
MAX_BUCKET_ARTICLES = 100

_WORD = re.compile(r"\w+")


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Lower-case word k-grams of a text."""
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + k]) for i in range(max(len(words) - k + 1, 1))} if words else set()


def jaccard(a: set[str], b: set[str]) -> float:
    """|a & b| / |a | b|, 0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the larger one."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


@lru_cache(maxsize=1)
def _lsh_shape() -> tuple[int, int, dict[str, Any]]:
    """(bands, rows per band, MinHash arguments), the bands chosen by datasketch for the threshold."""
    from datasketch import MinHash, MinHashLSH  # imported when first needed: 1.2 s (scipy, redis)

    lsh = MinHashLSH(threshold=SHARED_SENTENCE_JACCARD, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    template = MinHash(num_perm=NUM_PERM)  # permutations generated once, reused for every sentence
    return lsh.b, lsh.r, {"num_perm": NUM_PERM, "permutations": template.permutations, "scheme": template.scheme}


def band_bucket_matrix(sentence_shingles: Sequence[set[str]]) -> np.ndarray:
    """Band buckets as an int64 array (sentences x bands).

    The same values as datasketch's MinHash.bulk over each sentence (sha1 of each shingle, the
    same permutations) and a blake2b digest of each band's rows, computed for all the sentences
    of a body at once: datasketch updates one MinHash per sentence, which cost three times more.
    """
    from datasketch.hashfunc import sha1_hash32
    from datasketch.minhash import _fmix

    bands, rows, minhash_args = _lsh_shape()
    a, b = minhash_args["permutations"]
    if minhash_args["scheme"] != "affine32":  # the scheme this vectorised copy reproduces
        raise RuntimeError(f"unexpected datasketch MinHash scheme {minhash_args['scheme']!r}")
    lengths = np.fromiter((len(sh) for sh in sentence_shingles), dtype=np.int64, count=len(sentence_shingles))
    if not len(lengths):
        return np.empty((0, bands), dtype=np.int64)
    hashed = np.fromiter(
        (sha1_hash32(x.encode()) for sh in sentence_shingles for x in sh), dtype=np.uint32, count=int(lengths.sum())
    )
    signatures = np.full((len(lengths), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    filled = lengths > 0
    if hashed.size:
        permuted = _fmix(hashed, 32)[:, None] * a + b  # as MinHash.update_batch, wrapping in 32 bits
        offsets = np.concatenate(([0], np.cumsum(lengths[filled])[:-1]))
        signatures[filled] = np.minimum.reduceat(permuted, offsets, axis=0)
    band_bytes = signatures[:, : bands * rows].astype("<u8").tobytes()  # hashed as 64-bit values, as before
    width = rows * 8
    digests = b"".join(
        hashlib.blake2b(band_bytes[i : i + width], digest_size=8).digest() for i in range(0, len(band_bytes), width)
    )
    return np.frombuffer(digests, dtype="<i8").reshape(len(lengths), bands).astype(np.int64)


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """A sentence long enough to compare, with its offsets into the body."""

    article_id: str
    sentence_index: int
    start_char: int
    end_char: int


def comparable_sentences(article_id: str, body: str) -> list[tuple[SentenceSpan, set[str]]]:
    """Sentences of a body with at least MIN_SENTENCE_WORDS words, and their shingles."""
    out = []
    for i, sent in enumerate(parse(body).sents):
        raw = body[sent.start_char : sent.end_char]  # slicing the body: Span.text rebuilds it from tokens
        text = raw.strip()
        if len(_WORD.findall(text)) < MIN_SENTENCE_WORDS:
            continue
        start = sent.start_char + (len(raw) - len(raw.lstrip()))
        out.append((SentenceSpan(article_id, i, start, start + len(text)), shingles(text)))
    return out


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


def claim_keys(facts: pd.DataFrame) -> pd.Series:
    """A claim key per fact: same category (or unit) and action, values equal within the
    qualifiers' tolerance, vague words ("dozens") only with the same vague word.

    Within each (category, action) group, facts sorted by value join the current claim while
    their value is within tolerance of the claim's first (smallest) value, so a chain of small
    steps cannot drift into a different figure."""
    keys = pd.Series(index=facts.index, dtype=object)
    if facts.empty:
        return keys
    frame = facts.assign(
        claim_cat=facts["category"].fillna(facts["unit"]).fillna("-"),
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


@dataclass(slots=True)
class SyndicationSummary:
    """What one pass found: counts for the run summary."""

    n_fingerprinted: int = 0
    n_shared_passages: int = 0
    n_article_pairs: int = 0
    n_duplicates: int = 0
    n_claim_keys: int = 0


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


FINGERPRINT_COLUMNS = ["article_id", "body_sha256", "n_sentences", "fingerprinted_at", "linked_at"]
BAND_COLUMNS = ["article_id", "sentence_index", "start_char", "end_char", "band", "bucket"]
LINK_CHUNK = 500  # new articles linked per pass: bounds memory whatever the corpus size


def fingerprint_frames(articles: Iterable[tuple[str, str]], at: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """article_fingerprints and sentence_bands rows for (article_id, body) pairs, not yet linked."""
    fingerprints = []
    parts: dict[str, list[np.ndarray]] = {c: [] for c in BAND_COLUMNS}
    ids: list[str] = []
    for article_id, body in articles:
        sentences = comparable_sentences(article_id, body)
        if sentences:
            buckets = band_bucket_matrix([sh for _, sh in sentences])
            n_bands = buckets.shape[1]
            spans = np.array([(sp.sentence_index, sp.start_char, sp.end_char) for sp, _ in sentences], dtype=np.int64)
            parts["article_id"].append(np.full(buckets.size, len(ids), dtype=np.int32))
            for k, column in enumerate(("sentence_index", "start_char", "end_char")):
                parts[column].append(np.repeat(spans[:, k], n_bands))
            parts["band"].append(np.tile(np.arange(n_bands, dtype=np.int16), len(sentences)))
            parts["bucket"].append(buckets.ravel())
        ids.append(article_id)
        fingerprints.append({"article_id": article_id, "body_sha256": hashlib.sha256(body.encode()).hexdigest(),
                             "n_sentences": len(sentences), "fingerprinted_at": at, "linked_at": None})
    fp = pd.DataFrame(fingerprints, columns=FINGERPRINT_COLUMNS)
    fp["fingerprinted_at"] = pd.to_datetime(fp["fingerprinted_at"], utc=True)
    fp["linked_at"] = pd.to_datetime(fp["linked_at"], utc=True)
    if not parts["bucket"]:
        empty = pd.DataFrame({c: [] for c in BAND_COLUMNS})
        return fp, empty.astype({"article_id": object, "band": "int16", "bucket": "int64", "sentence_index": "int32", "start_char": "int64", "end_char": "int64"})
    joined = {c: np.concatenate(v) for c, v in parts.items()}
    bands = pd.DataFrame({
        "article_id": np.array(ids, dtype=object)[joined["article_id"]],
        "sentence_index": joined["sentence_index"].astype(np.int32),
        "start_char": joined["start_char"],
        "end_char": joined["end_char"],
        "band": joined["band"],
        "bucket": joined["bucket"],
    }, columns=BAND_COLUMNS)
    return fp, bands


def _fingerprint_new(con: duckdb.DuckDBPyConnection, at: datetime) -> int:
    """Fingerprint articles that have none (loaded before fingerprints, or by an older version)."""
    missing = [r[0] for r in con.execute(
        "SELECT a.article_id FROM stg_articles a ANTI JOIN article_fingerprints f USING (article_id) ORDER BY a.article_id"
    ).fetchall()]
    for start in range(0, len(missing), LINK_CHUNK):
        con.register("_ids", pd.DataFrame({"article_id": missing[start : start + LINK_CHUNK]}))
        rows = con.execute("SELECT article_id, body FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)").fetchall()
        con.unregister("_ids")
        fp, bands = fingerprint_frames(rows, at)
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


def _link_pending(con: duckdb.DuckDBPyConnection, at: datetime) -> tuple[int, int, int]:
    """Link every fingerprinted-but-unlinked article, a chunk at a time; (linked, passages, pairs)."""
    pending = [r[0] for r in con.execute(
        "SELECT article_id FROM article_fingerprints WHERE linked_at IS NULL ORDER BY article_id"
    ).fetchall()]
    n_shared = n_pairs = 0
    for start in range(0, len(pending), LINK_CHUNK):
        chunk = pending[start : start + LINK_CHUNK]
        copies = set(_link_exact_copies(con, chunk))
        shared, pairs = _link_new(con, [a for a in chunk if a not in copies])
        n_shared, n_pairs = n_shared + shared, n_pairs + pairs + len(copies)
        con.register("_done", pd.DataFrame({"article_id": chunk}))
        con.execute("UPDATE article_fingerprints SET linked_at = ? WHERE article_id IN (SELECT article_id FROM _done)", [at])
        con.unregister("_done")
    return len(pending), n_shared, n_pairs


def _link_new(con: duckdb.DuckDBPyConnection, new_ids: list[str]) -> tuple[int, int]:
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
            SELECT b.*, a.duplicate_of IS NULL AS is_root,
                   count(*) OVER (PARTITION BY b.band, b.bucket) AS bucket_size,
                   row_number() OVER (PARTITION BY b.band, b.bucket ORDER BY a.duplicate_of IS NULL DESC, b.article_id) AS bucket_rank
            FROM sentence_bands b JOIN touched USING (band, bucket) JOIN stg_articles a USING (article_id)
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
        [MAX_BUCKET_ARTICLES, MAX_BUCKET_ARTICLES],
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
            sentence_shingles[key] = shingles(bodies[article_id][start:end])
        return sentence_shingles[key]

    for r in candidates.itertuples(index=False):
        a_text = bodies[r.article_id][r.start_char : r.end_char]
        b_text = bodies[r.other_article_id][r.other_start_char : r.other_end_char]
        score = jaccard(sentence(r.article_id, r.start_char, r.end_char), sentence(r.other_article_id, r.other_start_char, r.other_end_char))
        if score >= SHARED_SENTENCE_JACCARD:
            passages.append((r.article_id, r.start_char, r.end_char, r.other_article_id, r.other_start_char, r.other_end_char, score, a_text))
            passages.append((r.other_article_id, r.other_start_char, r.other_end_char, r.article_id, r.start_char, r.end_char, score, b_text))
    columns = ["article_id", "start_char", "end_char", "other_article_id", "other_start_char", "other_end_char", "similarity", "text"]
    shared = pd.DataFrame(passages, columns=columns).drop_duplicates(["article_id", "start_char", "other_article_id", "other_start_char"])
    pairs = []
    body_shingles: dict[str, set[str]] = {}
    for (a, b), group in shared[shared["article_id"] < shared["other_article_id"]].groupby(["article_id", "other_article_id"]):
        sa = body_shingles.setdefault(a, shingles(bodies[a]))
        sb = body_shingles.setdefault(b, shingles(bodies[b]))
        c = containment(sa, sb)
        pairs.append({"article_id": a, "other_article_id": b, "containment": c, "jaccard": jaccard(sa, sb),
                      "n_shared_sentences": int(group["start_char"].nunique()), "is_duplicate": c >= DUPLICATE_CONTAINMENT})
    if not shared.empty:
        con.register("_shared", shared)
        con.execute("INSERT INTO shared_passages BY NAME SELECT * FROM _shared ON CONFLICT DO NOTHING")
        con.unregister("_shared")
    if pairs:
        con.register("_pairs", pd.DataFrame(pairs))
        con.execute("INSERT OR REPLACE INTO article_similarity BY NAME SELECT * FROM _pairs")
        con.unregister("_pairs")
    return len(shared), len(pairs)


def _set_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute articles.duplicate_of from the stored duplicate pairs (cheap: pairs are few)."""
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
    roots = duplicate_roots([p for p in pairs if p[0] in articles and p[1] in articles], articles)
    con.register("_roots", pd.DataFrame({"article_id": list(roots), "duplicate_of": list(roots.values())}, columns=["article_id", "duplicate_of"]))
    con.execute(
        "UPDATE stg_articles SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL "
        "AND article_id NOT IN (SELECT article_id::VARCHAR FROM _roots)"
    )
    con.execute(
        "UPDATE stg_articles SET duplicate_of = r.duplicate_of FROM _roots r "
        "WHERE stg_articles.article_id = r.article_id AND stg_articles.duplicate_of IS DISTINCT FROM r.duplicate_of"
    )
    con.unregister("_roots")
    return len(roots)


def _set_claim_keys(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute stg_facts.claim_key over the warehouse (a sort per category: n log n)."""
    facts = con.execute("SELECT fact_id, value, value_high, value_text, qualifier, unit, category, action, claim_key FROM stg_facts").df()
    if facts.empty:
        return 0
    facts["new_key"] = claim_keys(facts)
    changed = facts[facts["new_key"] != facts["claim_key"]][["fact_id", "new_key"]]
    if not changed.empty:
        con.register("_keys", changed)
        con.execute("UPDATE stg_facts SET claim_key = k.new_key FROM _keys k WHERE stg_facts.fact_id = k.fact_id")
        con.unregister("_keys")
    return len(facts)


def syndicate(con: duckdb.DuckDBPyConnection, at: datetime | None = None) -> SyndicationSummary:
    """One idempotent pass over the warehouse: unlinked articles against all linked ones."""
    at = at or datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        _forget_stale(con)
        _fingerprint_new(con, at)
        n_linked, n_shared, n_pairs = _link_pending(con, at)
        n_dup = _set_duplicates(con)
        n_keys = _set_claim_keys(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return SyndicationSummary(n_linked, n_shared, n_pairs, n_dup, n_keys)


@task(name="fingerprint", cache_policy=NO_CACHE)
def fingerprint(batch: BatchResult) -> BatchResult:
    """Sentence MinHash buckets of the batch's bodies, computed in the worker with the batch."""
    batch.fingerprints, batch.sentence_bands = fingerprint_frames(((a.article_id, a.body) for a in batch.articles), datetime.now(UTC))
    return batch


@task(name="syndication", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def syndication(db: str | Path) -> dict[str, int]:
    """Prefect wrapper around syndicate: copies, shared passages and claim keys."""
    with write_connection(db) as con:
        summary = syndicate(con)
    return asdict(summary)


__all__ = ["claim_keys", "containment", "duplicate_roots", "fingerprint", "jaccard", "shingles", "syndicate", "syndication"]
