"""The shared spaCy pipeline: a blank English tokenizer plus sentencizer, built once per process."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# No model download: a blank pipeline with rule-based components only.
MAX_DOC_CHARS = 2_000_000


@lru_cache(maxsize=1)
def blank_pipeline() -> Language:
    """Tokenizer and rule-based sentence splitter, no statistical model."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_DOC_CHARS
    return nlp


def parse(text: str) -> Doc:
    """Tokenise and split sentences."""
    return blank_pipeline()(text)


def sentence_index_at(doc: Doc, char: int) -> int:
    """Index of the sentence containing a character offset."""
    for i, sent in enumerate(doc.sents):
        if sent.start_char <= char < sent.end_char:
            return i
    return max(len(list(doc.sents)) - 1, 0)
