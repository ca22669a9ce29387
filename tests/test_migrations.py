"""The migrated schema equals the models, and migrations go down and up cleanly."""

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import SQLModel

from app.db import make_engine
from app.migrate import (
    MIGRATIONS,
    current_revision,
    downgrade_database,
    head_revision,
    known_revisions,
    upgrade_database,
)
from tests import facets
from tests.databases import backend

MODEL_TABLES = {
    "actor",
    "apitoken",
    "article",
    "editor",
    "editorsession",
    "event",
    "eventalias",
    "eventoutlet",
    "eventplace",
    "eventweapon",
    "facetcount",
    "facetmonth",
    "facetpair",
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
FACET_TABLES = {"eventoutlet", "facetcount", "facetmonth", "facetpair"}
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
                    not (type_ in ("table", "index") and name.startswith("event_fts"))
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
    assert MODEL_TABLES | {"alembic_version"} <= _tables(database_url)


def test_revisions_read_without_alembic_agree_with_alembic(database_url: str) -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert head_revision() == scripts.get_current_head() == "0008_event_facets"
    assert known_revisions() == {s.revision for s in scripts.walk_revisions()}
    assert len(known_revisions()) == 8
    engine = make_engine(database_url)
    try:
        # Before any migration, then at each revision on the way up.
        with engine.connect() as connection:
            assert current_revision(connection) is None
        for script in reversed(list(scripts.walk_revisions())):
            upgrade_database(database_url, script.revision)
            with engine.connect() as connection:
                alembic_reads = MigrationContext.configure(connection).get_current_revision()
                assert current_revision(connection) == alembic_reads == script.revision
    finally:
        engine.dispose()


def test_sqlite_gets_its_full_text_table(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    assert {"event_fts", "event_fts_rowid"} <= _tables(sqlite_url)


def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    upgrade_database(database_url)
    downgrade_database(database_url)
    assert _tables(database_url) == {"alembic_version"}
    upgrade_database(database_url)
    assert _pending_diff(database_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_feed_tables_come_and_go_with_their_own_migration(database_url: str) -> None:
    upgrade_database(database_url)
    downgrade_database(database_url, "0001")
    gone = {"feed", "feedentry", "retiredevent"} | REVIEW_TABLES | FACET_TABLES
    assert gone & _tables(database_url) == set()
    assert MODEL_TABLES - gone <= _tables(database_url)
    upgrade_database(database_url)
    assert _pending_diff(database_url) == []


FTS_TRIGGERS = {"event_fts_ai", "event_fts_ad", "event_fts_au"}
# Migrations 0006, 0007 and 0008: the facet counts and rows follow every change of an event.
FACET_TRIGGERS = {
    f"{name}_event_{when}"
    for name in ("facet", "facetpair", "eventfacets")
    for when in ("ai", "d", "au")
}


def _event_triggers(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        triggers = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'"
            )
        }
    engine.dispose()
    return triggers


def test_confidence_migration_keeps_the_full_text_triggers(sqlite_url: str) -> None:
    """0003 adds and drops columns of the event table without a batch copy, which
    would drop its full-text triggers."""
    upgrade_database(sqlite_url)
    downgrade_database(sqlite_url, "0002_feeds")
    upgrade_database(sqlite_url)
    assert _event_triggers(sqlite_url) == FTS_TRIGGERS | FACET_TRIGGERS


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.exec_driver_sql(sql)]
    engine.dispose()
    return rows


def _full_text_rows(url: str) -> list[tuple[Any, ...]]:
    return _query(url, "SELECT event_id, body FROM event_fts ORDER BY event_id")


def _add_events(url: str, ids: list[str]) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO actor (id, name) VALUES ('nato', 'NATO')")
        for event_id in ids:
            connection.exec_driver_sql(
                "INSERT INTO event (id, type, actor_id, date_basis, summary, search_text,"
                " created_at, updated_at) VALUES (?, 'request', 'nato', 'undated', '', ?,"
                " '2024-01-01', '2024-01-01')",
                (event_id, f"text of {event_id}"),
            )
    engine.dispose()


def test_scale_migration_keeps_the_full_text_rows_of_existing_events(sqlite_url: str) -> None:
    """0005 rebuilds the full-text index under rowids it can find events by."""
    upgrade_database(sqlite_url, "0004_review")
    _add_events(sqlite_url, ["e1", "e2"])
    upgrade_database(sqlite_url)
    assert _full_text_rows(sqlite_url) == [("e1", "text of e1"), ("e2", "text of e2")]
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE event SET search_text = 'new words' WHERE id = 'e1'")
        connection.exec_driver_sql("DELETE FROM event WHERE id = 'e2'")
    engine.dispose()
    assert _full_text_rows(sqlite_url) == [("e1", "new words")]


def test_scale_migration_goes_down_to_the_first_triggers(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    downgrade_database(sqlite_url, "0004_review")
    assert "event_fts_rowid" not in _tables(sqlite_url)
    _add_events(sqlite_url, ["e3"])
    assert _full_text_rows(sqlite_url) == [("e3", "text of e3")]


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's full-text index")
def test_postgresql_gets_a_full_text_index_over_the_events(database_url: str) -> None:
    upgrade_database(database_url)
    ((definition,),) = _query(
        database_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'event_fts_index'"
    )
    assert "USING gin (to_tsvector('timeline_search'::regconfig" in definition


def test_a_migration_that_fails_half_way_leaves_the_schema_as_it_was(sqlite_url: str) -> None:
    """SQLite runs the upgrade in one transaction: 0005 creates its index, then fails
    on a table that is in its way; the index goes with the failure."""
    upgrade_database(sqlite_url, "0004_review")
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE event_fts_rowid (in_the_way INTEGER)")
    engine.dispose()
    with pytest.raises(OperationalError, match="table event_fts_rowid already exists"):
        upgrade_database(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        indexes = {index["name"] for index in inspect(connection).get_indexes("mention")}
    engine.dispose()
    assert version == "0004_review"
    assert "ix_mention_blocking" not in indexes
    assert _event_triggers(sqlite_url) == FTS_TRIGGERS


def _row_table(table_name: str, /, **types: Any) -> Any:
    """A table as of an older revision: just the columns a test writes."""
    return sa.table(table_name, *(sa.column(column, type_) for column, type_ in types.items()))


def _mention_table() -> Any:
    """The mention table's columns a test writes, as of 0004."""
    text, json = sa.String(), sa.JSON()
    return _row_table(
        "mention", key=text, event_id=text, article_id=text, type=text, actor_id=text,
        weapons=json, places=json, date_basis=text, quote=text, start=sa.Integer(),
        end=sa.Integer(), trigger=text, trigger_start=sa.Integer(),
        trigger_end=sa.Integer(), negated=sa.Boolean(),
    )  # fmt: skip


def test_scale_migration_gives_stored_mentions_their_weapon_key(database_url: str) -> None:
    upgrade_database(database_url, "0004_review")
    engine = make_engine(database_url)
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    text = sa.String()
    with engine.begin() as connection:
        connection.execute(
            _row_table("actor", id=text, name=text).insert(), [{"id": "nato", "name": "NATO"}]
        )
        connection.execute(
            _row_table(
                "article", id=text, content_hash=text, source=text, text=text,
                word_count=sa.Integer(), ingested_at=sa.DateTime(),
            ).insert(),
            [{"id": "a1", "content_hash": "h1", "source": "a.md", "text": "Texte.", "word_count": 1, "ingested_at": now}],
        )  # fmt: skip
        connection.execute(
            _row_table(
                "event", id=text, type=text, actor_id=text, date_basis=text, summary=text,
                search_text=text, created_at=sa.DateTime(), updated_at=sa.DateTime(),
            ).insert(),
            [{"id": "e1", "type": "request", "actor_id": "nato", "date_basis": "undated", "summary": "", "search_text": "", "created_at": now, "updated_at": now}],
        )  # fmt: skip
        mention = _mention_table()
        connection.execute(
            mention.insert(),
            [
                {"key": f"m{n}", "event_id": "e1", "article_id": "a1", "type": "request",
                 "actor_id": "nato", "weapons": weapons, "places": [], "date_basis": "undated",
                 "quote": "Texte.", "start": n, "end": n + 1, "trigger": "T",
                 "trigger_start": n, "trigger_end": n + 1, "negated": False}
                for n, weapons in enumerate([[], ["atacms"], ["atacms", "taurus"]])
            ],
        )  # fmt: skip
    engine.dispose()
    upgrade_database(database_url)
    keys = _query(database_url, "SELECT key, weapon_key FROM mention ORDER BY key")
    assert keys == [("m0", ""), ("m1", "atacms"), ("m2", "*")]


def test_review_migration_keeps_the_full_text_triggers(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    downgrade_database(sqlite_url, "0003_confidence")
    assert _event_triggers(sqlite_url) == FTS_TRIGGERS
    assert REVIEW_TABLES & _tables(sqlite_url) == set()
    upgrade_database(sqlite_url)
    assert _event_triggers(sqlite_url) == FTS_TRIGGERS | FACET_TRIGGERS
    assert _pending_diff(sqlite_url) == []


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


def _store_rows(url: str) -> None:
    """Two events, told by articles of two outlets (spelled two ways), as of 0005."""
    engine = make_engine(url)
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    text, day = sa.String(), sa.Date()
    with engine.begin() as connection:
        for table, names in (("actor", ["NATO", "Norway"]), ("weapon", ["ATACMS"])):
            connection.execute(
                _row_table(table, id=text, name=text).insert(),
                [{"id": name.lower(), "name": name} for name in names],
            )
        connection.execute(
            _row_table(
                "article", id=text, content_hash=text, source=text, text=text, outlet=text,
                word_count=sa.Integer(), ingested_at=sa.DateTime(),
            ).insert(),
            [{"id": f"a{n}", "content_hash": f"h{n}", "source": "a.md", "text": "Texte.", "outlet": outlet, "word_count": 1, "ingested_at": now}
             for n, outlet in enumerate(["Le Monde", "Le monde", "Kyiv Ledger", None])],
        )  # fmt: skip
        connection.execute(
            _row_table(
                "event", id=text, type=text, actor_id=text, date=day, date_basis=text,
                summary=text, search_text=text, created_at=sa.DateTime(), updated_at=sa.DateTime(),
            ).insert(),
            [{"id": "e1", "type": "request", "actor_id": "nato", "date": dt.date(2024, 3, 9), "date_basis": "text", "summary": "", "search_text": "", "created_at": now, "updated_at": now},
             {"id": "e2", "type": "authorization", "actor_id": "norway", "date": None, "date_basis": "undated", "summary": "", "search_text": "", "created_at": now, "updated_at": now}],
        )  # fmt: skip
        connection.execute(
            _row_table("eventweapon", event_id=text, weapon_id=text).insert(),
            [{"event_id": "e1", "weapon_id": "atacms"}],
        )
        mention = _mention_table()
        connection.execute(
            mention.insert(),
            [
                {"key": f"m{n}", "event_id": event_id, "article_id": article_id, "type": "request",
                 "actor_id": "nato", "weapons": [], "places": [], "date_basis": "text",
                 "quote": "Texte.", "start": n, "end": n + 1, "trigger": "T",
                 "trigger_start": n, "trigger_end": n + 1, "negated": False}
                for n, (event_id, article_id) in enumerate(
                    [("e1", "a0"), ("e1", "a1"), ("e1", "a2"), ("e2", "a2"), ("e2", "a3")]
                )
            ],
        )  # fmt: skip
    engine.dispose()


def test_facets_migration_counts_the_events_already_stored(database_url: str) -> None:
    upgrade_database(database_url, "0005_scale")
    _store_rows(database_url)
    upgrade_database(database_url)
    outlets = _query(database_url, "SELECT id, outlet_id FROM article ORDER BY id")
    assert outlets == [("a0", "le-monde"), ("a1", "le-monde"), ("a2", "kyiv-ledger"), ("a3", None)]
    told = _query(
        database_url, "SELECT event_id, outlet_id, mentions FROM eventoutlet ORDER BY 1, 2"
    )
    assert told == [("e1", "kyiv-ledger", 1), ("e1", "le-monde", 2), ("e2", "kyiv-ledger", 1)]
    engine = make_engine(database_url)
    assert (
        facets.stored(engine)["facetcount"][("outlet", "day", "", "kyiv-ledger", "unreviewed", "*")]
        == 1
    )
    facets.assert_counts_right(engine)
    engine.dispose()


def test_facets_migration_goes_down_and_up_with_its_counts(database_url: str) -> None:
    upgrade_database(database_url, "0005_scale")
    _store_rows(database_url)
    upgrade_database(database_url)
    downgrade_database(database_url, "0005_scale")
    assert FACET_TABLES & _tables(database_url) == set()
    upgrade_database(database_url)
    engine = make_engine(database_url)
    facets.assert_counts_right(engine)
    engine.dispose()


def test_pairs_migration_counts_the_events_already_stored_and_goes_down_and_up(
    database_url: str,
) -> None:
    upgrade_database(database_url, "0005_scale")
    _store_rows(database_url)
    upgrade_database(database_url, "0006_facets")
    assert "facetpair" not in _tables(database_url)
    upgrade_database(database_url)
    pairs = "SELECT facet, value, other, status, month, tier, type, other_value, n FROM facetpair"
    expected = [
        ("outlet", "kyiv-ledger", "weapon", "unreviewed", "2024-03", "", "request", "atacms", 1),
        ("outlet", "le-monde", "weapon", "unreviewed", "2024-03", "", "request", "atacms", 1),
        ("weapon", "atacms", "outlet", "unreviewed", "2024-03", "", "request", "kyiv-ledger", 1),
        ("weapon", "atacms", "outlet", "unreviewed", "2024-03", "", "request", "le-monde", 1),
    ]
    assert _query(database_url, pairs + " ORDER BY 1, 2, 8") == expected
    downgrade_database(database_url, "0006_facets")
    assert "facetpair" not in _tables(database_url)
    upgrade_database(database_url)
    engine = make_engine(database_url)
    facets.assert_counts_right(engine)
    engine.dispose()


def test_deleting_an_article_takes_its_outlet_from_the_counts(database_url: str) -> None:
    """No path of the app deletes articles; the database keeps the counts right anyway."""
    upgrade_database(database_url, "0005_scale")
    _store_rows(database_url)
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM article WHERE id = 'a2'")
    told = _query(database_url, "SELECT event_id, outlet_id, mentions FROM eventoutlet")
    assert told == [("e1", "le-monde", 2)]
    facets.assert_counts_right(engine)
    engine.dispose()
