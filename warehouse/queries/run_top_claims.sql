-- The claims reported by the most independent articles, with one sentence that states each, its story
-- and its first reporter.
WITH top AS (
    SELECT category, action, value, value_max, unit, n_independent, n_articles, outlets, speakers, fact_ids, claim_key,
           story_id, first_outlet
    FROM claims
    ORDER BY n_independent DESC, n_articles DESC, claim_key
    LIMIT 10
)
SELECT t.category, t.action, t.value, t.value_max, t.unit, t.n_independent, t.n_articles, t.outlets, t.speakers,
       f.sentence AS example_sentence, a.title AS example_title, a.outlet AS example_outlet, t.claim_key,
       t.story_id, t.first_outlet
FROM top t
LEFT JOIN stg_facts f ON f.fact_id = t.fact_ids[1]
LEFT JOIN stg_articles a ON a.article_id = f.article_id
ORDER BY t.n_independent DESC, t.n_articles DESC, t.claim_key
