"""feed state: per-feed conditional-GET validators, last poll, and the entries seen

Revision ID: 0002_feeds
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_feeds"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_modified", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_polled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_entries", sa.Integer(), nullable=False),
        sa.Column("last_new_articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "feedentry",
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("feed_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("article_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["feed_name"], ["feed.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("url"),
    )
    with op.batch_alter_table("feedentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedentry_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedentry_feed_name"), ["feed_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedentry_feed_name"))
        batch_op.drop_index(batch_op.f("ix_feedentry_article_id"))
    op.drop_table("feedentry")
    op.drop_table("feed")
