-- What the warehouse holds in all, for the run summary.
SELECT (SELECT count(*) FROM articles)                    AS total_articles,
       (SELECT count(*) FROM mentions)                    AS total_mentions,
       (SELECT count(*) FROM facts)                       AS total_facts,
       (SELECT count(DISTINCT entity_id) FROM mentions)   AS total_entities_mentioned,
       (SELECT count(*) FROM quarantine)                  AS total_quarantined,
       (SELECT count(*) FROM stage_errors)                AS total_stage_errors
