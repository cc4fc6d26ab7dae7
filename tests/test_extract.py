"""Extract: HTML through trafilatura, text decoded, bad input quarantined with a clear reason."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from tasks.discover import read_document
from tasks.extract import (
    DEFAULT_OPTIONS,
    declared_charset,
    extract_documents,
    html_as_utf8,
    load_page,
    looks_binary,
    mostly_utf8,
)

ARTICLE_HTML = """<html><head><title>Convoy stranded in desert</title>
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2017-09-02T10:00:00+00:00">
<meta name="description" content="A convoy of buses is stranded in the Syrian desert.">
<meta name="author" content="Jane Doe"></head><body>
<nav>Home | World | Politics</nav>
<article><h1>Convoy stranded in desert</h1>
<p>The convoy of 17 buses has been stuck in the Syrian desert since Tuesday, officials said on Saturday.</p>
<p>Hezbollah said six buses were still in areas controlled by the Syrian government and called for aid.</p>
<p>The US-led coalition said it would keep monitoring the convoy and would not strike civilians.</p>
</article><footer>Copyright Example News</footer></body></html>"""


def _extract(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return extract_documents([read_document(path)])


def test_html_main_text_and_metadata(tmp_path):
    articles, quarantined = _extract(tmp_path, "a.html", ARTICLE_HTML.encode())
    assert not quarantined
    a = articles[0]
    assert "17 buses" in a.raw_text and "Copyright" not in a.raw_text and "Politics" not in a.raw_text
    assert a.title == "Convoy stranded in desert"
    assert a.published_at == datetime(2017, 9, 2, 10, 0, tzinfo=UTC)
    assert a.published_at_source == "html-metadata"
    assert a.outlet == "Example News"
    assert a.description == "A convoy of buses is stranded in the Syrian desert."


def test_options_are_the_measured_ones():
    # chosen on both extraction corpora (see ExtractOptions): no comments, the fallback
    # extractors only as a retry for a thin fast pass
    assert DEFAULT_OPTIONS.include_comments is False and DEFAULT_OPTIONS.fast is True
    assert DEFAULT_OPTIONS.retry_below_prose_chars > 0
    assert not DEFAULT_OPTIONS.favor_precision and not DEFAULT_OPTIONS.favor_recall


def test_thin_fast_pass_is_retried_with_the_fallback():
    from tasks.extract import prose_chars

    menu = "Home\nWorld\nPolitics\nSport\n"
    assert prose_chars(menu) == 0
    sentence = "The convoy of 17 buses has been stuck in the Syrian desert since Tuesday, officials said on Saturday."
    assert prose_chars(sentence) == len(sentence)
    assert prose_chars(sentence[:-1] + " …") == 0  # a teaser excerpt is not prose


def test_a_cluttered_fast_pass_gives_way_to_a_cleaner_fallback_only():
    from tasks.extract import better_retry, prose_share

    article = "\n".join(
        f"Paragraph {i} of the article tells what the officials said about the convoy on Saturday evening." for i in range(6)
    )
    teasers = "\n".join(f"Teaser headline number {i}\nBy Staff\n11/20/2019 01:1{i} PM" for i in range(30))
    cluttered = f"{article}\n{teasers}"
    assert prose_share(article) == 1.0 and prose_share(cluttered) < 0.3 and prose_share("") == 0.0
    assert better_retry(cluttered, article, DEFAULT_OPTIONS)  # the same article without the teaser list
    assert not better_retry(article, cluttered, DEFAULT_OPTIONS)  # a clean fast pass stays
    # a cleaner retry that keeps under half of the fast pass's prose is a fragment, not the article
    assert not better_retry(cluttered, article.split("\n")[0] + "\n" + article.split("\n")[1], DEFAULT_OPTIONS)
    # thin fast pass: the fallback's three times as much prose wins, as before
    assert better_retry(article.split("\n")[0], article, DEFAULT_OPTIONS)
    assert better_retry("", "anything", DEFAULT_OPTIONS)


def test_paragraphs_from_blank_lines():
    import lxml.html

    from tasks.extract import paragraphs_from_breaks

    tree = lxml.html.fromstring(
        "<html><body><td>First para <b>bold</b> text.<br><br>Second<br>line two<br/> <br>Third <a href=x>link</a>"
        "<div>a block</div>after the block<br><br><br></td><p>one paragraph<br><br>kept whole</p>"
        "<div>no blank line<br>here</div></body></html>"
    )
    assert paragraphs_from_breaks(tree) == 1
    html = lxml.html.tostring(tree, encoding="unicode")
    assert ("<td><p>First para <b>bold</b> text.</p><p>Second<br>line two</p><p>Third <a href=\"x\">link</a></p>"
            "<div>a block</div><p>after the block</p></td>") in html
    assert "<p>one paragraph<br><br>kept whole</p>" in html and "<div>no blank line<br>here</div>" in html


def test_looks_binary():
    assert looks_binary(bytes(range(1, 32)) * 100)
    assert not looks_binary(b"a line of ordinary text, then\x00 more of it\n" * 20)  # a stray NUL a line: text
    assert not looks_binary("Le café à Genève\n\tfermé".encode())


def test_gzipped_html(tmp_path):
    articles, quarantined = _extract(tmp_path, "a.html.gz", gzip.compress(ARTICLE_HTML.encode()))
    assert not quarantined and "17 buses" in articles[0].raw_text


def test_plain_text_kept_exactly(tmp_path):
    text = "Headline Here\n\nBody line one.\r\nBody line two.\n"
    articles, _ = _extract(tmp_path, "a.txt", text.encode())
    assert articles[0].raw_text == text


def test_latin1_text_is_decoded(tmp_path):
    text = "Le café de la gare à Genève a été fermé après les manifestations de la semaine dernière, disent les élus."
    articles, quarantined = _extract(tmp_path, "a.txt", text.encode("latin-1"))
    assert not quarantined
    assert articles[0].raw_text == text


def test_bad_inputs_are_quarantined_with_reasons(tmp_path):
    cases = {
        "empty.txt": b"",
        "blank.txt": b"   \n\n ",
        "binary.txt": bytes(range(256)) * 10,
        "corrupt.html.gz": b"\x1f\x8b\x08\x00garbage-not-gzip",
        "truncated.html.gz": gzip.compress(ARTICLE_HTML.encode())[:60],
        "empty.html": b"",
        "nothing.html": b"<html><body><div></div></body></html>",
    }
    articles, quarantined, reasons = _extract_cases(tmp_path, cases)
    assert not articles
    assert reasons["empty.txt"] == "empty document"
    assert reasons["blank.txt"] == "empty document"
    assert reasons["binary.txt"].startswith("binary content")
    assert reasons["corrupt.html.gz"].startswith("corrupt gzip")
    assert reasons["truncated.html.gz"].startswith("corrupt gzip")
    assert reasons["nothing.html"] == "no main text found in HTML"
    assert all(q.raw_bytes == cases[n] for n, q in zip(reasons, quarantined, strict=True))


def _extract_cases(tmp_path, cases: dict[str, bytes]):
    """Each named file through discover and extract: the articles, the quarantine rows, and each file's reason."""
    docs = []
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        docs.append(read_document(tmp_path / name))
    articles, quarantined = extract_documents(docs)
    return articles, quarantined, {q.source_uri.rsplit("/", 1)[-1]: q.reason for q in quarantined}


