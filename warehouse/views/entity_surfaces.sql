-- Public: how each outlet names each entity (one row per entity, outlet and surface form).
-- entity_name is entities.name; `entity` is its old name, kept for one release (warehouse/README.md).
-- Local entities (names no gazetteer entry lists, ids fw:local:...) have no row in `entities`:
-- they are named by the surface itself, with no type.
SELECT
    m.entity_id,
    coalesce(e.name, m.surface) AS entity_name,
    coalesce(e.name, m.surface) AS entity,
    e.type AS entity_type,
    a.outlet,
    m.surface,
    count(*) AS n_mentions,
    count(DISTINCT m.article_id) AS n_articles,
    list_sort(list(DISTINCT m.match_method)) AS match_methods
FROM stg_mentions m
LEFT JOIN entities e USING (entity_id)
JOIN stg_articles a USING (article_id)
GROUP BY m.entity_id, e.name, e.type, a.outlet, m.surface
