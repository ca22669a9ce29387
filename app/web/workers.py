"""`timeline serve --workers N`: N uvicorn processes behind one listening socket that
this process (the supervisor) accepts from, handing each connection to the next ready
worker in turn.

Round robin, because the other ways let a keep-alive client crowd pile up on one
worker. uvicorn's own supervisor hands its listening socket to all its workers, which
compete to accept: the worker that happens to be waiting takes the next connection,
and bench/web_bench.py saw all 20 client connections land on one of two workers. With
SO_REUSEPORT (a socket per worker) the kernel assigns connections by a hash of their
addresses: 20 connections split 13/7 or 15/5 as often as 10/10, and the p95 of a
closed-loop load followed the crowded worker (a two-word search: 375-385 ms at 15/5,
270-300 at 10/10). Handed in turn, N workers hold 1/N of the connections each, to one.

A connection goes to a worker over a Unix socket pair (SCM_RIGHTS), only once that
worker said it is ready: a worker still warming the policy state (seconds at 200,000
events) gets none. At start, connections wait in the listen backlog until every worker
is ready (`_Dispatcher._open`).

The supervisor also starts the state process, which holds the policy state for every
worker (app/web/state_service.py; STATE_PROCESS=false: none, each worker holds its own),
replaces it or a worker when one dies (killed, out of memory), and stops them all on
SIGINT or SIGTERM; a worker that cannot start (the database check of
app/web/startup.py fails) stops the server. Workers die with it (app/processes.py).
"""

import asyncio
import importlib.util
import logging
import multiprocessing
import os
import secrets
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from app.config import get_settings
from app.processes import die_with_parent, name_process
from app.web import state_service

POLL_SECONDS = 0.2  # how soon a dead worker is replaced
STOP_SECONDS = 10  # a worker's time to finish its requests before it is killed
BACKLOG = 2048  # uvicorn's default
START_GRACE = 10  # seconds the first ready worker waits for the others before serving
# A state process that dies this soon after its start is restarted after a pause.
STATE_STEADY_SECONDS = 60
STATE_FIRST_PAUSE, STATE_MAX_PAUSE = 1.0, 30.0
logger = logging.getLogger("uvicorn.error")
READY = b"r"  # a worker to the supervisor: send me connections
HANDED = b"c"  # the supervisor to a worker, with the connection's descriptor


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def _listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


# --- a worker --------------------------------------------------------------------------


class _HandedServer(uvicorn.Server):
    """uvicorn serving the connections the supervisor hands over `channel`, instead of
    listening itself."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the lifespan (warming), no listener
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        config = self.config

        def protocol() -> asyncio.Protocol:
            # What uvicorn's own listener makes for each connection.
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=loop,
            )

        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._receive, loop, protocol)
        self.channel.send(READY)

    def _receive(
        self, loop: asyncio.AbstractEventLoop, protocol: Callable[[], asyncio.Protocol]
    ) -> None:
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
            except (BlockingIOError, InterruptedError):
                return
            if not message:  # the supervisor is gone: finish what is in flight
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                connection = socket.socket(fileno=fd)
                connection.setblocking(False)
                loop.create_task(_serve_connection(loop, protocol, connection))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with suppress(ValueError, OSError):  # not registered, or already closed
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets=[])


async def _serve_connection(
    loop: asyncio.AbstractEventLoop,
    protocol: Callable[[], asyncio.Protocol],
    connection: socket.socket,
) -> None:
    try:
        await loop.connect_accepted_socket(protocol, connection)
    except OSError:  # the client left while it was being handed over
        connection.close()


def _worker(
    parent_pid: int, options: dict[str, Any], channel: socket.socket, env: dict[str, str]
) -> None:
    die_with_parent(parent_pid)
    name_process("timeline-web")
    os.environ.update(env)  # where the state process listens
    get_settings.cache_clear()  # read already by modules this one imports (app.web.cache)
    server = _HandedServer(uvicorn.Config(**options), channel)
    server.run()
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


# --- the supervisor --------------------------------------------------------------------


class _StateProcess:
    """The process holding the policy-state index for every worker
    (app/web/state_service.py), on a Unix socket in a directory of its own."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.folder = tempfile.mkdtemp(prefix="timeline-state-")  # mode 0700
        self.address = os.path.join(self.folder, "socket")
        self.key = secrets.token_bytes(32)
        self.env = {"STATE_SOCKET": self.address, "STATE_KEY": self.key.hex()}
        self.pause, self.restart_at, self.started = 0.0, 0.0, 0.0
        self.process = self._start()

    def _start(self) -> BaseProcess:
        process: BaseProcess = self.context.Process(
            target=state_service.run, args=(os.getpid(), self.address, self.key)
        )
        with _workers_main():
            process.start()
        self.started = time.monotonic()
        return process

    def keep_alive(self) -> None:
        """Start another when it died: at once the first time, then, while each dies
        within STATE_STEADY_SECONDS of its start (it cannot start: a bug, the machine
        out of memory), after a pause doubled each time up to STATE_MAX_PAUSE, so that
        a crash loop neither spins nor floods the log."""
        if self.process.is_alive() or time.monotonic() < self.restart_at:
            return
        if self.restart_at == 0.0:  # its death not handled yet
            if time.monotonic() - self.started >= STATE_STEADY_SECONDS:
                self.pause = 0.0
            else:
                self.pause = min(2 * self.pause, STATE_MAX_PAUSE) or STATE_FIRST_PAUSE
            logger.warning("The state process died (exit code %s): starting another in %.0f s",
                           self.process.exitcode, self.pause)  # fmt: skip
            self.restart_at = time.monotonic() + self.pause
            if self.pause:
                return
        self.restart_at = 0.0
        self.process = self._start()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()  # it only reads: nothing to finish
        self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)


