-- quarantine without its indexes (as raw_documents in 0115 and the staging tables in 0116). A
-- quarantine row keeps the document's bytes, so with its PRIMARY KEY and its unique index on
-- (source_uri, reason) every batch that quarantined a document appended it to the table's last
-- row group and rewrote that row group, every quarantined page's bytes with it, at the next
-- checkpoint: 0.15 s a batch with 62 pages quarantined (38 MB), growing with each one. Without an
-- index each batch appends its own row groups. One row per (source_uri, reason) is kept by the
-- writer, which counts a document seen again on its row and adds the others, each once, inside
-- the write transaction (warehouse/queries/upsert_quarantine.sql;
-- tests/test_writer.py). quarantine_id stays a function of (source_uri, reason). DuckDB cannot
-- drop a key in place: the table is rebuilt, the index with it.
CREATE TABLE quarantine_0117 (
    quarantine_id   VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    source_uri      VARCHAR NOT NULL,
    content_sha256  VARCHAR,
    stage           VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    raw_bytes       BLOB,
    raw_text        VARCHAR,
    quarantined_at  TIMESTAMPTZ NOT NULL,
    n_seen          INTEGER DEFAULT 1,
    last_seen_at    TIMESTAMPTZ
);
INSERT INTO quarantine_0117 SELECT * FROM quarantine;
DROP INDEX quarantine_source_reason;
DROP TABLE quarantine;
ALTER TABLE quarantine_0117 RENAME TO quarantine;
