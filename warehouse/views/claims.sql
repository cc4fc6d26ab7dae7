-- Public: facts stating the same thing (same category or unit, action and value) across
-- articles; syndicated copies count once in n_independent.
SELECT
    coalesce(f.category, f.unit)                         AS claim_category,
    f.action,
    f.value,
    min(f.unit)                                          AS unit,
    count(DISTINCT f.article_id)                         AS n_articles,
    count(DISTINCT coalesce(a.duplicate_of, a.article_id)) AS n_independent,
    list(DISTINCT a.outlet ORDER BY a.outlet) FILTER (WHERE a.outlet IS NOT NULL) AS outlets,
    list(DISTINCT f.speaker_text ORDER BY f.speaker_text) FILTER (WHERE f.speaker_text IS NOT NULL) AS speakers,
    list(DISTINCT f.fact_id ORDER BY f.fact_id)          AS fact_ids
FROM stg_facts f
JOIN stg_articles a USING (article_id)
WHERE f.polarity = 'asserted'
GROUP BY coalesce(f.category, f.unit), f.action, f.value
