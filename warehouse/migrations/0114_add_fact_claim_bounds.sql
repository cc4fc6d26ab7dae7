-- The figure each fact states, as an interval (issue 14): the value give or take half a unit of
-- its last written digit ("30 percent" is 29.5-30.5, so it is the same figure as "29.7%"), widened
-- by a hedge ("about 30" is 27-33; "at least 20" is 20-22, not open-ended, so it joins figures
-- near 20 only). The claims view groups facts of one story whose intervals overlap. Written by the
-- linking pass with the claim key; NULL for rows keyed before this migration (the view then takes
-- the value give or take half a unit).
ALTER TABLE fact_claims ADD COLUMN IF NOT EXISTS claim_low DOUBLE;
ALTER TABLE fact_claims ADD COLUMN IF NOT EXISTS claim_high DOUBLE;
