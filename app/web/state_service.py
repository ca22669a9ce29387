"""One policy-state index for all of a server's workers (`timeline serve --workers N`).

The index (app/state/compute.py) holds every event of the database: about 75 MB of a
worker's memory at 200,000 events, and about 6 s of CPU to build after each start and
each ingested batch. Each worker built and held its own copy. Under the supervisor
(app/web/workers.py) one process, the state process, builds and holds it; the workers
ask it over a Unix socket (multiprocessing.connection: authenticated with a key the
supervisor draws at start, then pickles) and get back the same values the index returns
in process: a state view, a cell's detail, a list of changes. The pages memoize them
per data version like any other value (app/web/cache.py).

A question's round trip costs about 0.15 ms; its answer's pickling is the price: a whole
matrix takes 27 ms to compute, 16 ms to pickle here and 23 ms to unpickle in the worker
(README, The site at scale). The state process answers each worker thread on a
connection of its own, one question at a time per connection, on one core: many
distinct state views at once queue there (STATE_PROCESS=false avoids it).

Without a state process (a single `timeline serve`, uvicorn, tests), `state_index`
builds the index in process as before. If the state process dies, the supervisor starts
another; a question asked meanwhile waits for it (up to WAIT_SECONDS), then fails with
StateUnavailable (a 503).
"""

import contextlib
import logging
import os
import pickle
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from sqlalchemy.engine import Engine

from app.db import SnapshotSession, get_read_only_engine
from app.processes import die_with_parent, name_process
from app.web.cache import Store, data_version

logger = logging.getLogger("uvicorn.error")
WAIT_SECONDS = 30.0  # how long a question waits for a state process (re)starting
RETRY_SECONDS = 0.1
# What a worker may ask: StateIndex's queries, and two of its attributes.
QUESTIONS = frozenset(
    {
        "state",
        "changes",
        "history",
        "detail",
        "effect_of",
        "event",
        "previous_change",
        "next_change",
        "undated_count",
        "actors",
        "columns",
    }
)


# Answers kept pickled, for the same question from another worker (each worker memoizes
# what it asked itself): a view is computed once per server, not once per worker.
ANSWERS_BYTES = 16 * 1024 * 1024
_answers = Store(ANSWERS_BYTES, weight=len)


class StateUnavailable(RuntimeError):
    """No state process answered within WAIT_SECONDS."""


# --- the state process ---------------------------------------------------------------


def run(parent_pid: int, address: str, key: bytes) -> None:
    """The state process: build the index of every event at once (the workers' warm-up
    waits for it), then answer questions until the supervisor stops."""
    die_with_parent(parent_pid)
    name_process("timeline-state")
    with contextlib.suppress(FileNotFoundError):  # left by a predecessor that was killed
        os.unlink(address)
    listener = Listener(address, family="AF_UNIX", authkey=key)
    threading.Thread(target=_answer_all, args=(listener,), daemon=True).start()
    _warm()  # questions asked meanwhile wait for it (the index's lock)
    threading.Event().wait()  # until killed: the threads do the work


def _warm() -> None:
    from app.web import state

    try:
        with SnapshotSession(get_read_only_engine()) as session:
            state.local_index(session)
    except Exception:  # the first question builds it instead, and says what failed
        logger.exception("state process: building the policy state failed")


def _answer_all(listener: Listener) -> None:
    while True:
        try:
            connection = listener.accept()
        except (AuthenticationError, OSError, EOFError) as error:  # a wrong key, a client gone
            logger.warning("state process: refused a connection (%s)", error)
            continue
        threading.Thread(target=_answer, args=(connection,), daemon=True).start()


def _answer(connection: Connection) -> None:
    engine = get_read_only_engine()
    with connection:
        while True:
            try:
                reviewed, question, args, kwargs = connection.recv()
            except (EOFError, OSError):  # the worker is gone
                return
            try:
                reply = _reply(engine, reviewed, question, args, kwargs)
            except Exception as error:  # raised again in the worker that asked
                reply = pickle.dumps(("error", error), pickle.HIGHEST_PROTOCOL)
            try:
                connection.send_bytes(reply)
            except (EOFError, OSError):
                return


def _reply(
    engine: Engine,
    reviewed: bool | None,
    question: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> bytes:
    """The pickled answer, from the index of the current data version."""
    from app.web import state  # the index as a process without a state process holds it

    if question not in QUESTIONS:
        raise ValueError(f"not a question for the state process: {question!r}")
    with SnapshotSession(engine) as session:
        asked = (reviewed, question, args, tuple(sorted(kwargs.items())))
        key = (data_version(session), *asked)

        def compute() -> bytes:
            found = getattr(state.local_index(session, reviewed), question)
            value = found(*args, **kwargs) if callable(found) else found
            answer = pickle.dumps(("ok", value), pickle.HIGHEST_PROTOCOL)
            _answers.put(key, answer)
            return answer

        kept: bytes = _answers.get_or_compute(key, compute)
        return kept


# --- in a worker ----------------------------------------------------------------------


class StateClient:
    """A worker's line to the state process: a connection per thread."""

    def __init__(self, address: str, key: bytes) -> None:
        self.address, self.key = address, key
        self._local = threading.local()

    def ask(self, reviewed: bool | None, question: str, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                connection = self._connection()
                connection.send((reviewed, question, args, kwargs))
                status, value = connection.recv()
            except (EOFError, OSError) as error:
                # Not started yet, or died with the question: asked again (questions only
                # read) of its replacement.
                self._drop()
                if time.monotonic() > deadline:
                    raise StateUnavailable(
                        f"the policy-state process did not answer within {WAIT_SECONDS:.0f} s"
                    ) from error
                time.sleep(RETRY_SECONDS)
                continue
            if status == "error":
                raise value
            return value

    def _connection(self) -> Connection:
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = Client(self.address, family="AF_UNIX", authkey=self.key)
            self._local.connection = connection
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()


class RemoteIndex:
    """StateIndex's queries answered by the state process, counting the events
    `reviewed` selects. Its rows and columns are asked once per data version."""

    def __init__(self, client: StateClient, reviewed: bool | None, axes: Any) -> None:
        self._client, self._reviewed = client, reviewed
        self._axes = axes  # () -> (actors, columns), memoized by the caller

    @property
    def actors(self) -> tuple[str, ...]:
        return self._axes()[0]

    @property
    def columns(self) -> tuple[str, ...]:
        return self._axes()[1]

    def __getattr__(self, question: str) -> Any:
        if question not in QUESTIONS:
            raise AttributeError(question)
        return lambda *args, **kwargs: self._client.ask(self._reviewed, question, *args, **kwargs)
