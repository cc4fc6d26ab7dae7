-- Public: asserted facts stating the same thing in one story (issue 14): same story
-- (article_stories), same family (category, or unit; deaths and passengers are people; a share
-- keeps what it is a share of), same action, values equal within the qualifiers' tolerance
-- (fact_claims, written by the linking pass in warehouse/linking.py; before that pass has run, the
-- exact value stands in; a fact with no action joins the claim of the one action its story gives
-- the same figure: "239 people" and "239 people on board"), and the same subject: the entity the facts are about, when one entity
-- is named among them (facts naming none join it); when several are named, one claim per entity.
-- claim_key is '<story_id>:<family|action|value>[@<subject_entity_id>]' (no story prefix before
-- the stories stage has run). n_independent counts sources: a copy (article_duplicates) and
-- articles stating the fact inside a passage they share verbatim (fact_claims.source_article_id)
-- count once. The first reporter is the earliest published article (an undated one comes after
-- every dated one; ties by article_id). `is_vague`: stated only in words such as "dozens". `claim_category` is the old name of `category`, kept for
-- one release (warehouse/README.md).
WITH keyed AS (
    SELECT f.*, coalesce(f.category, f.unit) AS claim_category, fc.source_article_id, st.story_id,
           coalesce(fc.claim_key, concat_ws('|', coalesce(f.category, f.unit, '-'), coalesce(f.action, '-'), f.value::VARCHAR)) AS linked_key
    FROM stg_facts f
    LEFT JOIN fact_claims fc USING (fact_id)
    LEFT JOIN article_stories st USING (article_id)
    WHERE f.polarity = 'asserted'
),
parts AS (
    SELECT *, split_part(linked_key, '|', 1) AS k_family, split_part(linked_key, '|', 2) AS k_action,
           split_part(linked_key, '|', 3) AS k_value
    FROM keyed
),
actions AS (
    SELECT story_id, k_family, k_value, count(DISTINCT k_action) FILTER (WHERE k_action <> '-') AS n_actions,
           min(k_action) FILTER (WHERE k_action <> '-') AS only_action
    FROM parts GROUP BY story_id, k_family, k_value
),
f AS (
    SELECT p.*, CASE WHEN p.k_action = '-' AND a.n_actions = 1 THEN concat_ws('|', p.k_family, a.only_action, p.k_value)
                     ELSE p.linked_key END AS key
    FROM parts p JOIN actions a ON a.story_id IS NOT DISTINCT FROM p.story_id AND a.k_family = p.k_family AND a.k_value = p.k_value
),
subjects AS (
    SELECT story_id, key, count(DISTINCT subject_entity_id) AS n_subjects, min(subject_entity_id) AS only_subject
    FROM f GROUP BY story_id, key
),
g AS (
    SELECT f.*, CASE WHEN s.n_subjects <= 1 THEN s.only_subject ELSE f.subject_entity_id END AS claim_subject
    FROM f JOIN subjects s ON s.story_id IS NOT DISTINCT FROM f.story_id AND s.key = f.key
)
SELECT
    min(g.claim_category)                                    AS category,
    min(g.claim_category)                                    AS claim_category,
    min(g.action)                                            AS action,
    min(g.value)                                             AS value,
    min(g.unit)                                              AS unit,
    count(DISTINCT g.article_id)                             AS n_articles,
    count(DISTINCT coalesce(g.source_article_id, d.duplicate_of, a.article_id)) AS n_independent,
    list(DISTINCT a.outlet ORDER BY a.outlet) FILTER (WHERE a.outlet IS NOT NULL) AS outlets,
    list(DISTINCT g.speaker_text ORDER BY g.speaker_text) FILTER (WHERE g.speaker_text IS NOT NULL) AS speakers,
    list(DISTINCT g.fact_id ORDER BY g.fact_id)              AS fact_ids,
    concat_ws(':', g.story_id, g.key) || coalesce('@' || g.claim_subject, '') AS claim_key,
    max(g.value)                                             AS value_max,
    min(g.value_low)                                         AS value_low,
    max(g.value_high)                                        AS value_high,
    list(DISTINCT g.unit ORDER BY g.unit)                    AS units,
    list(DISTINCT g.value_text ORDER BY g.value_text)        AS value_texts,
    list(DISTINCT g.speaker_entity_id ORDER BY g.speaker_entity_id) FILTER (WHERE g.speaker_entity_id IS NOT NULL) AS speaker_entity_ids,
    list(DISTINCT e.name ORDER BY e.name) FILTER (WHERE e.name IS NOT NULL) AS speaker_names,
    count(DISTINCT a.outlet)                                 AS n_outlets,
    list(DISTINCT g.article_id ORDER BY g.article_id)        AS article_ids,
    g.story_id                                               AS story_id,
    g.claim_subject                                          AS subject_entity_id,
    min(s.name)                                              AS subject_name,
    split_part(g.key, '|', 1)                                AS family,
    split_part(g.key, '|', 2)                                AS action_family,
    first(a.article_id ORDER BY a.published_at NULLS LAST, a.article_id) AS first_article_id,
    first(a.outlet ORDER BY a.published_at NULLS LAST, a.article_id)     AS first_outlet,
    min(a.published_at)                                      AS first_reported_at,
    bool_and(NOT regexp_matches(g.value_text, '[0-9]') AND g.value_high > g.value AND g.qualifier IS NULL) AS is_vague
FROM g
JOIN stg_articles a USING (article_id)
LEFT JOIN article_duplicates d USING (article_id)
LEFT JOIN entities e ON e.entity_id = g.speaker_entity_id
LEFT JOIN entities s ON s.entity_id = g.claim_subject
GROUP BY g.story_id, g.key, g.claim_subject
