"""Extract stage: bytes to text plus metadata (trafilatura for HTML, decoding for plain text)."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import itertools
import re
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from html import unescape
from typing import Any, cast

import charset_normalizer
import pandas as pd
import trafilatura
from lxml.html import HtmlElement, HTMLParser, fromstring
from prefect import task
from prefect.cache_policies import NO_CACHE
from trafilatura import metadata as tm
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import decode_file, is_dubious_html, line_processing, repair_faulty_html

from tasks.common.isolation import keep_checked
from tasks.common.language import count_words
from tasks.common.metadata import (
    StructuredMetadata,
    byline_names,
    clean_authors,
    clean_site_name,
    in_page_furniture,
    parse_page_date,
    publisher_names,
    site_named_in_title,
    structured_metadata,
    time_next_to_day,
)
from tasks.common.models import Article, Batch, Quarantined, RawDocument
from tasks.common.timestamps import resolve_metadata_date
from tasks.discover import bom_encoding, looks_binary

MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024
METADATA_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
PREFERRED_SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15")


class ExtractError(ValueError):
    """A document that cannot be turned into text; the message is the quarantine reason."""


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """trafilatura settings, chosen by measurement on both extraction corpora (scrapinghub, fundus-dev).

    `python -m benchmarks.extraction --compare-options`, corpus F1 of extract + our clean stage
    (scrapinghub / fundus-dev): trafilatura's own extractor alone (fast=True) 0.9773 / 0.9483;
    with its readability/jusText fallback on every page (fast=False) 0.9731 / 0.9606; the fast
    extraction, retried with the fallback only when it comes back thin (chosen) 0.9773 / 0.9635
    (the others were measured one cleaning change earlier, when the chosen setting gave 0.9634).
    On a page where the fast pass returns a menu or one paragraph (WashingtonTimes, PoliticoEu,
    MallorcaMagazin in fundus-dev) the fallback finds the article; elsewhere it adds sidebars.
    favor_recall 0.9764 / 0.9606; favor_precision 0.9720 / 0.9548 (drops real paragraphs, loses a
    page); include_comments 0.9757 / 0.9629 (pulls readers' comments in); tables left out
    0.9746 / 0.9634. A cluttered fast pass (prose under retry_below_prose_share of its text) is
    retried as well, and a text still cluttered after that is tried with favor_precision,
    measured on both corpora as published and rewritten as older layouts
    (`python -m benchmarks.older_layouts`, README "Older layouts").
    """

    include_comments: bool = False  # the default True pulls readers' comments into the text
    fast: bool = True
    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    with_metadata: bool = True
    # Retry with the fallback (fast=False) when the fast pass has under this many characters of
    # prose; keep the retry when it has at least RETRY_GAIN times as much prose (plus RETRY_MARGIN).
    retry_below_prose_chars: int = 1500
    # Retry too when prose is under this share of the fast pass's text (menus, teaser lists, a
    # page of <br>-separated lines read whole); keep the retry when it is cleaner (see CLEANER_BY).
    retry_below_prose_share: float = 0.8
    # A text still cluttered after that is tried once more with favor_precision (kept when cleaner).
    retry_with_precision: bool = True


# The retry wins only when the fast pass had a fragment of it (under a third): a smaller gain is
# the fallback adding sidebars or other posts. Any gain from 2.5x to 4x and a threshold from 1000
# to 2000 characters measure the same on both corpora (see ExtractOptions).
RETRY_GAIN = 3.0
RETRY_MARGIN = 200
# A cluttered fast pass (prose under retry_below_prose_share of its text) gives way to the
# fallback's text when that text's prose share is at least CLEANER_BY higher and it keeps at
# least KEPT_PROSE of the fast pass's prose: the same article with less furniture, not a
# fragment of it. Measured on both corpora as published and as older layouts (README,
# "Older layouts"): shares 0.1-0.3 and kept 0.5-0.7 move no page as published by more than
# 0.01 F1 the wrong way.
CLEANER_BY = 0.2
KEPT_PROSE = 0.5
# trafilatura's precision mode is known to drop real paragraphs: its text replaces a cluttered one
# only when it keeps nearly all of that text's prose. Where it was taken (older-layout rewrites of
# scrapinghub) it kept 100-104%; the nearest text it was not taken for kept 88%.
PRECISION_KEPT_PROSE = 0.9
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
_TEASER_END = re.compile(r"(?:…|\.\.\.)\s*\]?\s*$")  # an excerpt cut off with an ellipsis: a teaser, not prose


def prose_chars(text: str) -> int:
    """Characters in lines that read as prose (80+ characters with a sentence end), not menus, labels or teasers."""
    return sum(
        len(line) for line in text.splitlines()
        if len(line.strip()) >= 80 and _SENTENCE_END.search(line) and not _TEASER_END.search(line)
    )


def prose_share(text: str) -> float:
    """The share of a text's characters (outside blank lines) that is prose; 0.0 for no text."""
    chars = sum(len(line) for line in text.splitlines() if line.strip())
    return prose_chars(text) / chars if chars else 0.0


def better_retry(fast_text: str, retry_text: str, options: ExtractOptions) -> bool:
    """Whether the fallback's text replaces the fast pass's: the fast pass found no text, or a
    fragment of what the fallback finds (thin), or the fallback has the same article with less
    furniture around it (cluttered)."""
    if not fast_text.strip():
        return True
    fast_prose, retry_prose = prose_chars(fast_text), prose_chars(retry_text)
    if fast_prose < options.retry_below_prose_chars and retry_prose >= RETRY_GAIN * fast_prose + RETRY_MARGIN:
        return True
    return prose_share(fast_text) < options.retry_below_prose_share and cleaner(fast_text, retry_text)


def cleaner(text: str, other: str, kept: float = KEPT_PROSE) -> bool:
    """Whether `other` is the same article as `text` with less furniture: its prose share at least
    CLEANER_BY higher, and at least `kept` of the prose kept (not a fragment of it)."""
    return prose_chars(other) >= kept * prose_chars(text) and prose_share(other) >= prose_share(text) + CLEANER_BY


DEFAULT_OPTIONS = ExtractOptions()


# trafilatura's parser settings, with libxml2's limits for huge documents lifted: without them a
# page nested deeper than 256 elements (a template that never closes its <div>s) is cut at that
# depth and its article lost (trafilatura returns nothing for a page with 250 unclosed <div>s).
# Discover already refuses files over its size limit.
DEEP_HTML_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                              remove_pis=True, huge_tree=True)


