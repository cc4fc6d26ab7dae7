-- Raw documents of a batch (registered as _incoming) that the warehouse does not hold yet, each
-- hash once: raw_documents has no key (migration 0115), so this is what keeps one row per hash.
INSERT INTO raw_documents BY NAME
SELECT * FROM _incoming
WHERE content_sha256 NOT IN (SELECT content_sha256 FROM raw_documents)
QUALIFY row_number() OVER (PARTITION BY content_sha256 ORDER BY landed_at, first_source_uri) = 1
