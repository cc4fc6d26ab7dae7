-- Fingerprints are now computed per batch in the workers; linking them to the rest of the
-- warehouse happens afterwards, so record when each article was linked (NULL: not yet).
ALTER TABLE article_fingerprints ADD COLUMN linked_at TIMESTAMPTZ;
UPDATE article_fingerprints SET linked_at = fingerprinted_at;
