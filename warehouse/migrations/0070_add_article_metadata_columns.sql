-- Article metadata with its provenance (issue 12): how precise the publication time is, the wire
-- agency credited for republished copy (outlet stays the publishing site), and where each of
-- title, author and published_at came from, as JSON text: {"title": "json-ld", ...}.
ALTER TABLE stg_articles ADD COLUMN published_at_precision VARCHAR;
ALTER TABLE stg_articles ADD COLUMN credited_source VARCHAR;
ALTER TABLE stg_articles ADD COLUMN metadata_sources VARCHAR;
