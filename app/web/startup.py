"""The site refuses to start on a database it cannot serve, in one clear line.

A mistyped DATABASE_URL used to create an empty database and answer every page with
a 500 ("no such table"). `timeline serve` checks before starting uvicorn; the ASGI
lifespan check covers `uvicorn app.main:app` run by hand (uvicorn prints the line and
exits instead of printing a traceback).
"""

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import get_read_only_engine, sqlite_file
from app.migrate import current_revision, head_revision, known_revisions


def database_problem(engine: Engine) -> str | None:
    """Why the site cannot serve this database, or None when it can."""
    path = sqlite_file(engine.url)
    where = str(path) if path else engine.url.render_as_string(hide_password=True)
    if path is not None and not path.is_file():
        return (
            f"no database at {where}: create it with `timeline db upgrade` or `timeline ingest`, "
            "or set DATABASE_URL to an existing one"
        )
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc)
        hint = ""
        if path is not None and "readonly" in reason:
            hint = " (a read-only database in WAL mode needs its -wal and -shm files, or a writable folder)"
        return f"cannot read the database at {where}: {reason}{hint}"
    head = head_revision()
    if current == head:
        return None
    if current is None:
        return (
            f"the database at {where} has no schema (this code needs migration {head}): "
            "run `timeline db upgrade`"
        )
    if current in known_revisions():
        return (
            f"the database at {where} is at migration {current}, this code needs {head}: "
            "run `timeline db upgrade`"
        )
    return (
        f"the database at {where} is at migration {current}, which this code does not know "
        f"(it needs {head}): serve it with the code that wrote it"
    )


class DatabaseUnusable(RuntimeError):
    """The site cannot start on this database (the message says why)."""


class RequireDatabase:
    """Fails the ASGI lifespan startup with the problem as its message (no traceback)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        first = await receive()
        if first["type"] == "lifespan.startup":
            problem = database_problem(get_read_only_engine())
            if problem:
                await send({"type": "lifespan.startup.failed", "message": problem})
                # Ends the lifespan as a failure: uvicorn, told already, prints no traceback;
                # a test client raises instead of waiting for a shutdown that never comes.
                raise DatabaseUnusable(problem)
        replayed = False

        async def receive_again() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        await self.app(scope, receive_again, send)