def load_page(html: bytes) -> HtmlElement | None:
    """The page as a tree, as trafilatura's load_html builds it (decoded, repaired, refused when it
    is no HTML document), through DEEP_HTML_PARSER; None when it does not parse."""
    text = decode_file(html)
    beginning = text[:50].lower()
    text = repair_faulty_html(text, beginning)
    tree = None
    for source in (text, text.encode("utf-8", "surrogatepass")):  # the bytes when the string will not do
        try:
            tree = fromstring(source, parser=DEEP_HTML_PARSER)
        except Exception:  # noqa: BLE001 -- a string with an encoding declaration (ValueError), lxml's parser errors
            continue
        if tree is not None and len(tree) >= 1:
            break
    if tree is None or (is_dubious_html(beginning) and len(tree) < 2):
        return None  # not an HTML document (a fragment or other data)
    return tree


def _fresh_tree(html: bytes, options: ExtractOptions) -> HtmlElement | None:
    """The page parsed again for another pass (trafilatura prunes the tree it is given), with the
    comment sections and hidden elements the first pass had removed removed again."""
    tree = load_page(html)
    if tree is not None:
        if not options.include_comments:
            remove_comment_sections(tree)
        remove_hidden_elements(tree)
    return tree


def article_id_for(content_sha256: str) -> str:
    """Stable article id: the first 16 hex digits of the content hash."""
    return content_sha256[:16]


def gunzip(data: bytes) -> bytes:
    """Decompress gzip bytes, every member of a multi-member file, refusing corrupt streams and
    decompression bombs."""
    if not data:
        raise ExtractError("empty document")
    parts: list[bytes] = []
    size = 0
    try:
        while data:
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = decompressor.decompress(data, MAX_DECOMPRESSED_BYTES + 1 - size)
            size += len(out)
            if size > MAX_DECOMPRESSED_BYTES or decompressor.unconsumed_tail:
                raise ExtractError(f"gzip expands beyond {MAX_DECOMPRESSED_BYTES:,} bytes")
            if not decompressor.eof:
                raise ExtractError("corrupt gzip: truncated stream")
            parts.append(out)
            # A gzip file may hold several members one after another (concatenated streams);
            # padding zeros after the last one are allowed.
            data = decompressor.unused_data.lstrip(b"\x00")
        return b"".join(parts)
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise ExtractError(f"corrupt gzip: {exc}") from exc


# Encodings a web page or a news wire may use (the WHATWG Encoding Standard's, by Python's names):
# charset_normalizer also weighs DOS and Mac code pages (cp775, cp852, mac_iceland, ...), which it
# picked for 14 of wikiref-dev's 130 texts, all of them Windows-1252.
WEB_ENCODINGS = frozenset({
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "latin_1",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10",
    "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "cp874",
    "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "shift_jis", "cp932", "euc_jp", "iso2022_jp", "euc_kr", "cp949",
    "utf_16", "utf_16_le", "utf_16_be",
})
# What Western text holds beyond ASCII when it is Windows-1252: letters of Latin-1 and typographic
# punctuation (quotes, dashes, ellipsis, no-break space, signs). A Polish or Czech text read as
# Windows-1252 shows superscripts and fractions (ł -> ³, ą -> ¹), a Cyrillic or CJK one far more
# high bytes.
# Ð ð Ý ý Þ þ are left out: they are the bytes of Turkish Ğ ğ İ ı Ş ş in Windows-1254.
_WESTERN_EXTRA = (set("‘’‚“”„–—…•†‡‰‹›€™ ©®°±·«»¢£¥§¶¿¡ªºµ") | set("ŒœŠšŽžŸƒ")
                  | {chr(c) for c in range(0xC0, 0x100) if chr(c) not in "×÷ÐðÝýÞþ"})
MAX_WESTERN_HIGH_SHARE = 0.15  # French, German, Spanish text: 1-6% of bytes; Greek, Cyrillic, CJK: most


def windows_1252_text(data: bytes) -> str | None:
    """The text when the bytes read as Western text in Windows-1252 (the encoding browsers assume
    for undeclared Western text): few bytes above ASCII, every one a Latin-1 letter or
    typographic punctuation. None otherwise."""
    high = sum(1 for b in data if b >= 0x80)
    if high > MAX_WESTERN_HIGH_SHARE * len(data):
        return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if all(c in _WESTERN_EXTRA for c in text if ord(c) >= 0x80) else None


# A UTF-8 sequence of two to four bytes; a byte above ASCII outside one is not UTF-8.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# UTF-8 with a few stray bytes: at least this many valid multi-byte sequences per stray byte. Text
# in a legacy code page read as UTF-8 has almost none (a Latin-1 letter is one byte between ASCII).
STRAY_BYTE_RATIO = 4
_DECLARED_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
DECLARATION_BYTES = 4096  # the <head> prefix read for a declared charset (browsers read 1,024 bytes; templates pad more)
# Labels that name a subset decode with the superset browsers use (WHATWG Encoding Standard):
# a page that says ISO-8859-1 is read as Windows-1252, whose quotes and dashes it nearly always has.
_WHATWG_SUPERSETS = {"ascii": "cp1252", "iso8859-1": "cp1252", "iso8859-9": "cp1254",
                     "iso8859-11": "cp874", "tis-620": "cp874", "gb2312": "gb18030", "gbk": "gb18030",
                     "euc_kr": "cp949", "shift_jis": "cp932"}


def _stray_as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: a byte that is not UTF-8 is read as Windows-1252 (the ’ or é a
    legacy editor pasted into a UTF-8 page), or U+FFFD where that code page has no character."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("factwire-stray-cp1252", _stray_as_windows_1252)


def mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few stray bytes: far more valid multi-byte sequences than bytes outside one."""
    high = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    sequences = _UTF8_SEQUENCE.findall(data)
    stray = high - sum(map(len, sequences))
    return stray > 0 and len(sequences) >= STRAY_BYTE_RATIO * stray


def declared_charset(html: bytes) -> str | None:
    """The Python codec of the charset a page declares in a <meta> near its top, as a browser reads
    it (ISO-8859-1 as Windows-1252, ...); None when it declares none or one Python does not know."""
    found = _DECLARED_CHARSET.search(html[:DECLARATION_BYTES])
    if not found:
        return None
    try:
        name = codecs.lookup(found[1].decode("ascii")).name
    except LookupError:
        return None
    return _WHATWG_SUPERSETS.get(name, name)


def html_as_utf8(html: bytes) -> bytes:
    """Page bytes as UTF-8, decoded the way a reader would see them: valid UTF-8 as it is; UTF-8
    with a few stray bytes with those read as Windows-1252; otherwise the charset the page declares;
    otherwise (none declared, or UTF-8 declared wrongly) Western bytes as Windows-1252. Anything
    else is left to trafilatura's detection."""
    try:
        html.decode("utf-8")
        return html
    except UnicodeDecodeError:
        pass
    if mostly_utf8(html):
        return html.decode("utf-8", errors="factwire-stray-cp1252").encode("utf-8")
    codec = declared_charset(html)
    if codec is not None and codec.replace("_", "-") not in ("utf-8", "utf-8-sig"):
        return html.decode(codec, errors="replace").encode("utf-8")
    if western := windows_1252_text(html):
        return western.encode("utf-8")  # undeclared, or wrongly declared UTF-8, and Western: as browsers read it
    return html


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode plain-text bytes: UTF-8 (with or without BOM) first, else the detected charset."""
    if not data.strip():
        raise ExtractError("empty document")
    if looks_binary(data):
        raise ExtractError("binary content, not text")
    if encoding := bom_encoding(data):
        try:
            return data.decode(encoding).lstrip("\ufeff"), encoding.rsplit("-", 1)[0]
        except UnicodeDecodeError as exc:
            raise ExtractError(f"undecodable text: {exc}") from exc
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if mostly_utf8(data):
        return data.decode("utf-8-sig", errors="factwire-stray-cp1252"), "utf-8"
    if western := windows_1252_text(data):
        return western, "cp1252"
    results = [r for r in charset_normalizer.from_bytes(data) if r.encoding in WEB_ENCODINGS]
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
    if encoding := bom_encoding(html):
        html = html.decode(encoding, errors="replace").lstrip("\ufeff").encode("utf-8")
    else:
        html = html_as_utf8(html)
    if _FEED_ROOT.match(html[:4096]):
        raise ExtractError(no_text_reason(html))  # a feed's item summaries are not an article, whatever text it has
    tree = load_page(html)
    if tree is None:
        raise ExtractError(no_text_reason(html))
    source_url = doc.source_uri if doc.source_uri.startswith("http") else None
    page = structured_metadata(tree) if options.with_metadata else None  # before trafilatura prunes the tree
    if not options.include_comments:
        remove_comment_sections(tree)  # before the author search too: a commenter is not the author
    meta = page_metadata(tree, source_url, options, known=page) if options.with_metadata else Document()
    url = source_url or meta.url  # as trafilatura does when it extracts the metadata itself
    remove_hidden_elements(tree)
    summary = shown_summary(tree, (page.description if page is not None else None) or meta.description)
    text = _main_text(tree, url, options, options.fast)
    if options.fast and (prose_chars(text) < options.retry_below_prose_chars or prose_share(text) < options.retry_below_prose_share):
        # thin (a menu, a teaser or one paragraph of a longer article) or cluttered (the article
        # among teasers, menus or a whole page of <br>-separated lines): the fallback extractors
        # (readability, jusText) often find the article then. trafilatura prunes the tree it is
        # given, so the retry parses the page again.
        retry = _main_text(_fresh_tree(html, options), url, options, False)
        if better_retry(text, retry, options):
            text = retry
    if options.retry_with_precision and not options.favor_precision and prose_share(text) < options.retry_below_prose_share:
        # still cluttered (a short article among menus a template does not mark as <nav>):
        # trafilatura's precision mode (with its fallback) prunes link-dense blocks harder; kept
        # only when it has the same article, all but a little of its prose, with less furniture
        precise = _main_text(_fresh_tree(html, options), url, replace(options, favor_precision=True), False)
        if cleaner(text, precise, PRECISION_KEPT_PROSE):
            text = precise
    if text.strip() and (rest := continued_text(html, text, options)):
        text = f"{text.rstrip()}\n{rest}"
    if not text.strip():
        raise ExtractError(no_text_reason(html))
    return Article(
        article_id=article_id_for(doc.content_sha256),
        source_uri=doc.source_uri,
        content_sha256=doc.content_sha256,
        media_type=doc.media_type,
        raw_text=text,
        url=meta.url or None,
        fetched_at=doc.fetched_at,
        summary=summary,
        **(choose_metadata(page, meta, html) if page is not None else {}),
    )


_FEED_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(?:rss|feed|rdf:RDF)\b", re.S | re.I)
_META_REFRESH = re.compile(
    rb"<meta[^>]+http-equiv=[\"']?refresh[\"']?[^>]*content=[\"']?\s*\d+\s*;\s*url\s*=\s*[\"']?([^\"'>\s]+)", re.I
)


def no_text_reason(html: bytes) -> str:
    """Why a page gave no text, for its quarantine row: a news feed and a redirect page say so
    (with where the redirect goes); anything else has no main text."""
    if _FEED_ROOT.match(html[:4096]):
        return "a news feed (RSS or Atom), not an article page: ingest the pages its items link to"
    if match := _META_REFRESH.search(html[:65536]):
        target = match.group(1).decode("utf-8", errors="replace")[:300]
        return f"a redirect page (meta refresh to {target}), no article text: ingest the page it leads to"
    return "no main text found in HTML"


_DATA_TABLE_PARTS = ("col", "colgroup", "tfoot", "thead", "th")
# A table whose text is at least this share link text lists links, whatever its grid.
LINK_TABLE_SHARE = 0.5


def _table_size(table: HtmlElement) -> tuple[int, int]:
    """Rows and columns of a table's own grid (spans counted, nested tables not)."""
    rows = columns = 0
    for row in table.xpath("./tr | ./*/tr"):
        span = 0
        for cell in row.xpath("./td | ./th"):
            try:
                span += max(1, int(cell.get("colspan") or 1))
            except ValueError:
                span += 1
        rows += 1
        columns = max(columns, span)
    return rows, columns


