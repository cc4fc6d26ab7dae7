-- What a stage could not do for an article that still loaded: a stage that raised on it
-- (its rows for that article are missing), or rows a critical check kept out of the warehouse.
-- An article with a stage error is processed again by the next run, so a fix fills the gap.
CREATE TABLE stage_errors (
    article_id      VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    batch_index     INTEGER NOT NULL,
    stage           VARCHAR NOT NULL,   -- entities, facts, fingerprint, load, ...
    error           VARCHAR NOT NULL,   -- the exception, or the failed expectation
    n_rows_dropped  INTEGER NOT NULL,   -- rows kept out by a failed check (0 for a crash)
    occurred_at     TIMESTAMPTZ NOT NULL
);

ALTER TABLE runs ADD COLUMN n_stage_errors INTEGER DEFAULT 0;
