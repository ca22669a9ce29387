"""scale: clustering's blocking indexes (and mention.weapon_key); SQLite full-text rows
found by rowid

Revision ID: 0005_scale
Revises: 0004_review
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_scale"
down_revision: str | None = "0004_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001's triggers found an event's full-text row by its UNINDEXED event_id column: a
# scan of the whole index at every change of an event, so storing got slower as the
# database grew. event_fts_rowid maps each event id to its full-text rowid (an INTEGER
# PRIMARY KEY: stable through VACUUM, unlike the implicit rowid of `event`), and the
# triggers reach the row by rowid. They fire only when the id or the search text
# changes.
_ROWID = "(SELECT rowid FROM event_fts_rowid WHERE event_id = {side}.id)"
SQLITE_UP = [
    "CREATE TABLE event_fts_rowid (rowid INTEGER PRIMARY KEY, event_id VARCHAR NOT NULL UNIQUE)",
    "DROP TRIGGER event_fts_ai",
    "DROP TRIGGER event_fts_ad",
    "DROP TRIGGER event_fts_au",
    "DELETE FROM event_fts",
    "INSERT INTO event_fts_rowid (event_id) SELECT id FROM event ORDER BY id",
    "INSERT INTO event_fts (rowid, event_id, body) SELECT m.rowid, e.id, e.search_text "
    "FROM event AS e JOIN event_fts_rowid AS m ON m.event_id = e.id",
    "CREATE TRIGGER event_fts_ai AFTER INSERT ON event BEGIN "
    "INSERT INTO event_fts_rowid (event_id) VALUES (new.id); "
    f"INSERT INTO event_fts (rowid, event_id, body) VALUES ({_ROWID.format(side='new')}, "
    "new.id, new.search_text); END",
    "CREATE TRIGGER event_fts_ad AFTER DELETE ON event BEGIN "
    f"DELETE FROM event_fts WHERE rowid = {_ROWID.format(side='old')}; "
    "DELETE FROM event_fts_rowid WHERE event_id = old.id; END",
    "CREATE TRIGGER event_fts_au AFTER UPDATE OF id, search_text ON event BEGIN "
    "UPDATE event_fts SET event_id = new.id, body = new.search_text "
    f"WHERE rowid = {_ROWID.format(side='old')}; "
    "UPDATE event_fts_rowid SET event_id = new.id WHERE event_id = old.id; END",
]
# Back to 0001's triggers (the rows stay; their rowids no longer matter).
SQLITE_DOWN = [
    "DROP TRIGGER event_fts_ai",
    "DROP TRIGGER event_fts_ad",
    "DROP TRIGGER event_fts_au",
    "DROP TABLE event_fts_rowid",
    "CREATE TRIGGER event_fts_ai AFTER INSERT ON event BEGIN "
    "INSERT INTO event_fts (event_id, body) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER event_fts_ad AFTER DELETE ON event BEGIN "
    "DELETE FROM event_fts WHERE event_id = old.id; END",
    "CREATE TRIGGER event_fts_au AFTER UPDATE ON event BEGIN "
    "DELETE FROM event_fts WHERE event_id = old.id; "
    "INSERT INTO event_fts (event_id, body) VALUES (new.id, new.search_text); END",
]


# mention.weapon_key of the mentions already stored: their one weapon, "" for none,
# "*" for several (app/ingest/store.py, weapon_key).
WEAPON_KEY = {
    "sqlite": "CASE json_array_length(weapons) WHEN 0 THEN '' "
    "WHEN 1 THEN json_extract(weapons, '$[0]') ELSE '*' END",
    "postgresql": "CASE json_array_length(weapons) WHEN 0 THEN '' "
    "WHEN 1 THEN weapons->>0 ELSE '*' END",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN and CREATE INDEX, no batch copy (SQLite keeps the triggers).
    op.add_column(
        "mention",
        sa.Column(
            "weapon_key",
            sqlmodel.sql.sqltypes.AutoString(length=80),
            nullable=False,
            server_default="",
        ),
    )
    if dialect in WEAPON_KEY:
        op.execute(f"UPDATE mention SET weapon_key = {WEAPON_KEY[dialect]}")
    op.create_index(
        "ix_mention_blocking",
        "mention",
        ["type", "actor_id", "date_precision", "date"],
        unique=False,
    )
    op.create_index(
        "ix_mention_weapon_blocking",
        "mention",
        ["type", "actor_id", "weapon_key", "date_precision", "date"],
        unique=False,
    )
    if dialect == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    op.drop_index("ix_mention_weapon_blocking", table_name="mention")
    op.drop_index("ix_mention_blocking", table_name="mention")
    op.drop_column("mention", "weapon_key")
