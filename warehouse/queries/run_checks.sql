-- One run's check results ($run_id): one row per expectation and stage, failures first
-- (critical before warning), with how many batches failed and what was observed in one that did.
SELECT stage, suite, expectation, column_name, severity, bool_and(success) AS success,
       count(*) AS batches, count(*) FILTER (WHERE NOT success) AS failed_batches,
       sum(n_rows) AS n_rows, any_value(observed) FILTER (WHERE NOT success) AS observed
FROM dq_results
WHERE run_id = $run_id
GROUP BY stage, suite, expectation, column_name, severity
ORDER BY bool_and(success), severity = 'critical' DESC, stage, suite, expectation, column_name
