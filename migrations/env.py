"""Alembic environment: the models' metadata, batch mode for SQLite."""

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import event
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app.config import get_settings
from app.db import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = SQLModel.metadata

# Objects that live outside the models: the full-text index (SQLite: its table, shadow
# tables and rowid map; PostgreSQL: its expression index).
FTS_PREFIX = "event_fts"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ in ("table", "index") and name is not None and name.startswith(FTS_PREFIX))


def database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(database_url())
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # The journal mode lives in the database file: set here, once, so that
            # readers (the site, maybe on a read-only file) never have to write it.
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            conn.commit()
        _run(conn)
    engine.dispose()


def _run(connection: Any) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # pysqlite commits each DDL statement on its own: an explicit BEGIN makes the
        # whole upgrade one transaction, so a run killed or failing mid-migration leaves
        # the schema as it was. IMMEDIATE takes the write lock: two processes that
        # migrate at once take turns.
        event.listen(connection, "begin", _begin_immediate)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        transactional_ddl=True if sqlite else None,
    )
    with context.begin_transaction():
        context.run_migrations()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
