"""Step charts of one actor's cells over time: server-side SVG, like the lanes.

One lane per weapon column; the line sits high while authorized, in the middle while
mixed, low while restricted (the level carries the status without colour), with a
gap while unknown. Coordinates share the lanes' 1000-unit viewBox and date scale.
"""

import datetime as dt
from dataclasses import dataclass

from app.state.compute import CellState
from app.state.load import Names
from app.web.formatting import format_date
from app.web.timeline import Scale, Tick, _ticks

WIDTH = 1000
AXIS_H = 30
LANE_H = 44
LEVELS = {"authorized": 10.0, "mixed": 21.0, "restricted": 32.0}  # y inside a lane


@dataclass(frozen=True)
class Step:
    x1: float
    x2: float
    y: float
    status: str
    label: str  # <title> and accessible name
    since: str  # ISO day the state began: the link opens the cell on that day


@dataclass(frozen=True)
class ChartLane:
    weapon: str
    name: str
    top: float
    steps: tuple[Step, ...]
    risers: tuple[tuple[float, float, float], ...]  # (x, y1, y2) between steps


@dataclass(frozen=True)
class StepChart:
    width: int
    height: int
    lanes: tuple[ChartLane, ...]
    ticks: tuple[Tick, ...]
    axis_y: float
    as_of_x: float | None  # the marker of the page's date, when inside the span


def step_chart(
    histories: list[tuple[str, str, tuple[CellState, ...]]],
    *,
    as_of: dt.date,
    names: Names,
) -> StepChart | None:
    """`histories`: (weapon id, weapon name, the states it took, oldest first)."""
    shown = [(w, name, states) for w, name, states in histories if states]
    if not shown:
        return None
    first = min(states[0].since for _, _, states in shown if states[0].since)
    last = max(max(s.since for s in states if s.since) for _, _, states in shown)
    end = max(last, as_of) + dt.timedelta(days=15)
    start = first - dt.timedelta(days=15)
    scale = Scale(start, end)
    lanes = []
    for i, (weapon, name, states) in enumerate(shown):
        top = AXIS_H + i * LANE_H
        steps, risers = [], []
        for at, state in enumerate(states):
            assert state.since is not None
            until = states[at + 1].since if at + 1 < len(states) else None
            if state.status in LEVELS:
                x1, x2 = scale(state.since), scale(until or end)
                when = f"from {format_date(state.since, state.since_precision)}"
                if until:
                    when += f" until {format_date(until, 'day')}"
                label = f"{name}: {state.status} {when}"
                if state.scopes:
                    label += f" ({names.describe(state)})"
                steps.append(
                    Step(
                        x1,
                        x2,
                        top + LEVELS[state.status],
                        state.status,
                        label,
                        state.since.isoformat(),
                    )
                )
            if at > 0 and states[at - 1].status in LEVELS and state.status in LEVELS:
                y1, y2 = LEVELS[states[at - 1].status], LEVELS[state.status]
                risers.append((scale(state.since), top + y1, top + y2))
        lanes.append(ChartLane(weapon, name, top, tuple(steps), tuple(risers)))
    height = int(AXIS_H + LANE_H * len(lanes) + 6)
    marker = scale(as_of) if start <= as_of <= end else None
    return StepChart(WIDTH, height, tuple(lanes), _ticks(start, end, scale), AXIS_H - 6, marker)