def test_a_news_feed_and_a_redirect_page_are_quarantined_saying_what_they_are(tmp_path):
    cases = {
        "feed.html": b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Latest</title>'
                     b"<item><title>Convoy stranded</title><link>https://example.com/a</link><description>"
                     + b"The convoy of 17 buses was stranded in the desert for a week before it reached the border. " * 8
                     + b"</description></item></channel></rss>",
        "atom.xml.html": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Latest</title></feed>',
        "redirect.html": b'<html><head><meta http-equiv="refresh" content="0; url=https://example.com/story"></head><body></body></html>',
    }
    articles, quarantined, reasons = _extract_cases(tmp_path, cases)
    assert not articles
    assert reasons["feed.html"].startswith("a news feed (RSS or Atom)")
    assert reasons["atom.xml.html"].startswith("a news feed (RSS or Atom)")
    assert reasons["redirect.html"].startswith("a redirect page (meta refresh to https://example.com/story)")


def test_broken_html_still_extracts(tmp_path):
    broken = b"<html><body><p>The convoy of 17 buses was stranded in the desert for days, officials said.<p>Unclosed <b>tags <div> everywhere and the coalition said it would keep watching the convoy closely."
    articles, quarantined = _extract(tmp_path, "broken.html", broken)
    assert not quarantined
    assert "17 buses" in articles[0].raw_text


def test_the_extract_stage_checks_its_output(tmp_path):
    """The extract task validates what it extracted (extracted_articles) before it moves on."""
    from tasks.extract import extract

    path = tmp_path / "a.txt"
    path.write_text("Refugees reach the border\n\nThe convoy of 17 buses reached the border on Saturday, officials said.")
    batch = extract.fn([read_document(path)], "run-1", 3)
    assert (batch.run_id, batch.index, len(batch.articles)) == ("run-1", 3, 1)
    assert {r["suite"] for r in batch.dq_rows} == {"extracted_articles"}
    assert all(r["success"] for r in batch.dq_rows if r["severity"] == "critical")


