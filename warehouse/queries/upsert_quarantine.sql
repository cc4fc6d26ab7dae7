-- Documents quarantined again for the same reason (rows in _incoming, one per source_uri and
-- reason, with their n_seen and last_seen_at in this batch): counted on the row already there.
-- The first run and time stay; the bytes follow the content when it changed (written only then,
-- so a document that fails the same way every run does not rewrite its bytes).
UPDATE quarantine q
SET raw_bytes = i.raw_bytes, raw_text = i.raw_text
FROM _incoming i
WHERE q.source_uri = i.source_uri AND q.reason = i.reason AND q.content_sha256 IS DISTINCT FROM i.content_sha256;

UPDATE quarantine q
SET n_seen = q.n_seen + i.n_seen, last_seen_at = greatest(q.last_seen_at, i.last_seen_at),
    content_sha256 = i.content_sha256, stage = i.stage
FROM _incoming i
WHERE q.source_uri = i.source_uri AND q.reason = i.reason;

-- The others, each once.
INSERT INTO quarantine BY NAME
SELECT i.* FROM _incoming i ANTI JOIN quarantine q ON q.source_uri = i.source_uri AND q.reason = i.reason;