def _own(table: HtmlElement, tag: str) -> bool:
    """The table has this element in its own grid, not only inside a table nested in a cell."""
    return any(next(el.iterancestors("table"), None) is table for el in table.iterdescendants(tag))


def _link_share(table: HtmlElement) -> float:
    """The share of the table's text that is link text."""
    text = len(" ".join(table.text_content().split()))
    links = sum(len(" ".join(a.text_content().split())) for a in table.iterdescendants("a"))
    return links / text if text else 0.0


def is_data_table(table: HtmlElement) -> bool:
    """Readability's test of a table that holds data, not page layout (Readability.js `_markDataTables`).

    Data: a summary, a caption, header cells or column groups, or a grid with 10+ rows, 5+ columns
    or 11+ cells. Layout: marked role="presentation" or datatable="0", holding another table, or a
    single row or column. Two changes: a header cell of a table nested in a cell does not make the
    outer table data (Readability looks at every descendant), and a grid that is mostly links is a
    list of links (a menu, "most popular"), not data.
    """
    if table.get("role") in ("presentation", "none") or table.get("datatable") == "0":
        return False
    if table.get("summary") or any(c.text_content().strip() for c in table.iterchildren("caption")):
        return True
    if any(_own(table, part) for part in _DATA_TABLE_PARTS):
        return True
    if table.find(".//table") is not None:
        return False
    rows, columns = _table_size(table)
    if rows == 1 or columns == 1:
        return False
    if _link_share(table) >= LINK_TABLE_SHARE:
        return False
    return rows >= 10 or columns > 4 or rows * columns > 10


def mark_layout_tables(tree: HtmlElement) -> int:
    """Turn each table that lays out the page (not data) into blocks: the table, its row groups, rows
    and cells become <div>s, so trafilatura reads a layout cell as a block of the page (the article's
    paragraphs; a link list it prunes), not as one line of " | "-joined cells with the navigation and
    sidebars in the next cells. Tables nested in a cell are judged on their own. Returns how many."""
    layout = [table for table in tree.iter("table") if not is_data_table(table)]
    for table in layout:
        own = table.xpath("./tr | ./*/tr | ./*/tr/td | ./*/tr/th | ./tr/td | ./tr/th | ./thead | ./tbody | ./tfoot")
        for el in [table, *own]:
            el.tag = "div"
            for attr in ("colspan", "rowspan", "role"):
                el.attrib.pop(attr, None)
    return len(layout)


