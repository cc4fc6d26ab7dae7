"""Extraction on both corpora rewritten as older layouts stays above its pinned floor."""

from __future__ import annotations

import pytest

from benchmarks.extraction import CORPORA, floor_failures, load_floor
from benchmarks.older_layouts import (
    FLOOR_FILE,
    STRAY_BYTE,
    VARIANTS,
    as_breaks,
    as_html4,
    as_latin1,
    run_variant,
    with_stray_bytes,
    with_unclosed_divs,
)


def test_the_rewrites_keep_the_text_and_drop_modern_markup():
    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle"}</script>'
        '<meta property="og:title" content="Convoy stranded"></head><body><nav role="navigation">Home</nav>'
        '<article data-id="7" aria-label="story" class="story"><header><h1>Convoy stranded</h1>'
        '<time datetime="2017-09-02">2 September</time></header><p class="lede">First paragraph.</p>'
        "<figure><img src=a.jpg><figcaption>A caption</figcaption></figure><p>Second paragraph.</p></article></body></html>"
    )
    old = as_html4(page)
    for gone in ("ld+json", "og:title", "<nav", "<article", "<header", "<figure", "<figcaption", "<time", "role=",
                 "data-id", "aria-label"):
        assert gone not in old
    assert 'class="story"' in old and "2 September</span>" in old
    assert '<p class="lede">First paragraph.</p>' in old
    breaks = as_breaks(page)
    assert "<p" not in breaks and "First paragraph.<br><br>" in breaks and "Second paragraph.<br><br>" in breaks


def test_the_encoding_rewrites_make_legacy_bytes():
    page = ('<html><head><meta charset="utf-8"><title>Zürich</title></head><body>'
            "<p>The minister’s office in Zürich said the talks will resume next week.</p><p>Дом</p></body></html>")
    latin1 = as_latin1(page)
    assert b"charset=iso-8859-1" in latin1 and b'charset="utf-8"' not in latin1
    assert "minister’s office in Zürich".encode("cp1252") in latin1 and b"&#1044;" in latin1  # Cyrillic as a reference
    stray = with_stray_bytes(page)
    assert stray.count(STRAY_BYTE) == 1 and stray.replace(STRAY_BYTE, b"") == page.encode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        stray.decode("utf-8")
    deep = with_unclosed_divs(page)
    assert deep.count("<div>") == 300 and deep.replace("<div>" * 300, "") == page and deep.index("<div>") > deep.index("<body>")


def test_floor_file_names_every_variant_and_corpus():
    floor = load_floor(FLOOR_FILE)
    assert set(floor) == {f"{v}/{c}" for v in VARIANTS for c in CORPORA}
    assert all(set(v) == {"f1", "max_lost"} for v in floor.values()), FLOOR_FILE


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_factwire_holds_its_floor_on_older_layouts(variant, corpus, tmp_path):
    if not (CORPORA[corpus] / "ground-truth.json").exists():
        pytest.skip(f"corpus {corpus} not found at {CORPORA[corpus]} (it lives in ../shared/eval/)")
    run = run_variant(corpus, variant, ("factwire",), tmp_path)["factwire"]
    key = f"{variant}/{corpus}"
    assert not floor_failures(key, run, load_floor(FLOOR_FILE)[key])
