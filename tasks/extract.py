"""Extract stage: bytes to text plus metadata (trafilatura for HTML, decoding for plain text)."""

from __future__ import annotations

import contextlib
import gzip
import zlib
from dataclasses import dataclass

import charset_normalizer
import pandas as pd
import trafilatura
from lxml.html import HtmlElement
from prefect import task
from prefect.cache_policies import NO_CACHE
from trafilatura import metadata as tm
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import load_html

from tasks.common.isolation import keep_checked
from tasks.common.models import Article, Batch, Quarantined, RawDocument
from tasks.common.timestamps import resolve_metadata_date

# Share of control characters (other than tab/newline/carriage return) above which
# bytes are treated as binary rather than text in a broken encoding.
BINARY_CONTROL_SHARE = 0.05
MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024
METADATA_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
PREFERRED_SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15")
# Every byte except the control characters that do not occur in text (tab, LF, FF, CR do).
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13))


class ExtractError(ValueError):
    """A document that cannot be turned into text; the message is the quarantine reason."""


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """trafilatura settings, chosen by measurement on the extraction benchmark.

    `python -m benchmarks.extraction --compare-options` (corpus F1 of extract + our clean
    stage): chosen 0.9774; with the readability/jusText fallback (fast=False) 0.9731;
    favor_recall 0.9765; favor_precision 0.9505 (it drops real paragraphs: recall 0.944);
    include_comments 0.9758. Plain trafilatura.extract with defaults: 0.9525.
    """

    include_comments: bool = False  # the default True pulls readers' comments into the text
    fast: bool = True
    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    with_metadata: bool = True


DEFAULT_OPTIONS = ExtractOptions()


def article_id_for(content_sha256: str) -> str:
    """Stable article id: the first 16 hex digits of the content hash."""
    return content_sha256[:16]


