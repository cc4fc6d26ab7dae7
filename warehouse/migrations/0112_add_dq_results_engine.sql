-- Which engine evaluated a check: 'gx' (Great Expectations) or 'native' (expectations/native.py,
-- the same declared expectations in pandas, held to GX's verdicts by tests/test_validate.py).
-- Rows stored before this migration were all evaluated by GX; they keep NULL (staging rows are
-- never updated) and read as 'gx'.
ALTER TABLE dq_results ADD COLUMN engine VARCHAR;
