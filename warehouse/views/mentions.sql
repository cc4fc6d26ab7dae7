-- Public: entity mentions with offsets into their field of the article (field: 'body' or 'title');
-- entity_type is the statistical NER's label where it found the name (NULL without --ner).
SELECT article_id, entity_id, surface, start_char, end_char, sentence_index, match_method, match_score,
       coalesce(field, 'body') AS field,
       coalesce(mention_kind, 'name') AS mention_kind,
       coalesce(link_method, CASE WHEN match_method = 'fuzzy' THEN 'fuzzy' ELSE 'alias' END) AS link_method,
       entity_type
FROM stg_mentions
