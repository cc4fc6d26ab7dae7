"""The shared spaCy pipeline: a blank English tokenizer plus sentence splitter, built once per
process, and one parse per body shared by the stages that read it (entities, facts, fingerprint)."""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from threading import Lock

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# No model download: a blank pipeline with rule-based components only.
MAX_DOC_CHARS = 2_000_000
# Parsed bodies kept for the next stage: the stages run batch-wide, one after the other, in one
# worker, which forgets the parses when the batch is done (flows.ingest.process_batch). The bound
# only guards other callers; a batch larger than it is parsed again by each stage.
PARSE_CACHE_SIZE = 1000


@lru_cache(maxsize=1)
def blank_pipeline() -> Language:
    """Tokenizer and rule-based sentence splitter, no statistical model."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_DOC_CHARS
    return nlp


_PARSED: OrderedDict[str, Doc] = OrderedDict()
_PARSED_LOCK = Lock()


def parse(text: str) -> Doc:
    """Tokenise and split sentences; a body parsed by an earlier stage is not parsed again.

    Callers must treat the Doc as read-only: it is shared.
    """
    with _PARSED_LOCK:
        doc = _PARSED.get(text)
        if doc is not None:
            _PARSED.move_to_end(text)
            return doc
    doc = blank_pipeline()(text)
    with _PARSED_LOCK:
        _PARSED[text] = doc
        while len(_PARSED) > PARSE_CACHE_SIZE:
            _PARSED.popitem(last=False)
    return doc


def sentence_index_at(doc: Doc, char: int) -> int:
    """Index of the sentence containing a character offset."""
    for i, sent in enumerate(doc.sents):
        if sent.start_char <= char < sent.end_char:
            return i
    return max(len(list(doc.sents)) - 1, 0)


def forget_parses() -> None:
    """Drop the shared parses: at the end of each batch, and in benchmarks that count every parse."""
    with _PARSED_LOCK:
        _PARSED.clear()
