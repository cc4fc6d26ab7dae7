-- One run's ($run_id) checks per stage: expectations passed and failed (failed over any batch).
SELECT stage, count(*) FILTER (WHERE ok) AS n_passed, count(*) FILTER (WHERE NOT ok) AS n_failed
FROM (SELECT stage, suite, expectation, column_name, bool_and(success) AS ok
      FROM dq_results WHERE run_id = $run_id GROUP BY ALL)
GROUP BY stage
