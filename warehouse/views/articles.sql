-- Public: one row per ingested article; duplicate_of from the linking pass (article_duplicates),
-- story_id and topic_id from the stories stage (article_stories).
SELECT a.article_id, a.source_uri, a.outlet, a.title, a.author, a.published_at, a.published_at_text,
       a.published_at_source, a.language, a.body, a.raw_text, a.word_count, a.content_sha256,
       d.duplicate_of, a.url, a.media_type, a.fetched_at, a.run_id, a.ingested_at,
       a.published_at_precision, a.credited_source, a.metadata_sources,
       st.story_id, st.topic_id, a.summary,
       -- the site's host, one key per site however its pages name it ("DW.COM", "dw.com"): where it
       -- was fetched from, else the page's own URL; lower case, without "www."
       nullif(regexp_extract(lower(coalesce(CASE WHEN a.source_uri LIKE 'http%' THEN a.source_uri END, a.url)),
                             '^[a-z][a-z0-9+.-]*://(?:[^/@]*@)?(?:www[0-9]*\.)?([^/:?#]+)', 1), '') AS outlet_host
FROM stg_articles a
LEFT JOIN article_duplicates d USING (article_id)
LEFT JOIN article_stories st USING (article_id)
