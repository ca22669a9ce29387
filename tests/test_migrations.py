"""The migrated schema equals the models, and migrations go down and up cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from app.db import make_engine
from app.migrate import downgrade_database, upgrade_database

MODEL_TABLES = {
    "actor",
    "apitoken",
    "article",
    "editor",
    "editorsession",
    "event",
    "eventalias",
    "eventplace",
    "eventweapon",
    "feed",
    "feedentry",
    "loginfailure",
    "mention",
    "place",
    "retiredevent",
    "reviewaction",
    "reviewedreading",
    "weapon",
}
REVIEW_TABLES = {
    "apitoken",
    "editor",
    "editorsession",
    "loginfailure",
    "reviewaction",
    "reviewedreading",
}


def _pending_diff(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": lambda obj, name, type_, *_: (
                    not (type_ == "table" and name.startswith("event_fts"))
                )
            },
        )
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return list(diff)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_empty_database_has_no_pending_difference(database_url: str) -> None:
    upgrade_database(database_url)
    assert _pending_diff(database_url) == []
    assert MODEL_TABLES | {"alembic_version", "event_fts"} <= _tables(database_url)


def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    upgrade_database(database_url)
    downgrade_database(database_url)
    assert _tables(database_url) == {"alembic_version"}
    upgrade_database(database_url)
    assert _pending_diff(database_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_feed_tables_come_and_go_with_their_own_migration(database_url: str) -> None:
    upgrade_database(database_url)
    downgrade_database(database_url, "0001")
    gone = {"feed", "feedentry", "retiredevent"} | REVIEW_TABLES
    assert gone & _tables(database_url) == set()
    assert MODEL_TABLES - gone <= _tables(database_url)
    upgrade_database(database_url)
    assert _pending_diff(database_url) == []


def _triggers(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        triggers = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (table,),
            )
        }
    engine.dispose()
    return triggers


def test_confidence_migration_keeps_the_full_text_triggers(database_url: str) -> None:
    """0003 adds and drops columns of the event table without a batch copy, which
    would drop its full-text triggers."""
    upgrade_database(database_url)
    downgrade_database(database_url, "0002_feeds")
    upgrade_database(database_url)
    assert len(_triggers(database_url, "event")) == 3


def test_review_migration_keeps_the_full_text_triggers(database_url: str) -> None:
    upgrade_database(database_url)
    downgrade_database(database_url, "0003_confidence")
    assert _triggers(database_url, "event") == {"event_fts_ai", "event_fts_ad", "event_fts_au"}
    assert REVIEW_TABLES & _tables(database_url) == set()
    upgrade_database(database_url)
    assert _triggers(database_url, "event") == {"event_fts_ai", "event_fts_ad", "event_fts_au"}
    assert _pending_diff(database_url) == []


def test_review_migration_marks_existing_events_unreviewed(database_url: str) -> None:
    upgrade_database(database_url, "0003_confidence")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO actor (id, name) VALUES ('norway', 'Norway')")
        connection.exec_driver_sql(
            "INSERT INTO event (id, type, actor_id, date_basis, summary, search_text,"
            " created_at, updated_at) VALUES ('e1', 'authorization', 'norway', 'text',"
            " 'Norway allows', '', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
        )
    engine.dispose()
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT review_status, reviewed_at, reviewed_fields FROM event"
        ).one()
    engine.dispose()
    assert tuple(row) == ("unreviewed", None, None)


def test_the_audit_log_refuses_updates_and_deletes(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO reviewaction (action, event_id, editor, at, before, after)"
            " VALUES ('confirm', 'e1', 'ana', '2024-01-01 00:00:00', '{}', '{}')"
        )
    for statement in ("UPDATE reviewaction SET editor = 'eve'", "DELETE FROM reviewaction"):
        with pytest.raises(IntegrityError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT editor FROM reviewaction").all() == [("ana",)]
    engine.dispose()
