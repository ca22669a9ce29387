"""The hot queries of the site read through indexes: EXPLAIN every statement a page runs
and fail on a full scan of a large table (SQLite: a "SCAN" of it; PostgreSQL, with
sequential scans priced out: a "Seq Scan" of it), or on a page sorted in a temporary
b-tree where a date index gives the order."""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.web import queries
from app.web.cache import VERSION_COUNTS
from app.web.filters import build_filter
from tests.databases import backend
from tests.web.generated import generate

# Tables that grow with the events; the names and the small lookup tables may be read whole.
LARGE = (
    "event", "eventweapon", "eventplace", "eventoutlet", "mention", "article",
    "facetcount", "facetmonth", "facetpair", "eventalias", "event_fts_rowid", "eventfacets",
)  # fmt: skip
COUNTS = str(VERSION_COUNTS)
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(LARGE)})\b")


# The planner's statistics of bench/web_bench.py's 200,000 events (sqlite_stat1: rows,
# then rows per distinct prefix of each index), so that SQLite plans the small test
# database as it would the large one.
STATISTICS_200K = [
    ("actor", "sqlite_autoindex_actor_1", "16 1"),
    ("article", "ix_article_outlet", "99768 8314"),
    ("article", "ix_article_outlet_label", "99768 8314 8314"),
    ("article", "sqlite_autoindex_article_1", "99768 1"),
    ("article", "sqlite_autoindex_article_2", "99768 1"),
    ("event", "ix_event_actor_timeline", "200000 12500 11 1 1 1 1"),
    ("event", "ix_event_confidence", "200000 3077"),
    ("event", "ix_event_id_timeline", "200000 1 1 1 1 1 1"),
    ("event", "ix_event_review_status", "200000 66667"),
    ("event", "ix_event_timeline", "200000 164 1 1 1 1 1"),
    ("event", "ix_event_type_timeline", "200000 50000 41 1 1 1 1"),
    ("event", "sqlite_autoindex_event_1", "200000 1"),
    ("event_fts_rowid", "sqlite_autoindex_event_fts_rowid_1", "200000 1"),
    ("eventoutlet", "ix_eventoutlet_outlet_event", "539844 44987 1"),
    ("eventoutlet", "sqlite_autoindex_eventoutlet_1", "539844 3 1"),
    ("eventplace", "ix_eventplace_place_event", "199695 6657 1"),
    ("eventplace", "sqlite_autoindex_eventplace_1", "199695 2 1"),
    ("eventweapon", "ix_eventweapon_weapon_event", "349931 17497 1"),
    ("eventweapon", "sqlite_autoindex_eventweapon_1", "349931 2 1"),
    ("facetcount", "facetcount", "146454 29291 14646 24 2 1"),
    ("facetmonth", "facetmonth", "108870 27218 1729 433 58 21 1"),
    ("facetmonth", "ix_facetmonth_actor", "108870 27218 1702 109 58 21 1 1"),
    ("facetpair", "facetpair", "1264930 421644 20403 10202 3401 88 28 10 1"),
    ("mention", "ix_mention_article_id", "600433 7"),
    ("mention", "ix_mention_event_article", "600433 4 1"),
    ("mention", "ix_mention_event_id", "600433 4"),
    ("mention", "sqlite_autoindex_mention_1", "600433 7 1 1 1 1"),
    ("mention", "sqlite_autoindex_mention_2", "600433 1"),
    ("place", "sqlite_autoindex_place_1", "30 1"),
    ("weapon", "sqlite_autoindex_weapon_1", "20 1"),
]


@pytest.fixture(params=["without statistics", "planned as at 200,000 events"])
def generated(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Session]:
    """A database without the planner's statistics (a migrated database before its
    first ingestion) and with those of a large one (app/db.py refreshes them)."""
    generate(engine)
    if request.param != "without statistics":
        if backend() != "sqlite":
            pytest.skip("SQLite's statistics")
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("DELETE FROM sqlite_stat1")
            for row in STATISTICS_200K:
                connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
        engine.dispose()  # connections read the statistics when they open
    with Session(engine) as session:
        yield session


def statements(session: Session, run: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements `run` sends, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        # Not the data version's counts: read once per change of the data (app/web/cache.py).
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and statement != COUNTS:
            sent.append((statement, parameters))

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sent
    return sent


def sqlite_plan(session: Session, statement: str, parameters: Any) -> list[str]:
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    return [row[3] for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]


def postgresql_plan(session: Session, statement: str, parameters: Any) -> list[str]:
    """Plan nodes as "Node Type relation", sequential scans priced out: a table read
    whole in this plan has no index the query can use."""
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(f"{node['Node Type']} {node.get('Relation Name', '')}".strip())
        for child in node.get("Plans", ()):
            walk(child)

    found = cursor.fetchone()[0]
    walk((found if isinstance(found, list) else json.loads(found))[0]["Plan"])
    return nodes


def full_scans(session: Session, run: Callable[[], object]) -> list[str]:
    """The plan lines of `run`'s statements that read a large table whole (each after
    its statement, so that a failure says which query)."""
    found = []
    for statement, parameters in statements(session, run):
        if backend() == "sqlite":
            lines = sqlite_plan(session, statement, parameters)
            scans = [line for line in lines if FULL_SCAN.match(line)]
        else:
            lines = postgresql_plan(session, statement, parameters)
            scans = [line for line in lines if line in {f"Seq Scan {t}" for t in LARGE}]
        found += [f"{' '.join(statement.split())[:300]} -> {scan}" for scan in scans]
    return found


def sorted_in_memory(session: Session, run: Callable[[], object]) -> list[str]:
    """SQLite plan lines that sort a page's rows instead of reading them in order."""
    return [
        line
        for statement, parameters in statements(session, run)
        if "ORDER BY" in statement
        for line in sqlite_plan(session, statement, parameters)
        if "TEMP B-TREE FOR" in line and "ORDER BY" in line
    ]


def page(**params: Any) -> Callable[[Session], object]:
    def run(session: Session) -> object:
        f = build_filter(**{k: v for k, v in params.items() if k not in ("offset",)})
        return queries.list_events(
            session=session, filter=f, limit=50, offset=params.get("offset", 0)
        )

    return run


def facets(**params: Any) -> Callable[[Session], object]:
    return lambda session: queries.facet_counts(session=session, filter=build_filter(**params))


def lanes(**params: Any) -> Callable[[Session], object]:
    return lambda session: queries.lane_data(session=session, filter=build_filter(**params))


HOT = {
    "the first page": page(),
    "a page further": page(offset=100),
    "newest first": page(order="desc"),
    "an actor's events": page(actor=["germany"]),
    "a type over dates": page(type=["warning"], date_from="2023-03", date_to="2024-02"),
    "a weapon's first page": page(weapon=["atacms"]),
    "a weapon's page far down": page(weapon=["atacms"], offset=60),
    "weapon, actor and type": page(weapon=["taurus"], actor=["norway"], type=["authorization"]),
    "a text search": page(q="event 12"),
    "facets": facets(),
    "facets over dates": facets(date_from="2023-05-04", date_to="2024-02-17"),
    "facets of weapon, actor and type": facets(
        weapon=["taurus"], actor=["norway"], type=["authorization"]
    ),
    "facets of two weapons": facets(weapon=["taurus", "atacms"]),
    # The weapons and places of one outlet's events: sums of the facet pairs.
    "facets of an outlet over dates": facets(
        outlet=["le-monde"], date_from="2023-05-04", date_to="2024-02-17"
    ),
    "facets of a text search": facets(q="event"),
    "lanes": lanes(),
    "lanes over dates": lanes(date_from="2023-05-04", date_to="2024-02-17"),
    "lanes of a place": lanes(place=["kursk"]),
    # Two links: the aggregates cannot count it; its few events are read joined to both.
    "lanes of a place and a weapon": lanes(place=["kursk"], weapon=["atacms"]),
    "a page of a place and a weapon": page(place=["kursk"], weapon=["atacms"], order="desc"),
}


@pytest.mark.parametrize("name", sorted(HOT))
def test_hot_queries_read_no_large_table_whole(generated: Session, name: str) -> None:
    assert full_scans(generated, lambda: HOT[name](generated)) == []


# (Whether a page of a weapon's events walks a date index or sorts them depends on how
# many match: app/web/queries.py, _walks; the test database has few.)
PAGES_IN_ORDER = ["the first page", "a page further", "newest first", "an actor's events",
                  "a type over dates"]  # fmt: skip


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's plan text")
@pytest.mark.parametrize("name", PAGES_IN_ORDER)
def test_pages_walk_a_date_index_instead_of_sorting(generated: Session, name: str) -> None:
    assert sorted_in_memory(generated, lambda: HOT[name](generated)) == []


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's plan text")
def test_a_full_scan_is_caught(generated: Session) -> None:
    """The check itself: a query on a column no index leads with reads `event` whole."""

    def unindexed() -> object:
        return (
            generated.connection()
            .exec_driver_sql("SELECT count(*) FROM event WHERE summary LIKE '%x%'")
            .all()
        )

    assert full_scans(generated, unindexed) == [
        "SELECT count(*) FROM event WHERE summary LIKE '%x%' -> SCAN event"
    ]
