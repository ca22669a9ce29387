"""Dates in a sentence, resolved against the publication date with their precision.

Our own rules around dateparser: dateparser's search reads weapon designations
("M270") as dates, cannot say that "en septembre" is month-precise, and has no
"latest such weekday on or before publication" rule. So our patterns find every date
span; month and weekday forms are resolved here, and only numeric dates
("30/05/2024") and counted offsets ("il y a trois jours", "two weeks ago") are handed,
span alone, to dateparser. Digits alone ("M142", "2 000 MLRS") are never dates.
"""

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.extract.tokens import Tokens
from app.resources import load


@dataclass(frozen=True)
class DateHit:
    start: int  # offsets in the searched (folded) text
    end: int
    date: dt.date
    precision: str  # day | month | year


@dataclass(frozen=True)
class _Patterns:
    day_month: re.Pattern[str]
    month_day: re.Pattern[str] | None
    month_year: re.Pattern[str]
    month_alone: re.Pattern[str]
    weekday: re.Pattern[str]
    relative: re.Pattern[str]
    year_alone: re.Pattern[str]
    season: re.Pattern[str]
    numeric: re.Pattern[str]
    ago: re.Pattern[str]
    date_order: str
    ago_units: dict[str, str]
    months: dict[str, int]
    weekdays: dict[str, int]
    relatives: dict[str, dict[str, Any]]
    seasons: dict[str, int]


