"""facet pairs: per-month counts of events by two links of different facets, kept by
triggers, so that a link's facet under another link (the weapons of one outlet's events)
is a sum, not a scan

Revision ID: 0007_facet_pairs
Revises: 0006_facets
Create Date: 2026-11-23 04:10:00
"""

from collections.abc import Sequence
from itertools import permutations
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.migrate import migration_module

revision: str = "0007_facet_pairs"
down_revision: str | None = "0006_facets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString


_0006 = migration_module("0006_facets.py")  # its trigger builder and links
LINKS: tuple[tuple[str, str, str], ...] = _0006.LINKS  # (facet, table, column)
Trigger = _0006.Trigger
PERIOD = _0006.PERIOD
_tier = _0006._tier

# --- what each event counts for --------------------------------------------------------
# An event with weapon W and outlet O counts once for (weapon W, outlet O) and once for
# (outlet O, weapon W), under its type, review status, month and confidence tier; the
# same for every pair of links of different facets it has. The triggers add the pairs a
# link row makes with the event's other links when it appears, remove them when it goes,
# and move every pair of an event when its type, review status, date or tier changes. As in 0006,
# an event's pairs are removed BEFORE it is deleted, so the links its deletion cascades
# to find no event and change nothing.
EVENT_KEY = ("id", "type", "review_status", "date")


def _columns(row: str) -> str:
    return (
        f"{row}.type AS type, {row}.review_status AS status, {row}.date AS date, "
        f"{_tier(row)} AS tier"
    )


def _link_pairs(facet: str, column: str, row: str) -> str:
    """The pairs one link row (`row`: new or old) makes with its event's other links,
    both ways round."""
    parts = []
    for other, table, other_column in LINKS:
        if other == facet:
            continue
        joined = (
            f"FROM event AS e JOIN {table} AS l ON l.event_id = e.id WHERE e.id = {row}.event_id"
        )
        parts += [
            f"SELECT '{facet}' AS facet, {row}.{column} AS value, '{other}' AS other, "
            f"l.{other_column} AS other_value, {_columns('e')} {joined}",
            f"SELECT '{other}', l.{other_column}, '{facet}', {row}.{column}, {_columns('e')} {joined}",
        ]
    return " UNION ALL ".join(parts)


def _event_pairs(row: str, *, every_event: bool = False) -> str:
    """The pairs of an event (`row`: new or old), or with `every_event` of every stored
    event."""
    parts = []
    for (facet, table, column), (other, other_table, other_column) in permutations(LINKS, 2):
        joined = f"FROM {table} AS a JOIN {other_table} AS b ON b.event_id = a.event_id"
        if every_event:
            joined += " JOIN event AS e ON e.id = a.event_id"
        else:
            joined += f" WHERE a.event_id = {row}.id"
        parts.append(
            f"SELECT '{facet}' AS facet, a.{column} AS value, '{other}' AS other, "
            f"b.{other_column} AS other_value, {_columns('e' if every_event else row)} {joined}"
        )
    return " UNION ALL ".join(parts)


COLUMNS = "facet, value, other, status, month, tier, type, other_value"


def _bump(dialect: str, pairs: str, delta: int) -> list[str]:
    """Adds `delta` to the count of each pair `pairs` selects. WHERE true: SQLite's
    upsert after a SELECT needs a WHERE to parse."""
    month = PERIOD[dialect]["month"]
    return [
        f"INSERT INTO facetpair ({COLUMNS}, n) "
        f"SELECT c.facet, c.value, c.other, c.status, {month}, c.tier, c.type, c.other_value, "
        f"{delta} "
        f"FROM ({pairs}) AS c WHERE true "
        f"ON CONFLICT ({COLUMNS}) DO UPDATE SET n = facetpair.n + excluded.n"
    ]


def _fill(dialect: str) -> str:
    """The pairs of the events already stored (the triggers keep them from then on)."""
    month = PERIOD[dialect]["month"]
    return (
        f"INSERT INTO facetpair ({COLUMNS}, n) "
        f"SELECT c.facet, c.value, c.other, c.status, {month}, c.tier, c.type, c.other_value, "
        f"count(*) FROM ({_event_pairs('e', every_event=True)}) AS c "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
    )


def triggers(dialect: str) -> list[Any]:
    found = [
        Trigger(
            "facetpair_event",
            "event",
            (*EVENT_KEY, "tier"),
            _bump(dialect, _event_pairs("old"), -1),
            _bump(dialect, _event_pairs("new"), 1),
            delete_before=True,
        )
    ]
    found += [
        Trigger(
            f"facetpair_{table}",
            table,
            ("event_id", column),
            _bump(dialect, _link_pairs(facet, column, "old"), -1),
            _bump(dialect, _link_pairs(facet, column, "new"), 1),
        )
        for facet, table, column in LINKS
    ]
    return found


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "facetpair",
        sa.Column("facet", String(length=8), nullable=False),
        sa.Column("value", String(length=80), nullable=False),
        sa.Column("other", String(length=8), nullable=False),
        sa.Column("status", String(length=10), nullable=False),
        sa.Column("month", String(length=7), nullable=False),
        sa.Column("tier", String(length=4), nullable=False),
        sa.Column("type", String(length=16), nullable=False),
        sa.Column("other_value", String(length=80), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "facet", "value", "other", "status", "month", "tier", "type", "other_value"
        ),
        sqlite_with_rowid=False,
    )
    op.execute(_fill(dialect))
    for trigger in triggers(dialect):
        for statement in getattr(trigger, dialect)():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for trigger in reversed(triggers(dialect)):
        for statement in trigger.drop(dialect):
            op.execute(statement)
    op.drop_table("facetpair")
