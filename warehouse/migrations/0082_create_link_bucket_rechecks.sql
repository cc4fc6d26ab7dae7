-- LSH buckets that reloaded (or forgotten) articles left, with how many distinct bodies each held
-- before: the next linking pass links the remaining members again when a bucket that was a
-- template (more bodies than the linking cap) no longer is, then empties this table. Keeps the
-- links a function of what is loaded whatever the order of loads and reloads.
CREATE TABLE link_bucket_rechecks (
    band             SMALLINT NOT NULL,
    bucket           BIGINT NOT NULL,
    n_bodies_before  INTEGER NOT NULL,
    PRIMARY KEY (band, bucket)
);
