-- Mentions say which field their offsets point into ('body' or 'title'), what kind of mention
-- they are ('name', or 'demonym': "Pakistani" for Pakistan) and how the id was found
-- (alias, fuzzy, demonym, local: a name no gazetteer entity lists, linked by its spelling).
-- Rows stored before this migration have NULLs: the mentions view reads them as
-- 'body', 'name' and 'alias'/'fuzzy' (staging rows are never updated).
ALTER TABLE stg_mentions ADD COLUMN field VARCHAR;
ALTER TABLE stg_mentions ADD COLUMN mention_kind VARCHAR;
ALTER TABLE stg_mentions ADD COLUMN link_method VARCHAR;
