"""Metadata: the page's structured data first, junk rejected, time and precision kept, nothing invented."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tasks.clean import clean_article, stamp_precision
from tasks.common.metadata import (
    _leading_runs,
    choose_title,
    clean_authors,
    clean_site_name,
    page_headings,
    parse_page_date,
    strip_site_name,
    structured_metadata,
    wire_agency,
    wire_credit_in_text,
)
from tasks.discover import read_document
from tasks.extract import extract_documents

PARAGRAPHS = """
<p>The convoy of 17 buses has been stuck in the Syrian desert since Tuesday, officials said on Saturday.</p>
<p>Hezbollah said six buses were still in areas controlled by the Syrian government and called for aid.</p>
<p>The US-led coalition said it would keep monitoring the convoy and would not strike civilians.</p>
"""


def _page(head: str, body: str = "") -> str:
    return f"<html><head>{head}</head><body><article>{body}{PARAGRAPHS}</article></body></html>"


def _extract(tmp_path, html: str):
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    articles, quarantined = extract_documents([read_document(path)])
    assert not quarantined
    return clean_article(articles[0])


def _json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_json_ld_graph_gives_title_authors_and_a_timed_date(tmp_path):
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Example News"},
        {"@type": "NewsArticle", "headline": "Convoy stranded in desert",
         "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}],
         "datePublished": "2024-05-03T15:47:42+02:00"},
    ]}
    head = _json_ld(graph) + '<meta property="og:title" content="Convoy stranded in desert | Example News">' \
        '<meta property="og:site_name" content="Example News"><meta name="author" content="By">'
    a = _extract(tmp_path, _page(head, "<h1>Convoy stranded in desert</h1>"))
    assert a.title == "Convoy stranded in desert"
    assert a.author == "Jane Doe; John Roe"
    assert a.published_at == datetime(2024, 5, 3, 13, 47, 42, tzinfo=UTC)
    assert a.published_at_precision == "second"
    assert a.outlet == "Example News"
    assert a.metadata_sources == {"title": "h1", "author": "json-ld", "published_at": "json-ld"}


def test_opengraph_time_when_there_is_no_json_ld(tmp_path):
    head = '<meta property="og:title" content="Convoy stranded in desert - Example News">' \
        '<meta property="og:site_name" content="Example News">' \
        '<meta property="article:published_time" content="2019-11-19T07:55Z">'
    a = _extract(tmp_path, _page(head))
    assert a.title == "Convoy stranded in desert"
    assert a.published_at == datetime(2019, 11, 19, 7, 55, tzinfo=UTC)
    assert a.published_at_precision == "minute"
    assert a.metadata_sources["published_at"] == "opengraph"


def test_time_element_and_a_date_without_time_keeps_its_precision(tmp_path):
    a = _extract(tmp_path, _page("<title>Convoy stranded in desert</title>", '<time datetime="2019-11-19">Nov 19</time>'))
    assert a.published_at == datetime(2019, 11, 19, tzinfo=UTC)
    assert a.published_at_precision == "day"


def test_year_only_date_stays_null(tmp_path):
    # htmldate reads "© 2008" as 1 January 2008: an invented date, refused
    html = _page("<title>Convoy stranded in desert</title>").replace("</article>", "</article><footer>Copyright 2008</footer>")
    a = _extract(tmp_path, html)
    assert a.published_at is None and a.published_at_precision is None


def test_placeholder_dates_are_refused():
    assert parse_page_date("0001-01-01T00:00:00Z") is None
    assert parse_page_date("2008") is None and parse_page_date("2008-05") is None
    assert parse_page_date("2024-05-03 15:47").precision == "minute"  # type: ignore[union-attr]


def test_wire_copy_keeps_the_site_as_outlet(tmp_path):
    head = '<meta property="og:site_name" content="Example Gazette"><title>Convoy stranded in desert</title>'
    body = "<p>WASHINGTON (AP) — The convoy of buses was still stuck in the desert late on Friday, aid groups said.</p>"
    a = _extract(tmp_path, _page(head, body))
    assert a.outlet == "Example Gazette"
    assert a.credited_source == "AP"


def test_site_slogan_or_name_is_not_a_title():
    title, source = choose_title([("opengraph", "Example News"), ("html-title", "Example News | All the news")], [], "Example News")
    assert title is None  # the site's name, and its slogan
    section, _ = choose_title([("opengraph", "Politics")], [], "Example News", "https://example.com/politics/")
    assert section is None
    assert strip_site_name("Convoy stranded | Example News | 28.04.2023", "Example News") == "Convoy stranded"
    assert strip_site_name("The Guardian view on the convoy | Editorial", "the Guardian") == "The Guardian view on the convoy | Editorial"
    heading, source = choose_title([("json-ld", "Convoy stranded in desert")], ["Example News", "Convoy stranded in desert"], "Example News")
    assert (heading, source) == ("Convoy stranded in desert", "h1")


def test_the_sites_name_after_an_authors_name_goes_and_a_name_that_only_ends_like_it_stays():
    site = ("Sputnik International", "sputniknews.com", "sputniknews")
    assert clean_authors(["Finian Cunningham. Sputnik International"], site) == ["Finian Cunningham"]
    assert clean_authors(["Finian Cunningham, Sputnik International"], site) == ["Finian Cunningham"]
    assert clean_authors(["Anna Weber"], ("Weber",)) == ["Anna Weber"]  # no separator: her name, not the site's


def test_a_twitter_handle_as_the_sites_name_gives_way_to_the_name_the_title_writes():
    from lxml import html

    from tasks.common.metadata import site_named_in_title

    page = html.fromstring("<html><head><title>動画：ナイジェリアで自爆攻撃　国際ニュース：AFPBB News</title></head><body></body></html>")
    assert site_named_in_title(page, ("afpbbcom", "afpbb")) == "AFPBB News"
    # the rest of a headline that happens to start with the site's short name is not its name
    page = html.fromstring("<html><head><title>Take C.A.R.E. - comwrap auf der DMEXCO 2018</title></head><body></body></html>")
    assert site_named_in_title(page, ("comwrap",)) is None
    page = html.fromstring("<html><head><title>Royal Self-Indicting Arrogance - Sputnik International</title></head></html>")
    assert site_named_in_title(page, ("SputnikInt", "sputniknews")) == "Sputnik International"


def test_the_sites_name_without_its_edition_is_not_part_of_the_title():
    # Nikkei: og:site_name "日本経済新聞 電子版" (the digital edition), the <title> ends "：日本経済新聞"
    assert strip_site_name("米朝首脳直通電話　習氏に挑むトランプ戦術の成否　：日本経済新聞", "日本経済新聞 電子版") == "米朝首脳直通電話　習氏に挑むトランプ戦術の成否"
    assert strip_site_name("Convoy stranded | Example News", "Example News Weekly") == "Convoy stranded"
    assert strip_site_name("Convoy stranded - Politico", "Politico Europe") == "Convoy stranded"
    # a part that only starts like the site's name, or a word of the name but its first, stays
    assert strip_site_name("Convoy stranded | Weekly", "Example News Weekly") == "Convoy stranded | Weekly"
    assert strip_site_name("Convoy stranded | Example Newsroom", "Example News Weekly") == "Convoy stranded | Example Newsroom"


def test_a_pages_own_host_in_its_title_is_the_site_when_nothing_names_the_site():
    # pages without og:site_name or JSON-LD: the host alone says what the site's name is
    assert choose_title([("html-title", "Convoy stranded - The Washington Post")], [], None,
                        "https://www.washingtonpost.com/world/2024/convoy") == ("Convoy stranded", "html-title")
    assert choose_title([("html-title", "Convoy stranded — der Freitag")], [], None,
                        "https://www.freitag.de/autoren/convoy") == ("Convoy stranded", "html-title")
    # a host too short to match a part's start is still the site when a part is all of it
    assert choose_title([("html-title", "Convoy stranded - rp.pl")], [], None, "https://www.rp.pl/polityka/art1") == ("Convoy stranded", "html-title")
    assert choose_title([("html-title", "DW")], [], None, "https://www.dw.com/de/convoy/a-1") == (None, "none")
    # an article before another word, or a short host inside a longer part, is left alone
    assert choose_title([("html-title", "Convoy stranded | The Post Office")], [], None,
                        "https://www.post.com/convoy") == ("Convoy stranded | The Post Office", "html-title")
    assert choose_title([("html-title", "Convoy stranded | DWS news")], [], None,
                        "https://www.dw.com/convoy") == ("Convoy stranded | DWS news", "html-title")


def test_the_site_in_a_title_tag_is_not_a_date_or_the_headline():
    from lxml import html as lxml_html

    from tasks.extract import site_in_title

    def site(title: str) -> str | None:
        return site_in_title(lxml_html.fromstring(f"<html><head><title>{title}</title></head><body></body></html>"))

    assert site("Convoy stranded | Example.com") == "Example.com"
    assert site("Post-Vac-Syndrom: Was wissen wir? | 13.06.2023") is None
    assert site("A few strong tornadoes could strike central U.S. Friday and Saturday - The Washington Post") is None
    assert site("Convoy stranded | St. Louis Post-Dispatch") == "St. Louis Post-Dispatch"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["By"], []),
        (["Dec"], []),
        (["Example News"], []),
        (["Jeff Foust Monday"], ["Jeff Foust"]),
        (["Analysis by Chris Cillizza; CNN Editor-at-large"], ["Chris Cillizza"]),
        (["Samya Kullab and Vasilisa Stepanenko"], ["Samya Kullab", "Vasilisa Stepanenko"]),
        (["Brazil, Rachel"], ["Rachel Brazil"]),
        (["Elena Oberholzer (obe)"], ["Elena Oberholzer"]),
        (["Marcus De Guzman"], ["Marcus De Guzman"]),
        (["kevin-r"], []),
        (["松岡大地"], ["松岡大地"]),
        (["Magazine Von Erika Muster"], ["Erika Muster"]),
        (["Alexander von Humboldt"], ["Alexander von Humboldt"]),
        (["Ursula von der Leyen"], ["Ursula von der Leyen"]),
        (["Jane Roe and Erik Moe Associated Press"], ["Jane Roe", "Erik Moe", "Associated Press"]),
        (["Jane Roe, Example.com"], ["Jane Roe"]),
        (["Jane Roe, MS, RDN"], ["Jane Roe"]),
        (["Jane Roe, Reuters"], ["Jane Roe", "Reuters"]),
        (["Submitted"], []),  # Drupal's "Submitted on Mon, 2019-01-21 13:49", read as a byline
        (["Posted"], []),
        # a byline block's buttons, badges and links read with the names (pages without structured data)
        (["Di Viviana Mazza"], ["Viviana Mazza"]),  # Italian "di" = by
        (["Luigi Di Maio"], ["Luigi Di Maio"]),
        (["Di Maio"], ["Di Maio"]),
        (["Xiaoying You 0; … Jeff Tollefson Show Authors"], ["Xiaoying You", "Jeff Tollefson"]),
        (["Ver biografía"], []),
        (["Folgen"], []),
        (["Marcus De Guzman; View More Articles"], ["Marcus De Guzman"]),  # an author page link's text
        (["Alle Artikel"], []),
        (["Foto REUTERS"], []),
        (["Image: GCIS"], []),
        (["Bild"], ["Bild"]),  # the newspaper, not a photo credit
        (["Wp-Block-Co-Authors-Plus-Coauthors Is-Layout-Flow"], []),
        (["Jean-Pierre Raffarin"], ["Jean-Pierre Raffarin"]),
        # the furniture goes first, so the agency it hid is split off
        (["Vasilisa Stepanenko The Associated Press Posted May"], ["Vasilisa Stepanenko", "The Associated Press"]),
        # a role set after the name: the name stays, with the desk words before the role's noun
        (["Holger Zschäpitz Leitender Wirtschaftsredakteur"], ["Holger Zschäpitz"]),
        (["Lucy Thornton News Reporter"], ["Lucy Thornton"]),
        (["Tom Roe Chief Political Correspondent"], ["Tom Roe"]),
        (["Emma Roe Lifestyle Writer"], ["Emma Roe"]),
        (["Jane Young Reporter"], ["Jane Young"]),  # a surname that is a word is kept when two words remain
        (["AP Auto Writer"], []),  # an agency's desk, no person
        (["Sarah Editor"], []),
        # the kind of piece or a source label before the name, an agency's description after it
        (["Kommentar von Jan Roe"], ["Jan Roe"]),
        (["Eine Analyse von Erika Muster"], ["Erika Muster"]),
        (["Quelle: dpa"], ["dpa"]),
        (["Quelle sid"], ["SID"]),
        (["SID Nachrichtenagentur"], ["SID"]),
    ],
)
def test_junk_authors_are_rejected(names, expected):
    assert clean_authors(names, ("Example News",)) == expected


def test_wire_agencies():
    assert wire_agency("The Associated Press") == "AP" and wire_agency("Example News") is None
    assert wire_credit_in_text("LONDON (Reuters) - Shares rose on Monday.") == "Reuters"
    assert wire_credit_in_text("Like her father, she ran the bakery.") is None


def test_text_stamp_precision():
    assert stamp_precision("12 March 2024, 10:42") == "minute"
    assert stamp_precision("2024-03-12 10:42:07") == "second"
    assert stamp_precision("March 12, 2024") == "day"
    assert stamp_precision("2008") is None and stamp_precision("March 2008") is None


def test_new_columns_reach_the_public_view(memory_db):
    from tasks.common.frames import articles_frame
    from tasks.common.models import Article

    article = Article(
        "a1", "file:///a.html", "0" * 64, "text/html", "raw", body="body",
        published_at=datetime(2024, 5, 3, 13, 47, tzinfo=UTC), published_at_precision="minute",
        credited_source="AP", metadata_sources={"title": "h1", "published_at": "json-ld"},
    )
    frame = articles_frame([article], "run-1", datetime.now(UTC))
    memory_db.register("incoming", frame)
    memory_db.execute("INSERT INTO stg_articles BY NAME SELECT * FROM incoming")
    row = memory_db.execute("SELECT published_at_precision, credited_source, metadata_sources FROM articles").fetchone()
    assert row[0] == "minute" and row[1] == "AP"
    assert json.loads(row[2]) == {"published_at": "json-ld", "title": "h1"}


def test_outlet_host_is_one_key_per_site_however_its_pages_name_it(memory_db):
    from tasks.common.frames import articles_frame
    from tasks.common.models import Article

    pages = [  # (source_uri, url in the page's metadata, outlet as the page names its site)
        ("https://www.dw.com/en/a", None, "DW.COM"),
        ("file:///in/b.html", "https://WWW.DW.com/en/b?x=1", "dw.com"),
        ("https://user@edition.example.co.uk:8080/c", "https://www.other.com/c", "Example"),  # fetched from wins
        ("file:///in/d.txt", None, "Signature"),
        ("file:///in/e.html", "/relative/e", "Relative"),
    ]
    articles = [Article(f"a{i}", src, f"{i}" * 64, "text/html", "raw", body="body", url=url, outlet=outlet)
                for i, (src, url, outlet) in enumerate(pages)]
    memory_db.register("incoming", articles_frame(articles, "run-1", datetime.now(UTC)))
    memory_db.execute("INSERT INTO stg_articles BY NAME SELECT * FROM incoming")
    hosts = dict(memory_db.execute("SELECT article_id, outlet_host FROM articles").fetchall())
    assert hosts == {"a0": "dw.com", "a1": "dw.com", "a2": "edition.example.co.uk", "a3": None, "a4": None}
    assert memory_db.execute("SELECT count(DISTINCT outlet), count(DISTINCT outlet_host) FROM articles "
                             "WHERE article_id IN ('a0', 'a1')").fetchone() == (2, 1)


def test_month_only_date_stays_null(tmp_path):
    head = '<title>Convoy stranded in desert</title><meta property="og:url" content="https://example.com/2008/05/convoy.html">'
    html = _page(head).replace("</article>", "</article><footer>Posted in May 2008</footer>")
    a = _extract(tmp_path, html)
    assert a.published_at is None and a.published_at_precision is None


def test_json_ld_of_a_related_story_is_not_taken(tmp_path):
    related = {"@type": "NewsArticle", "headline": "An older story", "url": "https://example.com/older",
               "datePublished": "2019-01-02T08:00:00Z"}
    own = {"@type": "NewsArticle", "headline": "Convoy stranded in desert", "url": "https://example.com/convoy",
           "datePublished": "2019-11-19T07:55:00Z"}
    head = _json_ld([related, own]) + '<link rel="canonical" href="https://www.example.com/convoy/">'
    a = _extract(tmp_path, _page(head))
    assert a.published_at == datetime(2019, 11, 19, 7, 55, tzinfo=UTC)


def test_a_time_given_elsewhere_for_the_same_day_is_kept(tmp_path):
    head = _json_ld({"@type": "NewsArticle", "headline": "Convoy stranded in desert", "datePublished": "2019-11-19"}) \
        + '<meta property="article:published_time" content="2019-11-19T07:55:00+01:00">'
    a = _extract(tmp_path, _page(head))
    assert a.published_at == datetime(2019, 11, 19, 6, 55, tzinfo=UTC) and a.published_at_precision == "second"
    assert a.metadata_sources["published_at"] == "opengraph"


def _tree(body: str, head: str = ""):
    from lxml.html import document_fromstring

    return document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_an_h1_in_a_breadcrumb_or_a_nav_is_not_the_headline():
    body = (
        '<nav><ol><li><a href="/">Home</a></li><li><h1>Search-engine title of the story</h1></li></ol></nav>'
        '<div class="trail-breadcrumbs"><h1>Another trail title</h1></div>'
        '<h1 data-breadcrumb-headline="">Trail title by attribute</h1>'
        "<article><header><h2>Convoy stranded in desert</h2></header><h2>A subheading</h2></article>"
    )
    assert page_headings(_tree(body)) == ["Convoy stranded in desert", "A subheading"]


def test_the_visible_headline_decides_between_metadata_titles_when_the_h1_is_a_breadcrumb(tmp_path):
    # the breadcrumb's <h1> repeats the social title; the headline readers see is the JSON-LD one
    head = _json_ld({"@type": "NewsArticle", "headline": "Convoy stranded in desert after border deal"}) \
        + '<meta property="og:title" content="Buses stuck in the desert: what we know">'
    body = ('<nav class="breadcrumb"><ul><li><h1>Buses stuck in the desert: what we know</h1></li></ul></nav>'
            "<header><h2>Convoy stranded in desert after border deal</h2></header>")
    a = _extract(tmp_path, _page(head, body))
    assert a.title == "Convoy stranded in desert after border deal"
    assert a.metadata_sources["title"] == "h1"


def test_itemprop_headline_is_a_heading():
    body = '<div class="breadcrumbs"><h1 aria-current="page">SEO title</h1></div><h2 itemprop="headline">Convoy stranded</h2>'
    assert page_headings(_tree(body))[0] == "Convoy stranded"


def test_a_kicker_set_in_the_heading_keeps_the_metadata_title():
    # <h2><span>Kicker</span><span>Headline</span></h2>: the text runs the kicker into the headline
    titles = [("opengraph", "Border crisis: Convoy stranded in desert"), ("json-ld", "Convoy stranded in desert, officials say")]
    assert choose_title(titles, ["Border crisis Convoy stranded in desert"], None) == ("Border crisis: Convoy stranded in desert", "h1")
    only_headline = [("opengraph", "Convoy stranded in desert after border deal")]
    assert choose_title(only_headline, ["Border crisis Convoy stranded in desert after border deal"], None)[0] \
        == "Convoy stranded in desert after border deal"


def test_a_kicker_in_the_metadata_is_kept_but_not_a_site_name_in_front_of_the_html_title():
    kicker = [("opengraph", "Border crisis: Convoy stranded in desert")]
    assert choose_title(kicker, ["Convoy stranded in desert"], None) == ("Border crisis: Convoy stranded in desert", "h1")
    site_first = [("html-title", "The Desert Review: Convoy stranded in desert")]
    assert choose_title(site_first, ["Convoy stranded in desert"], None) == ("Convoy stranded in desert", "h1")


def test_equal_words_beat_a_kicker_and_opengraph_spells_them_on_a_tie():
    titles = [("json-ld", "Bei Protesten: Aktivistin getötet"), ("opengraph", "Aktivistin getötet")]
    assert choose_title(titles, ["Bei Protesten Aktivistin getötet"], None)[0] == "Bei Protesten: Aktivistin getötet"
    # JSON-LD and the heading curly, OpenGraph (with its Twitter card) and the <title> straight: a tie
    tie = [("json-ld", "Why it’s hard"), ("opengraph", "Why it's hard"), ("twitter", "Why it's hard"),
           ("html-title", "Why it's hard | Example News")]
    assert choose_title(tie, ["Why it’s hard"], "Example News") == ("Why it's hard", "h1")


def test_the_quote_style_most_sources_use_wins():
    # JSON-LD, the <title> and the heading write the apostrophe curly, OpenGraph alone straight
    titles = [("json-ld", "Why it’s hard, and what’s next"), ("opengraph", "Why it's hard, and what's next"),
              ("html-title", "Why it’s hard, and what’s next | Example News")]
    assert choose_title(titles, ["Why it’s hard, and what’s next"], "Example News") == ("Why it’s hard, and what’s next", "h1")
    # the heading alone curly: the metadata's straight quotes stay
    straight = [("json-ld", "Why it's hard"), ("opengraph", "Why it's hard")]
    assert choose_title(straight, ["Why it’s hard"], None)[0] == "Why it's hard"
    # dashes are typography too
    dashes = [("json-ld", "Ceasefire holds – for now"), ("opengraph", "Ceasefire holds - for now"),
              ("html-title", "Ceasefire holds – for now | Example News")]
    assert choose_title(dashes, ["Ceasefire holds – for now"], "Example News")[0] == "Ceasefire holds – for now"


def test_a_heading_is_overruled_only_when_more_sources_agree_on_other_words():
    seo = "Border deal: convoy of 17 buses stranded in the desert"
    # JSON-LD's headline and the heading against OpenGraph (and its Twitter card) and the <title>: a tie
    tie = [("json-ld", "Convoy stranded in desert"), ("opengraph", seo), ("twitter", seo), ("html-title", f"{seo} | Example News")]
    assert choose_title(tie, ["Convoy stranded in desert"], "Example News") == ("Convoy stranded in desert", "h1")
    # JSON-LD also names the article with the other words, and the <title> adds a topic label to them
    more = [("json-ld", "Convoy stranded in desert"), ("json-ld", seo), ("opengraph", seo), ("html-title", f"{seo} – Syria war")]
    assert choose_title(more, ["Convoy stranded in desert"], "Example News") == (seo, "opengraph (most sources)")


def test_a_title_supports_the_headline_it_starts_with():
    assert _leading_runs("Headline | Editorial | Opinion") == ["Headline | Editorial | Opinion", "Headline | Editorial", "Headline"]
    assert _leading_runs("Headline") == ["Headline"]
    # a label appended by OpenGraph and the <title> does not outvote the heading they start with
    titles = [("opengraph", "Convoy stranded in desert | Editorial"),
              ("html-title", "Convoy stranded in desert | Editorial | Opinion | Example News")]
    assert choose_title(titles, ["Convoy stranded in desert"], "Example News") == ("Convoy stranded in desert", "h1")


def test_json_ld_name_is_a_title_candidate_besides_its_headline():
    seo = "Border deal: convoy of 17 buses stranded in the desert"
    head = _json_ld({"@type": "NewsArticle", "headline": "Convoy stranded in desert", "name": seo}) + \
        f'<meta property="og:title" content="{seo}"><title>{seo} – Syria war</title>'
    found = structured_metadata(_tree("<h1>Convoy stranded in desert</h1>", head))
    assert (found.title, found.sources["title"]) == (seo, "opengraph (most sources)")
    # without the name, JSON-LD sides with the heading: a tie, the heading stays
    head = _json_ld({"@type": "NewsArticle", "headline": "Convoy stranded in desert"}) + \
        f'<meta property="og:title" content="{seo}"><title>{seo} – Syria war</title>'
    assert structured_metadata(_tree("<h1>Convoy stranded in desert</h1>", head)).title == "Convoy stranded in desert"


def test_a_section_named_in_the_url_is_stripped_from_a_title():
    url = "https://example.com/2019/11/19/opinion/convoy-stranded.html"
    assert choose_title([("opengraph", "Opinion | Convoy stranded in desert")], [], None, url) == ("Convoy stranded in desert", "opengraph")
    # a word of the slug is not a section
    assert choose_title([("opengraph", "Convoy | Stranded")], [], None, url)[0] == "Convoy | Stranded"


def test_json_ld_article_as_a_pages_main_entity(tmp_path):
    head = _json_ld({"@type": "WebPage", "mainEntity": {
        "@type": "NewsArticle", "headline": "Convoy stranded in desert", "datePublished": "2024-04-26T20:44:00+0200",
        "author": {"@type": "Person", "name": "Jane Doe"}}})
    a = _extract(tmp_path, _page(head, '<time datetime="2024-04-26 20:44">26.04.2024, 20:44</time>'))
    assert a.published_at == datetime(2024, 4, 26, 18, 44, tzinfo=UTC)
    assert a.metadata_sources["published_at"] == "json-ld"
    assert a.author == "Jane Doe"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<div>Do 25.04.24 | 14:07 Uhr | Von Eva Muster</div>", (14, 7, False)),
        ("<p>By Jane Doe on Thursday, April 25th, 2024 at 2:07 p.m.</p>", (14, 7, False)),
        ("<p>Updated 25 Apr 2024 18:30 GMT</p><p>Published 25 Apr 2024 09:15 GMT</p>", (9, 15, True)),
        ("<span>入力 :[ 2024-04-25 14:07 ]</span>", (14, 7, False)),
        ("<p>25.04.2024: 3 Tore in 14:07 Minuten</p>", None),  # another number between: not the day's time
        ("<p>24.04.2024, 14:07</p>", None),  # another day
        ('<script>var d = "2024-04-25 14:07";</script><p>2024-04-25</p>', None),  # not shown to readers
        ("<p>25.04.2024, 25:07</p>", None),
        # the clock first, as British tabloids write it; the earliest is the first publication
        ("<span>By Jane Doe</span> <span>14:07, 25 Apr 2024</span> Updated 14:30, 25 Apr 2024", (14, 7, False)),
        ("<p>25. April 2024, 14:07</p>", (14, 7, False)),  # German month name
        ("<p>Publicerad 25 apr 2024 kl 14.07</p>", (14, 7, False)),  # Swedish, a dotted clock after "kl"
        ("<p>25 de abril de 2024 - 14:07 CEST</p>", (14, 7, False)),  # Spanish
        ("<p>Do 25.04.24 | 14.07 Uhr</p>", (14, 7, False)),  # a dotted clock with "Uhr"
        ("<p>25.04.2024</p><p>Der Newsletter kommt um 6.00 Uhr</p>", None),  # a dotted clock not next to the day
        ("<p>25.04.2024, Kurs 14.07 Euro</p>", None),  # a dotted number without "Uhr" or "kl" is no clock
        ("<p>2024-04-24T23:06:00+01:00 2024-04-25</p>", None),  # a zone offset is no clock before the day
    ],
)
def test_time_next_to_the_day(text, expected):
    from datetime import date

    from tasks.common.metadata import time_next_to_day

    assert time_next_to_day(text, date(2024, 4, 25)) == expected


def test_a_day_from_metadata_takes_the_time_the_byline_gives(tmp_path):
    head = _json_ld({"@type": "NewsArticle", "headline": "Convoy stranded in desert", "datePublished": "2024-04-25"})
    a = _extract(tmp_path, _page(head, "<p class='byline'>Thu 25.04.24 | 14:07 | By Jane Doe</p>"))
    assert a.published_at == datetime(2024, 4, 25, 14, 7, tzinfo=UTC) and a.published_at_precision == "minute"
    assert a.metadata_sources["published_at"] == "json-ld (day) + time next to it in the text"
    assert a.published_at_source == "html-metadata: no zone given, UTC assumed"
    # the same page on a German domain: the byline's 14:07 is Berlin time
    canonical = '<link rel="canonical" href="https://www.example.de/2024/04/convoy-stranded">'
    a = _extract(tmp_path, _page(head + canonical, "<p class='byline'>Do 25.04.24 | 14:07 | Von Eva Muster</p>"))
    assert a.published_at == datetime(2024, 4, 25, 12, 7, tzinfo=UTC)
    assert a.published_at_source.endswith("Europe/Berlin assumed (the zone of the page's .de domain)")


def test_site_names_from_the_json_ld_publisher_and_the_url_host():
    from tasks.common.metadata import host_name

    assert host_name("https://www.digg.com/2019/stadia") == "digg"
    assert host_name("http://entermedia.co.kr/news/view.html?idx=1") == "entermedia"
    assert host_name("file:///tmp/page.html") is None
    url = "https://www.digg.com/2019/stadia-reviews"
    assert choose_title([("opengraph", "Stadia reviews are in - Digg")], [], None, url) == ("Stadia reviews are in", "opengraph")
    publisher = [("html-title", "Stadia reviews are in | Example Gazette")]
    assert choose_title(publisher, [], None, None, ("Example Gazette",))[0] == "Stadia reviews are in"
    # the page's own slug is not a section: "About bugs" stays
    assert choose_title([("html-title", "About bugs – Vortex Games")], [], None, "https://vortex.org/about-bugs/")[0] == "About bugs – Vortex Games"


def test_a_day_written_as_a_part_of_the_pages_title():
    from tasks.common.metadata import date_in_title

    assert date_in_title(["Convoy stranded | Example News | 28.04.2023"]) == "2023-04-28"
    assert date_in_title([None, "Convoy stranded - 2023-04-28"]) == "2023-04-28"
    assert date_in_title(["Convoy stranded | 04/28/2023"]) is None  # slashes: the order is not known
    assert date_in_title(["28.04.2023 | Convoy stranded"]) is None  # leading: not a suffix the site adds
    assert date_in_title(["Convoy stranded | 31.02.2023"]) is None


def test_the_title_date_comes_before_trafilaturas_guess(tmp_path):
    head = '<meta property="og:title" content="Convoy stranded in desert | Example News | 28.04.2023">'
    a = _extract(tmp_path, _page(head, "<aside><h2>Older story <span class='date'>24.04.2023</span></h2></aside>"))
    assert a.published_at == datetime(2023, 4, 28, tzinfo=UTC) and a.published_at_precision == "day"
    assert a.metadata_sources["published_at"] == "title"


def test_a_labelled_author_field_or_an_author_page_link_names_the_person_when_the_metadata_names_the_publisher(tmp_path):
    head = '<meta name="author" content="Deutsche Welle (www.dw.com)"><link rel="canonical" href="https://www.dw.com/de/a-1">'
    labelled = _extract(tmp_path, _page(head, "<h1>Ein Titel</h1><ul><li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>"))
    assert labelled.author == "Roman Goncharenko"
    linked = _extract(tmp_path, _page('<meta name="author" content="LTO"><meta property="og:site_name" content="LTO">',
                                      '<h1>Titel</h1><p>von <a href="/autoren/name/max-kolter">Dr. Max Kolter</a></p>'))
    assert linked.author == "Dr. Max Kolter"


def test_an_author_page_link_in_a_menu_or_before_the_headline_names_nobody():
    from tasks.common.metadata import byline_names

    menu = '<ul role="menu"><li><a role="menuitem" href="/opinion/columnists/josh_brodesky">Josh Brodesky</a></li></ul>'
    assert byline_names(_tree(f"<h1>A cat is found</h1>{menu}")) == []
    assert byline_names(_tree('<a href="/author/jane-doe">Jane Doe</a><h1>A cat is found</h1><p>Text.</p>')) == []
    assert byline_names(_tree('<h1>A cat is found</h1><p>By <a href="/author/jane-doe">Jane Doe</a> and '
                              '<a href="/author/john-roe">John Roe</a></p><aside><a href="/author/x-y">Xavier Young</a></aside>')) \
        == ["Jane Doe", "John Roe"]


def test_a_bold_paragraph_of_names_at_the_top_is_the_byline_when_the_metadata_names_the_publisher(tmp_path):
    head = '<meta name="author" content="Lesotho Times"><meta property="og:site_name" content="Lesotho Times">'
    page = _page(head, "<h1>Mining blasts shatter homes</h1><p><strong>Mathatisi Sebusi/Mohalenyane Phakela</strong></p>")
    article = _extract(tmp_path, page)
    assert article.author == "Mathatisi Sebusi; Mohalenyane Phakela"
    assert "Mathatisi Sebusi" not in article.body  # the byline's line left the body
    # a bold heading of common words is no byline
    heading = _extract(tmp_path, _page(head, "<h1>Results</h1><p><strong>Premier League</strong></p>"))
    assert heading.author is None and "Premier League" in heading.body


def test_the_claimant_a_fact_check_reviews_is_not_its_author(tmp_path):
    claim = _json_ld({"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "The camp is blockaded",
                      "itemReviewed": {"@type": "CreativeWork", "author": {"@type": "Person", "name": "The Russian and Syrian defense ministries"}},
                      "author": {"@type": "Organization", "name": "POLYGRAPH.info"}})
    body = '<h1>Russia blames the US</h1><div class="statement-author"><h4 class="author">The Russian and Syrian defense ministries</h4></div>'
    article = _extract(tmp_path, _page(claim, body))
    assert article.author is None or "ministries" not in article.author


def test_a_bold_line_in_a_sidebar_widget_is_no_byline():
    from tasks.common.metadata import byline_names

    sidebar = '<ul><li class="widget widget_text"><div class="textwidget"><p><strong>Ayo Infaq Dakwah</strong></p></div></li></ul>'
    assert byline_names(_tree(f'<h1>Sejarah</h1><article><p>Teks.</p></article>{sidebar}')) == []
    in_article = '<h1>Mining blasts</h1><div class="entry-content"><p><strong>Mathatisi Sebusi</strong></p><p>Text.</p></div>'
    assert byline_names(_tree(in_article).getroottree().getroot()) == ["Mathatisi Sebusi"]


def test_a_site_name_given_as_a_copyright_notice_is_the_name():
    assert clean_site_name("人民网版权所有") == "人民网"
    assert clean_site_name("Example News. All rights reserved.") == "Example News"
    assert clean_site_name("Beispiel Zeitung – Alle Rechte vorbehalten") == "Beispiel Zeitung"
    assert clean_site_name("Copyright 2024 Example News") is None  # no telling the name from the notice
    assert clean_site_name("All rights reserved") is None and clean_site_name("https://example.com") is None
    assert clean_site_name("Reserved Words Weekly") == "Reserved Words Weekly"


def test_a_site_name_set_beside_a_slogan_domain_or_company_is_its_first_part():
    assert clean_site_name("Example Daily | Nigeria's popular news platform") == "Example Daily"
    assert clean_site_name("The Example Post | ExamplePost.com") == "The Example Post"
    assert clean_site_name("Beispiel Presse - Beispiel Verlag und Druck GmbH & Co. KG") == "Beispiel Presse"
    assert clean_site_name("Racing | F1 | Indy | MotoGP") == "Racing"
    assert clean_site_name("Nachrichten aus Israel – Chadashot – חדשות") == "Nachrichten aus Israel"
    assert clean_site_name("Mid-Day") == "Mid-Day" and clean_site_name("Rhein-Zeitung") == "Rhein-Zeitung"
    assert clean_site_name("| Example") == "| Example"  # no name before the separator: left as written


def test_a_byline_whose_name_runs_into_a_role_gives_way_to_the_author_link_beside_it(tmp_path):
    # no structured data; trafilatura's byline search reads "Jane Roe Freelance sports writer", which
    # no name survives in (a role), so the link to her author page names her
    body = ('<h1>Convoy stranded in the desert</h1><div class="author-info"><a href="/author/jane-roe">Jane Roe</a> '
            'Freelance sports writer</div>')
    assert _extract(tmp_path, _page("<title>Convoy stranded in the desert</title>", body)).author == "Jane Roe"


def test_an_element_a_template_marks_as_the_authors_name_names_the_author(tmp_path):
    from lxml import html as lxml_html

    from tasks.common.metadata import byline_names

    def names(body: str) -> list[str]:
        return byline_names(lxml_html.fromstring(f"<html><body>{body}</body></html>"))

    assert names('<h1>Convoy</h1><span class="cs-meta-author-name">Jane Roe</span><p>Text.</p>') == ["Jane Roe"]
    assert names('<h1>Convoy</h1><div data-testid="byline-contributors"><div data-testid="byline-contributors-contributor-0">'
                 '<span>Jane Roe</span></div><div data-testid="byline-contributors-contributor-1"><span>Erik Moe</span></div>'
                 '</div>') == ["Jane Roe", "Erik Moe"]
    # before the headline (a masthead), in a list of other articles, or not a name: nobody
    assert names('<span class="author-name">Jane Roe</span><h1>Convoy</h1>') == []
    assert names('<h1>Convoy</h1><div class="related"><span class="author-name">Jane Roe</span></div>') == []
    assert names('<h1>Convoy</h1><span class="author-name">Sports desk, 25 April</span>') == []
    # the name in another article's teaser further down is not a co-author
    assert names('<h1>Convoy</h1><p><span class="author-name">Jane Roe</span></p><p><span class="author-name">Erik Moe</span></p>') == ["Jane Roe"]
