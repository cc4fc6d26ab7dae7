"""Both extraction corpora rewritten as older layouts, to see how extraction holds on pages unlike
the ones its rules were measured on.

    python -m benchmarks.older_layouts [--corpus NAME] [--variant NAME] [--factwire-only] [--keep DIR]

Many pages users ingest are older than the benchmarks' (the 2000s: table layouts, no HTML5
elements, no structured data, paragraphs written as text between <br><br>). No such corpus with
expected bodies is here, so this rewrites every page of scrapinghub and fundus-dev two ways and
scores factwire and both trafilatura settings on them, with each corpus's own metric:

- `html4`: structured metadata stripped (as `benchmarks.strip_metadata`), the HTML5 sectioning
  elements (article, section, header, footer, nav, aside, main, figure, figcaption, hgroup)
  written as <div>, <time> as <span>, and the ARIA role/aria-*/data-* attributes dropped. Class
  names and ids are kept: older templates had them too ("storybody", "headline").
- `br`: `html4`, with every <p> replaced by its text followed by <br><br>.

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


VARIANTS: dict[str, Callable[[str], str]] = {"html4": as_html4, "br": as_breaks}


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
