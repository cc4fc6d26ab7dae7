-- Content hashes that need no more work: loaded with no stage error, or quarantined.
SELECT content_sha256 FROM stg_articles a
WHERE NOT EXISTS (SELECT 1 FROM stage_errors e WHERE e.article_id = a.article_id)
UNION
SELECT content_sha256 FROM quarantine WHERE content_sha256 IS NOT NULL
