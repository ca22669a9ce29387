"""`timeline serve --workers 2`: the server process listens and hands connections to
its workers in turn, a dead worker is replaced, SIGTERM stops them all. Real processes
and sockets (Linux /proc)."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from app.migrate import upgrade_database
from app.web import workers
from tests.processes import children_of, is_running
from tests.web import fixtures_data
from tests.web.live import REPO_ROOT, free_port, serve_command, serve_env
from tests.web.test_state import grid

pytestmark = pytest.mark.skipif(
    not workers.supported(), reason="Linux: descriptors over Unix sockets"
)


class Served:
    def __init__(self, proc: "subprocess.Popen[bytes]", port: int) -> None:
        self.proc, self.port = proc, port

    def workers(self) -> list[int]:
        """The worker processes (multiprocessing also starts a resource tracker)."""
        return self.named("timeline-web")

    def named(self, name: str) -> list[int]:
        return sorted(pid for pid in children_of(self.proc.pid) if _is_named(pid, name))

    def get(self, path: str) -> int:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=10).status_code


def _is_named(pid: int, name: str) -> bool:
    """Whether the process took that name (app.processes.name_process)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == name
    except OSError:
        return False


def _wait(condition: "object", seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _answers(served: Served) -> bool:
    try:
        return served.get("/static/site.css") == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def served(sqlite_url: str) -> Iterator[Served]:
    upgrade_database(sqlite_url)
    yield from _serve(sqlite_url)


@pytest.fixture(params=["true"])
def served_corpus(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Served]:
    """Serving tests/web/fixtures_data.py's events (STATE_PROCESS: the parameter)."""
    upgrade_database(sqlite_url)
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        fixtures_data.load(session)
    engine.dispose()
    yield from _serve(sqlite_url, state_process=request.param)


def _serve(sqlite_url: str, **settings: str) -> Iterator[Served]:
    port = free_port()
    proc = subprocess.Popen(
        serve_command(port=port, workers=2),
        cwd=REPO_ROOT,
        env=serve_env(sqlite_url, **settings),
    )
    running = Served(proc, port)
    try:
        _wait(lambda: len(running.workers()) == 2 and _answers(running))
        yield running
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _listeners(port: int, pids: list[int]) -> list[int]:
    """The processes holding a socket listening on `port`."""
    rows = (row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:])
    inodes = {f[9] for f in rows if int(f[1].split(":")[1], 16) == port and f[3] == "0A"}
    return [pid for pid in pids if _socket_inodes(pid) & inodes]


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if match := re.fullmatch(r"socket:\[(\d+)\]", target):
            found.add(match.group(1))
    return found


def _holder(port: int, client_port: int, pids: list[int]) -> int | None:
    """The process holding the server side of the connection from `client_port`."""
    inodes = {
        fields[9]
        for fields in (row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if int(fields[1].split(":")[1], 16) == port
        and int(fields[2].split(":")[1], 16) == client_port
        and fields[3] == "01"
    }
    return next((pid for pid in pids if _socket_inodes(pid) & inodes), None)


def _connect(served: Served, pids: list[int]) -> int | None:
    """One connection and one request: the worker that answered it."""
    with socket.create_connection(("127.0.0.1", served.port)) as client:
        client.sendall(b"GET /static/site.css HTTP/1.1\r\nHost: test\r\n\r\n")
        assert client.recv(12) == b"HTTP/1.1 200"
        return _holder(served.port, client.getsockname()[1], pids)


def test_only_the_server_process_listens(served: Served) -> None:
    pids = [served.proc.pid, *served.workers()]
    assert _listeners(served.port, pids) == [served.proc.pid]


def test_connections_go_to_the_workers_in_turn(served: Served) -> None:
    """40 connections, one after the other: 20 each, never twice in a row to the same
    worker (the kernel's hash of SO_REUSEPORT split them 13/7 as often as 10/10)."""
    pids = served.workers()
    # Each is looked up while fresh: uvicorn closes a connection idle for 5 s.
    holders = [_connect(served, pids) for _ in range(40)]
    assert Counter(holders) == {pids[0]: 20, pids[1]: 20}
    assert all(a != b for a, b in pairwise(holders))


def test_a_killed_worker_is_replaced(served: Served) -> None:
    first, second = served.workers()
    os.kill(first, signal.SIGKILL)
    _wait(lambda: first not in served.workers() and len(served.workers()) == 2)
    assert second in served.workers()
    (replacement,) = set(served.workers()) - {second}
    # Until it is ready (its start-up), the other takes every connection; then both.
    _wait(lambda: _connect(served, served.workers()) == replacement)
    assert served.get("/static/site.css") == 200


def test_connections_wait_while_no_worker_is_ready(served: Served) -> None:
    """Both workers killed: a connection made before their replacements are ready is
    served once one is, not reset."""
    for pid in served.workers():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)  # the server has heard both channels close
    with socket.create_connection(("127.0.0.1", served.port)) as client:
        client.settimeout(60)
        client.sendall(b"GET /static/site.css HTTP/1.1\r\nHost: test\r\n\r\n")
        assert client.recv(12) == b"HTTP/1.1 200"


