"""event facets: what each event counts for (type, actor, date, review status,
confidence, and its weapons, places and outlets as text) in one row, kept by triggers,
so that a text search reads its events in one step each

Revision ID: 0008_event_facets
Revises: 0007_facet_pairs
Create Date: 2026-11-23 17:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.migrate import migration_module

revision: str = "0008_event_facets"
down_revision: str | None = "0007_facet_pairs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString


_0006 = migration_module("0006_facets.py")  # its trigger builder and links
LINKS: tuple[tuple[str, str, str], ...] = _0006.LINKS  # (facet, table, column)
Trigger = _0006.Trigger

# --- what each row holds ---------------------------------------------------------------
# eventfacets has a row per event: its fields the filters and facets read, and its
# weapon ids, place ids and outlet ids, each joined by spaces (ids hold none) in no set
# order, NULL for none. The event's triggers write the row again whenever one of those
# fields changes; a link table's triggers write the event's list of that link again
# whenever one of its rows comes, goes or changes (an event has a handful).
FIELDS = ("id", "type", "actor_id", "date", "review_status", "confidence")
AGGREGATE = {"sqlite": "group_concat({column}, ' ')", "postgresql": "string_agg({column}, ' ')"}
COLUMN = {facet: f"{facet}s" for facet, _, _ in LINKS}  # weapon -> weapons
COLUMNS = ", ".join(("event_id", *FIELDS[1:], *COLUMN.values()))


def _list(dialect: str, table: str, column: str, event_id: str) -> str:
    """The values of one link of the event `event_id` (an expression), as one text."""
    aggregate = AGGREGATE[dialect].format(column=f"l.{column}")
    return f"(SELECT {aggregate} FROM {table} AS l WHERE l.event_id = {event_id})"


def _insert(dialect: str, row: str, source: str = "") -> str:
    """The row of the event `row` (new, or e of `source`)."""
    fields = ", ".join(f"{row}.{field}" for field in FIELDS)
    lists = ", ".join(_list(dialect, table, column, f"{row}.id") for _, table, column in LINKS)
    return f"INSERT INTO eventfacets ({COLUMNS}) SELECT {fields}, {lists}{source}"


def _rewrite(dialect: str, facet: str, table: str, column: str, row: str) -> str:
    """The list of one link of the event of a link row (`row`: new or old), read again."""
    event_id = f"{row}.event_id"
    return (
        f"UPDATE eventfacets SET {COLUMN[facet]} = {_list(dialect, table, column, event_id)} "
        f"WHERE event_id = {event_id}"
    )


def triggers(dialect: str) -> list[Any]:
    # An event's row goes AFTER the event (its links' triggers then find no row).
    found = [
        Trigger(
            "eventfacets_event",
            "event",
            FIELDS,
            ["DELETE FROM eventfacets WHERE event_id = old.id"],
            [_insert(dialect, "new")],
        )
    ]
    found += [
        Trigger(
            f"eventfacets_{table}",
            table,
            ("event_id", column),
            [_rewrite(dialect, facet, table, column, "old")],
            [_rewrite(dialect, facet, table, column, "new")],
        )
        for facet, table, column in LINKS
    ]
    return found


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "eventfacets",
        sa.Column("event_id", String(), nullable=False),
        sa.Column("type", String(length=16), nullable=False),
        sa.Column("actor_id", String(length=80), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("review_status", String(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        *(sa.Column(name, String(), nullable=True) for name in COLUMN.values()),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id"),
        sqlite_with_rowid=False,
    )
    op.execute(_insert(dialect, "e", " FROM event AS e"))
    for trigger in triggers(dialect):
        for statement in getattr(trigger, dialect)():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for trigger in reversed(triggers(dialect)):
        for statement in trigger.drop(dialect):
            op.execute(statement)
    op.drop_table("eventfacets")
