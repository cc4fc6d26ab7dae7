-- raw_documents without an index: with its PRIMARY KEY, DuckDB 2.0 appends every landed batch to
-- the table's last row group and rewrites that whole row group at the next checkpoint, raw pages
-- and all. Landing got slower with every page stored (500 unique real pages of 380 KB: 1.5 s
-- into an empty table, 11 s once 4,500 were stored) and a batch of 500 such pages did not fit
-- the writer's memory limit. Without an index each landing appends new row groups (1.5 s at any
-- size, measured to 5,000 pages). One row per content_sha256 is kept by the writer, which adds
-- only hashes the table does not hold, each once, inside the write transaction
-- (warehouse/queries/land_raw_documents.sql; tests/test_writer.py). DuckDB cannot drop a key in
-- place: the table is rebuilt.
CREATE TABLE raw_documents_0115 (
    content_sha256  VARCHAR NOT NULL,
    raw_bytes       BLOB NOT NULL,
    media_type      VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    first_source_uri VARCHAR NOT NULL,
    fetched_at      TIMESTAMPTZ,
    landed_at       TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR NOT NULL
);
INSERT INTO raw_documents_0115 SELECT * FROM raw_documents;
DROP TABLE raw_documents;
ALTER TABLE raw_documents_0115 RENAME TO raw_documents;
