-- Public: every span the clean stage removed, with offsets into articles.raw_text.
SELECT article_id, kind, text, start_char, end_char, rule
FROM stg_boilerplate
