-- A local entity (a name no gazetteer entry lists, linked by its spelling: tasks/entities.py)
-- becomes a row of `entities` the first time a loaded mention names it, so every mention joins
-- an entity. Its name is the longest surface its mentions give it (a tie goes to the first
-- alphabetically), kept up to date as later batches load: so the name does not depend on which
-- batch of a run was loaded first. Its type is the NER label its mentions most often carry (a
-- tie goes to the first label alphabetically; labels exist with `--ner` only), else 'UNKNOWN';
-- source 'local'. Ids never change.
INSERT INTO entities (entity_id, name, type, source)
WITH m AS (
    SELECT m.entity_id, m.surface, m.entity_type
    FROM stg_mentions m
    JOIN _ids USING (article_id)
    WHERE m.rowid > coalesce(getvariable('stg_mentions_from'), -1)  -- the batch's rows (batch_marks.sql)
      AND m.link_method IN ('local', 'ner')
),
types AS (
    SELECT entity_id, entity_type, count(*) AS n FROM m WHERE entity_type IS NOT NULL GROUP BY entity_id, entity_type
),
typed AS (
    SELECT entity_id, first(entity_type ORDER BY n DESC, entity_type) AS entity_type FROM types GROUP BY entity_id
),
named AS (
    SELECT entity_id, first(surface ORDER BY length(surface) DESC, surface) AS name FROM m GROUP BY entity_id
)
SELECT n.entity_id, n.name, coalesce(t.entity_type, 'UNKNOWN'), 'local'
FROM named n
LEFT JOIN typed t USING (entity_id)
ON CONFLICT (entity_id) DO UPDATE SET name = CASE
    WHEN entities.source = 'local' AND (length(excluded.name) > length(entities.name)
         OR (length(excluded.name) = length(entities.name) AND excluded.name < entities.name))
    THEN excluded.name ELSE entities.name END
