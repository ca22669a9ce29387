"""`timeline serve` bounds the request head (request line and headers): its size and the
time a client takes to send it. Against the real server, over raw sockets."""

import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from app.migrate import upgrade_database
from tests.web import fixtures_data
from tests.web.live import serve

HEAD_LIMIT = 8192


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'timeline.sqlite3'}"
    upgrade_database(url)
    engine = make_engine(url)
    with Session(engine) as session:
        fixtures_data.load(session)
    engine.dispose()
    limits = {"max_request_head_bytes": str(HEAD_LIMIT), "request_head_timeout": "1"}
    with serve(url, settings=limits) as base:
        yield base


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_an_oversized_header_is_refused_with_431_and_the_connection_closed(base: str) -> None:
    sock = connect(base)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: example\r\nX-Flood: ")
    sent = 0
    try:
        while sent < 40 * 1024 * 1024:  # the fuzzer streamed 40 MB per connection
            sock.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert sent < 16 * 1024 * 1024  # the server hung up long before (kernel buffers aside)
    with sock:
        try:
            answer = read_all(sock)
        except ConnectionResetError:
            answer = b""
    # The refusal is sent before the close; a reset may swallow it, never a 200.
    assert answer.startswith(b"HTTP/1.1 431 ") or answer == b""
    assert httpx.get(base + "/api/facets", timeout=30).status_code == 200


def test_the_431_names_the_limit(base: str) -> None:
    with connect(base) as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: example\r\nX-Big: " + b"a" * HEAD_LIMIT + b"\r\n\r\n"
        )
        answer = read_all(sock)
    assert answer.split(b"\r\n")[0] == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert answer.endswith(b"\r\n\r\nRequest head over 8192 bytes (request line and headers).")


def test_a_head_sent_too_slowly_is_refused_with_408(base: str) -> None:
    with connect(base) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: example\r\n")  # and never the blank line
        started = time.monotonic()
        answer = read_all(sock)
        waited = time.monotonic() - started
    assert answer.split(b"\r\n")[0] == b"HTTP/1.1 408 Request Timeout"
    assert answer.endswith(b"\r\n\r\nRequest head not received within 1 s.")
    assert waited < 8


def test_a_silent_connection_is_closed_after_the_head_timeout(base: str) -> None:
    with connect(base) as sock:
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")


def test_a_head_within_the_limits_is_served(base: str) -> None:
    cookie = "c=" + "x" * (HEAD_LIMIT - 1024)
    response = httpx.get(base + "/api/facets", headers={"cookie": cookie}, timeout=30)
    assert response.status_code == 200


def test_keep_alive_requests_each_get_the_whole_limit(base: str) -> None:
    padding = {"x-padding": "p" * (HEAD_LIMIT // 2)}
    with httpx.Client(base_url=base, timeout=30) as client:
        statuses = [client.get("/api/facets", headers=padding).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200]
