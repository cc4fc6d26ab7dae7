"""fundus-dev as older pages are: the same pages with their structured metadata taken out.

    python -m benchmarks.strip_metadata [--keep DIR]

Most of fundus-dev's publishers give title, authors and date in JSON-LD or OpenGraph, so the
fallbacks (trafilatura's byline search, the text's timestamps, the `<title>`) are seldom reached
on them, while many pages users ingest (older layouts, small sites) have no structured data at
all. This copies every page with JSON-LD, OpenGraph/Twitter/article/Dublin Core/Parse.ly meta
tags and microdata (itemprop, itemscope, itemtype) removed, runs factwire over the copy through
the benchmark's code path, and prints body P/R/F1 and the metadata rates next to the figures on
the pages as published. A rule for pages without metadata is judged here as well as on the
corpora themselves.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.extraction import CORPORA, ExtractorRun, _rate, open_corpus, run_extractor

_JSON_LD = re.compile(r"<script[^>]*application/ld\+json[^>]*>.*?</script>", re.S | re.I)
_META = re.compile(
    r"<meta[^>]*(?:property|name)\s*=\s*[\"']?(?:og:|twitter:|article:|dc\.|dcterms\.|author|date|pubdate|publish|"
    r"parsely|sailthru|cxenseparse|lastmod|citation_)[^>]*>",
    re.I,
)
_MICRODATA = re.compile(r"\s(?:itemprop|itemscope|itemtype)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?", re.I)


def strip_metadata(html: str) -> str:
    """The page without its structured metadata (the visible page is left as it is)."""
    return _MICRODATA.sub(" ", _META.sub("", _JSON_LD.sub("", html)))


def rewritten_copy(source: Path, target: Path, rewrite: Callable[[str], str | bytes]) -> Path:
    """A copy of a corpus (html/*.html.gz and ground-truth.json) with every page rewritten; a
    rewrite that returns text is stored as UTF-8, one that returns bytes as they are."""
    (target / "html").mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "ground-truth.json", target / "ground-truth.json")
    for page in sorted((source / "html").glob("*.html.gz")):
        html = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
        out = rewrite(html)
        (target / "html" / page.name).write_bytes(gzip.compress(out if isinstance(out, bytes) else out.encode("utf-8")))
    return target


def stripped_copy(source: Path, target: Path) -> Path:
    """A copy of a corpus with every page stripped."""
    return rewritten_copy(source, target, strip_metadata)


def line(label: str, run: ExtractorRun) -> str:
    s, m = run.score, run.metadata
    assert m is not None
    return (
        f"{label:<22} {s.precision:.4f} {s.recall:.4f} {s.f1:.4f} {len(run.lost):>5}  "
        f"{_rate(m.title):>17} {_rate(m.authors):>17} {_rate(m.day):>17} {_rate(m.minute):>17}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the stripped copy here (default: a temporary directory)")
    args = parser.parse_args(argv)
    source = CORPORA["fundus-dev"]
    with tempfile.TemporaryDirectory() as tmp:
        target = stripped_copy(source, args.keep or Path(tmp) / "fundus-dev-stripped")
        published = run_extractor(open_corpus("fundus-dev"), "factwire")
        stripped = run_extractor(open_corpus("fundus-dev", target), "factwire")
    print("fundus-dev, factwire, pages as published and with structured metadata stripped")
    print(f"{'':<22} {'P':>6} {'R':>6} {'F1':>6} {'lost':>5}  {'title':>17} {'authors':>17} {'same day':>17} {'same minute':>17}")
    print(line("as published", published))
    print(line("metadata stripped", stripped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
