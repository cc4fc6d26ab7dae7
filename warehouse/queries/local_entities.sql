-- A local entity (a name no gazetteer entry lists, linked by its spelling: tasks/entities.py)
-- becomes a row of `entities` the first time a loaded mention names it, so every mention joins
-- an entity. Its name is the longest surface the batch gives it; its type the NER label its
-- mentions most often carry (a tie goes to the first label alphabetically; labels exist with
-- `--ner` only), else 'UNKNOWN'; source 'local'. Rows already there are kept as they are (ids,
-- names and types stable).
INSERT INTO entities (entity_id, name, type, source)
WITH m AS (
    SELECT m.entity_id, m.surface, m.entity_type
    FROM stg_mentions m
    JOIN _ids USING (article_id)
    WHERE m.link_method IN ('local', 'ner')
),
types AS (
    SELECT entity_id, entity_type, count(*) AS n FROM m WHERE entity_type IS NOT NULL GROUP BY entity_id, entity_type
),
typed AS (
    SELECT entity_id, first(entity_type ORDER BY n DESC, entity_type) AS entity_type FROM types GROUP BY entity_id
),
named AS (
    SELECT entity_id, arg_max(surface, length(surface)) AS name FROM m GROUP BY entity_id
)
SELECT n.entity_id, n.name, coalesce(t.entity_type, 'UNKNOWN'), 'local'
FROM named n
LEFT JOIN typed t USING (entity_id)
ON CONFLICT (entity_id) DO NOTHING