def _text_outside(el: HtmlElement, skip: frozenset[str]) -> str:
    """The text of `el` and its descendants but those whose tag is in `skip` (their tails kept)."""
    parts = [el.text or ""]
    for child in el:
        if child.tag not in skip:
            parts.append(_text_outside(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


# Readers' comments as sites name their containers: a class or id word, split at "-", "_", spaces and
# case changes ("sf_comment_list", "readerComments", "comments-area"), in the languages sites write them.
_COMMENT_WORDS = frozenset({
    "comment", "comments", "commentlist", "commentslist", "comentario", "comentarios",
    "commentaire", "commentaires", "kommentar", "kommentare", "commento", "commenti", "komentarze", "reacties",
})
# The same word as a state of the page or the post, not a container of comments: "comments-open",
# "has-comments", "no-comments" on the article's own wrapper.
_COMMENT_STATES = frozenset({"open", "closed", "enabled", "disabled", "has", "no", "with", "allow", "allowed", "on", "off", "status"})
_COMMENT_CONTAINERS = frozenset({"div", "section", "ul", "ol", "dl", "aside", "footer", "details", "form", "article"})
_WORD_BREAK = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")


def _comment_container(el: HtmlElement) -> bool:
    """The element's class or id names it a container of readers' comments."""
    for value in (el.get("id"), el.get("class")):
        if not value:
            continue
        words = {w.lower() for w in _WORD_BREAK.split(value) if w}
        if words & _COMMENT_WORDS and not words & _COMMENT_STATES:
            return True
    return False


def remove_comment_sections(tree: HtmlElement) -> int:
    """Remove the page's readers' comments (and the comment form): containers whose class or id
    names them so by a word of their own ("sf_comment_list", "user-comments", "commentList"), which
    trafilatura's own pruning misses when the name does not start with "comment". Never one that
    holds the headline or the article (an <h1>, an <article>, an articleBody). Also keeps a
    commenter's name out of the author search. Returns how many."""
    return _remove_outermost([
        el for el in tree.xpath(_MAYBE_COMMENTS)
        if el.tag in _COMMENT_CONTAINERS and _comment_container(el) and not el.xpath(_HOLDS_ARTICLE)
    ])


# The elements whose class or id may hold one of _COMMENT_WORDS, found by lxml in C first.
_LOWER = "translate({}, 'ABCDEIKMNORSTZ', 'abcdeikmnorstz')"
_MAYBE_COMMENTS = "//*[" + " or ".join(
    f"contains({_LOWER.format(attr)}, '{part}')" for attr in ("@class", "@id") for part in ("omment", "oment", "reacties")
) + "]"


_HOLDS_ARTICLE = ".//h1 | .//article | .//*[@itemprop='articleBody']"


def _remove_outermost(found: list[HtmlElement]) -> int:
    """Remove each element of `found` that is not inside another one, keeping its tail text."""
    chosen = set(found)
    removed = 0
    for el in found:
        parent = el.getparent()
        if parent is None or any(a in chosen for a in el.iterancestors()):
            continue
        tail = el.tail
        previous = el.getprevious()
        if tail and tail.strip():
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(el)
        removed += 1
    return removed


_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)


# A hidden element with more of the page's text than this is the article a script will show (a
# page that reveals its body after a consent or paywall check), not a pop-up.
HIDDEN_SHARE = 0.5
_NOT_SHOWN = frozenset({"script", "style", "noscript", "template", "head"})
_IS_OR_HOLDS_ARTICLE = (
    "descendant-or-self::h1 | descendant-or-self::article | descendant-or-self::*[@itemprop='articleBody']"
)


# What _hidden may be true of, found by lxml in C before Python reads each style.
_MAYBE_HIDDEN = ("//body//*[@hidden or contains(translate(@style, 'NOE', 'noe'), 'none')"
                 " or contains(translate(@style, 'HIDEN', 'hiden'), 'hidden')]")


def _hidden(el: HtmlElement) -> bool:
    """Styled display:none / visibility:hidden, or carrying the `hidden` attribute."""
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


def remove_hidden_elements(tree: HtmlElement) -> int:
    """Remove what the page does not show its reader, as Mozilla's Readability does: elements
    styled display:none or visibility:hidden or with the `hidden` attribute (a "save this article"
    pop-up, a login form, a duplicate of the standfirst). trafilatura prunes these too, but only
    when the pruning leaves six sevenths of the page, so on a short (paywalled) page it keeps them
    all. Never one that is or holds the headline or the article, nor one with over HIDDEN_SHARE of
    the page's text. aria-hidden="true" is left alone: it
    marks text that is shown but not read aloud (TechRadar's pull-outs, recall 0.975 -> 0.802).
    Measured: fundus-dev CanadaCom and TheProvince precision 0.96 -> 1.00, no other page of it or
    of the scrapinghub benchmark changed. Returns how many."""
    hidden = [
        el for el in tree.xpath(_MAYBE_HIDDEN)
        if el.tag not in ("html", "head", "body") and _hidden(el) and not el.xpath(_IS_OR_HOLDS_ARTICLE)
    ]
    if not hidden:
        return 0
    body = tree.find("body")
    page_chars = _shown_chars(body if body is not None else tree)
    return _remove_outermost([el for el in hidden if _shown_chars(el) <= HIDDEN_SHARE * page_chars])


_SHOWN_TEXT = "descendant::text()[normalize-space()][not(parent::script or parent::style or parent::noscript or parent::template)]"


def _shown_chars(el: HtmlElement) -> int:
    """Characters of the text a reader sees in `el` (not scripts, styles or the head)."""
    return sum(len(t.strip()) for t in el.xpath(_SHOWN_TEXT))


# A description shorter than this is a label or a slogan, not a summary of the article.
SUMMARY_MIN_WORDS = 8
_LEADING_MARKS = " \t\r\n\xa0\"'“”‘’«»„‚(¿¡—–-•*"
SUMMARY_ANCESTORS = 3  # how far above the element that starts it the summary's element may be
_SUMMARY_TAGS = ("p", "div", "h2", "h3", "span", "section", "header", "strong", "b", "em", "summary")
_WORDS = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


def shown_summary(tree: HtmlElement, description: str | None) -> str | None:
    """The page's summary as its reader sees it (the standfirst under the headline): the first
    element of the page's body whose whole text is the page's description (JSON-LD, OpenGraph or
    meta; a description cut short with "..." matches the start of it). None when the page shows
    none, when it shows it as a photo's caption, or when the description is a label or slogan of
    under SUMMARY_MIN_WORDS words. Where the page has no standfirst and describes itself by its
    first paragraph, the summary is that paragraph (and the body starts with it).

    The body is left as the extraction gave it: where a standfirst belongs to the article, the
    corpora disagree (fundus-dev counts it, the scrapinghub benchmark does not: prepending it to
    the body measured F1 0.9664 -> 0.9700 and 0.9782 -> 0.9765)."""
    if not description:
        return None
    want = _words(description)
    cut = description.rstrip().endswith(("...", "…"))
    if cut:
        want = want[:-1]  # cut short, perhaps inside a word: the page shows more of it
    body = tree.find("body")
    if len(want) < SUMMARY_MIN_WORDS or body is None:
        return None
    low, high = 0.8 * len(description), (4 if cut else 1.3) * len(description) + 10
    extra = 3 * len(want) if cut else 3  # words the page shows beyond the description
    best: tuple[int, str, HtmlElement] | None = None
    seen: set[HtmlElement] = set()
    opening = "".join(want)[:12]
    if not opening[:1].isalnum():
        return None
    # where the page starts writing it: an element whose own first words are the description's;
    # the summary is that element or one of its nearest ancestors (<p><b>The</b> prosecutor ...</p>)
    for text in body.xpath(".//text()[normalize-space()]"):
        head = text.lstrip(_LEADING_MARKS)
        if not head or head[0].casefold() != opening[0]:
            continue  # most texts start another way
        # an element's own text, or the text after it, which its parent shows ("<p><img>The prosecutor ...")
        owner = text.getparent()
        start = owner.getparent() if text.is_tail else owner
        if start is None or (not text.is_tail and owner.tag in _NOT_SHOWN):
            continue
        # by letters, not words: a drop cap splits the first word ("<span>W</span>hile ...")
        first = "".join(_words(head[:40]))[:12]
        if first and (opening.startswith(first) or first.startswith(opening)):
            best = _smaller_summary(best, start, want, low, high, extra, seen)
    if best is None or best[2].xpath(_IN_CAPTION):
        return None
    return best[1]


def _smaller_summary(best: tuple[int, str, HtmlElement] | None, start: HtmlElement, want: list[str], low: float,
                     high: float, extra: int, seen: set[HtmlElement]) -> tuple[int, str, HtmlElement] | None:
    """`best`, or the element at or just above `start` that shows the description with less besides it."""
    for el in (start, *itertools.islice(start.iterancestors(), SUMMARY_ANCESTORS)):
        if el in seen or el.tag not in _SUMMARY_TAGS:
            continue
        seen.add(el)
        shown = " ".join(_text_outside(el, _NOT_SHOWN).split())
        if low <= len(shown) <= high:
            got = _words(shown)
            if got[: len(want)] == want and len(got) <= len(want) + extra and (best is None or len(got) < best[0]):
                best = (len(got), shown, el)  # the element that shows the least besides it (not its wrapper)
    return best


# A photo's caption that the page reuses as its description is not a summary.
_IN_CAPTION = (
    "ancestor-or-self::figure | ancestor-or-self::figcaption"
    " | ancestor-or-self::*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"
)


_READINGS = frozenset({"rt", "rtc", "rp"})


def inline_ruby(tree: HtmlElement) -> int:
    """Write each <ruby> annotation (the reading set over a Japanese or Chinese name) as plain text in
    its line: the base, then the reading in the <rp> brackets the page gives for readers without
    ruby, as such readers show it ("尹錫悦（ユンソンニョル）"); without <rp>, the base alone.
    trafilatura otherwise puts the base on a line of its own, splitting the sentence, and drops
    the reading. Returns how many."""
    rubies = [r for r in tree.iter("ruby") if not any(a.tag == "ruby" for a in r.iterancestors())]
    for ruby in rubies:
        text = _text_outside(ruby, frozenset() if ruby.find(".//rp") is not None else _READINGS).strip()
        parent, previous = ruby.getparent(), ruby.getprevious()
        if parent is None:
            continue
        joined = text + (ruby.tail or "")
        if previous is not None:
            previous.tail = (previous.tail or "") + joined
        else:
            parent.text = (parent.text or "") + joined
        parent.remove(ruby)
    return len(rubies)


# Elements that end a run of text: a paragraph made from <br>-separated text stops before them.
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dir", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "iframe", "li",
    "main", "menu", "nav", "noscript", "ol", "p", "pre", "script", "section", "style", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
})
# Elements whose text is one unit already (a paragraph, a heading, a list item, a link): left as written.
_NOT_SPLIT = frozenset({"p", "pre", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "button", "label", "option", "textarea", "title", "head"})


