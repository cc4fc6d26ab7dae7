"""Fingerprint stage: shingles, sentence MinHash band buckets, and the stage's own check."""

from __future__ import annotations

from tasks.fingerprint import containment, jaccard, shingles


def test_shingle_measures():
    a, b = shingles("the convoy of 17 buses left"), shingles("the convoy of 17 buses left the border at dawn")
    assert containment(a, b) == 1.0 and 0 < jaccard(a, b) < 1
    assert shingles("") == set() and containment(set(), a) == 0.0


def test_band_buckets_match_datasketch_minhash(seed_articles):
    """The vectorised band buckets are the values datasketch's own MinHash gives, sentence by
    sentence, so buckets stored by earlier versions still meet new ones."""
    import hashlib

    import numpy as np
    from datasketch import MinHash

    from tasks.fingerprint import band_bucket_matrix, comparable_sentences, lsh_shape

    bands, rows, minhash_args = lsh_shape()
    sets = [sh for a in seed_articles.values() for _span, sh in comparable_sentences(a.article_id, a.body)] + [set(), {"one two three"}]
    expected = []
    for minhash in MinHash.bulk([[s.encode() for s in sh] for sh in sets], **minhash_args):
        values = np.asarray(minhash.hashvalues, dtype=np.uint64)
        expected.append([
            int.from_bytes(hashlib.blake2b(values[b * rows : (b + 1) * rows].tobytes(), digest_size=8).digest(), "little", signed=True)
            for b in range(bands)
        ])
    assert len(sets) > 50
    assert band_bucket_matrix(sets).tolist() == expected
    assert band_bucket_matrix([]).shape == (0, bands)




def test_the_fingerprint_stage_checks_its_output(seed_articles):
    from tasks.common.models import Batch
    from tasks.fingerprint import fingerprint, lsh_shape

    batch = fingerprint.fn(Batch("run-1", 0, articles=list(seed_articles.values())))
    fingerprints, bands = batch.tables["article_fingerprints"], batch.tables["sentence_bands"]
    assert len(fingerprints) == 5 and len(bands) == fingerprints["n_sentences"].sum() * lsh_shape()[0]
    assert {r["suite"] for r in batch.dq_rows} == {"article_fingerprints"} and all(r["success"] for r in batch.dq_rows)


def test_a_fingerprint_of_another_body_is_kept_out(seed_articles, monkeypatch):
    from tasks import fingerprint as stage
    from tasks.common.models import Batch

    real = stage.fingerprint_frames

    def stale(articles, at):
        fp, bands = real(articles, at)
        fp.loc[0, "body_sha256"] = "0" * 64
        return fp, bands

    monkeypatch.setattr(stage, "fingerprint_frames", stale)
    articles = list(seed_articles.values())
    batch = stage.fingerprint.fn(Batch("run-1", 0, articles=articles))
    assert len(batch.tables["article_fingerprints"]) == 4
    assert articles[0].article_id not in set(batch.tables["sentence_bands"]["article_id"])
    [error] = batch.stage_errors
    assert error.article_id == articles[0].article_id and "check_body_hash_matches" in error.error
    assert len(batch.articles) == 5  # the article loads; the next run fingerprints it again


def test_chinese_and_japanese_sentences_are_compared_by_their_characters():
    """Without spaces a Japanese sentence was one or two \\w+ "words": too short to compare, so
    a copied passage went unseen. Each character is a word now, as in count_words."""
    from tasks.fingerprint import band_bucket_matrix, comparable_sentences

    shared = "宮崎県で震度5弱の地震があり、気象庁は高知県と宮崎県に津波注意報を出しました。"
    a = comparable_sentences("a", shared + "住民は高台に避難しました。")
    b = comparable_sentences("b", "政府は対策室を設置しました。" + shared)
    assert a and b
    sa = next(sh for span, sh in a if span.start_char == 0)
    sb = next(sh for span, sh in b if span.end_char == len("政府は対策室を設置しました。" + shared))
    assert jaccard(sa, sb) == 1.0 and "宮 崎 県" in sa
    assert band_bucket_matrix([sa]).tolist() == band_bucket_matrix([sb]).tolist()  # the same LSH buckets
    assert shingles("the convoy of 17 buses left") == {"the convoy of", "convoy of 17", "of 17 buses", "17 buses left"}
