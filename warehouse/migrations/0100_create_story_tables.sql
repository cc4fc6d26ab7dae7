-- Stories and topics (tasks/stories.py): which story and topic each article belongs to, and
-- each group's running state, so a later run adds articles to the groups already here.
CREATE TABLE article_stories (
    article_id   VARCHAR PRIMARY KEY,
    story_id     VARCHAR NOT NULL,   -- one event or development ('s' + 15 hex)
    topic_id     VARCHAR NOT NULL,   -- what many stories share: a person, a league, a product ('t' + 15 hex)
    assigned_at  TIMESTAMPTZ NOT NULL
);

-- One row per story or topic: its time span, size, and summed term weights (JSON object of
-- its strongest terms), the state the next run compares new articles with.
CREATE TABLE story_groups (
    level        VARCHAR NOT NULL,   -- story, topic
    group_id     VARCHAR NOT NULL,
    first_at     TIMESTAMPTZ,
    last_at      TIMESTAMPTZ,
    n_articles   INTEGER NOT NULL,
    terms        VARCHAR NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (level, group_id)
);
