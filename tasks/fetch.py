"""Fetch stage: download pages from a URL list with trafilatura, politely, into RawDocuments."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from configparser import ConfigParser
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from prefect import task
from prefect.cache_policies import NO_CACHE
from trafilatura.downloads import fetch_response
from trafilatura.settings import DEFAULT_CONFIG
from trafilatura.spider import get_rules

from tasks.common.models import RawDocument
from tasks.discover import DEFAULT_MAX_BYTES, check_documents, sha256_hex

HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "factwire/0.1 (+https://github.com/factwire/factwire)"
# Statuses worth asking again (the server is busy or briefly broken); anything else is final.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How politely and patiently to fetch; built once per run and passed down."""

    timeout_seconds: int = 20
    # Rounds after a timeout, a refused connection or a 429/5xx. Within each round trafilatura's
    # downloader (urllib3) already retries read timeouts and 429/5xx twice with its own backoff.
    retries: int = 1
    backoff_seconds: float = 2.0  # first wait between attempts, doubled each time
    per_host_delay_seconds: float = 2.0  # at least this long between two requests to one host
    respect_robots: bool = True
    allow_private_hosts: bool = False  # trafilatura refuses loopback/private addresses unless allowed
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = USER_AGENT


def trafilatura_config(options: FetchOptions) -> ConfigParser:
    """trafilatura's download settings for these options (its own retries are left to us)."""
    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["DOWNLOAD_TIMEOUT"] = str(max(1, int(options.timeout_seconds)))
    config["DEFAULT"]["MAX_FILE_SIZE"] = str(options.max_bytes)
    config["DEFAULT"]["MIN_FILE_SIZE"] = "1"
    config["DEFAULT"]["USER_AGENTS"] = options.user_agent
    config["DEFAULT"]["SSRF_PROTECTION"] = "off" if options.allow_private_hosts else "on"
    config["DEFAULT"]["INSECURE_SSL_FALLBACK"] = "off"
    return config


def read_url_list(path: str | Path) -> list[str]:
    """URLs from a text file, one a line; blank lines and `#` comments skipped, duplicates dropped."""
    urls: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        url = line.strip()
        if url and not url.startswith("#") and url not in urls:
            urls.append(url)
    return urls


def host_of(url: str) -> str:
    """scheme://host[:port], the unit of politeness and of robots.txt."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def interleave_by_host(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so waiting for one host's delay overlaps with fetching another's."""
    queues: dict[str, list[str]] = {}
    for url in urls:
        queues.setdefault(host_of(url), []).append(url)
    out: list[str] = []
    while queues:
        for host in list(queues):
            out.append(queues[host].pop(0))
            if not queues[host]:
                del queues[host]
    return out


@dataclass
class HostClock:
    """Per-host politeness: waits until `delay` seconds have passed since the last request there.

    courlan's UrlStore does this for trafilatura's crawler, but it also rewrites and merges
    URLs (http/https variants), and a URL list must be fetched exactly as given.
    """

    delay: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    last: dict[str, float] = field(default_factory=dict)

    def wait(self, host: str, delay: float | None = None) -> float:
        """Sleep as long as politeness demands before the next request to `host`; returns the wait."""
        gap = self.delay if delay is None else delay
        waited = 0.0
        if host in self.last:
            waited = max(0.0, self.last[host] + gap - self.clock())
            if waited:
                self.sleep(waited)
        self.last[host] = self.clock()
        return waited


class _LastError(logging.Handler):
    """Keeps the last error trafilatura logged: its downloader returns None and logs why."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.message = record.getMessage()


@contextmanager
def _download_errors() -> Iterator[_LastError]:
    logger = logging.getLogger("trafilatura.downloads")
    handler = _LastError()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _failure_reason(message: str | None) -> str:
    """A short quarantine reason from trafilatura's log line."""
    text = (message or "").lower()
    if status := re.search(r"too many (\d{3}) error responses", text):
        return f"HTTP {status.group(1)}"
    if "timed out" in text or "timeout" in text:
        return "fetch failed: timeout"
    if "max_file_size" in text:
        return "fetch failed: page larger than the size limit"
    if "ssrf" in text:
        return "fetch failed: private address refused (allow_private_hosts is off)"
    if "refused" in text:
        return "fetch failed: connection refused"
    return f"fetch failed: {message.split(' ', 3)[-1][:200]}" if message else "fetch failed: no response"


