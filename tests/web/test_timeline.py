import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Event, EventWeapon, Mention
from app.web import periods, queries
from app.web.filters import EventFilter
from app.web.queries import Ref
from app.web.timeline import Lane, Marker, lane_markers, layout, shape, type_shape
from tests.web.dom import parse

D = dt.date


@pytest.mark.parametrize(
    ("first", "last", "period"),
    [
        (D(2000, 1, 1), D(2024, 1, 1), "year"),
        (D(2022, 2, 24), D(2025, 6, 30), "quarter"),
        (D(2024, 2, 1), D(2024, 9, 12), "month"),
        (D(2024, 4, 1), D(2024, 6, 30), "week"),
        (D(2024, 5, 1), D(2024, 5, 31), "day"),
    ],
)
def test_period_is_the_coarsest_that_fits(first: dt.date, last: dt.date, period: str) -> None:
    assert periods.choose(first, last) == period


@pytest.mark.parametrize(
    ("period", "start", "bounds", "label", "zoom"),
    [
        ("year", D(2024, 1, 1), (D(2024, 1, 1), D(2024, 12, 31)), "2024", ("2024", "2024")),
        (
            "quarter",
            D(2024, 4, 1),
            (D(2024, 4, 1), D(2024, 6, 30)),
            "April–June 2024",
            ("2024-04", "2024-06"),
        ),
        (
            "month",
            D(2024, 2, 1),
            (D(2024, 2, 1), D(2024, 2, 29)),
            "February 2024",
            ("2024-02", "2024-02"),
        ),
        (
            "week",
            D(2024, 5, 27),
            (D(2024, 5, 27), D(2024, 6, 2)),
            "week of 27 May 2024",
            ("2024-05-27", "2024-06-02"),
        ),
        (
            "day",
            D(2024, 5, 30),
            (D(2024, 5, 30), D(2024, 5, 30)),
            "30 May 2024",
            ("2024-05-30", "2024-05-30"),
        ),
    ],
)
def test_period_bounds_labels_and_zoom(
    period: str, start: dt.date, bounds: tuple, label: str, zoom: tuple
) -> None:
    assert periods.start_of(bounds[1], period) == start
    assert periods.bounds(start, period) == bounds
    assert periods.label(start, period) == label
    assert periods.zoom(start, period) == zoom


def test_each_type_has_its_own_shape() -> None:
    assert shape("restriction", 10, 10, 5) == "M5.5,5.5h9.0v9.0h-9.0Z"
    assert shape("warning", 10, 10, 5) == "M10.0,5.0L15.0,14.0L5.0,14.0Z"
    assert shape("request", 10, 10, 5) == "M10.0,5.0L15.0,10.0L10.0,15.0L5.0,10.0Z"
    assert shape("authorization", 10, 10, 5) == (
        "M5.0,10.0a5.0,5.0 0 1,0 10.0,0a5.0,5.0 0 1,0 -10.0,0Z"
    )


def test_layout_places_markers_on_a_shared_axis(db: Session) -> None:
    data = queries.lane_data(session=db, filter=EventFilter())
    result = layout(data, date_from=None, date_to=None)
    assert result is not None
    assert [(lane.actor.name, lane.y) for lane in result.lanes] == [
        ("Germany", 47.0),
        ("Russia", 81.0),
        ("United Kingdom", 115.0),
        ("United States", 149.0),
    ]
    xs = [(m.event_id, m.x) for lane in result.lanes for m in lane.markers]
    # 1 Feb (first) at the left edge (150), 12 Sep (last) at the right (980), the rest
    # by days: 16 May is 105 of 224 days in, so 150 + 105 / 224 * 830.
    assert xs == [
        ("e200000000000002", 150.0),
        ("e300000000000003", 980.0),
        ("e500000000000005", 539.1),
        ("e100000000000001", 590.9),
    ]
    assert [t.label for t in result.ticks] == [
        "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024", "Jul 2024", "Aug 2024",
        "Sep 2024",
    ]  # fmt: skip


def test_a_date_filter_zooms_the_axis(db: Session) -> None:
    f = EventFilter(date_from=D(2024, 5, 1), date_to=D(2024, 5, 31))
    result = layout(
        queries.lane_data(session=db, filter=f), date_from=f.date_from, date_to=f.date_to
    )
    assert result is not None
    assert [(m.event_id, m.x) for lane in result.lanes for m in lane.markers] == [
        ("e500000000000005", 565.0),
        ("e100000000000001", 952.3),
    ]
    assert [t.label for t in result.ticks] == ["1 May", "8 May", "15 May", "22 May", "29 May"]


def test_cached_views_follow_new_data(client: TestClient, loaded) -> None:
    def heading() -> str:
        return parse(client.get("/?weapon=taurus").text).find("h2", id="results-heading").text

    assert heading() == "1 event of 5"
    with Session(loaded) as session:
        session.add(
            Event(
                id="e600000000000006",
                type="restriction",
                actor_id="germany",
                date=D(2024, 6, 3),
                date_precision="day",
                date_basis="text",
                summary="Germany again refuses Taurus",
                search_text="germany again refuses taurus",
                created_at=dt.datetime(2024, 10, 2, tzinfo=dt.UTC),
                updated_at=dt.datetime(2024, 10, 2, tzinfo=dt.UTC),
            )
        )
        session.flush()
        session.add(EventWeapon(event_id="e600000000000006", weapon_id="taurus"))
        session.add(
            Mention(
                key="k6",
                event_id="e600000000000006",
                article_id="a500000000000005",
                type="restriction",
                actor_id="germany",
                quote="In February",
                start=0,
                end=11,
                trigger="In",
                trigger_start=0,
                trigger_end=2,
            )
        )
        session.commit()
    assert heading() == "2 events of 6"


def test_lane_markers_escape_labels_and_zoom_links() -> None:
    single = Marker(
        x=200.0, y=47.0, d="M1,2Z", css="m m-warning", label='Says "no" <to> A&B', event_id="ab12"
    )
    bubble = Marker(
        x=300.5, y=47.0, d="M3,4Z", css="agg agg-request", label="Ukraine, May 2024: 3 events",
        count=3, zoom=("2024-05-01", "2024-05-31"),
    )  # fmt: skip
    lane = Lane(actor=Ref("ukraine", "Ukraine"), y=47.0, count=4, markers=(single, bubble))
    assert str(lane_markers(lane, "/?q=a&b=<c>&")) == (
        '<a class="marker" href="/events/ab12"><title>Says &#34;no&#34; &lt;to&gt; A&amp;B</title>'
        '<path class="m m-warning" d="M1,2Z"/></a>\n'
        '      <a class="marker" href="/?q=a&amp;b=&lt;c&gt;&amp;date_from=2024-05-01&amp;date_to=2024-05-31">'
        '<title>Ukraine, May 2024: 3 events</title><path class="agg agg-request" d="M3,4Z"/>'
        '<text class="agg-count" x="300.5" y="50.5" aria-hidden="true">3</text></a>'
    )


def test_type_shape_is_an_icon_of_the_types_shape() -> None:
    assert str(type_shape("restriction", 14)) == (
        '<svg class="shape" width="14" height="14" viewBox="0 0 20 20" aria-hidden="true"'
        ' focusable="false"><path class="m m-restriction" d="M2.8,2.8h14.4v14.4h-14.4Z"/></svg>'
    )
