-- One run's row ($run_id).
SELECT * FROM runs WHERE run_id = $run_id
