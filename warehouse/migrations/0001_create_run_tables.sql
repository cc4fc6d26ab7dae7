-- Operational tables: one row per run, data-quality results, and quarantined documents.
CREATE TABLE runs (
    run_id              VARCHAR PRIMARY KEY,
    flow_run_id         VARCHAR,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL,          -- running, completed, failed
    inputs              VARCHAR,                   -- the paths or URL list given
    n_discovered        INTEGER DEFAULT 0,
    n_skipped_known     INTEGER DEFAULT 0,
    n_extracted         INTEGER DEFAULT 0,
    n_quarantined       INTEGER DEFAULT 0,
    n_articles_loaded   INTEGER DEFAULT 0,
    n_boilerplate       INTEGER DEFAULT 0,
    n_mentions          INTEGER DEFAULT 0,
    n_facts             INTEGER DEFAULT 0,
    n_checks_passed     INTEGER DEFAULT 0,
    n_checks_failed     INTEGER DEFAULT 0,
    error               VARCHAR
);

CREATE TABLE dq_results (
    run_id          VARCHAR NOT NULL,
    batch_index     INTEGER NOT NULL,
    stage           VARCHAR NOT NULL,
    suite           VARCHAR NOT NULL,
    expectation     VARCHAR NOT NULL,
    column_name     VARCHAR,
    severity        VARCHAR NOT NULL,              -- critical, warning
    success         BOOLEAN NOT NULL,
    observed        VARCHAR,                       -- GX result summary as JSON
    n_rows          INTEGER,
    checked_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE quarantine (
    quarantine_id   VARCHAR PRIMARY KEY,
    run_id          VARCHAR NOT NULL,
    source_uri      VARCHAR NOT NULL,
    content_sha256  VARCHAR,
    stage           VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    raw_bytes       BLOB,
    raw_text        VARCHAR,
    quarantined_at  TIMESTAMPTZ NOT NULL
);
