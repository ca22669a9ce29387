"""A local HTTP server on 127.0.0.1 that serves what a test writes into it: feeds and
pages, errors, slow or endless answers, redirects. It records every request."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer starts
    etag: str | None = None  # answer 304 to a matching If-None-Match
    endless: bool = False  # stream chunks until the client hangs up (bounded)


ENDLESS_CAP = 200 * 1024 * 1024  # an endless body still ends, for a bounded test
CHUNK = 64 * 1024


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Route]] = {}
        self.requests: list[Request] = []
        self.bytes_sent: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *answers: Route) -> str:
        """Serve `answers` in turn at `path` (the last one repeats); returns the URL."""
        self.routes[path] = list(answers)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for request in self.requests if request.path == path)

    def _next(self, path: str) -> Route | None:
        with self._lock:
            answers = self.routes.get(path)
            if not answers:
                return None
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once, as real servers do

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with server._lock:
                server.requests.append(Request(self.path, dict(self.headers.items())))
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self._answer(server._next(self.path))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up, as a client that enforces limits does
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _answer(self, route: Route | None) -> None:
            if route is None:
                route = Route(b"not found", status=404, content_type="text/plain")
            time.sleep(route.delay)
            if route.etag is not None and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(route.status)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            if route.etag is not None:
                self.send_header("ETag", route.etag)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.endless:
                self._stream_endless()
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def _stream_endless(self) -> None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"x" * (CHUNK - 7) + b"</p>"
            sent = 0
            while sent < ENDLESS_CAP:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                with server._lock:
                    server.bytes_sent[self.path] = sent
            self.wfile.write(b"0\r\n\r\n")

    return Handler


def serve() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def html_page(title: str, paragraphs: list[str], *, published: str | None = None) -> bytes:
    """An article page as news sites write them: header, article, footer."""
    date_meta = (
        f'<meta property="article:published_time" content="{published}">' if published else ""
    )
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title>{date_meta}"
        '<meta property="og:site_name" content="Local Gazette"></head>'
        "<body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>All rights reserved.</footer></body></html>"
    ).encode()


def rss(items: list[tuple[str, str]], *, title: str = "Local Gazette", extra: str = "") -> bytes:
    """An RSS 2.0 feed of (title, link) items."""
    entries = "".join(
        f"<item><title>{item_title}</title><link>{link}</link>"
        "<pubDate>Thu, 30 May 2024 09:00:00 GMT</pubDate></item>"
        for item_title, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link>{extra}{entries}</channel></rss>"
    ).encode()


def article(number: int, *, published: str | None = "2024-05-30") -> bytes:
    """A distinct article page (its number is in its text, so its content hash differs)."""
    return html_page(
        f"Dépêche numéro {number}",
        [
            f"Dans cette dépêche numéro {number}, le gouvernement néerlandais a confirmé "
            "qu'il laissait l'Ukraine utiliser ses F-16 contre des cibles en Russie.",
            "Le ministre de la Défense a précisé que le droit international encadrait ces frappes.",
        ],
        published=published,
    )
