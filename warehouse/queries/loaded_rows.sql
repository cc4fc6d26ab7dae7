-- The child rows of the batch being loaded (articles in the temp table _ids), as stored, joined
-- to their article, with the load suite's check columns (expectations/loaded_rows.json): the rows
-- appended by this transaction (batch_marks.sql).
-- Offsets count characters, as Python's do; substring() is 1-based. A mention's offsets point
-- into its `field` (the body, or the title for a headline mention); `field` is NULL for the
-- other tables, whose rows are keyed by (article_id, start_char).
WITH a AS (SELECT article_id, title, body, raw_text FROM stg_articles WHERE rowid > coalesce(getvariable('stg_articles_from'), -1) AND article_id IN (SELECT article_id FROM _ids)),
     b AS (SELECT * FROM stg_boilerplate WHERE rowid > coalesce(getvariable('stg_boilerplate_from'), -1) AND article_id IN (SELECT article_id FROM _ids)),
     m AS (SELECT * FROM stg_mentions WHERE rowid > coalesce(getvariable('stg_mentions_from'), -1) AND article_id IN (SELECT article_id FROM _ids)),
     mt AS (SELECT m.*, a.article_id IS NOT NULL AS has_article,
                   CASE m.field WHEN 'title' THEN a.title WHEN 'body' THEN a.body END AS text
            FROM m LEFT JOIN a USING (article_id)),
     f AS (SELECT * FROM stg_facts WHERE rowid > coalesce(getvariable('stg_facts_from'), -1) AND article_id IN (SELECT article_id FROM _ids)),
     c AS (SELECT * FROM stg_candidate_entities WHERE rowid > coalesce(getvariable('stg_candidate_entities_from'), -1) AND article_id IN (SELECT article_id FROM _ids))
SELECT 'stg_boilerplate' AS table_name, b.article_id, b.start_char, NULL::VARCHAR AS field,
       a.article_id IS NOT NULL AS check_has_article,
       coalesce(0 <= b.start_char AND b.start_char < b.end_char AND b.end_char <= length(a.raw_text), false) AS check_offsets_in_text,
       coalesce(substring(a.raw_text, b.start_char + 1, b.end_char - b.start_char) = b.text, false) AS check_text_at_offsets
FROM b LEFT JOIN a USING (article_id)
UNION ALL
SELECT 'stg_mentions', m.article_id, m.start_char, m.field,
       m.has_article,
       coalesce(0 <= m.start_char AND m.start_char < m.end_char AND m.end_char <= length(m.text), false),
       coalesce(substring(m.text, m.start_char + 1, m.end_char - m.start_char) = m.surface, false)
FROM mt m
UNION ALL
SELECT 'stg_facts', f.article_id, f.start_char, NULL,
       a.article_id IS NOT NULL,
       coalesce(0 <= f.start_char AND f.start_char < f.end_char AND f.end_char <= length(a.body), false),
       coalesce(contains(a.body, f.sentence), false)
FROM f LEFT JOIN a USING (article_id)
UNION ALL
SELECT 'stg_candidate_entities', c.article_id, c.start_char, NULL,
       a.article_id IS NOT NULL,
       coalesce(0 <= c.start_char AND c.start_char < c.end_char AND c.end_char <= length(a.body), false),
       coalesce(substring(a.body, c.start_char + 1, c.end_char - c.start_char) = c.surface, false)
FROM c LEFT JOIN a USING (article_id)