def test_page_with_a_stray_nul_byte_is_read(tmp_path):
    page = ARTICLE_HTML.replace("<nav>", "\x00<nav>").encode()
    articles, quarantined = _extract(tmp_path, "nul.html", page)
    assert not quarantined and "17 buses" in articles[0].raw_text


def test_utf16_with_bom_is_text(tmp_path):
    text = "Le convoi est bloqué dans le désert depuis mardi, selon les autorités.\n"
    articles, quarantined = _extract(tmp_path, "fr.txt", text.encode("utf-16"))
    assert not quarantined and articles[0].raw_text == text
    articles, quarantined = _extract(tmp_path, "a16.html", ARTICLE_HTML.encode("utf-16"))
    assert not quarantined and "17 buses" in articles[0].raw_text


def test_every_member_of_a_multi_member_gzip_is_read():
    import gzip

    import pytest

    from tasks.extract import ExtractError, gunzip

    assert gunzip(gzip.compress(b"first part, ") + gzip.compress(b"second part")) == b"first part, second part"
    with pytest.raises(ExtractError, match="empty document"):
        gunzip(b"")
    with pytest.raises(ExtractError, match="corrupt gzip"):
        gunzip(gzip.compress(b"whole") + b"\x1f\x8bnot a member")


def test_undeclared_western_text_is_windows_1252(tmp_path):
    """Smart quotes, dashes and accents in an undeclared single-byte text: Windows-1252, as a
    browser reads it, not a DOS or Mac code page a detector may find as likely."""
    text = ("The minister’s office said “the talks — held in Zürich — will resume”, café owners "
            "and the Galaxy S5’s microSD (up to 128GB) makers agreed… µSD cards were on show. ") * 3
    articles, quarantined = _extract(tmp_path, "a.txt", text.encode("cp1252"))
    assert not quarantined and articles[0].raw_text == text


def test_other_single_byte_texts_keep_their_encoding(tmp_path):
    """The Windows-1252 reading is refused when the high bytes are not Western letters and
    punctuation (Polish in Windows-1250) or are most of the text (Russian, Greek)."""
    samples = {
        "pl.txt": ("Zażółć gęślą jaźń, powiedział minister w Warszawie, a rząd się zgodził. " * 4, "cp1250"),
        "ru.txt": ("Министр заявил в Москве, что переговоры продолжатся на следующей неделе. " * 4, "cp1251"),
        "el.txt": ("Ο υπουργός δήλωσε στην Αθήνα ότι οι συνομιλίες θα συνεχιστούν την επόμενη εβδομάδα. " * 4, "cp1253"),
    }
    for name, (text, encoding) in samples.items():
        articles, quarantined = _extract(tmp_path, name, text.encode(encoding))
        assert not quarantined and articles[0].raw_text == text, name


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>Café owners protest in Zürich</title></head><body><article>" \
           f"<h1>Café owners protest in Zürich</h1>{body}</article></body></html>"


WESTERN_PARAGRAPHS = (
    "<p>The minister’s office said “the talks — held in Zürich — will resume”, and café owners agreed.</p>"
    "<p>Protesters gathered on the Bahnhofstraße on Saturday, police said, and the crowd grew to 2,000 by noon.</p>"
    "<p>Organisers called it “a first step”; the city’s council will meet the café owners next week.</p>"
)


def test_a_page_declared_iso_8859_1_is_read_as_windows_1252(tmp_path):
    """A 2000s page that declares ISO-8859-1 and has Windows-1252 quotes and dashes: read as a
    browser reads it, the declared label's superset, not as a detector guesses."""
    # a real page's head and foot (scripts, styles) are long and ASCII: a detector that samples the
    # start and the end of a page sees none of the text's high bytes
    padding = "<script>var config = {" + "'slot': 'banner', " * 400 + "};</script>"
    html = _page(WESTERN_PARAGRAPHS, '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">' + padding)
    html = html.replace("</body>", f"<footer>{padding}</footer></body>")
    articles, quarantined = _extract(tmp_path, "a.html", html.encode("cp1252"))
    assert not quarantined
    assert "The minister’s office said “the talks — held in Zürich — will resume”" in articles[0].raw_text
    assert "Bahnhofstraße" in articles[0].raw_text and articles[0].title == "Café owners protest in Zürich"