def non_public_address(url: str) -> str | None:
    """The first address the URL's host resolves to that is not a public one (loopback, private,
    link-local, reserved, in any of their spellings), or None. Checked before any connection is
    made, so a refused address is never even probed."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None  # the fetch reports the name that does not resolve
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            return str(address)
    return None


def is_html(content_type: str | None, data: bytes) -> bool:
    """HTML by its Content-Type, or by its first bytes when the server sent none."""
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in HTML_MEDIA_TYPES
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def robots_rules(host: str, config: ConfigParser) -> RobotFileParser | None:
    """The host's robots.txt rules, or None (everything allowed) when it has none."""
    return get_rules(host, config=config)


def fetch_page(
    url: str,
    options: FetchOptions,
    config: ConfigParser,
    rules: RobotFileParser | None = None,
    clock: HostClock | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RawDocument:
    """Fetch one URL; a failure comes back as a RawDocument with `error` set (the quarantine reason)."""
    failed = RawDocument(url, "", b"", "text/html", 0, fetched_at=now())
    if urlsplit(url).scheme not in ("http", "https"):
        failed.error = "not an http(s) URL"
        return failed
    if rules is not None and not rules.can_fetch(options.user_agent, url):
        failed.error = "disallowed by robots.txt"
        return failed
    if not options.allow_private_hosts and (address := non_public_address(url)):
        failed.error = f"fetch refused: {urlsplit(url).hostname} is a non-public address ({address}); allow_private_hosts is off"
        return failed
    host = host_of(url)
    crawl_delay = rules.crawl_delay(options.user_agent) if rules is not None else None
    delay = max(options.per_host_delay_seconds, float(crawl_delay or 0))
    wait = options.backoff_seconds
    for attempt in range(options.retries + 1):
        if attempt:
            time.sleep(wait)
            wait *= 2
        if clock is not None:
            clock.wait(host, delay)
        with _download_errors() as errors:
            response = fetch_response(url, decode=False, config=config)
        fetched_at = now()
        if response is None or response.data is None:
            failed.error, failed.fetched_at = _failure_reason(errors.message), fetched_at
            if "address refused" in failed.error:  # a redirect to a refused address: asking again changes nothing
                break
            continue
        data = bytes(response.data)
        if response.status in TRANSIENT_STATUSES:
            failed.error, failed.fetched_at = f"HTTP {response.status}", fetched_at
            failed.raw_bytes, failed.size_bytes = data, len(data)
            continue
        if response.status != 200:
            return RawDocument(url, "", data, "text/html", len(data), fetched_at, f"HTTP {response.status}")
        content_type = (response.headers or {}).get("content-type")
        if not is_html(content_type, data):
            return RawDocument(url, "", data, content_type or "application/octet-stream", len(data), fetched_at,
                               f"not HTML: {content_type or 'no Content-Type'}")
        return RawDocument(url, sha256_hex(data), data, "text/html", len(data), fetched_at)
    return failed


def fetch_pages(urls: list[str], options: FetchOptions) -> list[RawDocument]:
    """Fetch a list of URLs, robots.txt read once per host, in the order given back."""
    config = trafilatura_config(options)
    clock = HostClock(options.per_host_delay_seconds)
    rules: dict[str, RobotFileParser | None] = {}
    docs: dict[str, RawDocument] = {}
    for url in interleave_by_host(urls):
        host = host_of(url)
        if options.respect_robots and host not in rules and url.startswith(("http://", "https://")):
            clock.wait(host)
            rules[host] = robots_rules(host, config)
        docs[url] = fetch_page(url, options, config, rules.get(host), clock)
    return [docs[u] for u in urls]


@task(name="list-urls", cache_policy=NO_CACHE)
def list_urls(url_file: str | None, landed: set[str]) -> list[str]:
    """URLs from the list file, minus those already landed."""
    return [u for u in read_url_list(url_file) if u not in landed] if url_file else []


@task(name="fetch", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def fetch(urls: list[str], options: FetchOptions, run_id: str, batch_index: int) -> tuple[list[RawDocument], list[dict[str, Any]]]:
    """Download and check one batch of URLs (failures come back as documents to quarantine)."""
    docs = fetch_pages(urls, options)
    return docs, check_documents(docs, run_id, batch_index)
