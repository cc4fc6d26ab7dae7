"""Fingerprint stage: sentence MinHash LSH buckets of each body, computed with the batch, so the
warehouse-wide linking (warehouse/linking.py) only joins buckets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.common.isolation import keep_checked, per_article
from tasks.common.language import has_han_or_kana, word_tokens
from tasks.common.models import Batch
from tasks.common.nlp import parse

# Shingles of three words (three characters in Chinese and Japanese): short enough that a rewrite
# swapping one word ("militants" for "terrorists") keeps most shingles.
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


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Lower-case word k-grams of a text (character k-grams in Chinese and Japanese, which write
    no spaces: see word_tokens)."""
    words = word_tokens(text.lower())
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
def lsh_shape() -> tuple[int, int, dict[str, Any]]:
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

    bands, rows, minhash_args = lsh_shape()
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


# Where Chinese and Japanese sentences end; the sentencizer cannot split there, as the tokenizer
# leaves a run of them without spaces in one token.
_CJK_SENTENCE_END = re.compile(r"(?<=[。！？])")


def _pieces(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence's span, cut after each Chinese or Japanese full stop, question or exclamation mark."""
    raw = body[start:end]
    if not has_han_or_kana(raw):
        return [(start, end)]
    out, at = [], start
    for part in _CJK_SENTENCE_END.split(raw):
        if part:
            out.append((at, at + len(part)))
            at += len(part)
    return out


def comparable_sentences(article_id: str, body: str) -> list[tuple[SentenceSpan, set[str]]]:
    """Sentences of a body with at least MIN_SENTENCE_WORDS words, and their shingles. A sentence's
    index counts every sentence of the body (a Chinese or Japanese one cut at its full stops)."""
    out = []
    pieces = (piece for sent in parse(body).sents for piece in _pieces(body, sent.start_char, sent.end_char))
    for i, (sent_start, sent_end) in enumerate(pieces):
        raw = body[sent_start:sent_end]  # slicing the body: Span.text rebuilds it from tokens
        text = raw.strip()
        if len(word_tokens(text)) < MIN_SENTENCE_WORDS:
            continue
        start = sent_start + (len(raw) - len(raw.lstrip()))
        out.append((SentenceSpan(article_id, i, start, start + len(text)), shingles(text)))
    return out



FINGERPRINT_COLUMNS = ["article_id", "body_sha256", "n_sentences", "fingerprinted_at", "linked_at"]
BAND_COLUMNS = ["article_id", "sentence_index", "start_char", "end_char", "band", "bucket"]


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


def warm() -> None:
    """Generate the MinHash permutations once per process (workers fork after this)."""
    lsh_shape()


def fingerprint_check_columns(fingerprints: pd.DataFrame, bands: pd.DataFrame, bodies: dict[str, str]) -> pd.DataFrame:
    """article_fingerprints rows with check_body_hash_matches (the fingerprint is of the body
    that loads) and check_bands_complete (one bucket per band for every comparable sentence)."""
    n_bands = lsh_shape()[0]
    rows_per_article = bands.groupby("article_id").size() if not bands.empty else pd.Series(dtype=int)
    out = fingerprints.copy()
    out["check_body_hash_matches"] = [
        hashlib.sha256(bodies.get(a, "").encode()).hexdigest() == h for a, h in zip(out["article_id"], out["body_sha256"], strict=True)
    ]
    out["check_has_a_comparable_sentence"] = out["n_sentences"] > 0
    out["check_bands_complete"] = [int(rows_per_article.get(a, 0)) == n * n_bands for a, n in zip(out["article_id"], out["n_sentences"], strict=True)]
    return out


@task(name="fingerprint", cache_policy=NO_CACHE)
def fingerprint(batch: Batch) -> Batch:
    """Sentence buckets of each body, then their check: an article whose fingerprint fails a
    critical check loads without one (a stage error says so) and is linked by the next run."""
    from tasks.runs import log_stage, monotonic  # the run's log line (issue 15)

    started, n_in = monotonic(), len(batch.articles)
    at = datetime.now(UTC)
    try:  # the whole batch at once (vectorised); article by article only to isolate a failure
        fingerprints, bands = fingerprint_frames(((a.article_id, a.body) for a in batch.articles), at)
    except Exception:
        done = per_article(batch, "fingerprint", lambda a: fingerprint_frames([(a.article_id, a.body)], at), article_needs_it=False)
        fingerprints, bands = fingerprint_frames([], at)
        if done:
            fingerprints = pd.concat([fp for _a, (fp, _b) in done], ignore_index=True)
            bands = pd.concat([b for _a, (_fp, b) in done], ignore_index=True)
    bodies = {a.article_id: a.body for a in batch.articles}
    kept = keep_checked(batch, "article_fingerprints", fingerprint_check_columns(fingerprints, bands, bodies), article_level=False)
    batch.tables["article_fingerprints"] = kept
    batch.tables["sentence_bands"] = bands[bands["article_id"].isin(kept["article_id"])].reset_index(drop=True)
    log_stage("fingerprint", batch, n_in, started)
    return batch