def test_stray_bytes_in_a_utf8_page_leave_the_rest_utf8(tmp_path):
    """A UTF-8 page with a Windows-1252 apostrophe pasted in (byte 0x92, not UTF-8): the page stays
    UTF-8 (no 'Ã©' for every accent), the stray byte reads as the ’ it was typed as."""
    html = _page(WESTERN_PARAGRAPHS + "<p>The mayor" + "\x00" + "s aides declined to comment on the talks.</p>", '<meta charset="utf-8">')
    data = html.encode("utf-8").replace(b"\x00", b"\x92")
    articles, quarantined = _extract(tmp_path, "a.html", data)
    assert not quarantined
    text = articles[0].raw_text
    assert "The mayor’s aides declined" in text and "Zürich" in text and "Ã" not in text
    plain, _ = _extract(tmp_path, "a.txt", "Le café de la gare à Genève a été fermé, dit le maire.\n".encode() * 3 + b"The mayor\x92s aides.")
    assert plain[0].raw_text.endswith("The mayor’s aides.") and "café" in plain[0].raw_text


def test_a_page_nested_deeper_than_libxml2s_default_limit_keeps_its_article(tmp_path):
    """A template that never closes its <div>s puts the article 300 elements deep: libxml2 stops
    at 256 unless its limits for huge documents are lifted, and the page had no text at all."""
    html = _page(WESTERN_PARAGRAPHS).replace("<body>", "<body>" + "<div>" * 300)
    articles, quarantined = _extract(tmp_path, "a.html", html.encode("utf-8"))
    assert not quarantined
    assert "The minister’s office said" in articles[0].raw_text and "Bahnhofstraße" in articles[0].raw_text
    assert articles[0].title == "Café owners protest in Zürich"
    # no HTML document, as trafilatura's loader says: words without markup, a lone fragment
    assert load_page(b"plain words, no markup") is None and load_page(b"<p>one fragment</p>") is None


def test_charset_reading_rules():
    assert declared_charset(b'<meta charset="ISO-8859-1">') == "cp1252"
    assert declared_charset(b"<meta http-equiv='content-type' content='text/html; charset=windows-1251'>") == "cp1251"
    assert declared_charset(b'<meta charset="x-unknown-label">') is None
    assert declared_charset(b"<p>no declaration</p>") is None
    utf8 = "Zürich café ’ “ ” — ".encode() * 3
    assert mostly_utf8(utf8 + b"\x92") and not mostly_utf8(utf8)  # valid UTF-8 has no stray byte
    assert not mostly_utf8("Zürich café ’ “ ” — ".encode("cp1252") * 3)
    # a page declared UTF-8 whose bytes are all Windows-1252: the declaration is wrong
    legacy = ('<meta charset="utf-8"><p>' + "Le café de la gare à Genève a été fermé. " * 5 + "</p>").encode("cp1252")
    assert "Genève" in html_as_utf8(legacy).decode("utf-8")
    # a declared Cyrillic page
    ru = ('<meta charset="windows-1251"><p>' + "Министр заявил в Москве. " * 5 + "</p>").encode("cp1251")
    assert "Министр заявил" in html_as_utf8(ru).decode("utf-8")


# A 2000s page laid out with tables: a navigation column, the article's cell, a sidebar column,
# one row; the article's cell holds paragraphs and a nested table for a photo and its caption.
TABLE_LAYOUT_HTML = """<html><head><title>Flood waters rise in the valley - Valley Herald</title></head>
<body><table width="100%" border="0" cellpadding="0"><tr>
<td width="150" valign="top"><a href="/">Home</a><br><a href="/news">News</a><br><a href="/sport">Sport</a></td>
<td valign="top"><font face="Arial"><b>Flood waters rise in the valley</b></font><br>
<table align="right"><tr><td><img src="flood.jpg"></td></tr><tr><td>The river at dawn.</td></tr></table>
<p>Flood waters rose by two metres overnight in the lower valley, forcing 300 families from their homes, the regional council said on Monday.</p>
<p>Emergency crews worked through the night to shore up the levee near the old mill, where the water came within a few centimetres of the top.</p>
<p>The council said the three schools in the valley would stay closed until Thursday and asked drivers to avoid the river road.</p>
<p>Forecasters expect more rain on Tuesday evening, and the water agency said it would open the upstream sluices to ease the pressure.</p>
</td>
<td width="200" valign="top"><b>Most read</b><br><a href="/a">Council tax to rise</a><br><a href="/b">Mayor opens new bridge</a><br>
<b>Weather</b><br>Rain, 12 degrees</td></tr></table></body></html>"""


def test_a_table_that_lays_out_the_page_is_read_as_paragraphs(tmp_path):
    articles, quarantined = _extract(tmp_path, "old.html", TABLE_LAYOUT_HTML.encode("latin-1"))
    assert not quarantined
    lines = [line for line in articles[0].raw_text.splitlines() if line.strip()]
    # each paragraph is its own line, not one " | "-joined row with the navigation and sidebar cells
    assert any(line.startswith("Flood waters rose by two metres") for line in lines)
    assert any(line.startswith("Forecasters expect more rain") for line in lines)
    assert not any("|" in line for line in lines)
    assert "Most read" not in articles[0].raw_text and "Mayor opens new bridge" not in articles[0].raw_text


