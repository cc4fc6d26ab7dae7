-- Public: numeric claims with offsets into articles.body, and the outlet of their article.
SELECT f.fact_id, f.article_id, f.value, f.value_low, f.value_high, f.value_text, f.qualifier, f.unit, f.category,
       f.action, f.subject_entity_id, f.speaker_entity_id, f.speaker_text, f.polarity, f.sentence,
       f.sentence_index, f.start_char, f.end_char, a.outlet
FROM stg_facts f
LEFT JOIN stg_articles a USING (article_id)
