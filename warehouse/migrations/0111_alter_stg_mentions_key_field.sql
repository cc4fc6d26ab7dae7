-- Mentions are stored for the headline too (field = 'title', offsets into the title): a title
-- mention and a body mention may start at the same offset, so the key becomes
-- (article_id, field, start_char). DuckDB cannot change a primary key in place: the table is
-- rebuilt, rows stored before 0090 (field NULL) being body mentions.
CREATE TABLE stg_mentions_0111 (
    article_id      VARCHAR NOT NULL,
    entity_id       VARCHAR NOT NULL,
    surface         VARCHAR NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    sentence_index  INTEGER NOT NULL,
    match_method    VARCHAR NOT NULL,
    match_score     DOUBLE NOT NULL,
    field           VARCHAR NOT NULL DEFAULT 'body',
    mention_kind    VARCHAR,
    link_method     VARCHAR,
    PRIMARY KEY (article_id, field, start_char)
);
INSERT INTO stg_mentions_0111
SELECT article_id, entity_id, surface, start_char, end_char, sentence_index, match_method, match_score,
       coalesce(field, 'body'), mention_kind, link_method
FROM stg_mentions;
DROP TABLE stg_mentions;
ALTER TABLE stg_mentions_0111 RENAME TO stg_mentions;
