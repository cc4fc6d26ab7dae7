-- The type a statistical NER gave a mention (PERSON, ORG, GPE, LOC, NORP, FAC, EVENT) when it
-- found the name (`factwire ingest --ner`); NULL for mentions found by the rules alone and for
-- every row of a run without NER. A local entity takes the type its mentions most often carry
-- (warehouse/queries/local_entities.sql).
ALTER TABLE stg_mentions ADD COLUMN entity_type VARCHAR;
