"""Both extraction corpora rewritten as older layouts, legacy encodings and broken markup, to see how extraction
holds on pages unlike the ones its rules were measured on.

    python -m benchmarks.older_layouts [--corpus NAME] [--variant NAME] [--factwire-only] [--keep DIR]

Many pages users ingest are older than the benchmarks' (the 2000s: table layouts, no HTML5
elements, no structured data, paragraphs written as text between <br><br>). No such corpus with
expected bodies is here, so this rewrites every page of scrapinghub and fundus-dev five ways and
scores factwire and both trafilatura settings on them, with each corpus's own metric:

- `html4`: structured metadata stripped (as `benchmarks.strip_metadata`), the HTML5 sectioning
  elements (article, section, header, footer, nav, aside, main, figure, figcaption, hgroup)
  written as <div>, <time> as <span>, and the ARIA role/aria-*/data-* attributes dropped. Class
  names and ids are kept: older templates had them too ("storybody", "headline").
- `br`: `html4`, with every <p> replaced by its text followed by <br><br>.
- `latin1`: the page as a server of the 2000s sent it: declared ISO-8859-1 in a <meta>, its bytes
  Windows-1252 (the code page browsers read for that label), every character outside it written as
  a numeric character reference.
- `stray`: the UTF-8 page with a Windows-1252 byte (0x92, a ’ typed in a legacy editor) pasted
  into three of its paragraphs, so that it is no longer valid UTF-8; the mutation itself splits
  three words, which costs a little.
- `deep`: the page with 300 `<div>`s opened after `<body>` and never closed (a template that
  forgets to close one in a loop), so that the article sits deeper than libxml2's default depth
  limit of 256 elements.

The rewrite is mechanical, so the figures are a stress test, not a measure of any real older
corpus: the `br` variant in particular is undone exactly by the <br><br>-to-paragraph step of
extraction (`tasks.extract.paragraphs_from_breaks`). What it shows is which steps depend on
modern markup. Floors for factwire are in benchmarks/older_layouts_floor.json.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.extraction import (
    CORPORA,
    EXTRACTORS,
    REPO,
    ExtractorRun,
    _rate,
    floor_failures,
    load_floor,
    open_corpus,
    run_extractor,
)
from benchmarks.strip_metadata import rewritten_copy, strip_metadata

FLOOR_FILE = REPO / "benchmarks" / "older_layouts_floor.json"
_SECTIONING = re.compile(r"<(/?)(?:article|section|header|footer|nav|aside|main|figure|figcaption|hgroup)\b", re.I)
_TIME = re.compile(r"<(/?)time\b", re.I)
_MODERN_ATTRIBUTES = re.compile(r"\s(?:role|aria-[\w-]+|data-[\w-]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?", re.I)
_P_OPEN = re.compile(r"<p(?:\s[^>]*)?>", re.I)
_P_CLOSE = re.compile(r"</p\s*>", re.I)


def as_html4(html: str) -> str:
    """The page without structured metadata, HTML5 sectioning elements or ARIA/data attributes."""
    html = _SECTIONING.sub(lambda m: f"<{m[1]}div", strip_metadata(html))
    return _MODERN_ATTRIBUTES.sub(" ", _TIME.sub(lambda m: f"<{m[1]}span", html))


def as_breaks(html: str) -> str:
    """`as_html4`, with paragraphs written as text followed by a blank line (<br><br>)."""
    return _P_CLOSE.sub("<br><br>", _P_OPEN.sub("", as_html4(html)))


_CHARSET_META = re.compile(r"<meta\b[^>]*charset[^>]*>", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_PARAGRAPH_TEXT = re.compile(r"<p\b[^>]*>[^<]{40}")
STRAY_BYTE = b"\x92"


def as_latin1(html: str) -> bytes:
    """The page declared ISO-8859-1 and encoded Windows-1252, with character references for the rest."""
    html = _CHARSET_META.sub("", html)
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    html = _HEAD.sub(lambda m: m[0] + meta, html, count=1) if _HEAD.search(html) else meta + html
    return html.encode("cp1252", errors="xmlcharrefreplace")


def with_stray_bytes(html: str) -> bytes:
    """The UTF-8 page with a stray Windows-1252 byte 40 characters into its first three paragraphs."""
    data = html.encode("utf-8")
    spots = [len(html[: m.end()].encode("utf-8")) for m in _PARAGRAPH_TEXT.finditer(html)][:3]
    for at in reversed(spots or [len(data) // 2]):
        data = data[:at] + STRAY_BYTE + data[at:]
    return data


_BODY = re.compile(r"<body\b[^>]*>", re.I)
UNCLOSED_DIVS = 300


def with_unclosed_divs(html: str) -> str:
    """The page with 300 <div>s opened after <body> and never closed, as a template that forgets to
    close one in a loop writes it: the article sits deeper than libxml2's default limit of 256."""
    opened = "<div>" * UNCLOSED_DIVS
    return _BODY.sub(lambda m: m[0] + opened, html, count=1) if _BODY.search(html) else opened + html


VARIANTS: dict[str, Callable[[str], str | bytes]] = {
    "html4": as_html4, "br": as_breaks, "latin1": as_latin1, "stray": with_stray_bytes, "deep": with_unclosed_divs,
}


def run_variant(corpus: str, variant: str, extractors: tuple[str, ...], workdir: Path) -> dict[str, ExtractorRun]:
    """Each extractor over the corpus rewritten as the variant."""
    target = rewritten_copy(CORPORA[corpus], workdir / variant / corpus, VARIANTS[variant])
    pages = open_corpus(corpus, target)
    return {extractor: run_extractor(pages, extractor) for extractor in extractors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.older_layouts", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="one corpus (default: all)")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="one rewrite (default: all)")
    parser.add_argument("--factwire-only", action="store_true", help="skip the trafilatura baselines")
    parser.add_argument("--keep", type=Path, help="write the rewritten copies here (default: a temporary directory)")
    args = parser.parse_args(argv)
    extractors = ("factwire",) if args.factwire_only else EXTRACTORS
    floor = load_floor(FLOOR_FILE)
    failures: list[str] = []
    print(f"{'variant':8} {'corpus':12} {'extractor':22} {'P':>6} {'R':>6} {'F1':>6} {'lost':>5}  "
          f"{'title':>17} {'authors':>17} {'same day':>17} {'same minute':>17}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        for variant in args.variant or sorted(VARIANTS, reverse=True):
            for corpus in args.corpus or sorted(CORPORA, reverse=True):
                runs = run_variant(corpus, variant, extractors, workdir)
                for name, run in runs.items():
                    s = run.score
                    m = run.metadata
                    rates = "  ".join(f"{_rate(r):>17}" for r in (m.title, m.authors, m.day, m.minute)) if m else ""
                    print(f"{variant:8} {corpus:12} {name:22} {s.precision:.4f} {s.recall:.4f} {s.f1:.4f} {len(run.lost):>5}  {rates}",
                          flush=True)
                key = f"{variant}/{corpus}"
                failures += floor_failures(key, runs["factwire"], floor.get(key, {}))
    for failure in failures:
        print("below floor:", failure)
    print(f"floor ({FLOOR_FILE.relative_to(REPO)}): {'met' if not failures else 'NOT met'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
