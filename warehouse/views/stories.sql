-- Public: one row per story (an event or development), with its topic, a readable label (the
-- headline of its first article), its time span, size, outlets and most mentioned entities.
WITH members AS (
    SELECT s.story_id, s.topic_id, a.article_id, a.title, a.outlet, a.published_at, a.ingested_at
    FROM article_stories s JOIN stg_articles a USING (article_id)
),
firsts AS (
    SELECT story_id, arg_min(title, (published_at IS NULL, coalesce(published_at, ingested_at), article_id)) FILTER (WHERE title IS NOT NULL) AS label
    FROM members GROUP BY story_id
),
entity_counts AS (
    SELECT m.story_id, e.name, count(*) AS n
    FROM members m JOIN stg_mentions x USING (article_id) JOIN entities e USING (entity_id)
    GROUP BY m.story_id, e.name
)
SELECT
    m.story_id,
    min(m.topic_id)                                                       AS topic_id,
    min(f.label)                                                          AS label,
    min(m.published_at)                                                   AS first_article_at,
    max(m.published_at)                                                   AS last_article_at,
    count(*)                                                              AS n_articles,
    count(DISTINCT m.outlet)                                              AS n_outlets,
    coalesce(list(DISTINCT m.outlet ORDER BY m.outlet) FILTER (WHERE m.outlet IS NOT NULL), [])   AS outlets,
    coalesce((SELECT list(name ORDER BY n DESC, name)[1:5] FROM entity_counts c WHERE c.story_id = m.story_id), []) AS top_entities
FROM members m
LEFT JOIN firsts f USING (story_id)
GROUP BY m.story_id