def _chained_breaks(kids: list[HtmlElement]) -> list[bool]:
    """For each child, whether it is a <br> next to another with nothing but blanks between."""
    breaks = [isinstance(k.tag, str) and k.tag == "br" for k in kids]
    return [
        breaks[i] and (
            (i + 1 < len(kids) and breaks[i + 1] and not (kids[i].tail or "").strip())
            or (i > 0 and breaks[i - 1] and not (kids[i - 1].tail or "").strip()))
        for i in range(len(kids))
    ]


def _has_content(p: HtmlElement) -> bool:
    return bool("".join(p.itertext()).strip()) or any(isinstance(e.tag, str) and e.tag != "br" for e in p)


def _split_at_breaks(parent: HtmlElement, kids: list[HtmlElement], chained: list[bool]) -> None:
    """Rewrite the parent's content as <p>s cut at the chained <br>s, its blocks kept in place."""
    made: list[HtmlElement] = []
    current = parent.makeelement("p", {})
    current.text = parent.text
    for kid, in_chain in zip(kids, chained, strict=True):
        tail, kid.tail = kid.tail, None
        if in_chain or (isinstance(kid.tag, str) and kid.tag in _BLOCKS):
            if _has_content(current):
                made.append(current)
            current = parent.makeelement("p", {})
            if not in_chain:
                made.append(kid)
        else:
            current.append(kid)
        if tail and len(current):
            current[-1].tail = (current[-1].tail or "") + tail
        elif tail:
            current.text = (current.text or "") + tail
    if _has_content(current):
        made.append(current)
    parent.text = None
    parent[:] = made


def paragraphs_from_breaks(tree: HtmlElement) -> int:
    """Make paragraphs of text a page separates with blank lines (<br><br>) instead of <p>, as
    older templates, blogs and table layouts do: each run of text and inline elements between two
    or more consecutive <br>s (or a block element) becomes a <p>, a single <br> stays a line break
    inside it. Readability does the same (its replaceBrs); trafilatura's own extractor, which reads
    paragraphs, otherwise drops runs of such text or takes the whole container. Returns how many
    elements were rewritten."""
    parents = {id(br.getparent()): br.getparent() for br in tree.iter("br") if br.getparent() is not None}
    done = 0
    for parent in parents.values():
        if not isinstance(parent.tag, str) or parent.tag in _NOT_SPLIT:
            continue
        kids = list(parent)
        chained = _chained_breaks(kids)
        if any(chained):
            _split_at_breaks(parent, kids, chained)
            done += 1
    return done


CONTINUATION_KEY_CHARS = 40  # the start of a paragraph that finds it in the page
# A class naming the article's body: "article__body", "articleBody", "entry-content", "story-body", "post_text".
_BODY_CLASS = re.compile(r"(?:article|story|entry|post)[-_]*(?:body|content|text)", re.I)
_CLASS_ATTRIBUTE = re.compile(rb"""\sclass\s*=\s*["']([^"']*)["']""", re.I)


def continued_text(html: bytes, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> str:
    """The rest of an article a template splits into several containers of the same tag and body
    class around an advertisement or a promotion (Wired's "article__body" blocks, rp.pl's articleBody),
    of which trafilatura keeps the first: the paragraphs of the later containers like the one
    holding the extracted text's last paragraph, not already extracted. "" when there are none."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if len(line) >= CONTINUATION_KEY_CHARS]
    body_classes = Counter(c for value in _CLASS_ATTRIBUTE.findall(html) for c in value.split() if _BODY_CLASS.search(c.decode("latin-1")))
    if not lines or not any(n > 1 for n in body_classes.values()):
        return ""  # no body class written twice: nothing to continue (and no second parse of the page)
    tree = load_page(html)
    if tree is None:
        return ""
    if not options.include_comments:
        remove_comment_sections(tree)
    remove_hidden_elements(tree)
    key = lines[-1][:CONTINUATION_KEY_CHARS]
    last = next((p for p in tree.iter("p") if " ".join(p.text_content().split()).startswith(key)), None)
    container = next((a for a in last.iterancestors() if a.get("class")), None) if last is not None else None
    if container is None or container.tag in ("body", "html") or not _BODY_CLASS.search(container.get("class", "")):
        return ""  # only a container the template names as the article's body, not "content" or a widget
    # the same body class, whatever modifier classes each part adds ("body articleBody -bottom-space")
    same = [el for el in tree.iter(container.tag) if _body_tokens(el) == _body_tokens(container)]
    inside = set(container.iterdescendants())
    order = {el: i for i, el in enumerate(tree.iter())}
    headlines = [order[h] for h in tree.iter("h1")]
    article = next((a for a in container.iterancestors("article")), None)
    seen = {line[:CONTINUATION_KEY_CHARS] for line in lines}
    out: list[str] = []
    for el in same[same.index(container) + 1:]:
        if el in inside:
            continue
        if any(order[container] < h < order[el] for h in headlines) or next(el.iterancestors("article"), None) is not article:
            break  # another article's body (a page that loads the next story below): a headline or an <article> between
        if in_page_furniture(el):
            continue
        for p in el.iter("p", "h2", "h3"):
            line = " ".join(p.text_content().split())
            if line and line[:CONTINUATION_KEY_CHARS] not in seen:
                seen.add(line[:CONTINUATION_KEY_CHARS])
                out.append(line)
    return "\n".join(out)


def _body_tokens(el: HtmlElement) -> frozenset[str]:
    """The classes of an element that name an article body ("articleBody", "article__body")."""
    return frozenset(c for c in (el.get("class") or "").split() if _BODY_CLASS.search(c))


def _main_text(tree: HtmlElement | None, url: str | None, options: ExtractOptions, fast: bool) -> str:
    """trafilatura's main text of a parsed page, "" when it finds none (or there is no page)."""
    if tree is None:
        return ""
    if options.include_tables:
        mark_layout_tables(tree)
    inline_ruby(tree)
    paragraphs_from_breaks(tree)
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=options.include_comments,
        fast=fast,
        favor_precision=options.favor_precision,
        favor_recall=options.favor_recall,
        include_tables=options.include_tables,
        with_metadata=False,
    )
    if result is None or isinstance(result, dict):
        return ""
    return result.text or ""


