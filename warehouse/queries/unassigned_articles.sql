-- Articles in no story yet, in the order the stories stage takes them (oldest first, undated last).
SELECT a.article_id
FROM stg_articles a ANTI JOIN article_stories s USING (article_id)
ORDER BY a.published_at NULLS LAST, a.article_id
