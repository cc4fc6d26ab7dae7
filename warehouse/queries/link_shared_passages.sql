-- Shared passages of the articles a linking pass linked ($linked_at), with the shared_passages
-- suite's check columns (expectations/shared_passages.json). Offsets count characters; substring() is 1-based.
SELECT p.article_id, p.start_char, p.other_article_id, p.other_start_char, p.similarity,
       a.article_id IS NOT NULL AND o.article_id IS NOT NULL AS check_both_articles_exist,
       p.article_id <> p.other_article_id AS check_not_self,
       coalesce(0 <= p.start_char AND p.start_char < p.end_char AND p.end_char <= length(a.body)
                AND 0 <= p.other_start_char AND p.other_start_char < p.other_end_char AND p.other_end_char <= length(o.body), false)
           AS check_offsets_in_bodies,
       coalesce(substring(a.body, p.start_char + 1, p.end_char - p.start_char) = p.text, false) AS check_text_at_offsets
FROM shared_passages p
LEFT JOIN stg_articles a ON a.article_id = p.article_id
LEFT JOIN stg_articles o ON o.article_id = p.other_article_id
WHERE p.article_id IN (SELECT article_id FROM article_fingerprints WHERE linked_at = $linked_at)
   OR p.other_article_id IN (SELECT article_id FROM article_fingerprints WHERE linked_at = $linked_at)
