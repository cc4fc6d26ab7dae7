-- Public: one row per ingested article.
SELECT article_id, source_uri, outlet, title, author, published_at, published_at_text,
       published_at_source, language, body, raw_text, word_count, content_sha256,
       duplicate_of, url, media_type, fetched_at, run_id, ingested_at,
       published_at_precision, credited_source, metadata_sources
FROM stg_articles
