-- Links found across the warehouse live in their own tables, rewritten by each linking pass
-- (warehouse/linking.py); the staging tables stay as loaded and are never updated in place.
-- The public views join these tables.

-- article_id is a copy of duplicate_of (another article's text, republished).
CREATE TABLE article_duplicates (
    article_id    VARCHAR PRIMARY KEY,
    duplicate_of  VARCHAR NOT NULL,
    linked_at     TIMESTAMPTZ NOT NULL
);

-- The claim each fact belongs to: the same number about the same thing across articles.
CREATE TABLE fact_claims (
    fact_id    VARCHAR PRIMARY KEY,
    claim_key  VARCHAR NOT NULL,
    linked_at  TIMESTAMPTZ NOT NULL
);

INSERT INTO article_duplicates
SELECT article_id, duplicate_of, now() FROM stg_articles WHERE duplicate_of IS NOT NULL;

INSERT INTO fact_claims
SELECT fact_id, claim_key, now() FROM stg_facts WHERE claim_key IS NOT NULL;

ALTER TABLE stg_articles DROP COLUMN duplicate_of;
ALTER TABLE stg_facts DROP COLUMN claim_key;