def test_data_tables_are_told_from_layout_tables():
    from lxml import html

    from tasks.extract import is_data_table, mark_layout_tables

    def table(markup):
        return html.fromstring(markup)

    grid = "".join(f"<tr><td>{r}</td><td>{r * 2}</td><td>{r * 3}</td></tr>" for r in range(4))
    assert is_data_table(table(f"<table>{grid}</table>"))  # 4 x 3 cells
    assert is_data_table(table("<table><tr><th>Party</th><th>Seats</th></tr><tr><td>A</td><td>3</td></tr></table>"))
    assert is_data_table(table("<table><caption>Results</caption><tr><td>A</td><td>3</td></tr></table>"))
    assert not is_data_table(table("<table><tr><td>nav</td><td>story</td><td>sidebar</td></tr></table>"))  # one row
    assert not is_data_table(table("<table><tr><td>a</td><td>b</td></tr><tr><td><table><tr><td>c</td></tr></table></td><td>d</td></tr></table>"))
    assert not is_data_table(table(f'<table role="presentation">{grid}</table>'))
    # a grid of links is a list of links ("Most popular"), not data
    links = "".join(f'<tr><td>{r}.</td><td><a href="/p{r}">Popular story number {r}</a></td></tr>' for r in range(6))
    assert not is_data_table(table(f"<table>{links}</table>"))
    # a header cell of a table nested in a cell does not make the outer table data
    nested = "<table><tr><th>Related</th><th>Date</th></tr><tr><td>a</td><td>b</td></tr></table>"
    assert not is_data_table(table(f"<table><tr><td>nav</td><td>story {nested}</td></tr></table>"))
    page = html.fromstring(
        f"<div><table><tr><td>nav</td><td>story<table>{grid}</table></td></tr></table></div>"
    )
    assert mark_layout_tables(page) == 1
    # the layout table, its row and its cells are blocks now; the data table in its cell is whole
    assert [t.tag for t in page.iter("table", "tr", "td")] == ["table"] + ["tr", "td", "td", "td"] * 4
    assert len(page.findall("./div/div/div")) == 2


def test_the_part_of_the_title_tag_a_2000s_page_shows_is_the_title(tmp_path):
    """No metadata, no heading element, the headline in <font><b> outside the extracted text and a
    <title> of "Headline - Site": the part the page shows on its own is the title."""
    paragraphs = "".join(f"<p>Paragraph {i}: the council said the flood defences held overnight and that {i * 40} homes were checked.</p>"
                         for i in range(1, 9))
    page = ('<html><head><title>Flood waters rise in the valley - Valley Herald</title></head><body><table><tr>'
            '<td><a href="/">Home</a><br><a href="/news">News</a></td><td><font size="4"><b>Flood waters rise in the valley</b></font>'
            f"<br>{paragraphs}</td></tr></table></body></html>")
    articles, _ = _extract(tmp_path, "old.html", page.encode())
    assert articles[0].title == "Flood waters rise in the valley"
    assert articles[0].metadata_sources["title"] == "html-title (the part the page shows)"
    # a page that shows no part of its <title> on its own keeps the <title> whole
    articles, _ = _extract(tmp_path, "old2.html", page.replace("<font size=\"4\"><b>Flood waters rise in the valley</b></font>", "").encode())
    assert articles[0].title == "Flood waters rise in the valley - Valley Herald"


def test_ruby_readings_stay_in_their_line(tmp_path):
    """A Japanese name with its reading set in <ruby>: one line, with the reading in the page's
    own fallback brackets; without <rp> brackets, the base alone."""
    from lxml import html

    from tasks.extract import inline_ruby

    sentence = "大統領は３日夜、緊急談話を出し、野党が国政をまひさせているとして「非常戒厳」を宣言した。" * 3
    page = (f"<html><body><article><h1>韓国が戒厳令</h1><p>韓国の\n<ruby><rb>尹錫悦</rb><rp>（</rp><rt>ユンソンニョル</rt>"
            f"<rp>）</rp></ruby>\n{sentence}</p><p>{sentence}</p></article></body></html>")
    articles, _ = _extract(tmp_path, "ruby.html", page.encode())
    assert "韓国の 尹錫悦（ユンソンニョル） 大統領は" in articles[0].raw_text
    bare = html.fromstring("<p>東京の<ruby>漢字<rt>かんじ</rt></ruby>です<b>。</b></p>")
    assert inline_ruby(bare) == 1 and bare.text_content() == "東京の漢字です。"


