-- Public: asserted facts stating the same thing across articles: same category (or unit) and
-- action, values equal within the qualifiers' tolerance (fact_claims, written by the linking
-- pass in warehouse/linking.py; before that pass has run, the exact value stands in).
-- Syndicated copies (article_duplicates) count once in n_independent. A claim belongs to one
-- story (article_stories): the same figure in two different events is two claims; claim_key is
-- '<story_id>:<category|action|value>' (no story prefix before the stories stage has run).
-- `category` is the facts' category (their unit when they have none); `claim_category` is its
-- old name, kept for one release (warehouse/README.md).
WITH f AS (
    SELECT f.*, coalesce(f.category, f.unit) AS claim_category,
           coalesce(fc.claim_key, concat_ws('|', coalesce(f.category, f.unit, '-'), coalesce(f.action, '-'), f.value::VARCHAR)) AS key
    FROM stg_facts f
    LEFT JOIN fact_claims fc USING (fact_id)
    WHERE f.polarity = 'asserted'
)
SELECT
    min(f.claim_category)                                    AS category,
    min(f.claim_category)                                    AS claim_category,
    min(f.action)                                            AS action,
    min(f.value)                                             AS value,
    min(f.unit)                                              AS unit,
    count(DISTINCT f.article_id)                             AS n_articles,
    count(DISTINCT coalesce(d.duplicate_of, a.article_id))   AS n_independent,
    list(DISTINCT a.outlet ORDER BY a.outlet) FILTER (WHERE a.outlet IS NOT NULL) AS outlets,
    list(DISTINCT f.speaker_text ORDER BY f.speaker_text) FILTER (WHERE f.speaker_text IS NOT NULL) AS speakers,
    list(DISTINCT f.fact_id ORDER BY f.fact_id)              AS fact_ids,
    concat_ws(':', st.story_id, f.key)                       AS claim_key,
    max(f.value)                                             AS value_max,
    min(f.value_low)                                         AS value_low,
    max(f.value_high)                                        AS value_high,
    list(DISTINCT f.unit ORDER BY f.unit)                    AS units,
    list(DISTINCT f.value_text ORDER BY f.value_text)        AS value_texts,
    list(DISTINCT f.speaker_entity_id ORDER BY f.speaker_entity_id) FILTER (WHERE f.speaker_entity_id IS NOT NULL) AS speaker_entity_ids,
    list(DISTINCT e.name ORDER BY e.name) FILTER (WHERE e.name IS NOT NULL) AS speaker_names,
    count(DISTINCT a.outlet)                                 AS n_outlets,
    list(DISTINCT f.article_id ORDER BY f.article_id)        AS article_ids,
    st.story_id                                              AS story_id
FROM f
JOIN stg_articles a USING (article_id)
LEFT JOIN article_duplicates d USING (article_id)
LEFT JOIN article_stories st USING (article_id)
LEFT JOIN entities e ON e.entity_id = f.speaker_entity_id
GROUP BY st.story_id, f.key