def _alternation(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns(language: str) -> _Patterns:
    data = load("lexicon/dates.yaml")
    months: dict[str, int] = data["months"][language]
    weekdays: dict[str, int] = data["weekdays"][language]
    relatives: dict[str, dict[str, Any]] = data["relative"][language]
    mon = rf"(?P<month>{_alternation(months)})\.?"
    year = r"(?P<year>(?:19|20)\d\d)"
    preps = _alternation(data["month_prepositions"][language])
    seasons: dict[str, int] = data["seasons"][language]
    season_before = _alternation(data["season_prepositions"][language])
    ordinal = r"(?:er|re|st|nd|rd|th)?"
    return _Patterns(
        day_month=re.compile(rf"\b(?P<day>[0-3]?\d){ordinal}\s+{mon}(?:,?\s+{year})?\b"),
        month_day=re.compile(rf"\b{mon}\s+(?P<day>[0-3]?\d){ordinal}(?:,?\s+{year})?\b")
        if language == "en"
        else None,
        month_year=re.compile(rf"\b{mon}\s+{year}\b"),
        month_alone=re.compile(rf"\b(?:{preps})[\s\-]+(?:de\s+|d')?{mon}(?![\w])"),
        weekday=re.compile(rf"\b(?P<weekday>{_alternation(weekdays)})\b"),
        relative=re.compile(rf"(?<!\w)(?P<rel>{_alternation(relatives)})(?!\w)"),
        year_alone=re.compile(
            rf"\b(?:{_alternation(data['year_prepositions'][language])})\s+{year}\b"
        ),
        # "in the summer of 2023", "à l'automne 2022", "since late spring": a season
        # spans months, so it dates to the year only.
        season=re.compile(
            rf"(?<!\w)(?:{season_before})[\s']+(?:(?:early|late|mid|the|debut|fin|mi)[\s\-]+)*"
            rf"(?:de\s+l'|du\s+|de\s+|d')?(?P<season>{_alternation(seasons)})"
            rf"(?:\s+(?:of\s+|de\s+|d')?{year})?(?!\w)"
        ),
        numeric=re.compile(data["dateparser"][language]["numeric"]),
        ago=re.compile(data["dateparser"][language]["ago"]),
        date_order=data["dateparser"][language]["order"],
        ago_units=data["dateparser"][language]["units"],
        months=months,
        weekdays=weekdays,
        relatives=relatives,
        seasons=seasons,
    )


def _month_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _infer_year(month: int, day: int, published: dt.date) -> int | None:
    """A date named without a year is the latest one not after publication."""
    year = published.year
    if (month, day) > (published.month, published.day):
        year -= 1
    if day > calendar.monthrange(year, month)[1]:
        return None
    return year


def _dateparser(span: str, language: str, order: str, published: dt.date | None) -> dt.date | None:
    import dateparser  # deferred: importing it takes a while, most sentences never need it

    base = dt.datetime.combine(published or dt.date.today(), dt.time())
    settings = {"DATE_ORDER": order, "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    parsed = dateparser.parse(span, languages=[language], settings=settings)
    return parsed.date() if parsed is not None else None


def _truncate(day: dt.date, precision: str) -> dt.date:
    if precision == "year":
        return dt.date(day.year, 1, 1)
    if precision == "month":
        return day.replace(day=1)
    return day


def find_dates(folded: str, language: str, published: dt.date | None) -> list[DateHit]:
    """Every resolvable date expression in `folded` (folded text), left to right."""
    p = _patterns(language)
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, date: dt.date, precision: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        hits.append(DateHit(start, end, date, precision))

    day_patterns = [p.day_month] + ([p.month_day] if p.month_day else [])
    for pattern in day_patterns:
        for m in pattern.finditer(folded):
            month = p.months[m.group("month")]
            day = int(m.group("day"))
            if not 1 <= day <= 31:
                continue
            if m.group("year"):
                year: int | None = int(m.group("year"))
            elif published is not None:
                year = _infer_year(month, day, published)
            else:
                year = None
            if year is None or day > calendar.monthrange(year, month)[1]:
                continue
            add(m.start(), m.end(), dt.date(year, month, day), "day")
    for m in p.month_year.finditer(folded):
        add(
            m.start(),
            m.end(),
            dt.date(int(m.group("year")), p.months[m.group("month")], 1),
            "month",
        )
    if published is not None:
        for m in p.month_alone.finditer(folded):
            month = p.months[m.group("month")]
            year = published.year - 1 if month > published.month else published.year
            add(m.start("month"), m.end(), dt.date(year, month, 1), "month")
        for m in p.weekday.finditer(folded):
            back = (published.weekday() - p.weekdays[m.group("weekday")]) % 7
            add(m.start(), m.end(), published - dt.timedelta(days=back), "day")
        for m in p.relative.finditer(folded):
            rule = p.relatives[m.group("rel")]
            unit, back = rule["unit"], int(rule["back"])
            if unit == "day":
                add(m.start(), m.end(), published - dt.timedelta(days=back), "day")
            elif unit == "week":
                # A week is no precision of ours: the month it falls in, honestly.
                add(
                    m.start(),
                    m.end(),
                    (published - dt.timedelta(weeks=back)).replace(day=1),
                    "month",
                )
            elif unit == "month":
                add(m.start(), m.end(), _month_back(published, back), "month")
            else:
                add(m.start(), m.end(), dt.date(published.year - back, 1, 1), "year")
    stamps = tuple(load("lexicon/dates.yaml")["stamp_words"][language])
    for m in p.numeric.finditer(folded):
        if folded[: m.start()].strip() in stamps:
            continue  # the page's own stamp opening a line, not an event's date
        parsed = _dateparser(m.group(), language, p.date_order, published)
        if parsed is not None:
            add(m.start(), m.end(), parsed, "day")
    if published is not None:
        for m in p.ago.finditer(folded):
            parsed = _dateparser(m.group(), language, p.date_order, published)
            if parsed is not None:
                precision = p.ago_units[m.group("unit")]
                add(m.start(), m.end(), _truncate(parsed, precision), precision)
    for m in p.season.finditer(folded):
        if m.group("year"):
            add(m.start(), m.end(), dt.date(int(m.group("year")), 1, 1), "year")
        elif published is not None:
            # The latest such season that had begun by publication.
            begun = p.seasons[m.group("season")] <= published.month
            add(m.start(), m.end(), dt.date(published.year - (not begun), 1, 1), "year")
    for m in p.year_alone.finditer(folded):
        add(m.start(), m.end(), dt.date(int(m.group("year")), 1, 1), "year")
    return sorted(hits, key=lambda h: h.start)


DAY_SLACK = dt.timedelta(days=3)
PUBLISHED_LOOKBACK = dt.timedelta(days=7)


def window(
    day: dt.date | None, precision: str | None, basis: str
) -> tuple[dt.date, dt.date] | None:
    """The span a date stands for: a day +/- 3 days (reports differ by a day or two), its
    whole month or year, and a date known only from publication the week before it."""
    if day is None:
        return None
    if basis == "published":
        return day - PUBLISHED_LOOKBACK, day
    if precision == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return dt.date(day.year, day.month, 1), dt.date(day.year, day.month, last)
    return day - DAY_SLACK, day + DAY_SLACK


def windows_overlap(a: tuple[dt.date, dt.date] | None, b: tuple[dt.date, dt.date] | None) -> bool:
    """Undated (None) fits any date."""
    if a is None or b is None:
        return True
    return a[0] <= b[1] and b[0] <= a[1]


_BREAKS = frozenset({",", ";", ":", '"', "(", ")", "—", "–"})


def breaks_between(tokens: Tokens, start: int, end: int, position: int) -> int:
    """Clause breaks (commas, quotes, dashes...) between a span and a position."""
    lo, hi = (end, position) if end <= position else (position, start)
    first, last = tokens.at(lo), tokens.at(hi)
    return sum(1 for t in tokens.items[first:last] if t.text in _BREAKS)


def choose(hits: Sequence[DateHit], tokens: Tokens, trigger_start: int) -> DateHit | None:
    """The date that dates the trigger: the nearest one within its own clause, else the
    nearest one across the fewest clause breaks ("On May 21, Biden approved X; Kyiv
    in July..." dates each verb by its own clause)."""
    if not hits:
        return None
    return min(
        hits,
        key=lambda h: (
            breaks_between(tokens, h.start, h.end, trigger_start),
            abs(h.start - trigger_start),
        ),
    )


def refers_back(folded: str, language: str) -> bool:
    """'the same day', 'le même jour', 'at that time': the previous date in the text."""
    words = load("lexicon/dates.yaml")["same_day"][language]
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded) for w in words)