def test_a_2000s_page_without_heading_elements(tmp_path):
    """Nested layout tables, a link grid for "Most popular", a headline in <span class="headline">
    and a <title> that starts with the site's name."""
    paragraphs = "".join(
        f"<p>Paragraph {i}: the council said the flood defences held overnight and that {i * 40} homes were checked.</p>" for i in range(1, 13)
    )
    nav = "".join(f'<tr><td><a href="/s{i}">Section {i}</a></td></tr>' for i in range(15))
    popular = "".join(f'<tr><td>{i}.</td><td><a href="/p{i}">Popular story {i} headline here</a></td></tr>' for i in range(1, 7))
    related = "".join(f'<tr><td><a href="/r{i}">Related story {i} about floods</a></td><td>Mar {i}</td></tr>' for i in range(1, 5))
    page = f"""<html><head><title>Valley Herald: Flood waters rise in the valley</title></head><body>
<table width="760"><tr><td colspan="3"><img src="logo.gif"></td></tr>
<tr><td valign="top"><table>{nav}</table></td>
<td valign="top"><span class="headline">Flood waters rise in the valley</span><br>{paragraphs}
<table><tr><th colspan="2">Related stories</th></tr>{related}</table></td>
<td valign="top"><b>Most popular</b><table>{popular}</table></td></tr></table></body></html>"""
    articles, quarantined = _extract(tmp_path, "old2.html", page.encode("latin-1"))
    assert not quarantined
    a = articles[0]
    assert a.title == "Flood waters rise in the valley"
    lines = [line for line in a.raw_text.splitlines() if line.strip()]
    assert lines[0].startswith("Paragraph 1:") and any(line.startswith("Paragraph 12:") for line in lines)
    assert "Popular story" not in a.raw_text and "Section 3" not in a.raw_text


_STORY = "".join(
    f"<p>Paragraph {i}: the prosecutor met his superior in Madrid to decide whether to appeal the judge's order of {i * 12} pages.</p>"
    for i in range(1, 7)
)


def test_readers_comments_go_whatever_their_container_is_called(tmp_path):
    """A comment list whose class or id names it by a word of its own ("sf_comment_list",
    "readerComments"), which trafilatura's pruning (names starting with "comment") misses: its
    text stays out of the body and its commenter is not the author."""
    comments = ('<div id="sf_comment_list" class="box"><div class="sf_comment"><p class="sf_comment_info">'
                '<span class="sf_comment_author">Alcalino</span> <span class="date">Hace 28 minutos</span></p>'
                '<div class="sf_comment_text"><p>Vaya comportamiento tan poco ejemplar del fiscal, defiende lo indefendible '
                'como para que los ciudadanos creamos en la justicia que imparta ese señor.</p></div></div></div>'
                '<section class="readerComments"><p>Another reader wrote a long reply about the case and the judge and the appeal.</p></section>')
    page = f"<html><head><title>Fiscal decide</title></head><body><article><h1>Fiscal decide</h1>{_STORY}</article>{comments}</body></html>"
    articles, _ = _extract(tmp_path, "c.html", page.encode())
    a = articles[0]
    assert "Paragraph 6" in a.raw_text
    assert "Vaya comportamiento" not in a.raw_text and "Another reader" not in a.raw_text
    assert a.author is None


def test_what_the_page_hides_from_its_reader_stays_out_of_the_body(tmp_path):
    """A pop-up styled display:none (a "save this article" box for members) on a short, paywalled
    page: trafilatura's own pruning of hidden elements backs off on such a page and kept it."""
    popup = ('<div class="save-pulldown"><div id="saveTool" style="color: red; display: none;"><p>Save this article</p>'
             '<p>Only members can save articles; saved articles can be read on phones and tablets.</p>'
             '<p>&gt; Register</p><p>&gt; Log in</p></div></div>'
             '<div hidden><p>Sign up for our morning newsletter and get the news before breakfast, every day.</p></div>')
    page = (f"<html><head><title>Fiscal decide</title></head><body>{popup}<article><h1>Fiscal decide</h1>"
            "<p>The prosecutor decided on Monday not to appeal the ruling, his office said in a statement.</p>"
            "<p>This article is for members only.</p></article></body></html>")
    articles, _ = _extract(tmp_path, "h.html", page.encode())
    text = articles[0].raw_text
    assert "prosecutor decided on Monday" in text
    assert "Save this article" not in text and "Only members" not in text and "Log in" not in text
    assert "morning newsletter" not in text


def test_authors_keep_the_dots_of_their_initials_as_the_page_writes_them(tmp_path):
    """trafilatura takes the dots out of names ("Dana A Ford"); the page's own spelling is kept."""
    page = ('<html><head><title>Storm clears</title><meta name="author" content="Dana A. Ford, James S.A. Corey and Tom Watkins">'
            f'</head><body><article><h1>Storm clears</h1>{_STORY}</article></body></html>')
    articles, _ = _extract(tmp_path, "d.html", page.encode())
    assert articles[0].author == "Dana A. Ford; James S.A. Corey; Tom Watkins"


def test_a_name_the_page_writes_without_dots_stays_so():
    from lxml import html

    from tasks.extract import authors_as_written

    page = html.fromstring("<html><body><p>By Dana A Ford and Tom Watkins. A. Ford said the storm was over.</p></body></html>")
    assert authors_as_written("Dana A Ford; Tom Watkins", page) == "Dana A Ford; Tom Watkins"
    page = html.fromstring("<html><body><p>By John Smith Jr. and DANA A. FORD</p></body></html>")
    assert authors_as_written("John Smith Jr; Dana A Ford", page) == "John Smith Jr.; Dana A Ford"


def test_the_standfirst_the_page_shows_is_the_summary_and_the_body_is_left_as_extracted(tmp_path):
    """The description where an element of the page shows it whole; a description the reader
    never sees, a photo's caption reused as the description or a short label is no summary."""
    lead = "The prosecutor will not appeal the ruling, which frees the princess from the tax fraud case for now."

    def page(description: str, shown: str) -> bytes:
        return (f'<html><head><title>Fiscal decide</title><meta name="description" content="{description}"></head>'
                f"<body><article><h1>Fiscal decide</h1>{shown}{_STORY}</article></body></html>").encode()

    a = _extract(tmp_path, "s1.html", page(lead, f'<div class="article__lead">{lead}</div>'))[0][0]
    assert a.summary == lead and a.description == lead
    assert "Paragraph 1" in a.raw_text
    # cut short with an ellipsis in the metadata, whole on the page
    a = _extract(tmp_path, "s2.html", page(lead[:60] + "...", f"<p class='standfirst'>{lead}</p>"))[0][0]
    assert a.summary == lead
    assert _extract(tmp_path, "s3.html", page(lead, ""))[0][0].summary is None
    caption = f"<figure><img src='x.jpg'><figcaption>{lead}</figcaption></figure>"
    assert _extract(tmp_path, "s4.html", page(lead, caption))[0][0].summary is None
    assert _extract(tmp_path, "s5.html", page("News from Madrid", "<p>News from Madrid</p>"))[0][0].summary is None


def test_a_hidden_article_that_a_script_shows_is_kept():
    from lxml import html

    from tasks.extract import remove_hidden_elements

    # the article itself hidden until a script shows it, and a hidden box with most of the page's text
    page = html.fromstring(f'<html><body><article style="display:none"><h1>Headline</h1>{_STORY}</article>'
                           f'<div class="body" style="visibility: hidden">{_STORY}{_STORY}</div>'
                           '<span style="display:none">Share on Facebook</span><p style="display: block">Shown</p></body></html>')
    assert remove_hidden_elements(page) == 1
    text = page.text_content()
    assert text.count("Paragraph 1") == 3 and "Share on Facebook" not in text and "Shown" in text


def test_the_comment_prefilter_finds_every_comment_word_in_any_case():
    from lxml import html

    from tasks.extract import _COMMENT_WORDS, _MAYBE_COMMENTS

    for word in _COMMENT_WORDS:
        for attr in ("class", "id"):
            page = html.fromstring(f'<html><body><div {attr}="x-{word.upper()}-box">c</div><div class="post">p</div></body></html>')
            assert [el.text for el in page.xpath(_MAYBE_COMMENTS)] == ["c"], (word, attr)


def test_a_comment_state_on_the_articles_own_wrapper_keeps_the_article():
    from lxml import html

    from tasks.extract import remove_comment_sections

    # "comments-open" is a state of the post; a "comments" box holding the headline or the article is kept
    page = html.fromstring(
        f'<html><body><div class="post comments-open">{_STORY}</div><div class="comments"><h1>Headline</h1>{_STORY}</div>'
        '<div class="user-comments"><p>Reader: great piece.</p></div><ul class="comment-list"><li>First!</li></ul></body></html>'
    )
    assert remove_comment_sections(page) == 2
    text = page.text_content()
    assert text.count("Paragraph 1") == 2 and "Reader: great piece" not in text and "First!" not in text


def test_a_headline_with_an_abbreviation_is_not_the_sites_name(tmp_path):
    """trafilatura takes the part of "Headline | Site" with a dot in it as the site's name; a
    headline with an abbreviation ("อ.สุรชัย") then became the site and the title was dropped as
    the site's name. The part that writes a domain is the site."""
    headline = "ผล DNA ยืนยัน ศพลอยแม่น้ำโขงเป็นคนสนิท อ.สุรชัย"
    page = (f"<html><head><title>{headline} | ประชาไท Prachatai.com</title></head><body><h1>{headline}</h1>"
            f"<article>{_STORY}</article></body></html>")
    articles, _ = _extract(tmp_path, "th.html", page.encode())
    assert articles[0].title == headline
    assert articles[0].outlet == "ประชาไท Prachatai.com"


def _sentences(start: int, n: int) -> str:
    return "".join(f"<p>Paragraph {i} of the convoy report, long enough to be a real paragraph of the article body.</p>"
                   for i in range(start, start + n))


def test_an_article_body_split_around_an_advertisement_is_read_whole():
    from tasks.extract import continued_text

    part = '<div class="grid body article__body">{}</div>'
    ad = '<div class="ad"><span>Advertisement</span></div>'
    page = f"<html><body><article><h1>Convoy</h1>{part.format(_sentences(0, 3))}{ad}{part.format(_sentences(3, 2))}</article></body></html>"
    extracted = "\n".join(f"Paragraph {i} of the convoy report, long enough to be a real paragraph of the article body." for i in range(3))
    rest = continued_text(page.encode(), extracted)
    assert rest.splitlines() == [f"Paragraph {i} of the convoy report, long enough to be a real paragraph of the article body." for i in (3, 4)]
    # a part may add its own modifier classes: the body class is what they share
    modified = page.replace(part.format(_sentences(3, 2)), '<div class="article__body -bottom-space">' + _sentences(3, 2) + "</div>")
    assert continued_text(modified.encode(), extracted) == rest
    # a generic class ("content", a widget) is no article body: its namesakes are the rest of the page
    assert continued_text(page.replace("grid body article__body", "content").encode(), extracted) == ""
    # the next article loaded below (a headline between, or another <article>) is not a continuation
    next_story = page.replace(ad, f"{ad}<h1>Another story</h1>")
    assert continued_text(next_story.encode(), extracted) == ""
    two_articles = f"<html><body><article><h1>Convoy</h1>{part.format(_sentences(0, 3))}</article><article>{part.format(_sentences(3, 2))}</article></body></html>"
    assert continued_text(two_articles.encode(), extracted) == ""
    # a related-articles box with the same class is skipped
    related = page.replace(ad, f'{ad}<div class="related">{part.format(_sentences(7, 1))}</div>')
    assert "Paragraph 7" not in continued_text(related.encode(), extracted)


def test_a_split_body_comes_whole_through_extraction(tmp_path):
    part = '<div class="articleBody">{}</div>'
    page = (f"<html><head><title>Convoy</title></head><body><article><h1>Convoy</h1>{part.format(_sentences(0, 6))}"
            f'<aside class="promo"><a href="/subscribe">Subscribe now</a></aside>{part.format(_sentences(6, 4))}</article></body></html>')
    (article,), quarantined = _extract(tmp_path, "split.html", page.encode())
    assert not quarantined
    assert "Paragraph 0 " in article.raw_text and "Paragraph 9 " in article.raw_text and "Subscribe" not in article.raw_text


def test_a_text_still_cluttered_is_tried_with_trafilaturas_precision_mode(tmp_path):
    """A short article among site menus a template does not mark as <nav> (scrapinghub's WSJ page
    rewritten as an older layout): neither the fast pass nor the fallback leaves the menus out;
    precision mode does, and keeps the article's prose, so its text is taken."""
    import dataclasses

    import pytest

    from benchmarks.extraction import CORPORA
    from benchmarks.older_layouts import as_html4
    from tasks.extract import PRECISION_KEPT_PROSE, cleaner, extract_document

    found = sorted((CORPORA["scrapinghub"] / "html").glob("042bb7b5*.html.gz"))
    if not found:
        pytest.skip("scrapinghub benchmark not found (it lives in ../shared/eval/)")
    page = tmp_path / "wsj.html"
    page.write_text(as_html4(gzip.decompress(found[0].read_bytes()).decode("utf-8")), encoding="utf-8")
    doc = read_document(page)
    without = extract_document(doc, dataclasses.replace(DEFAULT_OPTIONS, retry_with_precision=False)).raw_text
    with_pass = extract_document(doc).raw_text
    assert "Real Time Economics" in without and "Real Time Economics" not in with_pass
    assert "Gaming used to be so simple." in with_pass
    # taken only when it keeps nearly all of the prose: precision mode can drop real paragraphs
    article = "\n".join(f"Paragraph {i} of the article tells what the officials said about the convoy on Saturday." for i in range(10))
    menu = "\n".join(f"Section {i}" for i in range(60))
    assert cleaner(f"{menu}\n{article}", article, PRECISION_KEPT_PROSE)
    assert not cleaner(f"{menu}\n{article}", "\n".join(article.split("\n")[:8]), PRECISION_KEPT_PROSE)
