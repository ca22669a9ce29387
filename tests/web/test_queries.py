"""The query module on the hand-written corpus: exact ids, counts and order."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.web import cache, queries
from app.web.filters import EventFilter, build_filter
from tests.databases import backend
from tests.web.test_plans import statements

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))


def ids(session: Session, **params: object) -> list[str]:
    f = build_filter(**params)  # type: ignore[arg-type]
    rows = queries.list_events(session=session, filter=f, limit=100)
    assert queries.count_events(session=session, filter=f) == len(rows)
    return [r.id for r in rows]


def test_all_events_oldest_first_with_undated_last(db: Session) -> None:
    assert ids(db) == [E2, E5, E1, E3, E4]
    assert ids(db, order="desc") == [E3, E1, E5, E2, E4]


def test_values_of_one_filter_are_ored_and_filters_anded(db: Session) -> None:
    assert ids(db, weapon=["atacms"]) == [E1, E3, E4]
    assert ids(db, weapon=["atacms", "taurus"]) == [E2, E1, E3, E4]
    assert ids(db, weapon=["atacms"], actor=["russia"]) == [E3]
    assert ids(db, type=["authorization"]) == [E5, E1]
    assert ids(db, place=["crimea"]) == [E5, E4]
    assert ids(db, actor=["nobody"]) == []


def test_outlet_filter_uses_the_slug_of_the_outlet_name(db: Session) -> None:
    assert ids(db, outlet=["example-post"]) == [E5, E1]
    assert ids(db, outlet=["le-monde"]) == [E1]


def test_date_range_is_inclusive_and_drops_undated(db: Session) -> None:
    assert ids(db, date_from="2024-05", date_to="2024-05") == [E5, E1]
    assert ids(db, date_from="2024-03") == [E5, E1, E3]
    assert ids(db, date_to="2024-02") == [E2]


def test_text_search_is_accent_and_case_insensitive(db: Session) -> None:
    assert ids(db, q="crimee") == [E4]
    assert ids(db, q="CRIMÉE") == [E4]
    assert ids(db, q="storm shadow") == [E5, E3]
    assert ids(db, q="approved") == [E1]


def test_text_search_reads_raw_text_as_the_full_text_index_does(db: Session) -> None:
    """Text stored unfolded (by another tool, an older version): both backends split
    words at punctuation and ignore accents and case, SQLite's FTS5 (unicode61,
    remove_diacritics) as PostgreSQL's tsvector (regexp split, unaccent, simple)."""
    db.connection().execute(
        text("UPDATE event SET search_text = :body WHERE id = :id"),
        {"body": "Frappes en CRIMÉE : lemonde.fr cite l'État, F-16", "id": E2},
    )
    db.commit()
    assert ids(db, q="crimee") == [E2, E4]
    assert ids(db, q="Lemonde") == [E2]
    assert ids(db, q="etat") == [E2]
    assert ids(db, q="f-16") == [E2]
    assert ids(db, q="lemonde crimee") == [E2]
    assert ids(db, q="lemond") == []


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's full-text index")
def test_text_search_walks_the_full_text_index_on_postgresql(db: Session) -> None:
    """A search's events are read once (then passed to the page's statements as ids):
    that read walks the full-text index."""
    cache.clear()
    sent = statements(db, lambda: queries.conditions(session=db, filter=build_filter(q="crimee")))
    cursor = db.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("SET LOCAL enable_seqscan = off")
    plans = []
    for statement, parameters in sent:
        if "to_tsvector" in statement:
            cursor.execute(f"EXPLAIN {statement}", parameters)
            plans.append([row[0] for row in cursor.fetchall()])
    assert plans
    assert all(any("event_fts_index" in line for line in plan) for plan in plans), plans


def test_search_syntax_is_quoted_not_interpreted(db: Session) -> None:
    assert queries.fts_query('NEAR(a "b") OR c*') == '"near" "a" "b" "or" "c"'
    assert ids(db, q='"crimee') == [E4]
    assert ids(db, q="*** ()") == [E2, E5, E1, E3, E4]


def test_rows_carry_names_weapons_places_and_source_count(db: Session) -> None:
    (row,) = queries.list_events(session=db, filter=build_filter(actor=["united-states"]), limit=5)
    assert (row.actor.name, row.date, row.date_precision, row.date_basis) == (
        "United States",
        dt.date(2024, 5, 30),
        "day",
        "text",
    )
    assert [w.name for w in row.weapons] == ["ATACMS", "HIMARS"]
    assert [p.id for p in row.places] == ["kharkiv"]
    assert row.source_count == 2


def test_pagination_slices_the_same_order(db: Session) -> None:
    f = EventFilter()
    page2 = queries.list_events(session=db, filter=f, limit=2, offset=2)
    assert [r.id for r in page2] == [E1, E3]


def _counts(facets: tuple[queries.FacetOption, ...]) -> list[tuple[str, int, bool]]:
    return [(o.id, o.count, o.selected) for o in facets]


