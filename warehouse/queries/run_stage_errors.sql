-- What the stages of one run ($run_id) could not do for articles that still loaded, by stage and error.
SELECT stage, error, count(*) AS n_articles, sum(n_rows_dropped) AS n_rows_dropped
FROM stage_errors
WHERE run_id = $run_id
GROUP BY stage, error
ORDER BY n_articles DESC, stage, error
