-- What one run ($run_id) quarantined, by stage and reason, most frequent first.
SELECT stage, reason, count(*) AS n, min(source_uri) AS example_source
FROM quarantine
WHERE run_id = $run_id
GROUP BY stage, reason
ORDER BY n DESC, stage, reason
