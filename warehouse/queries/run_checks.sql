-- One run's check results ($run_id): one row per expectation and stage, failures first.
SELECT stage, suite, expectation, column_name, severity, bool_and(success) AS success,
       count(*) AS batches, count(*) FILTER (WHERE NOT success) AS failed_batches
FROM dq_results
WHERE run_id = $run_id
GROUP BY ALL
ORDER BY bool_and(success), stage, suite, expectation
