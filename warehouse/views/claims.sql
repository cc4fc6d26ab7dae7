-- Public: asserted facts stating the same thing in one story (issue 14): same story
-- (article_stories), same family (category, or unit; deaths and passengers are people; deals and
-- packages are agreements; a share keeps what it is a share of), same action, the same figure,
-- and the same subject.
-- The same figure: each fact's figure is an interval (fact_claims.claim_low/claim_high, written by
-- the linking pass in warehouse/linking.py: the value give or take half a unit of its last
-- written digit, widened by a hedge; before that pass has run, give or take half a unit). Two
-- facts state the same figure when one's value lies in the other's interval, so "30 percent",
-- "about 30 per cent" and "29.7%" are one figure, 128 and 129 seats two, 12 and 12.5 percent two.
-- A fact joins the claim of the most precise figure of its story that is the same as its own
-- (the narrowest interval, then the lowest): "30 percent" and "about 30 per cent" join "29.7%",
-- which they round, while "31 percent", also within "about 30", stays apart; a chain of small
-- steps cannot drift (every fact of a claim is the same figure as the one it is keyed by). A share
-- that says neither what it is of nor what happened ("7.144%", "seven per cent"; a country's "12.5
-- percent" tax and its "at least 12 percent" drop in output) joins only the same value: rounding
-- cannot stand in for being the same thing there.
-- A fact that leaves something out takes it from the facts of its story stating the same value
-- (exactly: a guess at a missing field must not ride on rounding; "up to a dozen people
-- diagnosed" is not the "11 deaths" of another country) when they agree on one: a share of no named whole ("26.9%") the one whole ("of the vote") when its own article
-- names that whole for another share (an outlet writes "of the vote" once, then leaves it out;
-- "five per cent" in an article naming no whole stays apart from "5 percent of the country's
-- output"); a figure with no action the one action ("239 people" and "239 people on board"); a
-- fact naming no subject the one subject entity (when they name several, it stays apart).
-- claim_key is '<story_id>:<family|action|value>[@<subject_entity_id>]' (value: the figure the
-- claim is keyed by; no story prefix before the stories stage has run). n_independent counts
-- sources: a copy (article_duplicates) and articles stating the fact inside a passage they share
-- verbatim (fact_claims.source_article_id) count once. The first reporter is the earliest
-- published article (an undated one comes after every dated one; ties by article_id).
-- `is_vague`: stated only in words such as "dozens" (these join only the same word).
-- `claim_category` is the old name of `category`, kept for one release (warehouse/README.md).
WITH keyed AS (
    SELECT f.*, coalesce(f.category, f.unit) AS claim_category, fc.source_article_id, st.story_id,
           coalesce(st.story_id, '') AS skey,
           coalesce(fc.claim_key, concat_ws('|', coalesce(f.category, f.unit, '-'), coalesce(f.action, '-'), f.value::VARCHAR)) AS linked_key,
           coalesce(fc.claim_low, coalesce(f.value_low, f.value) - 0.5) AS lo,
           coalesce(fc.claim_high, coalesce(f.value_high, f.value) + 0.5) AS hi
    FROM stg_facts f
    LEFT JOIN fact_claims fc USING (fact_id)
    LEFT JOIN article_stories st USING (article_id)
    WHERE f.polarity = 'asserted'
),
parts AS (
    SELECT *, split_part(linked_key, '|', 1) AS k_family0, split_part(linked_key, '|', 2) AS k_action0,
           ends_with(linked_key, '+') AS k_vague
    FROM keyed
),
named_wholes AS (
    SELECT DISTINCT article_id, k_family0 FROM parts WHERE k_family0 LIKE '%:%' AND NOT ends_with(k_family0, ':-')
),
-- the candidates of each step are distinct figures, not facts: a figure repeated by a thousand
-- articles is one candidate, so the joins stay small however large a story grows
share_figures AS (
    SELECT DISTINCT skey, split_part(k_family0, ':', 1) AS kind, k_vague, value, k_action0, subject_entity_id, k_family0
    FROM parts WHERE k_family0 LIKE '%:%' AND NOT ends_with(k_family0, ':-')
),
wholes AS (
    SELECT p.fact_id, count(DISTINCT q.k_family0) AS n, min(q.k_family0) AS family
    FROM parts p
    JOIN share_figures q ON q.skey = p.skey AND q.kind = split_part(p.k_family0, ':', 1) AND q.k_vague = p.k_vague AND q.value = p.value
    JOIN named_wholes w ON w.article_id = p.article_id AND w.k_family0 = q.k_family0
    WHERE ends_with(p.k_family0, ':-')
      AND (q.k_action0 = p.k_action0 OR q.k_action0 = '-' OR p.k_action0 = '-')
      AND (q.subject_entity_id IS NULL OR p.subject_entity_id IS NULL OR q.subject_entity_id = p.subject_entity_id)
    GROUP BY p.fact_id
),
fam AS (
    SELECT p.*, CASE WHEN w.n = 1 THEN w.family ELSE p.k_family0 END AS k_family
    FROM parts p LEFT JOIN wholes w USING (fact_id)
),
action_figures AS (
    SELECT DISTINCT skey, k_family, k_vague, value, k_action0, subject_entity_id FROM fam WHERE k_action0 <> '-'
),
acts AS (
    SELECT p.fact_id, count(DISTINCT q.k_action0) AS n, min(q.k_action0) AS action
    FROM fam p
    JOIN action_figures q ON q.skey = p.skey AND q.k_family = p.k_family AND q.k_vague = p.k_vague AND q.value = p.value
    WHERE p.k_action0 = '-'
      AND (q.subject_entity_id IS NULL OR p.subject_entity_id IS NULL OR q.subject_entity_id = p.subject_entity_id)
    GROUP BY p.fact_id
),
act AS (
    SELECT p.*, CASE WHEN a.n = 1 THEN a.action ELSE p.k_action0 END AS k_action
    FROM fam p LEFT JOIN acts a USING (fact_id)
),
subject_figures AS (
    SELECT DISTINCT skey, k_family, k_action, k_vague, value, subject_entity_id FROM act WHERE subject_entity_id IS NOT NULL
),
subjects AS (
    SELECT p.fact_id, count(DISTINCT q.subject_entity_id) AS n, min(q.subject_entity_id) AS subject
    FROM act p
    JOIN subject_figures q ON q.skey = p.skey AND q.k_family = p.k_family AND q.k_action = p.k_action AND q.k_vague = p.k_vague
     AND q.value = p.value
    WHERE p.subject_entity_id IS NULL
    GROUP BY p.fact_id
),
subj AS (
    SELECT p.*, CASE WHEN s.n = 1 THEN s.subject ELSE p.subject_entity_id END AS claim_subject
    FROM act p LEFT JOIN subjects s USING (fact_id)
),
figures AS (
    SELECT DISTINCT skey, k_family, k_action, k_vague, claim_subject, value, lo, hi FROM subj
),
anchors AS (
    SELECT p.skey, p.k_family, p.k_action, p.k_vague, p.claim_subject, p.value, p.lo, p.hi,
           arg_min(q.value, [q.hi - q.lo, q.lo, q.value]) AS anchor
    FROM figures p
    JOIN figures q ON q.skey = p.skey AND q.k_family = p.k_family AND q.k_action = p.k_action AND q.k_vague = p.k_vague
     AND q.claim_subject IS NOT DISTINCT FROM p.claim_subject
    WHERE (q.value = p.value AND q.lo = p.lo AND q.hi = p.hi)
       OR (p.value >= q.lo AND p.value < q.hi OR q.value >= p.lo AND q.value < p.hi)
      AND (p.value = q.value OR NOT ends_with(p.k_family, ':-') OR p.k_action <> '-')
    GROUP BY ALL
),
g AS (
    SELECT s.*, concat_ws('|', s.k_family, s.k_action,
                          CASE WHEN a.anchor = trunc(a.anchor) AND abs(a.anchor) < 1e15 THEN CAST(CAST(a.anchor AS HUGEINT) AS VARCHAR)
                               ELSE CAST(a.anchor AS VARCHAR) END || CASE WHEN s.k_vague THEN '+' ELSE '' END) AS key
    FROM subj s
    JOIN anchors a ON a.skey = s.skey AND a.k_family = s.k_family AND a.k_action = s.k_action AND a.k_vague = s.k_vague
     AND a.claim_subject IS NOT DISTINCT FROM s.claim_subject AND a.value = s.value AND a.lo = s.lo AND a.hi = s.hi
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
