-- A local entity (a name no gazetteer entry lists, linked by its spelling: tasks/entities.py)
-- becomes a row of `entities` the first time a loaded mention names it, so every mention joins
-- an entity. Its name is the longest surface the batch gives it; its type is not known
-- ('UNKNOWN'); source 'local'. Rows already there are kept as they are (ids and names stable).
INSERT INTO entities (entity_id, name, type, source)
SELECT m.entity_id, arg_max(m.surface, length(m.surface)), 'UNKNOWN', 'local'
FROM stg_mentions m
JOIN _ids USING (article_id)
WHERE m.link_method = 'local'
GROUP BY m.entity_id
ON CONFLICT (entity_id) DO NOTHING