def test_sigterm_stops_the_server_and_its_workers(served: Served) -> None:
    pids = [*served.workers(), *served.named("timeline-state")]
    assert len(pids) == 3
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0
    assert not any(is_running(pid) for pid in pids)


STATE_2024_06 = {  # tests/web/test_state.py: the cells of 1 June 2024
    "germany": ["unknown", "unknown", "unknown", "unknown", "restricted"],
    "united-kingdom": ["unknown", "unknown", "unknown", "authorized", "unknown"],
    "united-states": ["unknown", "authorized", "authorized", "unknown", "unknown"],
}


def test_the_workers_ask_one_state_process(served_corpus: Served) -> None:
    """One process holds the policy state; both workers answer from it."""
    pids = served_corpus.workers()
    assert len(served_corpus.named("timeline-state")) == 1
    answered_by = []
    for _ in range(2):  # a connection each: one per worker
        with socket.create_connection(("127.0.0.1", served_corpus.port)) as client:
            client.sendall(b"GET /api/state?as_of=2024-06-01 HTTP/1.1\r\nHost: t\r\n\r\n")
            head, body = _response(client)
            assert head.startswith(b"HTTP/1.1 200")
            assert grid(json.loads(body)) == STATE_2024_06
            answered_by.append(_holder(served_corpus.port, client.getsockname()[1], pids))
    assert sorted(answered_by) == pids


def test_state_pages_wait_for_the_state_process(served_corpus: Served) -> None:
    """The workers hold no policy state: while the state process is stopped, a state
    page nobody asked for yet waits for it, and the other pages are served."""
    (pid,) = served_corpus.named("timeline-state")
    base = f"http://127.0.0.1:{served_corpus.port}"
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{base}/api/state?as_of=2024-06-03", timeout=2)
        assert served_corpus.get("/api/events") == 200
    finally:
        os.kill(pid, signal.SIGCONT)
    assert grid(httpx.get(f"{base}/api/state?as_of=2024-06-04", timeout=30).json()) == STATE_2024_06


@pytest.mark.parametrize("served_corpus", ["false"], indirect=True)
def test_without_a_state_process_each_worker_holds_the_state(served_corpus: Served) -> None:
    assert served_corpus.named("timeline-state") == []
    for _ in range(2):  # one connection per worker
        response = httpx.get(f"http://127.0.0.1:{served_corpus.port}/api/state?as_of=2024-06-01")
        assert grid(response.json()) == STATE_2024_06


def test_a_killed_state_process_is_replaced(served_corpus: Served) -> None:
    (first,) = served_corpus.named("timeline-state")
    os.kill(first, signal.SIGKILL)
    _wait(lambda: len(served_corpus.named("timeline-state")) == 1 and not is_running(first))
    # A day nobody asked for yet: computed by the new state process.
    url = f"http://127.0.0.1:{served_corpus.port}/api/state?as_of=2024-06-02"
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200
    assert grid(response.json()) == STATE_2024_06


