"""the review desk: editors, tokens, sessions, the audit log, reviewed readings, and the
review state of events

Revision ID: 0004_review
Revises: 0003_confidence
Create Date: 2026-11-22 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_review"
down_revision: str | None = "0003_confidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime

# The audit log is append-only: the database refuses to change or remove a recorded action.
APPEND_ONLY_UP = {
    "sqlite": [
        "CREATE TRIGGER reviewaction_no_update BEFORE UPDATE ON reviewaction BEGIN "
        "SELECT RAISE(ABORT, 'the review audit log is append-only'); END",
        "CREATE TRIGGER reviewaction_no_delete BEFORE DELETE ON reviewaction BEGIN "
        "SELECT RAISE(ABORT, 'the review audit log is append-only'); END",
    ],
    # restrict_violation (SQLSTATE 23001): an integrity error, as SQLite's ABORT is.
    "postgresql": [
        "CREATE FUNCTION reviewaction_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'the review audit log is append-only' "
        "USING ERRCODE = 'restrict_violation'; END $$",
        "CREATE TRIGGER reviewaction_append_only BEFORE UPDATE OR DELETE ON reviewaction "
        "FOR EACH ROW EXECUTE FUNCTION reviewaction_append_only()",
    ],
}
APPEND_ONLY_DOWN = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS reviewaction_no_delete",
        "DROP TRIGGER IF EXISTS reviewaction_no_update",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS reviewaction_append_only ON reviewaction",
        "DROP FUNCTION IF EXISTS reviewaction_append_only()",
    ],
}
EVENT_COLUMNS = ("reviewed_fields", "reviewed_at", "review_status")


def upgrade() -> None:
    # Plain ADD COLUMN, no batch copy: SQLite keeps the event table's full-text triggers.
    op.add_column(
        "event",
        sa.Column("review_status", String(length=10), server_default="unreviewed", nullable=False),
    )
    op.add_column("event", sa.Column("reviewed_at", UTCDateTime(), nullable=True))
    op.add_column("event", sa.Column("reviewed_fields", sa.JSON(), nullable=True))
    op.create_index(op.f("ix_event_review_status"), "event", ["review_status"], unique=False)

    op.create_table(
        "editor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", String(length=80), nullable=False),
        sa.Column("password_hash", String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", String(length=64), nullable=False),
        sa.Column("prefix", String(length=16), nullable=False),
        sa.Column("label", String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["editor_id"], ["editor.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_apitoken_editor_id"), "apitoken", ["editor_id"], unique=False)
    op.create_table(
        "editorsession",
        sa.Column("id_hash", String(length=64), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["editor_id"], ["editor.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index(
        op.f("ix_editorsession_editor_id"), "editorsession", ["editor_id"], unique=False
    )
    op.create_table(
        "loginfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", String(length=80), nullable=False),
        sa.Column("client", String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "client", "name"):
        op.create_index(op.f(f"ix_loginfailure_{column}"), "loginfailure", [column], unique=False)
    op.create_table(
        "reviewaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", String(length=10), nullable=False),
        sa.Column("event_id", String(length=16), nullable=False),
        sa.Column("other_event_id", String(length=16), nullable=True),
        sa.Column("editor", String(length=80), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("undoes", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("event_id", "other_event_id", "undoes"):
        op.create_index(op.f(f"ix_reviewaction_{column}"), "reviewaction", [column], unique=False)
    op.create_table(
        "reviewedreading",
        sa.Column("key", String(length=16), nullable=False),
        sa.Column("content_hash", String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("type", String(length=16), nullable=False),
        sa.Column("actor_id", String(length=80), nullable=False),
        sa.Column("event_id", String(length=16), nullable=False),
        sa.Column("rejected", sa.Boolean(), nullable=False),
        sa.Column("decided_by", String(length=80), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    for column in ("content_hash", "event_id"):
        op.create_index(
            op.f(f"ix_reviewedreading_{column}"), "reviewedreading", [column], unique=False
        )
    for statement in APPEND_ONLY_UP.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in APPEND_ONLY_DOWN.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    for table in ("reviewedreading", "reviewaction", "loginfailure", "editorsession", "apitoken"):
        op.drop_table(table)  # their indexes go with them
    op.drop_table("editor")
    op.drop_index(op.f("ix_event_review_status"), table_name="event")
    # Plain DROP COLUMN (SQLite >= 3.35), no batch copy: the event table keeps its
    # full-text triggers.
    for column in EVENT_COLUMNS:
        op.drop_column("event", column)
