-- Public: within one story, the same thing counted with incompatible figures: pairs of claims
-- with the same family and action, and either a named action and the same subject (or one side
-- naming none), or, when there is no action, the same named subject entity (seats won by a party
-- in one election: "New Democracy ... 128 seats" vs "129 seats", then at most 1.5 times apart); a figure with neither an action
-- nor a subject says too little to contradict another ("239 people" and "227 people" may count
-- different things). Their value ranges do not overlap (so "at least 20" never conflicts with 26,
-- nor "dozens" with 17, nor "30 percent" with "29.7%": they are one claim) but are of one
-- magnitude (the larger at most three times the smaller: 7 and 8 attackers, 13 and 19 hurt, 25
-- and 50 million dead; "11 deaths between 2009 and 2018" and "25 million" in the 14th century
-- count different things, as an article's background figures usually do), each side reported by
-- an article the other side does not include (one article stating two figures is describing two
-- things). One row per pair of claims, the smaller value first, with the article ids, outlets and
-- one sentence of each side. Built on the claims view, so it compares claims (a few per subject),
-- never every pair of facts. `claim_category` is the old name of `category`.
SELECT
    c.category,
    c.claim_category,
    c.action,
    c.value,
    c.value_texts,
    c.outlets,
    c.speakers,
    o.value             AS other_value,
    o.value_texts       AS other_value_texts,
    o.outlets           AS other_outlets,
    o.speakers          AS other_speakers,
    c.claim_key,
    o.claim_key         AS other_claim_key,
    c.fact_ids,
    o.fact_ids          AS other_fact_ids,
    c.story_id,
    c.family,
    c.action_family,
    coalesce(c.subject_entity_id, o.subject_entity_id) AS subject_entity_id,
    c.unit,
    o.unit              AS other_unit,
    c.article_ids,
    o.article_ids       AS other_article_ids,
    f.sentence,
    g.sentence          AS other_sentence
FROM claims c
JOIN claims o
  ON c.story_id = o.story_id
 AND c.family = o.family AND c.action_family = o.action_family
 AND ((c.action_family <> '-'
       AND (c.subject_entity_id IS NULL OR o.subject_entity_id IS NULL OR c.subject_entity_id = o.subject_entity_id))
      OR c.subject_entity_id = o.subject_entity_id)
 AND c.claim_key <> o.claim_key
JOIN stg_facts f ON f.fact_id = c.fact_ids[1]
JOIN stg_facts g ON g.fact_id = o.fact_ids[1]
WHERE c.value_high < o.value_low
  AND o.value_low <= 3 * c.value_high
  -- with no action the subject alone says what is counted, so the figures must be close
  -- (128 vs 129 seats; not "50 bonus seats" vs "128 seats", a part of the whole)
  AND (c.action_family <> '-' OR o.value_low <= 1.5 * c.value_high)
  AND NOT c.is_vague AND NOT o.is_vague  -- "dozens", "millions": too loose to contradict a figure
  AND NOT list_has_all(o.article_ids, c.article_ids)
  AND NOT list_has_all(c.article_ids, o.article_ids)