def choose_metadata(page: StructuredMetadata, meta: Document, html: bytes = b"") -> dict[str, Any]:
    """Article fields from the page's structured data first, then trafilatura's, with each source kept."""
    sources = dict(page.sources)
    site, site_names = site_and_names(page, meta)
    title = page.title if page.title and plausible_title(page.title, site) else None
    if title is None and meta.title and plausible_title(meta.title, site):
        title, sources["title"] = meta.title, "trafilatura"
    if title is None:
        sources.pop("title", None)
    # The site's own name as author is kept only from structured data (an Organization author)
    # and only when no person is named elsewhere on the page.
    authors = clean_authors(page.authors, site_names)
    if not authors and meta.author:
        authors = clean_authors(meta.author.split(";"), site_names)
        sources["author"] = "trafilatura"
    if not authors and page.sources.get("author") == "json-ld":
        authors, sources["author"] = clean_authors(page.authors), "json-ld"
    if not authors:
        sources.pop("author", None)
    published_text = page.published_text
    parsed = parse_page_date(published_text)
    if parsed is None and meta.date:
        published_text, parsed = meta.date, parse_page_date(meta.date)
        if parsed is not None:
            sources["published_at"] = "trafilatura"
            if parsed.has_zone is False and (parsed.value.hour, parsed.value.minute, parsed.value.second) == (0, 0, 0):
                parsed = replace(parsed, precision="day")  # htmldate writes a bare date as midnight
            if parsed.precision == "day" and parsed.value.day == 1 and not first_day_written(html, parsed.value):
                parsed = None  # htmldate turns a year or a month alone ("© 2008", /2008/05/) into the 1st: unknown, not invented
    if parsed is None:
        sources.pop("published_at", None)
        published_text = None
    elif parsed.precision == "day" and (clock := time_next_to_day(html.decode("utf-8", errors="replace"), parsed.value.date())):
        # the metadata gives the day; the page's byline writes the time next to that same day
        published_text = f"{parsed.value.date().isoformat()}T{clock[0]:02d}:{clock[1]:02d}{'Z' if clock[2] else ''}"
        parsed = parse_page_date(published_text)
        sources["published_at"] = f"{sources.get('published_at', 'metadata')} (day) + time next to it in the text"
    resolved = resolve_metadata_date(published_text, precision=parsed.precision, host=meta.hostname) if parsed and published_text else None
    return {
        "title": title,
        "author": "; ".join(authors) or None,
        "outlet": site or meta.hostname or None,
        "published_at": resolved.published_at if resolved else None,
        "published_at_text": published_text,
        "published_at_source": resolved.resolution if resolved else None,
        "published_at_precision": parsed.precision if parsed else None,
        "description": page.description or meta.description or None,
        "credited_source": page.credited_source,
        "metadata_sources": sources,
    }


def site_and_names(page: StructuredMetadata, meta: Document) -> tuple[str | None, tuple[str, str, str]]:
    """The site's name (structured data first, then trafilatura's), and the names an author must
    not be: that name, the host, the host without its suffix."""
    site = clean_site_name(page.site_name) or clean_site_name(meta.sitename)
    host = (meta.hostname or "").removeprefix("www.")
    return site, (site or "", host, host.rsplit(".", 1)[0])


def first_day_written(html: bytes, value: datetime) -> bool:
    """The page writes the 1st of that month out in full: ISO, numeric, or with the month's name in any language."""
    text = html.decode("latin-1")
    y, m = str(value.year), f"0?{value.month}"
    month_word = r"[^\W\d_]{3,}\.?"  # the month's name, whatever the language
    return bool(re.search(
        rf"{y}[-/.]{m}[-/.]0?1(?!\d)|(?<!\d)0?1[./]{m}[./]{y}|(?<!\d){m}/0?1/{y}"
        rf"|(?<!\d)0?1(?:st|er|º)?\.?\s+(?:de\s+)?{month_word},?\s+(?:de\s+)?{y}|{month_word}\s+0?1(?:st)?,?\s+{y}",
        text,
    ))


def plausible_title(title: str, site_name: str | None) -> bool:
    """A headline, not the site's name or slogan alone."""
    text = " ".join(title.split())
    if not text or not any(c.isalnum() for c in text):
        return False
    return not (site_name and text.casefold() == " ".join(site_name.split()).casefold())


