-- The claims reported by the most independent articles.
SELECT claim_category, action, value, unit, n_articles, n_independent, outlets
FROM claims
ORDER BY n_independent DESC, n_articles DESC, claim_key
LIMIT 10
