"""A tiny local web server for fetch tests: routes in a dict, every request logged with its time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers: a status, a content type and a body (or a function of the hit count)."""

    body: bytes | Callable[[int], tuple[int, bytes]] = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering (a slow server)


@dataclass
class Site:
    """The served routes and the requests seen."""

    routes: dict[str, Route]
    base: str = ""
    hits: list[tuple[str, float]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def times(self, path: str) -> list[float]:
        return [t for p, t in self.hits if p == path]


@contextmanager
def serve_site(routes: dict[str, Route]) -> Iterator[Site]:
    """Serve `routes` on 127.0.0.1 at a free port in a thread, for the block."""
    site = Site(routes)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.hits.append((self.path, time.monotonic()))
            route = site.routes.get(self.path)
            if route is None:
                status, body, ctype = 404, b"<html><body><h1>Not found</h1></body></html>", "text/html"
            else:
                if route.delay:
                    time.sleep(route.delay)
                count = sum(1 for p, _ in site.hits if p == self.path)
                status, body = route.body(count) if callable(route.body) else (route.status, route.body)
                ctype = route.content_type
            try:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
