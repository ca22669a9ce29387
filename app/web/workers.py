"""`timeline serve --workers N`: N uvicorn processes, each listening on a socket of its
own bound with SO_REUSEPORT, so that the kernel spreads connections evenly among them.

uvicorn's own supervisor hands one listening socket to all its workers, which compete
to accept from it: under load, the worker that happens to be waiting takes the next
connection, and a keep-alive client stays with it. bench/web_bench.py saw all 20
client connections land on one of two workers (half the throughput). With SO_REUSEPORT
(Linux 3.9+), each worker has an accept queue of its own and the kernel assigns each
new connection to one of them by a hash of its addresses and ports: N workers get about
1/N of the connections each, whatever they are doing.

The supervisor (this process) starts the workers, replaces one that dies (killed, out
of memory) and stops them all on SIGINT or SIGTERM; a worker that cannot start (the
database check of app/web/startup.py fails) stops the server. Workers die with it
(app/processes.py).
"""

import importlib.util
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from app.processes import die_with_parent

POLL_SECONDS = 0.2  # how soon a dead worker is replaced
STOP_SECONDS = 10  # a worker's time to finish its requests before it is killed


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(parent_pid: int, options: dict[str, Any]) -> None:
    die_with_parent(parent_pid)
    sock = _socket(options["host"], options["port"], reuse_port=True)
    server = uvicorn.Server(uvicorn.Config(**options))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


@contextmanager
def _workers_main() -> Iterator[None]:
    """A spawned process first imports its parent's main module: under `timeline serve`
    that is the `timeline` script, which imports the whole command line (Typer, Rich,
    Alembic, the ingestion modules): 20 MB in each worker, which serves none of it.
    Naming this module as the main one while workers start makes them import it instead
    (multiprocessing imports a main module by its spec's name when it has one)."""
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    main.__spec__ = importlib.util.find_spec(__name__)
    try:
        yield
    finally:
        main.__spec__ = spec


def serve(options: dict[str, Any], workers: int) -> int:
    """Serve with `workers` processes (uvicorn.Config `options`, the app as an import
    string) until SIGINT or SIGTERM. Returns the exit code."""
    # Refused here, once, when something listens on the port already: SO_REUSEPORT
    # alone would let a second server (of the same user) share it silently.
    _socket(options["host"], options["port"], reuse_port=False).close()
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    context = multiprocessing.get_context("spawn")

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(os.getpid(), options))
        with _workers_main():
            process.start()
        return process

    processes = [start() for _ in range(workers)]
    code = 0
    try:
        while not stopping:
            time.sleep(POLL_SECONDS)
            for index, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    code = STARTUP_FAILURE  # it said why; another would fail the same way
                    stopping.append(0)
                    break
                processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # uvicorn finishes the requests in flight
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
