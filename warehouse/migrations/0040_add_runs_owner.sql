-- Which process runs each run, so a later run can tell a crashed run (status stays 'running')
-- from one that is still going, and mark the crashed one 'abandoned'.
ALTER TABLE runs ADD COLUMN host VARCHAR;
ALTER TABLE runs ADD COLUMN pid INTEGER;