class _Worker:
    def __init__(self, context: Any, options: dict[str, Any], env: dict[str, str]) -> None:
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process: BaseProcess = context.Process(
            target=_worker, args=(os.getpid(), options, theirs, env)
        )
        with _workers_main():
            self.process.start()
        theirs.close()
        self.channel.setblocking(False)
        self.ready = False

    def hand(self, connection: socket.socket) -> bool:
        """Whether the worker took the connection (False: not ready, gone, or its
        channel is full because it is stuck)."""
        if not self.ready:
            return False
        try:
            socket.send_fds(self.channel, [HANDED], [connection.fileno()])
        except BlockingIOError:  # its channel is full: stuck, or slow to take them
            return False
        except OSError:  # gone: offered nothing more until its replacement is ready
            self.ready = False
            return False
        return True

    def close(self) -> None:
        self.channel.close()


class _Dispatcher:
    """Accepts connections and hands them to ready workers in turn."""

    opened: bool
    first_ready: float | None

    def __init__(self, listener: socket.socket, workers: list[_Worker]) -> None:
        self.listener, self.workers = listener, workers
        self.turn = 0
        self.opened, self.first_ready = False, None
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ)
        for worker in workers:
            self.watch(worker)

    def watch(self, worker: _Worker) -> None:
        self.selector.register(worker.channel, selectors.EVENT_READ, worker)

    def replace(self, index: int, worker: _Worker) -> None:
        old = self.workers[index]
        with suppress(KeyError, ValueError):
            self.selector.unregister(old.channel)
        old.close()
        self.workers[index] = worker
        self.watch(worker)

    def run_once(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            if key.data is None:
                self._accept()
            else:
                self._heard(key.data)
        self._open()  # says so once it opens, connections or not

    def _heard(self, worker: _Worker) -> None:
        try:
            message = worker.channel.recv(1)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            message = b""
        if message == READY:
            worker.ready = True
        elif not message:  # the worker died: replaced by the poll
            worker.ready = False
            with suppress(KeyError, ValueError):
                self.selector.unregister(worker.channel)

    def _accept(self) -> None:
        if not self._open() or not any(worker.ready for worker in self.workers):
            # Left in the backlog (which the selector reports again) until a worker is
            # ready: at start, or when every worker died and their replacements warm up.
            time.sleep(0.01)
            return
        while True:
            try:
                connection, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of descriptors, and the like: try again later
                time.sleep(0.01)
                return
            with connection:  # the worker holds its own copy
                self._hand(connection)

    def _open(self) -> bool:
        """Whether to take connections: once every worker is ready, or START_GRACE
        seconds after the first was. Taken sooner, every connection opened meanwhile
        would stay with the first worker ready (keep-alive) while the others sat idle."""
        if self.opened:
            return True
        ready = [worker.ready for worker in self.workers]
        if any(ready) and self.first_ready is None:
            self.first_ready = time.monotonic()
        late = self.first_ready is not None and time.monotonic() - self.first_ready > START_GRACE
        self.opened = all(ready) or late
        if self.opened:
            host, port = self.listener.getsockname()[:2]
            where = f"[{host}]" if ":" in host else host
            logger.info(
                "Taking connections on http://%s:%d: %d of %d workers ready",
                *(where, port, sum(ready), len(ready)),
            )
        return self.opened

    def _hand(self, connection: socket.socket) -> None:
        count = len(self.workers)
        for step in range(count):
            worker = self.workers[(self.turn + step) % count]
            if worker.hand(connection):
                self.turn = (self.turn + step + 1) % count
                return
        # Every ready worker refused it (died, or stuck with a full channel): closed,
        # the client sees the connection reset.

    def close(self) -> None:
        self.selector.close()
        self.listener.close()
        for worker in self.workers:
            worker.close()


def serve(options: dict[str, Any], workers: int) -> int:
    """Serve with `workers` processes (uvicorn.Config `options`, the app as an import
    string) until SIGINT or SIGTERM. Returns the exit code."""
    listener = _listener(options["host"], options["port"])
    uvicorn.Config(**options)  # configures logging as each worker's does
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    context = multiprocessing.get_context("spawn")
    state = _StateProcess(context) if get_settings().state_process else None
    env = state.env if state else {}
    dispatcher = _Dispatcher(listener, [_Worker(context, options, env) for _ in range(workers)])
    code = 0
    next_poll = time.monotonic() + POLL_SECONDS
    try:
        while not stopping:
            dispatcher.run_once(POLL_SECONDS)
            if time.monotonic() < next_poll:
                continue
            next_poll = time.monotonic() + POLL_SECONDS
            if state:
                state.keep_alive()
            for index, worker in enumerate(dispatcher.workers):
                if worker.process.is_alive() or stopping:
                    continue
                if worker.process.exitcode == STARTUP_FAILURE:
                    code = STARTUP_FAILURE  # it said why; another would fail the same way
                    stopping.append(0)
                    break
                dispatcher.replace(index, _Worker(context, options, env))
    finally:
        listener.close()  # new connections are refused from here on
        processes = [worker.process for worker in dispatcher.workers]
        for process in processes:
            if process.is_alive():
                process.terminate()  # uvicorn finishes the requests in flight
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        dispatcher.close()
        if state:
            state.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
