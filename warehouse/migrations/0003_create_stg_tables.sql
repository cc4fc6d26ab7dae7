-- Staging layer: one row per article and per derived span; the public views select from here.
CREATE TABLE stg_articles (
    article_id          VARCHAR PRIMARY KEY,
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
    duplicate_of        VARCHAR,
    fetched_at          TIMESTAMPTZ,
    run_id              VARCHAR NOT NULL,
    ingested_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE stg_boilerplate (
    article_id  VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL,
    rule        VARCHAR NOT NULL,
    PRIMARY KEY (article_id, start_char)
);

CREATE TABLE entities (
    entity_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    wikidata_id VARCHAR,
    geonames_id BIGINT,
    latitude    DOUBLE,
    longitude   DOUBLE,
    source      VARCHAR NOT NULL
);

CREATE TABLE stg_mentions (
    article_id      VARCHAR NOT NULL,
    entity_id       VARCHAR NOT NULL,
    surface         VARCHAR NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    sentence_index  INTEGER NOT NULL,
    match_method    VARCHAR NOT NULL,
    match_score     DOUBLE NOT NULL,
    PRIMARY KEY (article_id, start_char)
);

CREATE TABLE stg_facts (
    fact_id             VARCHAR PRIMARY KEY,
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
