-- Every copy link, with the article_duplicates suite's check columns: both articles exist, no
-- article is its own original, and an original is never itself a copy (no chains).
SELECT d.article_id, d.duplicate_of,
       a.article_id IS NOT NULL AND o.article_id IS NOT NULL AS check_both_articles_exist,
       d.article_id <> d.duplicate_of AS check_not_self,
       d.duplicate_of NOT IN (SELECT article_id FROM article_duplicates) AS check_original_is_not_a_copy
FROM article_duplicates d
LEFT JOIN stg_articles a ON a.article_id = d.article_id
LEFT JOIN stg_articles o ON o.article_id = d.duplicate_of