def test_facet_counts_without_filters(db: Session) -> None:
    facets = queries.facet_counts(session=db, filter=EventFilter())
    assert _counts(facets["type"]) == [
        ("authorization", 2, False),
        ("restriction", 1, False),
        ("warning", 1, False),
        ("request", 1, False),
    ]
    assert [o.name for o in facets["actor"]] == [
        "Germany",
        "Russia",
        "Ukraine",
        "United Kingdom",
        "United States",
    ]
    assert _counts(facets["weapon"]) == [
        ("atacms", 3, False),
        ("storm-shadow", 2, False),
        ("himars", 1, False),
        ("taurus", 1, False),
    ]
    assert _counts(facets["place"]) == [("crimea", 2, False), ("kharkiv", 1, False)]
    assert _counts(facets["outlet"]) == [
        ("example-post", 2, False),
        ("berlin-courier", 1, False),
        ("kyiv-ledger", 1, False),
        ("le-monde", 1, False),
        ("meguetan-infos", 1, False),
    ]


def test_facet_counts_ignore_their_own_filter_and_keep_selected_zeroes(db: Session) -> None:
    f = build_filter(weapon=["atacms"], actor=["germany"])
    facets = queries.facet_counts(session=db, filter=f)
    # weapon counts under actor=germany only; actor counts under weapon=atacms only.
    assert _counts(facets["weapon"]) == [("taurus", 1, False), ("atacms", 0, True)]
    assert _counts(facets["actor"]) == [
        ("russia", 1, False),
        ("ukraine", 1, False),
        ("united-states", 1, False),
        ("germany", 0, True),
    ]
    assert _counts(facets["type"]) == [
        ("authorization", 0, False),
        ("restriction", 0, False),
        ("warning", 0, False),
        ("request", 0, False),
    ]


def test_lanes_show_single_markers_when_sparse(db: Session) -> None:
    lanes = queries.lane_data(session=db, filter=EventFilter())
    assert (lanes.aggregated, lanes.dated, lanes.undated) == ("", 4, 1)
    assert (lanes.first, lanes.last) == (dt.date(2024, 2, 1), dt.date(2024, 9, 12))
    assert [(p.actor.id, p.event_id, p.count) for p in lanes.points] == [
        ("germany", E2, 1),
        ("united-kingdom", E5, 1),
        ("united-states", E1, 1),
        ("russia", E3, 1),
    ]


def test_lanes_aggregate_per_month_when_dense(db: Session) -> None:
    lanes = queries.lane_data(session=db, filter=EventFilter(), marker_limit=2)
    assert lanes.aggregated == "month"
    assert [(p.actor.id, p.date, p.count, p.type) for p in lanes.points] == [
        ("germany", dt.date(2024, 2, 1), 1, "restriction"),
        ("united-kingdom", dt.date(2024, 5, 1), 1, "authorization"),
        ("united-states", dt.date(2024, 5, 1), 1, "authorization"),
        ("russia", dt.date(2024, 9, 1), 1, "warning"),
    ]


def test_event_detail_mentions_in_publication_order(db: Session) -> None:
    event = queries.get_event(session=db, event_id=E1)
    assert event is not None
    assert [(m.article_id, m.start, m.end, m.cited_source) for m in event.mentions] == [
        ("a200000000000002", 0, 122, None),
        ("a100000000000001", 21, 136, "Reuters"),
    ]
    assert event.mentions[1].quote_parts() == (
        "Washington ",
        "a autorisé",
        " Kiev à frapper le territoire russe près de Kharkiv avec des armes américaines, "
        "selon Reuters.",
    )


def test_aliases_resolve_to_the_current_event(db: Session) -> None:
    assert queries.resolve_event_id(session=db, event_id=E1) == ("event", E1)
    assert queries.resolve_event_id(session=db, event_id="e1aa00000000aaaa") == ("alias", E1)
    assert queries.resolve_event_id(session=db, event_id="ffffffffffffffff") is None


def test_related_events_share_actor_or_weapon(db: Session) -> None:
    event = queries.get_event(session=db, event_id=E5)
    assert event is not None
    before, after = queries.related_events(session=db, event=event)
    assert ([r.id for r in before], [r.id for r in after]) == ([], [E3])
    event = queries.get_event(session=db, event_id=E3)
    assert event is not None
    before, after = queries.related_events(session=db, event=event)
    assert ([r.id for r in before], [r.id for r in after]) == ([E5, E1], [])


def test_a_page_reads_its_mentions_whole_in_the_fields_order() -> None:
    """Each mention row becomes a MentionRow by position: the columns must be its fields."""
    names = [column.name for column in queries._MENTIONS.selected_columns]
    assert names == list(queries.MentionRow.__dataclass_fields__)
    assert names[:3] == ["article_id", "source", "outlet"]


def test_a_page_gives_each_event_its_mentions_with_their_articles(db: Session) -> None:
    (event,) = queries.list_events(
        session=db, filter=build_filter(outlet=["le-monde"]), limit=10, mentions=True
    )
    assert event.id == E1
    found = [(m.event_id, m.article_id, m.start, m.cited_source, m.negated) for m in event.mentions]
    assert found == [
        (E1, "a200000000000002", 0, None, False),
        (E1, "a100000000000001", 21, "Reuters", False),
    ]
    assert [m.outlet for m in event.mentions] == ["Example Post", "Le Monde"]
