"""`timeline db copy SOURCE_URL`: every row of another timeline database into the
configured one, which is how a SQLite database moves to PostgreSQL (or back).

The source is read in one snapshot (it may keep serving meanwhile); the target must be
migrated to the same revision and hold no article yet, and takes all rows in one
transaction under the ingestion writers' lock (a failure leaves it empty). Tables go
in foreign-key order, ids as they are: event ids, aliases and retired ids keep every
shared link working. Full-text indexes fill themselves (SQLite's triggers, PostgreSQL's
expression index), and so do the outlets of events and the facet counts (triggers of
both); PostgreSQL's id sequences are moved past the copied ids.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from app.db import SnapshotSession
from app.ingest.writer import write_transaction
from app.migrate import current_revision
from app.models import KEPT_BY_TRIGGERS  # (and registers the tables on SQLModel.metadata)

CHUNK = 1000  # rows per INSERT round trip


class CopyError(Exception):
    """The copy cannot start (the message says why); nothing was written."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    seconds: float = 0.0


def copy_database(
    source: Engine, target: Engine, *, on_table: Callable[[str, int], None] | None = None
) -> CopyReport:
    report = CopyReport()
    started = time.perf_counter()
    with SnapshotSession(source) as reading, write_transaction(target) as writing:
        origin, destination = reading.connection(), writing.connection()
        _check(origin, destination)
        for table in SQLModel.metadata.sorted_tables:
            if table.info.get(KEPT_BY_TRIGGERS):
                continue  # filled on the way by the target's triggers
            copied = 0
            rows = origin.execution_options(stream_results=True).execute(select(table))
            for chunk in rows.partitions(CHUNK):
                destination.execute(insert(table), [dict(row._mapping) for row in chunk])
                copied += len(chunk)
            report.rows[table.name] = copied
            if on_table is not None:
                on_table(table.name, copied)
        if destination.dialect.name == "postgresql":
            _move_sequences(destination)
    report.seconds = time.perf_counter() - started
    return report


def _check(origin: Connection, destination: Connection) -> None:
    source_revision, target_revision = current_revision(origin), current_revision(destination)
    if source_revision != target_revision:
        raise CopyError(
            f"the source is at revision {source_revision}, this database at "
            f"{target_revision}: run `timeline db upgrade` on both first"
        )
    article = SQLModel.metadata.tables["article"]
    stored = destination.execute(select(func.count()).select_from(article)).scalar_one()
    if stored:
        raise CopyError(f"this database already holds {stored} article(s): copy into an empty one")


def _move_sequences(connection: Connection) -> None:
    """Integer ids were copied as they are: their sequences must start after them."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"coalesce(max({column.name}), 0) + 1, false) FROM {table.name}"
                    )
                )