def page_metadata(tree: HtmlElement, url: str | None, options: ExtractOptions = DEFAULT_OPTIONS,
                  known: StructuredMetadata | None = None) -> Document:
    """Title, author, date, URL, site name and description: trafilatura's extract_metadata, step
    for step, without the parts factwire does not store (categories, tags, licence), which cost
    about 1.5 ms a page (measured over the extraction benchmark).

    With `known` (the page's structured data), the two costly searches run only when
    choose_metadata would use their answer: trafilatura's author search (~6 ms a page) when the
    structured data names no author, htmldate (~4 ms) when it gives no readable date."""
    date_config = {**set_date_params(True), "outputformat": METADATA_DATE_FORMAT}  # the time and zone when the page has them
    metadata = tm.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader has bugs; it catches them the same way
        metadata = tm.extract_meta_json(tree, metadata)
    if not metadata.title:
        metadata.title = tm.extract_title(tree)
    author_missing = not metadata.author
    if not metadata.url:
        metadata.url = tm.extract_url(tree, url)
    if metadata.url:
        metadata.hostname = tm.extract_domain(metadata.url, fast=True)
    date_config["url"] = metadata.url
    if not metadata.sitename:
        metadata.sitename = site_in_title(tree, (known.title if known is not None else None, metadata.title))
    if metadata.sitename:
        handle = metadata.sitename.startswith("@")
        metadata.sitename = metadata.sitename.lstrip("@")
        if handle:  # a Twitter handle ("@afpbbcom"): the name the <title> writes, where it does
            host = (metadata.hostname or "").removeprefix("www.").split(".")[0]
            metadata.sitename = site_named_in_title(tree, (metadata.sitename, host)) or metadata.sitename
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = tm.META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    # The search for a byline (trafilatura's, then a labelled field or an author page's link) runs
    # when neither the structured data nor the meta tags name a person: no author, or only the
    # publisher ("Deutsche Welle (www.dw.com)" on dw.com, the site's name).
    publisher: tuple[str, ...] = ()
    if known is not None:
        site_names = site_and_names(known, metadata)[1]
        publisher = site_names + publisher_names(known.authors, site_names)
    person_known = known is not None and bool(clean_authors(known.authors, publisher))
    if author_missing and not person_known:
        found = _trimmed(tm.extract_author(tree))
        if not found or not clean_authors(found.split(";"), publisher):
            # nothing, or nothing a name survives in ("Michael Hincks Freelance sports writer": a role
            # run into the name): a labelled field or an author page's link, else what was found
            found = "; ".join(byline_names(tree)) or found
        metadata.author = found or None
    elif not person_known and not clean_authors([metadata.author or ""], publisher):
        # only the publisher: trafilatura's search would take any byline-like text here ("Folgen", an
        # agency), so only a labelled author field or an author page's link names a person instead
        metadata.author = "; ".join(byline_names(tree)) or metadata.author
    if metadata.author:
        quoted = (known if known is not None else structured_metadata(tree)).quoted_authors
        if quoted and all(any(" ".join(part.split()).casefold() in q for q in quoted) for part in metadata.author.split(";")):
            metadata.author = None  # the claimant a fact-check reviews (trafilatura splits it at "and"), not the page's author
    if metadata.author:
        metadata.author = authors_as_written(metadata.author, tree)
    if known is None or parse_page_date(known.published_text) is None:
        metadata.date = _trimmed(tm.find_date(tree, **date_config))
    return metadata


_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")


def authors_as_written(authors: str, tree: HtmlElement) -> str:
    """trafilatura's author names with the dots it takes out put back as the page writes them:
    "Dana A Ford" is "Dana A. Ford", "James S A Corey" "James S.A. Corey", "Dr Max Kolter" "Dr.
    Max Kolter", wherever the page (its meta tags or its text) writes the name so, case and all."""
    names = [n.strip() for n in authors.split(";") if n.strip()]
    if not any(len(t) <= 3 for n in names for t in n.split()):
        return authors  # no initial, title or suffix that could have lost a dot
    written = " ".join([*tree.xpath("//meta/@content"), tree.text_content()])
    restored = []
    for name in names:
        tokens = name.split()
        if len(tokens) < 2 or not all(_NAME_TOKEN.fullmatch(t) for t in tokens):
            restored.append(name)
            continue
        pattern = r"(?:\.\s*|\s+)".join(re.escape(t) for t in tokens)
        if len(tokens[-1]) <= 3:
            pattern += r"\.?"
        found = next((m[0] for m in re.finditer(rf"(?<![\w.]){pattern}(?!\w)", written) if "." in m[0]), None)
        restored.append(" ".join(found.split()) if found else name)
    return "; ".join(restored)


# A domain written in a <title> part ("Prachatai.com", "News.co.uk"): a dot between letters and a lower-case suffix.
_DOMAIN_IN_TEXT = re.compile(r"[^\W_]\.[a-z]{2,}(?:\.[a-z]{2})?\b")
_DATE_PART = re.compile(r"^[\d\s./-]+$")
SITE_NAME_WORDS = 5  # the most words a site's name in a <title> has ("The Sydney Morning Herald")


def site_in_title(tree: HtmlElement, headlines: tuple[str | None, ...] = ()) -> str | None:
    """The site's name from the <title> as trafilatura finds it (of "A | B", the part with a dot in
    it), but never the headline: a headline with an abbreviation ("... อ.สุรชัย", "U.S. ...") is
    not the site, and a part that writes a domain ("ประชาไท Prachatai.com") comes first. Nor is a
    date ("13.06.2023") or a part of more than five words without a domain (the headline, when no
    metadata title says which part it is: "A few strong tornadoes could strike central U.S. ...")."""
    _title, *parts = tm.examine_title_element(tree)
    shown = {" ".join(h.split()).casefold() for h in headlines if h}
    dotted = [
        p for p in parts
        if p and "." in p and " ".join(p.split()).casefold() not in shown and not _DATE_PART.match(p)
        and (len(p.split()) <= SITE_NAME_WORDS or _DOMAIN_IN_TEXT.search(p))
    ]
    return next((p for p in dotted if _DOMAIN_IN_TEXT.search(p)), None) or next(iter(dotted), None)


def _trimmed(value: str | None) -> str | None:
    """A field as Document.clean_and_trim leaves it (length, entities, spaces, control characters)."""
    if not isinstance(value, str):
        return value
    if len(value) > 10000:
        value = value[:9999] + "…"
    return cast(str, line_processing(unescape(value)))


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
        "raw_text_words": [count_words(a.raw_text) for a in articles],
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
