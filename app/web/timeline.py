"""Lane layout: where each marker sits on the shared time axis (server-side SVG).

Coordinates are in a 1000-unit-wide viewBox; the SVG scales to the page width.
"""

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from app.web import periods
from app.web.formatting import MONTHS, format_event_date
from app.web.queries import LaneData, LanePoint, Ref

WIDTH = 1000
LABEL_W = 150
RIGHT_PAD = 20
AXIS_H = 30
LANE_H = 34
R = 7.0


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    d: str  # SVG path
    css: str
    label: str  # aria-label and <title>
    event_id: str = ""  # a single event: link to its page
    count: int = 1
    zoom: tuple[str, str] = ("", "")  # an aggregate: the date_from/date_to that zoom in


@dataclass(frozen=True)
class Lane:
    actor: Ref
    y: float
    count: int
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    aggregated: str
    axis_y: float


def shape(kind: str, x: float, y: float, r: float = R) -> str:
    """One shape per event type, so the type reads without colour."""
    if kind == "restriction":  # square
        s = r * 0.9
        return f"M{x - s:.1f},{y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}Z"
    if kind == "warning":  # triangle
        return f"M{x:.1f},{y - r:.1f}L{x + r:.1f},{y + r * 0.8:.1f}L{x - r:.1f},{y + r * 0.8:.1f}Z"
    if kind == "request":  # diamond
        return f"M{x:.1f},{y - r:.1f}L{x + r:.1f},{y:.1f}L{x:.1f},{y + r:.1f}L{x - r:.1f},{y:.1f}Z"
    # authorization and anything else: circle
    return f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0Z"


@lru_cache(maxsize=64)
def type_shape(kind: str, size: int = 16) -> Markup:
    """A type's shape as a small icon beside its name (legends, lists, facets): one
    string per type and size, where a template macro was called for every event."""
    return Markup(
        f'<svg class="shape" width="{size}" height="{size}" viewBox="0 0 20 20" aria-hidden="true"'
        f' focusable="false"><path class="m m-{escape(kind)}" d="{shape(kind, 10, 10, 8)}"/></svg>'
    )


