-- Capitalised names in clean bodies that matched no entity, one row per occurrence; the
-- candidate_entities view counts them across articles so the gazetteer can grow.
CREATE TABLE stg_candidate_entities (
    article_id      VARCHAR NOT NULL,
    surface         VARCHAR NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    sentence_index  INTEGER NOT NULL,
    sentence        VARCHAR NOT NULL,
    PRIMARY KEY (article_id, start_char)
);
