"""Clean: seeds lose their boilerplate, keep their sentences, and rebuild losslessly."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tasks.clean import clean_article, rebuild_raw_text, split_lines
from tasks.models import Article

from .conftest import REPO

GOLDEN = json.loads((REPO / "tests" / "golden" / "seeds_clean.json").read_text(encoding="utf-8"))
SEED_NAMES = [k for k in GOLDEN if not k.startswith("_")]


def _article(text: str) -> Article:
    return clean_article(Article("a1", "file:///x.txt", "0" * 64, "text/plain", text))


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_golden(seed_articles, name):
    article, expected = seed_articles[name], GOLDEN[name]
    assert article.title == expected["title"]
    assert article.outlet == expected["outlet"]
    for snippet in expected["must_contain"]:
        assert snippet in article.body, snippet
    for snippet in expected["must_not_contain"]:
        assert snippet not in article.body, snippet
    if "author" in expected:
        assert article.author == expected["author"]
    if "published_at" in expected:
        assert article.published_at == datetime.fromisoformat(expected["published_at"])
    if "published_at_text" in expected:
        assert article.published_at_text == expected["published_at_text"]
        assert article.published_at is None  # relative date, fetch time unknown


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_rebuilds_losslessly(seed_articles, name):
    article = seed_articles[name]
    assert rebuild_raw_text(article.body, article.boilerplate) == article.raw_text
    for span in article.boilerplate:
        assert article.raw_text[span.start_char : span.end_char] == span.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_keeps_every_article_sentence(seed_articles, name):
    """Every raw line not removed as boilerplate appears whole in the body."""
    article = seed_articles[name]
    removed = [(s.start_char, s.end_char) for s in article.boilerplate if s.kind != "whitespace"]
    for line in split_lines(article.raw_text):
        if line.stripped and not any(s <= line.start and line.start + len(line.text) <= e for s, e in removed):
            # source prefixes remove the start of a line only
            assert line.stripped in article.body or line.stripped.split("- ", 1)[-1] in article.body


def test_body_has_tidy_paragraphs(seed_articles):
    body = seed_articles["003_7bdef42adda05952.txt"].body
    assert "\n\n\n" not in body and body == body.strip()


def test_real_sentence_ending_in_a_date_is_kept():
    text = ("Title Of The Story Here\n\nThe ministry said it walks a fine line on aid, the spokesman told reporters on August 28, 2017.\n\n"
            "Officials met on Monday to discuss the convoy and its passengers in detail.\n")
    article = _article(text)
    assert "walks a fine line" in article.body


def test_unmarked_caption_needs_all_evidence():
    caption = "A fighter walks past a tank bearing a flag in the Qara area in Syria's Qalamoun region, August 28, 2017."
    text = f"Some Headline For The Story\n\nFirst paragraph of the story with enough words to be a paragraph.\n\n{caption}\n\nLast paragraph of the story.\n"
    assert caption not in _article(text).body
    inline = f"Some Headline For The Story\n\nFirst paragraph of the story.\n{caption}\nLast paragraph of the story.\n"
    assert caption in _article(inline).body  # not standalone: one piece of evidence missing


def test_repeated_caption_line_removed_once_each():
    text = "A Headline Of Sorts Here\n\nBody sentence one is here.\n\nRebels at a checkpoint\nRebels at a checkpoint\n\nBody sentence two is here.\n"
    article = _article(text)
    assert article.body.count("Rebels at a checkpoint") == 1
    assert rebuild_raw_text(article.body, article.boilerplate) == text


def test_headline_needs_a_headline_shape():
    sentence_first = _article("This first line is a full sentence that ends with a period.\nSecond line of the body.\n")
    assert sentence_first.title is None
