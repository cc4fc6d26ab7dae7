-- Public: names no entity matched, counted across articles, with up to three example sentences;
-- sort by n_occurrences and add the useful ones to gazetteer/ (README, "Entities and the gazetteer").
SELECT
    c.surface,
    count(*) AS n_occurrences,
    count(DISTINCT c.article_id) AS n_articles,
    coalesce(list_sort(list(DISTINCT a.outlet) FILTER (WHERE a.outlet IS NOT NULL)), []) AS outlets,
    list(c.sentence ORDER BY c.article_id, c.start_char)[1:3] AS example_sentences
FROM stg_candidate_entities c
JOIN stg_articles a USING (article_id)
GROUP BY c.surface
