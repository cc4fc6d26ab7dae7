-- The source of each fact within its claim (issue 14): the article standing for every article
-- that repeats the fact as a copy (article_duplicates) or inside a passage shared verbatim
-- (shared_passages), so `claims.n_independent` counts such a group once. Written by the linking
-- pass with the claim key; NULL for rows keyed before this migration (the view then falls back to
-- the copy's original).
ALTER TABLE fact_claims ADD COLUMN IF NOT EXISTS source_article_id VARCHAR;
