"""A real HTTP server on 127.0.0.1 serving the saved pages of tests/pages, and the ways fetching goes wrong."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from retrieval import Destinations

PAGES = Path(__file__).resolve().parent / "pages"
_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8"}
_FEED_TYPES = {"rss.xml": "application/rss+xml; charset=utf-8", "atom.xml": "application/atom+xml; charset=utf-8"}
MB = 1024 * 1024


class PageServer:
    """`with PageServer() as server:` serves tests/pages at `server.url(name)`; `server.routes[path]` overrides
    a path with (status, content type, body) or with a function of the request handler."""

    def __init__(self) -> None:
        self.routes: dict = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path) or _BUILT_IN.get(self.path)
                if callable(route):
                    return route(self)
                if route is None:
                    name = self.path.lstrip("/")
                    file = PAGES / name
                    if "/" in name or not file.is_file():
                        return self._send(404, "text/html", b"<h1>404 Not Found</h1>")
                    body = file.read_text(encoding="utf-8").replace("{port}", str(server.port)).encode()
                    return self._send(200, _FEED_TYPES.get(name) or _TYPES.get(file.suffix, "text/plain"), body)
                status, content_type, body = route
                self._send(status, content_type, body.replace(b"{port}", str(server.port).encode()))

            def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # What INTAKE_ALLOW_PRIVATE must list for intake to fetch from this server (127.0.0.1 is not public).
        self.allowed = f"127.0.0.1:{self.port}"
        self.allow = Destinations.parse(self.allowed)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _redirect(to: str, status: int = 302):
    def send(handler) -> None:
        handler._send(status, "text/html", b"", {"Location": to})
    return send


def _slow(handler) -> None:
    """Headers at once, then a byte every half second: never done within a short timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(40):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass


def _silent(handler) -> None:
    """No answer at all for a while."""
    time.sleep(5)


def _huge(handler, declare: bool) -> None:
    """A 50 MB page, streamed; with `declare`, its Content-Length says so up front."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    if declare:
        handler.send_header("Content-Length", str(50 * MB))
    handler.end_headers()
    block = b"<p>" + "نص طويل جدا ".encode() * 5000 + b"</p>\n"
    try:
        for _ in range(50 * MB // len(block)):
            handler.wfile.write(block)
    except OSError:
        pass


_BUILT_IN = {
    "/missing.html": (404, "text/html", b"<h1>Not Found</h1>"),
    "/broken.html": (500, "text/html", b"<h1>Internal Server Error</h1>"),
    "/unavailable.html": (503, "text/html", b"<h1>Service Unavailable</h1>"),
    "/report.pdf": (200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n"),
    "/photo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "/disguised.html": (200, "text/html", b"%PDF-1.4\n1 0 obj <<>> endobj\n"),
    "/not-a-feed.xml": (200, "application/rss+xml", b"<html><body><p>\xd9\x84\xd8\xa7</p></body></html>"),
    "/broken-feed.xml": (200, "application/rss+xml", b"<?xml version='1.0'?><rss><channel><item><title>x"),
    "/down-feed.xml": (503, "text/html", b"<h1>Service Unavailable</h1>"),
    "/loop-a": _redirect("/loop-b"),
    "/loop-b": _redirect("/loop-a"),
    "/moved": _redirect("/wakala_final.html", 301),
    "/to-file": _redirect("file:///etc/passwd"),
    "/slow.html": _slow,
    "/silent.html": _silent,
    "/huge.html": lambda handler: _huge(handler, declare=True),
    "/endless.html": lambda handler: _huge(handler, declare=False),
}
