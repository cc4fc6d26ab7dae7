-- Public: numeric claims with offsets into articles.body.
SELECT fact_id, article_id, value, value_low, value_high, value_text, qualifier, unit, category,
       action, subject_entity_id, speaker_entity_id, speaker_text, polarity, sentence,
       sentence_index, start_char, end_char
FROM stg_facts
