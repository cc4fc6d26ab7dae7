-- The claims reported by the most independent articles, with their story and first reporter.
SELECT claim_category, action, value, unit, n_articles, n_independent, outlets, story_id, first_outlet
FROM claims
ORDER BY n_independent DESC, n_articles DESC, claim_key
LIMIT 10
