-- Quarantine is idempotent: one row per (source_uri, reason), however often that document
-- fails for that reason (a --reprocess, an unreadable file or a failing URL seen by every run).
-- n_seen counts the sightings, last_seen_at is the latest; quarantined_at and run_id stay those
-- of the first. Rows already doubled fold into the first of each (source_uri, reason).
-- 0081 then makes (source_uri, reason) unique (DuckDB will not build a unique index over rows
-- deleted in the same transaction).
ALTER TABLE quarantine ADD COLUMN n_seen INTEGER DEFAULT 1;
ALTER TABLE quarantine ADD COLUMN last_seen_at TIMESTAMPTZ;

CREATE TEMP TABLE _quarantine_seen AS
SELECT source_uri, reason, arg_min(quarantine_id, (quarantined_at, quarantine_id)) AS keep_id,
       count(*) AS n_seen, max(quarantined_at) AS last_seen_at
FROM quarantine GROUP BY source_uri, reason;

DELETE FROM quarantine WHERE quarantine_id NOT IN (SELECT keep_id FROM _quarantine_seen);
UPDATE quarantine SET n_seen = s.n_seen, last_seen_at = s.last_seen_at
FROM _quarantine_seen s WHERE quarantine.quarantine_id = s.keep_id;
DROP TABLE _quarantine_seen;
