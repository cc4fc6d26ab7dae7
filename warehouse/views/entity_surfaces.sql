-- Public: how each outlet names each entity (one row per entity, outlet and surface form).
-- entity_name is entities.name; `entity` is its old name, kept for one release (warehouse/README.md).
SELECT
    e.entity_id,
    e.name AS entity_name,
    e.name AS entity,
    e.type AS entity_type,
    a.outlet,
    m.surface,
    count(*) AS n_mentions,
    count(DISTINCT m.article_id) AS n_articles,
    list_sort(list(DISTINCT m.match_method)) AS match_methods
FROM stg_mentions m
JOIN entities e USING (entity_id)
JOIN stg_articles a USING (article_id)
GROUP BY e.entity_id, e.name, e.type, a.outlet, m.surface