def _domain(
    data: LaneData, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The axis span: the date filter when set (a zoom), else the events' own span."""
    assert data.first is not None and data.last is not None
    start, end = date_from or data.first, date_to or data.last
    if data.aggregated:
        start = periods.start_of(min(start, data.first), data.aggregated)
        end = periods.bounds(periods.start_of(end, data.aggregated), data.aggregated)[1]
    if (end - start).days < 30:  # keep a lone event off the edges
        mid = start + (end - start) / 2
        start, end = mid - dt.timedelta(days=15), mid + dt.timedelta(days=15)
    return start, end


def _ticks(start: dt.date, end: dt.date, scale: "Scale") -> tuple[Tick, ...]:
    span = (end - start).days
    ticks: list[Tick] = []
    if span > 3 * 366:
        step = max(1, math.ceil((end.year - start.year) / 10))
        for year in range(start.year + (start.month > 1 or start.day > 1), end.year + 1, step):
            ticks.append(Tick(scale(dt.date(year, 1, 1)), str(year)))
    elif span > 62:
        every = 1 if span <= 400 else 3 if span <= 800 else 6
        y, m = start.year, start.month
        first = dt.date(y, m, 1)
        if first < start:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        while dt.date(y, m, 1) <= end:
            if (m - 1) % every == 0:
                label = f"{MONTHS[m - 1][:3]} {y}"
                ticks.append(Tick(scale(dt.date(y, m, 1)), label))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        day = start
        while day <= end:
            ticks.append(Tick(scale(day), f"{day.day} {MONTHS[day.month - 1][:3]}"))
            day += dt.timedelta(days=7)
    return tuple(ticks)


class Scale:
    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start, self.days = start, max(1, (end - start).days)

    def __call__(self, day: dt.date) -> float:
        frac = (day - self.start).days / self.days
        return round(LABEL_W + min(1.0, max(0.0, frac)) * (WIDTH - LABEL_W - RIGHT_PAD), 1)


# Pure: the same lane data always lays out the same. Few: the response cache keeps the
# pages; this serves the other pages of one view (page 2, newest first) while memoized.
@lru_cache(maxsize=32)
def layout(data: LaneData, *, date_from: dt.date | None, date_to: dt.date | None) -> Layout | None:
    if not data.points:
        return None
    start, end = _domain(data, date_from, date_to)
    scale = Scale(start, end)
    # Keyed by actor id: a Ref's generated hash is a Python call, several per point.
    totals: dict[str, int] = {}
    actors: dict[str, Ref] = {}
    for point in data.points:
        totals[point.actor.id] = totals.get(point.actor.id, 0) + point.count
        actors[point.actor.id] = point.actor
    order = sorted(totals, key=lambda a: (-totals[a], actors[a].name.casefold()))
    lane_y = {a: AXIS_H + LANE_H * i + LANE_H / 2 for i, a in enumerate(order)}
    biggest = max(p.count for p in data.points)
    by_lane: dict[str, list[Marker]] = {a: [] for a in order}
    if data.aggregated:
        # Every lane has a bubble in most periods: each period's place, name and zoom once.
        seen: dict[dt.date, _Period] = {}
        for p in data.points:
            if p.date not in seen:
                seen[p.date] = _period(p.date, data.aggregated, scale)
            by_lane[p.actor.id].append(_bubble(p, seen[p.date], lane_y[p.actor.id], biggest))
    else:
        for p in data.points:
            by_lane[p.actor.id].append(_marker(p, scale, lane_y[p.actor.id]))
    lanes = tuple(Lane(actors[a], lane_y[a], totals[a], tuple(by_lane[a])) for a in order)
    height = int(AXIS_H + LANE_H * len(lanes) + 6)
    ticks = _ticks(start, end, scale)
    return Layout(WIDTH, height, lanes, ticks, data.aggregated, AXIS_H - 6)


def _marker(p: LanePoint, scale: Scale, y: float) -> Marker:
    when = format_event_date(p.date, p.date_precision, p.date_basis)
    return Marker(
        x=scale(p.date),
        y=y,
        d=shape(p.type, scale(p.date), y),
        css=f"m m-{p.type}",
        label=f"{p.summary} ({p.actor.name}, {p.type}, {when})",
        event_id=p.event_id,
    )


@dataclass(frozen=True)
class _Period:
    x: float  # the middle of the period on the axis
    label: str
    zoom: tuple[str, str]


def _period(first: dt.date, period: str, scale: Scale) -> _Period:
    last = periods.bounds(first, period)[1]
    return _Period(
        scale(first + (last - first) / 2), periods.label(first, period), periods.zoom(first, period)
    )


def _bubble(p: LanePoint, at: _Period, y: float, biggest: int) -> Marker:
    """A period aggregate: a circle sized by its count (the biggest of the view: 13)."""
    r = 5 + 8 * math.sqrt(p.count / biggest)
    parts = ", ".join(f"{n} {t}" for t, n in p.by_type)
    return Marker(
        x=at.x,
        y=y,
        d=shape("authorization", at.x, y, r),
        css=f"agg agg-{p.type}",
        label=f"{p.actor.name}, {at.label}: {p.count} events ({parts}). Zoom in",
        count=p.count,
        zoom=at.zoom,
    )


def lane_markers(lane: Lane, zoom_from: str) -> Markup:
    """A lane's markers as SVG links, one per line. Built here, not in the
    template: there each of a marker's values was an escape call, about a third of a
    search page's rendering for its couple of hundred markers. `zoom_from` is the view's
    link, to which an aggregate adds its dates."""
    base = escape(zoom_from)
    lines = []
    for m in lane.markers:
        shape_svg = f'<title>{escape(m.label)}</title><path class="{m.css}" d="{m.d}"/>'
        if m.event_id:
            href = f"/events/{escape(m.event_id)}"
            lines.append(f'<a class="marker" href="{href}">{shape_svg}</a>')
        else:
            href = f"{base}date_from={quote(m.zoom[0])}&amp;date_to={quote(m.zoom[1])}"
            count = f'<text class="agg-count" x="{m.x}" y="{m.y + 3.5}" aria-hidden="true">'
            lines.append(f'<a class="marker" href="{href}">{shape_svg}{count}{m.count}</text></a>')
    return Markup("\n      ".join(lines))
