-- Public: within one story, the same thing counted (category or unit, and action) with incompatible values:
-- pairs of claims whose value ranges do not overlap, unless both come from the very same
-- articles and speakers. One row per pair of claims, the smaller value first. Built on the
-- claims view, so it compares claims (a few per subject), never every pair of facts.
-- `claim_category` is the old name of `category`, kept for one release.
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
    c.story_id
FROM claims c
JOIN claims o
  ON c.story_id IS NOT DISTINCT FROM o.story_id
 AND c.category = o.category AND c.action = o.action AND c.claim_key <> o.claim_key
WHERE c.value_high < o.value_low
  AND NOT (c.article_ids = o.article_ids AND c.speakers IS NOT DISTINCT FROM o.speakers)
