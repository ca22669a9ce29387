"""Load for the web benchmark: servers on loopback (`timeline serve`, Datasette), a lean
keep-alive HTTP client, closed-loop clients, and what the server processes used (CPU,
memory) read from Linux's /proc."""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    base: str
    pid: int
    started: float  # seconds from the command to the first answer

    def processes(self) -> list[int]:
        """The server and its workers (multiprocessing's resource tracker left out)."""
        return [pid for pid in process_tree(self.pid) if b"resource_tracker" not in _cmdline(pid)]

    def workers(self) -> list[int]:
        """The processes that answer requests: the workers, or the server itself."""
        children = [pid for pid in self.processes() if pid != self.pid]
        return [pid for pid in children if pid not in self.state_process()] or [self.pid]

    def state_process(self) -> list[int]:
        """The process holding the policy state for the workers (app/web/state_service.py)."""
        return [pid for pid in self.processes() if _comm(pid) == "timeline-state"]


@contextmanager
def running(
    command: list[str], env: dict[str, str], port: int, ready: str, *, quiet: bool = False
) -> Iterator[Server]:
    """The server `command` starts, once it answers `ready` (`quiet`: its output dropped)."""
    started = time.perf_counter()
    output = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {proc.returncode}")
            try:
                httpx.get(base + ready, timeout=60)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield Server(base, proc.pid, time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def timeline(url: str, *, workers: int, balance: bool = True) -> Iterator[Server]:
    """`timeline serve`, the production server (request-head limits included). With
    `balance`, it answers once every worker is ready (app/web/workers.py), so a load
    started then spreads over all of them."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("timeline")), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--workers", str(workers),
               "--no-access-log", "--balance" if balance else "--no-balance"]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": url}
    with running(command, env, port, "/static/site.css") as server:
        yield server


def connections_held(port: int, pids: list[int]) -> list[int]:
    """How many established connections to `port` each process holds (Linux /proc)."""
    rows = (row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:])
    inodes = {f[9] for f in rows if int(f[1].split(":")[1], 16) == port and f[3] == "01"}
    held = []
    for pid in pids:
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            count += target.startswith("socket:[") and target[8:-1] in inodes
        held.append(count)
    return held


def into_page_cache(database: Path) -> None:
    """Read the database file through once, so that the operating system holds it in
    its page cache: each server and scenario is then measured on a file in memory, as a
    server that has run a while has it, not on disk reads after a pause (this host's
    memory manager reclaims idle page cache between runs)."""
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            with path.open("rb") as f:
                while f.read(1 << 24):
                    pass


def datasette(database: Path) -> "contextmanager[Server]":
    """Datasette on the same file, with time limits high enough to answer everything
    (its defaults cut queries at 1 s and facets at 200 ms) and no facet suggestions
    (work our pages do not do)."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("datasette")), "serve", str(database),
               "--host", "127.0.0.1", "--port", str(port),
               "--setting", "sql_time_limit_ms", "60000",
               "--setting", "facet_time_limit_ms", "60000",
               "--setting", "suggest_facets", "off"]  # fmt: skip
    # quiet: Datasette logs every request and has no switch to stop it.
    return running(command, dict(os.environ), port, "/-/versions.json", quiet=True)  # type: ignore[return-value]


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx costs ~1 ms of CPU per request, which on 2 cores would be taken from the
    server under test; this reads just the status line, headers and the body.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                chunked = "chunked" in value.lower()
        if not chunked:
            return status, len(await self.reader.readexactly(length))
        size = 0
        while True:
            chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await self.reader.readexactly(chunk + 2)
            size += chunk
            if chunk == 0:
                return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def load(
    base: str, paths: list[str], *, requests: int, concurrency: int, max_seconds: float
) -> dict[str, float]:
    """`concurrency` clients, each sending its next request when the previous one returns."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    deadline = time.perf_counter() + max_seconds

    async def client() -> None:
        nonlocal errors
        conn = Connection(host, int(port))
        try:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                status, _ = await conn.get(paths[i % len(paths)])
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += status != 200
        finally:
            await conn.close()

    t_start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return figures(latencies, time.perf_counter() - t_start, errors)


def figures(latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    latencies = sorted(latencies)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "n": len(latencies),
        "p50": q[49],
        "p95": q[94],
        "max": latencies[-1],
        "over_1s": sum(1 for ms in latencies if ms > 1000),
        "rps": len(latencies) / elapsed,
        "errors": errors,
    }


def row(name: str, r: dict[str, float]) -> str:
    return (
        f"{name:<16}{r['n']:>6}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
        f"{r['rps']:>8.0f}{r['errors']:>8}"
    )


# --- the server's processes ------------------------------------------------------------


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the uvicorn workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def _status_kb(pid: int, field: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in status.splitlines() if line.startswith(field))


def rss_mb(pids: list[int]) -> float:
    return sum(_status_kb(pid, "VmRSS:") for pid in pids) / 1024


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory."""
    return _status_kb(pid, "VmHWM:") / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS
