-- The summary the page shows its reader under the headline (its standfirst): the page's
-- description where an element of the page's body shows it whole, as shown; NULL otherwise. The
-- body is not changed by it (it starts with the same text where the extraction took the summary
-- as the first paragraph).
ALTER TABLE stg_articles ADD COLUMN summary VARCHAR;
