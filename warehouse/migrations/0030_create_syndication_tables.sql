-- Syndication: sentence fingerprints of every article, pairs of articles that share text,
-- the shared passages themselves, and the claim each fact belongs to.
CREATE TABLE article_fingerprints (
    article_id        VARCHAR PRIMARY KEY,
    body_sha256       VARCHAR NOT NULL,  -- the body the fingerprint was computed from
    n_sentences       INTEGER NOT NULL,  -- sentences long enough to compare
    fingerprinted_at  TIMESTAMPTZ NOT NULL
);

-- One row per (sentence, LSH band): sentences sharing a bucket are candidate shared passages.
CREATE TABLE sentence_bands (
    article_id      VARCHAR NOT NULL,
    sentence_index  INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    band            SMALLINT NOT NULL,
    bucket          BIGINT NOT NULL  -- no key: bulk inserts stay fast, rows go by article_id
);

-- Pairs of articles with at least one shared passage (article_id < other_article_id).
CREATE TABLE article_similarity (
    article_id          VARCHAR NOT NULL,
    other_article_id    VARCHAR NOT NULL,
    containment         DOUBLE NOT NULL,
    jaccard             DOUBLE NOT NULL,
    n_shared_sentences  INTEGER NOT NULL,
    is_duplicate        BOOLEAN NOT NULL,
    PRIMARY KEY (article_id, other_article_id)
);

-- Sentences found (near-)verbatim in another article; stored in both directions.
CREATE TABLE shared_passages (
    article_id          VARCHAR NOT NULL,
    start_char          INTEGER NOT NULL,
    end_char            INTEGER NOT NULL,
    other_article_id    VARCHAR NOT NULL,
    other_start_char    INTEGER NOT NULL,
    other_end_char      INTEGER NOT NULL,
    similarity          DOUBLE NOT NULL,
    text                VARCHAR NOT NULL,
    PRIMARY KEY (article_id, start_char, other_article_id, other_start_char)
);

ALTER TABLE stg_facts ADD COLUMN claim_key VARCHAR;
