-- One quarantine row per (source_uri, reason) (folded by 0080): the writer upserts on this key.
-- A unique index rather than a rebuilt table, so columns other migrations add are kept.
CREATE UNIQUE INDEX quarantine_source_reason ON quarantine (source_uri, reason);
