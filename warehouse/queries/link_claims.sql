-- Every claim, with the claims suite's check columns: consistent with the facts it groups.
WITH c AS (SELECT * FROM claims),
     found AS (
         SELECT c.claim_key, count(f.fact_id) AS n_found
         FROM c CROSS JOIN unnest(c.fact_ids) AS u(fact_id)
         LEFT JOIN stg_facts f ON f.fact_id = u.fact_id AND f.polarity = 'asserted'
         GROUP BY c.claim_key
     )
SELECT c.claim_key, c.n_articles, c.n_independent, c.value, c.value_max, c.value_low, c.value_high,
       c.n_independent BETWEEN 1 AND c.n_articles AS check_independent_within_articles,
       len(c.fact_ids) >= c.n_articles AS check_a_fact_per_article,
       c.value_low <= c.value AND c.value <= c.value_max AND c.value_max <= c.value_high AS check_values_in_range,
       coalesce(found.n_found, 0) = len(c.fact_ids) AS check_facts_exist_and_asserted
FROM c LEFT JOIN found USING (claim_key)