def gunzip(data: bytes) -> bytes:
    """Decompress gzip bytes, refusing corrupt streams and decompression bombs."""
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = decompressor.decompress(data, MAX_DECOMPRESSED_BYTES + 1)
        if len(out) > MAX_DECOMPRESSED_BYTES:
            raise ExtractError(f"gzip expands beyond {MAX_DECOMPRESSED_BYTES:,} bytes")
        if not decompressor.eof:
            raise ExtractError("corrupt gzip: truncated stream")
        return out
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise ExtractError(f"corrupt gzip: {exc}") from exc


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding (NUL bytes, many control bytes)."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_CONTROL))  # counted in C, not byte by byte
    return controls > BINARY_CONTROL_SHARE * max(len(sample), 1)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode plain-text bytes: UTF-8 (with or without BOM) first, else the detected charset."""
    if not data.strip():
        raise ExtractError("empty document")
    if looks_binary(data):
        raise ExtractError("binary content, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    results = list(charset_normalizer.from_bytes(data))
    if not results:
        raise ExtractError("undecodable text: no character encoding fits")
    best = min(results, key=lambda r: r.chaos)
    # Single-byte code pages often tie; the Western ones are by far the most common in news.
    for match in results:
        if match.encoding in PREFERRED_SINGLE_BYTE and match.chaos <= best.chaos:
            return str(match), match.encoding
    return str(best), best.encoding


def extract_html(doc: RawDocument, html: bytes, options: ExtractOptions = DEFAULT_OPTIONS) -> Article:
    """Main text and metadata of an HTML page via trafilatura."""
    if not html.strip():
        raise ExtractError("empty document")
    if looks_binary(html):
        raise ExtractError("binary content, not HTML")
    tree = load_html(html)
    if tree is None:
        raise ExtractError("no main text found in HTML")
    source_url = doc.source_uri if doc.source_uri.startswith("http") else None
    meta = page_metadata(tree, source_url, options) if options.with_metadata else Document()
    result = trafilatura.bare_extraction(
        tree,
        url=source_url or meta.url,  # as trafilatura does when it extracts the metadata itself
        include_comments=options.include_comments,
        fast=options.fast,
        favor_precision=options.favor_precision,
        favor_recall=options.favor_recall,
        include_tables=options.include_tables,
        with_metadata=False,
    )
    if result is None or isinstance(result, dict) or not (result.text or "").strip():
        raise ExtractError("no main text found in HTML")
    published_text = meta.date or None
    resolved = resolve_metadata_date(published_text) if published_text else None
    return Article(
        article_id=article_id_for(doc.content_sha256),
        source_uri=doc.source_uri,
        content_sha256=doc.content_sha256,
        media_type=doc.media_type,
        raw_text=result.text or "",
        title=meta.title or None,
        author=meta.author or None,
        outlet=meta.sitename or meta.hostname or None,
        published_at=resolved.published_at if resolved else None,
        published_at_text=published_text,
        published_at_source=resolved.resolution if resolved else None,
        url=meta.url or None,
        fetched_at=doc.fetched_at,
        description=meta.description or None,
    )


def page_metadata(tree: HtmlElement, url: str | None, options: ExtractOptions = DEFAULT_OPTIONS) -> Document:
    """Title, author, date, URL, site name and description: trafilatura's extract_metadata, step
    for step, without the parts factwire does not store (categories, tags, licence), which cost
    about 1.5 ms a page (measured over the extraction benchmark)."""
    date_config = {**set_date_params(True), "outputformat": METADATA_DATE_FORMAT}  # the time and zone when the page has them
    metadata = tm.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader has bugs; it catches them the same way
        metadata = tm.extract_meta_json(tree, metadata)
    if not metadata.title:
        metadata.title = tm.extract_title(tree)
    if not metadata.author:
        metadata.author = tm.extract_author(tree)
    if not metadata.url:
        metadata.url = tm.extract_url(tree, url)
    if metadata.url:
        metadata.hostname = tm.extract_domain(metadata.url, fast=True)
    date_config["url"] = metadata.url
    metadata.date = tm.find_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = tm.extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = tm.META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def extract_text(doc: RawDocument, data: bytes) -> Article:
    """A plain-text article: decoded, kept exactly as written (title and outlet come in clean)."""
    text, _encoding = decode_text(data)
    return Article(
        article_id=article_id_for(doc.content_sha256),
        source_uri=doc.source_uri,
        content_sha256=doc.content_sha256,
        media_type=doc.media_type,
        raw_text=text,
        fetched_at=doc.fetched_at,
    )


def extract_document(doc: RawDocument, options: ExtractOptions = DEFAULT_OPTIONS) -> Article:
    """Turn one raw document into an Article, raising ExtractError with a clear reason."""
    if doc.error:
        raise ExtractError(doc.error)
    data = doc.raw_bytes
    if doc.media_type == "application/gzip+html":
        data = gunzip(data)
        return extract_html(doc, data, options)
    if doc.media_type == "text/html":
        return extract_html(doc, data, options)
    return extract_text(doc, data)


def extract_documents(
    docs: list[RawDocument], options: ExtractOptions = DEFAULT_OPTIONS
) -> tuple[list[Article], list[Quarantined]]:
    """Extract a batch; failures become quarantine rows with the raw bytes kept."""
    articles: list[Article] = []
    quarantined: list[Quarantined] = []
    for doc in docs:
        try:
            articles.append(extract_document(doc, options))
        except ExtractError as exc:
            quarantined.append(Quarantined(doc.source_uri, doc.content_sha256 or None, "extract", str(exc), doc.raw_bytes))
        except Exception as exc:  # a library crash on one page must not fail the batch
            reason = f"extractor crashed: {type(exc).__name__}: {exc}"
            quarantined.append(Quarantined(doc.source_uri, doc.content_sha256 or None, "extract", reason, doc.raw_bytes))
    return articles, quarantined


def extracted_frame(articles: list[Article]) -> pd.DataFrame:
    """What the extracted_articles suite checks: each article's text and metadata as extracted."""
    now = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    frame = pd.DataFrame({
        "article_id": [a.article_id for a in articles],
        "content_sha256": [a.content_sha256 for a in articles],
        "media_type": [a.media_type for a in articles],
        "raw_text_chars": [len(a.raw_text.strip()) for a in articles],
        "raw_text_words": [len(a.raw_text.split()) for a in articles],
        "title": [a.title for a in articles],
        "published_at": pd.to_datetime([a.published_at for a in articles], utc=True),
        "check_raw_text_free_of_nul": ["\x00" not in a.raw_text for a in articles],
    })
    frame["check_published_not_in_future"] = frame["published_at"].isna() | (frame["published_at"] <= now)
    return frame


@task(name="extract", cache_policy=NO_CACHE)
def extract(docs: list[RawDocument], run_id: str = "", index: int = 0, options: ExtractOptions = DEFAULT_OPTIONS) -> Batch:
    """Extract a batch and check it: starts the batch that later stages fill."""
    from tasks.runs import log_stage, monotonic  # the run's log line (issue 15)

    started = monotonic()
    articles, quarantined = extract_documents(docs, options)
    batch = Batch(run_id, index, articles=articles, quarantined=quarantined)
    keep_checked(batch, "extracted_articles", extracted_frame(batch.articles), article_level=True)
    log_stage("extract", batch, len(docs), started)
    return batch
