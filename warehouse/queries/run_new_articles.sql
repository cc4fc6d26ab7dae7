-- Stories one run ($run_id) loaded that copy no other article, newest first.
SELECT article_id, outlet, title, published_at
FROM articles
WHERE run_id = $run_id AND duplicate_of IS NULL
ORDER BY published_at DESC NULLS LAST, article_id
LIMIT 10
