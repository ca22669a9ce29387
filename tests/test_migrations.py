"""The migrated schema equals the models, and migrations go down and up cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.db import make_engine
from app.migrate import downgrade_database, upgrade_database

MODEL_TABLES = {
    "actor",
    "article",
    "event",
    "eventalias",
    "eventplace",
    "eventweapon",
    "feed",
    "feedentry",
    "mention",
    "place",
    "retiredevent",
    "weapon",
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
    assert {"feed", "feedentry", "retiredevent"} & _tables(database_url) == set()
    assert MODEL_TABLES - {"feed", "feedentry", "retiredevent"} <= _tables(database_url)
    upgrade_database(database_url)
    assert _pending_diff(database_url) == []


def test_confidence_migration_keeps_the_full_text_triggers(database_url: str) -> None:
    """0003 adds and drops columns of the event table without a batch copy, which
    would drop its full-text triggers."""
    upgrade_database(database_url)
    downgrade_database(database_url, "0002_feeds")
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        triggers = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'"
            )
        }
    engine.dispose()
    assert len(triggers) == 3
