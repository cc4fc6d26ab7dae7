-- Raw layer: documents exactly as landed (never modified) and every place each was seen.
CREATE TABLE raw_documents (
    content_sha256  VARCHAR PRIMARY KEY,
    raw_bytes       BLOB NOT NULL,
    media_type      VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    first_source_uri VARCHAR NOT NULL,
    fetched_at      TIMESTAMPTZ,
    landed_at       TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR NOT NULL
);

CREATE TABLE raw_sources (
    content_sha256  VARCHAR NOT NULL,
    source_uri      VARCHAR NOT NULL,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (content_sha256, source_uri)
);
