-- The staging tables a batch writes, without their indexes (as raw_documents in 0115). With a
-- PRIMARY KEY, DuckDB 2.0 appends each batch to the table's last row group and rewrites that whole
-- row group, bodies and all, at the next checkpoint: on a warehouse of 4,945 unique real pages a
-- batch of 100 articles took 1.0-1.2 s to load against 0.3 s into an empty one, and the cost grows
-- with every article stored until a row group holds 122,880 rows. Without an index each batch
-- appends its own row groups. The keys still hold, by construction and by check: each stage's
-- suite rejects rows that repeat a key within the batch (expectations/*.json, critical), and the
-- writer deletes an article's stored rows before it loads the article again
-- (warehouse/writer.py, _delete_reloaded). The key columns stay NOT NULL. DuckDB cannot drop a key
-- in place: each table is rebuilt.
CREATE TABLE stg_articles_0116 (
    article_id          VARCHAR NOT NULL,
    content_sha256      VARCHAR NOT NULL,
    source_uri          VARCHAR NOT NULL,
    media_type          VARCHAR NOT NULL,
    url                 VARCHAR,
    outlet              VARCHAR,
    title               VARCHAR,
    author              VARCHAR,
    published_at        TIMESTAMPTZ,
    published_at_text   VARCHAR,
    published_at_source VARCHAR,
    language            VARCHAR,
    body                VARCHAR NOT NULL,
    raw_text            VARCHAR NOT NULL,
    word_count          INTEGER NOT NULL,
    fetched_at          TIMESTAMPTZ,
    run_id              VARCHAR NOT NULL,
    ingested_at         TIMESTAMPTZ NOT NULL,
    published_at_precision VARCHAR,
    credited_source     VARCHAR,
    metadata_sources    VARCHAR
);
INSERT INTO stg_articles_0116 SELECT * FROM stg_articles;
DROP TABLE stg_articles;
ALTER TABLE stg_articles_0116 RENAME TO stg_articles;

CREATE TABLE stg_boilerplate_0116 (
    article_id  VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL,
    rule        VARCHAR NOT NULL
);
INSERT INTO stg_boilerplate_0116 SELECT * FROM stg_boilerplate;
DROP TABLE stg_boilerplate;
ALTER TABLE stg_boilerplate_0116 RENAME TO stg_boilerplate;

CREATE TABLE stg_mentions_0116 (
    article_id      VARCHAR NOT NULL,
    entity_id       VARCHAR NOT NULL,
    surface         VARCHAR NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    sentence_index  INTEGER NOT NULL,
    match_method    VARCHAR NOT NULL,
    match_score     DOUBLE NOT NULL,
    field           VARCHAR NOT NULL DEFAULT 'body',
    mention_kind    VARCHAR,
    link_method     VARCHAR,
    entity_type     VARCHAR
);
INSERT INTO stg_mentions_0116 SELECT * FROM stg_mentions;
DROP TABLE stg_mentions;
ALTER TABLE stg_mentions_0116 RENAME TO stg_mentions;

CREATE TABLE stg_facts_0116 (
    fact_id             VARCHAR NOT NULL,
    article_id          VARCHAR NOT NULL,
    value               DOUBLE NOT NULL,
    value_low           DOUBLE,
    value_high          DOUBLE,
    value_text          VARCHAR NOT NULL,
    qualifier           VARCHAR,
    unit                VARCHAR,
    category            VARCHAR,
    action              VARCHAR,
    subject_entity_id   VARCHAR,
    speaker_entity_id   VARCHAR,
    speaker_text        VARCHAR,
    polarity            VARCHAR NOT NULL,
    sentence            VARCHAR NOT NULL,
    sentence_index      INTEGER NOT NULL,
    start_char          INTEGER NOT NULL,
    end_char            INTEGER NOT NULL
);
INSERT INTO stg_facts_0116 SELECT * FROM stg_facts;
DROP TABLE stg_facts;
ALTER TABLE stg_facts_0116 RENAME TO stg_facts;

CREATE TABLE stg_candidate_entities_0116 (
    article_id      VARCHAR NOT NULL,
    surface         VARCHAR NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    sentence_index  INTEGER NOT NULL,
    sentence        VARCHAR NOT NULL
);
INSERT INTO stg_candidate_entities_0116 SELECT * FROM stg_candidate_entities;
DROP TABLE stg_candidate_entities;
ALTER TABLE stg_candidate_entities_0116 RENAME TO stg_candidate_entities;

CREATE TABLE article_fingerprints_0116 (
    article_id        VARCHAR NOT NULL,
    body_sha256       VARCHAR NOT NULL,
    n_sentences       INTEGER NOT NULL,
    fingerprinted_at  TIMESTAMPTZ NOT NULL,
    linked_at         TIMESTAMPTZ
);
INSERT INTO article_fingerprints_0116 SELECT * FROM article_fingerprints;
DROP TABLE article_fingerprints;
ALTER TABLE article_fingerprints_0116 RENAME TO article_fingerprints;
