"""uvicorn's httptools protocol with the limits uvicorn has only for h11: how large a
request head (request line and headers) may be, and how long a client may take to send it.

httptools buffers a header until its end: 20 clients streaming 40 MB headers took the
server to 946 MB, and a client trickling bytes held its connection forever. `timeline
serve` uses this class; by hand: `uvicorn app.main:app --http app.web.server:BoundedHttpToolsProtocol`.
"""

import asyncio
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import get_settings

PROTOCOL = "app.web.server:BoundedHttpToolsProtocol"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.max_head_bytes = settings.max_request_head_bytes
        self.head_timeout = settings.request_head_timeout
        # Bytes received since the current request began, while its head is incomplete.
        self.head_bytes = 0
        self.reading_head = True
        self.head_timer: asyncio.TimerHandle | None = None
        # Set once this connection has been answered 431 or 408: it reads nothing more.
        self.refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.reading_head:
            # Counted before parsing: httptools keeps a header in memory until its end.
            self.head_bytes += len(data)
        super().data_received(data)
        if self.reading_head and self.head_bytes > self.max_head_bytes:
            self._refuse_large_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head_timer()

    def on_headers_complete(self) -> None:
        self.reading_head = False
        self._stop_head_timer()
        if self.refused:
            return
        # A whole head can arrive in one read, under the byte count above: measure it.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size + len(b"GET  HTTP/1.1\r\n\r\n") > self.max_head_bytes:
            self._refuse_large_head()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self.refused:
            return
        super().on_message_complete()
        # The next request on this connection gets the whole limit again.
        self.reading_head = True
        self.head_bytes = 0

    def _refuse_large_head(self) -> None:
        self._refuse(
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            f"Request head over {self.max_head_bytes} bytes (request line and headers).",
        )

    def _start_head_timer(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.reading_head:
            self._refuse(
                HTTPStatus.REQUEST_TIMEOUT,
                f"Request head not received within {self.head_timeout:g} s.",
            )

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer `status` and close, unless a response is being written (then just close)."""
        self.refused = True
        self.reading_head = False
        self._stop_head_timer()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            body = message.encode()
            head = [f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode()]
            head += [
                name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
            ]
            head += [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: %d\r\n" % len(body),
                b"connection: close\r\n\r\n",
            ]
            self.transport.write(b"".join(head) + body)
        self.transport.close()
