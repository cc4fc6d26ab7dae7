-- Public: entity mentions with offsets into articles.body.
SELECT article_id, entity_id, surface, start_char, end_char, sentence_index, match_method, match_score
FROM stg_mentions
