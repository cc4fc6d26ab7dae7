"""The URL fetcher against a local web server (never the internet): robots, retries, politeness, quarantine."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime

import duckdb
import pytest

from flows.cli import main as cli_main
from tasks.fetch import FetchOptions, HostClock, fetch_pages, interleave_by_host, read_url_list

from .conftest import SEEDS
from .webserver import Route, serve_site

FAST = FetchOptions(timeout_seconds=1, retries=1, backoff_seconds=0.1, per_host_delay_seconds=0.0, allow_private_hosts=True)
ROBOTS = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")


def article_html(seed: str) -> bytes:
    """A news page made from a seed's paragraphs, with page chrome around it."""
    title, *paras = [p for p in (SEEDS / seed).read_text(encoding="utf-8").split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
            f"<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>{body}</article>"
            f"<footer>Copyright Example News</footer></body></html>").encode()


def test_read_url_list_skips_comments_blanks_and_duplicates(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("# today's list\nhttp://a.example/1\n\n  http://a.example/2#top \nhttp://a.example/1\n", encoding="utf-8")
    assert read_url_list(urls) == ["http://a.example/1", "http://a.example/2#top"]


def test_interleave_by_host_round_robins():
    urls = ["http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://c/1", "http://b/2"]
    assert interleave_by_host(urls) == ["http://a/1", "http://b/1", "http://c/1", "http://a/2", "http://b/2", "http://a/3"]


def test_host_clock_waits_only_for_the_same_host():
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    clock = HostClock(2.0, sleep=sleep, clock=lambda: now[0])
    assert clock.wait("http://a") == 0.0
    assert clock.wait("http://b") == 0.0
    now[0] += 0.5
    assert clock.wait("http://a") == pytest.approx(1.5)
    assert clock.wait("http://a", delay=5.0) == pytest.approx(5.0)  # a robots.txt Crawl-delay
    assert slept == [pytest.approx(1.5), pytest.approx(5.0)]


def test_fetch_outcomes_against_a_local_server():
    page = article_html("001_3da009fc58483ec1.txt")
    routes = {
        "/robots.txt": ROBOTS,
        "/news/convoy.html": Route(page),
        "/news/gone.html": Route(b"<html><body>Gone</body></html>", status=404),
        "/files/report.pdf": Route(b"%PDF-1.4 binary", content_type="application/pdf"),
        "/private/memo.html": Route(page),
        "/news/slow.html": Route(page, delay=3.0),
        "/news/no-type.html": Route(page, content_type=None),
    }
    with serve_site(routes) as site:
        urls = [site.url(p) for p in ("/news/convoy.html", "/news/gone.html", "/files/report.pdf",
                                      "/private/memo.html", "/news/slow.html", "/news/no-type.html")]
        urls.append("ftp://127.0.0.1/x.html")
        before = datetime.now(UTC)
        docs = fetch_pages(urls, FAST)
        paths = [p for p, _ in site.hits]

    assert [d.source_uri for d in docs] == urls  # order kept, source is the URL as given
    ok, gone, pdf, private, slow, no_type, ftp = docs
    assert ok.error is None and ok.raw_bytes == page and ok.media_type == "text/html"
    assert ok.content_sha256 and ok.size_bytes == len(page)
    assert ok.fetched_at is not None and ok.fetched_at >= before
    assert gone.error == "HTTP 404" and not gone.content_sha256
    assert pdf.error == "not HTML: application/pdf" and pdf.raw_bytes.startswith(b"%PDF")
    assert private.error == "disallowed by robots.txt"
    assert "/private/memo.html" not in paths  # robots.txt is respected: never requested
    assert paths.count("/robots.txt") == 1  # read once per host
    assert slow.error == "fetch failed: timeout"
    # trafilatura (urllib3) tries a timed-out page 3 times per round; FAST adds one more round.
    assert paths.count("/news/slow.html") == 3 * (FAST.retries + 1)
    assert no_type.error is None  # no Content-Type, but the bytes are HTML
    assert ftp.error == "not an http(s) URL"


def test_transient_errors_are_retried_with_backoff():
    page = article_html("002_44088e1be8dae33e.txt")

    def flaky(count: int) -> tuple[int, bytes]:
        return (503, b"busy") if count <= 1 else (200, page)

    with serve_site({"/flaky.html": Route(flaky), "/down.html": Route(b"busy", status=503)}) as site:
        options = FetchOptions(timeout_seconds=1, retries=2, backoff_seconds=0.2, per_host_delay_seconds=0.0,
                               respect_robots=False, allow_private_hosts=True)
        flaky_doc, down_doc = fetch_pages([site.url("/flaky.html"), site.url("/down.html")], options)
        down_times = site.times("/down.html")
    assert flaky_doc.error is None and flaky_doc.raw_bytes == page
    assert down_doc.error == "HTTP 503"
    assert len(down_times) >= 3  # every attempt made
    assert down_times[-1] - down_times[0] >= 0.2 + 0.4 - 0.05  # and with a growing wait between them


def test_per_host_politeness_delay():
    page = article_html("003_7bdef42adda05952.txt")
    with serve_site({"/robots.txt": Route(b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain"),
                     "/a.html": Route(page), "/b.html": Route(page), "/c.html": Route(page)}) as site:
        options = FetchOptions(timeout_seconds=2, retries=0, per_host_delay_seconds=0.3, allow_private_hosts=True)
        started = time.monotonic()
        fetch_pages([site.url("/a.html"), site.url("/b.html"), site.url("/c.html")], options)
        elapsed = time.monotonic() - started
        times = [t for _, t in site.hits]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 4  # robots.txt and three pages
    assert min(gaps[1:]) >= 0.95  # robots.txt asks for 1 s, longer than our 0.3 s: it wins
    assert elapsed >= 2.9


def test_private_addresses_are_refused_unless_allowed():
    with serve_site({"/a.html": Route(article_html("000_4640bc17174c948b.txt"))}) as site:
        options = FetchOptions(timeout_seconds=1, retries=0, respect_robots=False)
        (doc,) = fetch_pages([site.url("/a.html")], options)
        assert site.hits == []
    assert doc.error is not None and "non-public address" in doc.error


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_urls_end_to_end(tmp_path, db_path):
    routes = {
        "/robots.txt": ROBOTS,
        "/news/convoy.html": Route(article_html("001_3da009fc58483ec1.txt")),
        "/news/other.html": Route(article_html("002_44088e1be8dae33e.txt")),
        "/news/gone.html": Route(b"<html>gone</html>", status=404),
        "/private/memo.html": Route(article_html("003_7bdef42adda05952.txt")),
        "/files/data.json": Route(b'{"a": 1}', content_type="application/json"),
    }
    with serve_site(routes) as site:
        url_file = tmp_path / "urls.txt"
        paths = ["/news/convoy.html", "/news/other.html", "/news/gone.html", "/private/memo.html", "/files/data.json"]
        url_file.write_text("\n".join(site.url(p) for p in paths) + "\n", encoding="utf-8")
        args = ["ingest", "--urls", str(url_file), "--db", str(db_path), "--allow-private-hosts",
                "--per-host-delay", "0", "--fetch-timeout", "2", "--batch-size", "2"]
        assert cli_main(args) == 0
        first_hits = len(site.hits)
        assert cli_main(args) == 0  # landed URLs are not fetched again; failures are retried
        second = [p for p, _ in site.hits[first_hits:]]

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        articles = con.execute("SELECT a.source_uri, a.fetched_at, a.media_type, r.fetched_at FROM articles a "
                               "JOIN raw_documents r USING (content_sha256) ORDER BY a.source_uri").fetchall()
        raw = con.execute("SELECT first_source_uri, media_type, fetched_at IS NOT NULL FROM raw_documents ORDER BY 1").fetchall()
        quarantine = con.execute("SELECT source_uri, stage, reason FROM quarantine ORDER BY quarantined_at, source_uri").fetchall()
        seen = [r[0] for r in con.execute("SELECT n_seen FROM quarantine").fetchall()]
        runs = con.execute("SELECT status, n_discovered FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert [a[0] for a in articles] == [site.url("/news/convoy.html"), site.url("/news/other.html")]
    # fetched_at travels from the fetch to the article (the clean stage resolves "5 years ago" with it)
    assert all(a[1] is not None and a[1] == a[3] and a[2] == "text/html" for a in articles)
    assert raw == [(site.url("/news/convoy.html"), "text/html", True), (site.url("/news/other.html"), "text/html", True)]
    reasons = {(uri.removeprefix(site.base), stage, reason) for uri, stage, reason in quarantine}
    assert reasons == {("/news/gone.html", "fetch", "HTTP 404"), ("/private/memo.html", "fetch", "disallowed by robots.txt"),
                       ("/files/data.json", "fetch", "not HTML: application/json")}
    # the second run tried the failures again: one row per URL and reason, seen twice
    assert len(quarantine) == 3 and seen == [2, 2, 2]
    assert sorted(p for p in second if p != "/robots.txt") == ["/files/data.json", "/news/gone.html"]
    assert runs == [("completed", 5), ("completed", 3)]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0x7f.1", "2130706433", "[::1]"])
def test_a_refused_address_is_never_connected_to_nor_retried(host):
    """The address check runs before any connection (no port-scan oracle), in every spelling of
    loopback, and a refused address is not asked again."""
    import socket
    import time

    family = socket.AF_INET6 if host == "[::1]" else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        options = FetchOptions(timeout_seconds=1, retries=3, backoff_seconds=1.0, respect_robots=False)
        started = time.monotonic()
        (doc,) = fetch_pages([f"http://{host}:{port}/a.html"], options)
        assert time.monotonic() - started < 1.0  # no backoff rounds
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()
    assert doc.error and doc.error.startswith("fetch refused:") and "non-public address" in doc.error