def _response(client: socket.socket) -> tuple[bytes, bytes]:
    """A whole HTTP/1.1 response with a Content-Length: (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += client.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += client.recv(65536)
    return head, body


def test_a_port_in_use_is_refused_in_one_line(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            serve_command(port=port, workers=2),
            cwd=REPO_ROOT,
            env=serve_env(sqlite_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


# A main script like `timeline`'s: it imports the command line first. The child reports
# which of the command line's modules it imported, as its exit code (bit per module).
_LIKE_TIMELINE = """
import multiprocessing
from app.cli import main  # noqa: F401
from app.web.workers import _workers_main

REPORT = "import sys; sys.exit(sum(2**i for i, m in enumerate(('app.cli', 'alembic', 'typer')) if m in sys.modules))"

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    codes = []
    for as_worker in (False, True):
        child = context.Process(target=exec, args=(REPORT,))
        if as_worker:
            with _workers_main():
                child.start()
        else:
            child.start()
        child.join()
        codes.append(child.exitcode)
    print(codes)
"""


def test_workers_do_not_import_the_command_line(tmp_path: Path) -> None:
    script = tmp_path / "like_timeline.py"
    script.write_text(_LIKE_TIMELINE)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    # A plain spawned child imports all three (through the script); a worker none.
    assert done.stdout.strip() == "[7, 0]"


class _FakeWorker:
    """A worker as the dispatcher sees it: its channel, ready or not, what it was handed."""

    def __init__(self, ready: bool) -> None:
        self.channel, self._theirs = socket.socketpair()
        self.ready, self.handed = ready, 0

    def hand(self, connection: socket.socket) -> bool:
        if self.ready:
            self.handed += 1
        return self.ready

    def close(self) -> None:
        self.channel.close()
        self._theirs.close()


def _dispatcher(fakes: list[_FakeWorker]) -> workers._Dispatcher:
    return workers._Dispatcher(socket.socket(), fakes)  # type: ignore[arg-type]


def test_connections_skip_a_worker_that_is_not_ready() -> None:
    fakes = [_FakeWorker(True), _FakeWorker(False), _FakeWorker(True)]
    dispatcher = _dispatcher(fakes)
    with socket.socket() as connection:
        for _ in range(6):
            dispatcher._hand(connection)
    assert [f.handed for f in fakes] == [3, 0, 3]
    dispatcher.close()


def test_the_server_opens_once_every_worker_is_ready_or_after_the_grace(monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(workers.time, "monotonic", lambda: now[0])
    fakes = [_FakeWorker(False), _FakeWorker(False)]
    dispatcher = _dispatcher(fakes)
    assert not dispatcher._open()  # nobody ready: connections wait in the backlog
    fakes[0].ready = True
    assert not dispatcher._open()  # one ready: it waits for the other a while
    now[0] += workers.START_GRACE - 1
    assert not dispatcher._open()
    now[0] += 2
    assert dispatcher._open()  # the other is late: serve with the one ready
    fakes[0].ready = False
    assert dispatcher._open()  # open for good (a replaced worker is awaited by _hand)
    dispatcher.close()

    both = _dispatcher([_FakeWorker(True), _FakeWorker(True)])
    assert both._open()
    both.close()


class _FakeProcess:
    def __init__(self) -> None:
        self.alive, self.exitcode = True, None

    def start(self) -> None:
        pass

    def is_alive(self) -> bool:
        return self.alive


class _FakeContext:
    def __init__(self) -> None:
        self.started: list[_FakeProcess] = []

    def Process(self, **_: object) -> _FakeProcess:  # multiprocessing's name
        self.started.append(_FakeProcess())
        return self.started[-1]


def test_a_state_process_dying_at_start_is_restarted_after_growing_pauses(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(workers.time, "monotonic", lambda: now[0])
    context = _FakeContext()
    state = workers._StateProcess(context)

    def restarts_after_death(lived: float) -> float:
        """It dies after `lived` seconds: how long until another is started."""
        now[0] += lived
        context.started[-1].alive = False
        count, waited = len(context.started), 0.0
        while len(context.started) == count:
            state.keep_alive()
            now[0] += 0.5
            waited += 0.5
        return waited - 0.5

    # Dying at once: 1 s, 2 s, 4 s ... up to 30 s.
    assert [restarts_after_death(0.1) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    # After an hour of service, replaced at once.
    assert restarts_after_death(3600) == 0
    shutil.rmtree(state.folder)
