"""confidence of events and mentions, the extractor's reasons and voice, retired event ids

Revision ID: 0003_confidence
Revises: 0002_feeds
Create Date: 2026-11-22 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_confidence"
down_revision: str | None = "0002_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch copy: SQLite keeps the event table's full-text triggers.
    op.add_column("event", sa.Column("confidence", sa.Float(), nullable=True))
    op.create_index(op.f("ix_event_confidence"), "event", ["confidence"], unique=False)
    op.add_column("mention", sa.Column("confidence", sa.Float(), nullable=True))
    op.add_column(
        "mention",
        sa.Column("voice", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.add_column(
        "mention", sa.Column("notes", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    op.create_table(
        "retiredevent",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("retiredevent")
    op.drop_index(op.f("ix_event_confidence"), table_name="event")
    # Plain DROP COLUMN (SQLite >= 3.35), no batch copy: the event table keeps its
    # full-text triggers.
    for table, column in (
        ("mention", "notes"),
        ("mention", "voice"),
        ("mention", "confidence"),
        ("event", "confidence"),
    ):
        op.drop_column(table, column)
