"""The web benchmark's cache-miss scenarios (issue 13): each request asks for a view
nobody asked for before (unique filter values), so neither the response cache nor the
memoized queries answer it; with Datasette's equivalent of each on the same file.

A scenario is a list of (our path, Datasette's path) with the same parameters.
Datasette's equivalents:

- weapon filter /api/events: the page's events as SQL rows (`/db.json?sql=`), where
  our answer also holds each event's weapons, places and sources;
- facets over a date range: one SQL query counting the five facets over the events
  of the range (what /api/facets answers);
- filtered timeline: its table page filtered the same way (the weapon through
  `_where`), sorted by date, faceted by type and actor, where our page also counts
  weapons, places and outlets and draws the lanes;
- full-text search: the table page of the events the search finds, sorted by date,
  faceted by type and actor.
"""

import datetime as dt
import random
from urllib.parse import quote, urlencode

import web_data

from app.slugs import slugify

# The ids of bench/web_data.py's suppliers and weapons.
ACTORS = [slugify(actor) for actor in web_data.ACTORS if actor not in ("Russia", "Ukraine")]
WEAPONS = [slugify(weapon) for weapon in web_data.WEAPONS]
PLACE_WORDS = [
    "kharkiv", "crimea", "kursk", "belgorod", "bryansk", "donetsk", "luhansk", "zaporizhzhia",
    "kherson", "sevastopol", "moscow", "rostov", "voronezh", "kerch", "mariupol", "bakhmut",
    "avdiivka", "odesa", "mykolaiv", "sumy", "chernihiv", "kyiv", "lviv", "dnipro",
]  # fmt: skip
WEAPON_WORDS = [
    "atacms", "himars", "storm", "scalp", "taurus", "patriot", "gmlrs", "leopard", "abrams",
    "bradley", "javelin", "harpoon", "nasams", "caesar", "stinger", "gepard", "jassm",
]  # fmt: skip
FIRST_DAY, LAST_DAY = dt.date(2022, 3, 1), dt.date(2025, 6, 30)
PUBLIC = "review_status != 'rejected'"
EVENT_COLUMNS = "e.id, e.type, e.actor_id, e.date, e.date_precision, e.date_basis, e.summary"

Pair = tuple[str, str]


def _sql(database: str, sql: str, **params: object) -> str:
    query = urlencode({"sql": " ".join(sql.split()), **params, "_shape": "array"})
    return f"/{database}.json?{query}"


def _table(database: str, where: str, **filters: str) -> str:
    query = {**filters, "_where": where, "_sort": "date", "_facet": ["type", "actor_id"]}
    return f"/{database}/event?{urlencode(query, doseq=True, quote_via=quote)}"


def weapon_api(database: str, count: int, rnd: random.Random) -> list[Pair]:
    """/api/events?weapon=W&offset=N: pages of one weapon's events, never the same twice."""
    seen: set[tuple[str, int]] = set()
    while len(seen) < count:
        seen.add((rnd.choice(WEAPONS), rnd.randrange(0, 4000)))
    sql = f"""SELECT {EVENT_COLUMNS} FROM event AS e
              WHERE e.{PUBLIC} AND e.id IN (SELECT event_id FROM eventweapon WHERE weapon_id = :w)
              ORDER BY e.date IS NULL, e.date, e.id LIMIT 50 OFFSET :o"""
    return [
        (f"/api/events?weapon={weapon}&offset={offset}", _sql(database, sql, w=weapon, o=offset))
        for weapon, offset in sorted(seen, key=lambda _: rnd.random())
    ]


def _ranges(count: int, rnd: random.Random) -> list[tuple[dt.date, dt.date]]:
    seen: set[tuple[dt.date, dt.date]] = set()
    while len(seen) < count:
        start = FIRST_DAY + dt.timedelta(days=rnd.randrange((LAST_DAY - FIRST_DAY).days - 30))
        seen.add((start, min(LAST_DAY, start + dt.timedelta(days=rnd.randrange(30, 700)))))
    return sorted(seen, key=lambda _: rnd.random())


def facets_over_dates(database: str, count: int, rnd: random.Random) -> list[Pair]:
    """/api/facets?date_from=A&date_to=B: the five facets' counts over a range of dates."""
    events = f"SELECT id FROM event WHERE {PUBLIC} AND date BETWEEN :a AND :b"
    sql = f"""SELECT 'type', type, count(*) FROM event WHERE {PUBLIC} AND date BETWEEN :a AND :b GROUP BY type
        UNION ALL SELECT 'actor', actor_id, count(*) FROM event WHERE {PUBLIC} AND date BETWEEN :a AND :b GROUP BY actor_id
        UNION ALL SELECT 'weapon', weapon_id, count(*) FROM eventweapon WHERE event_id IN ({events}) GROUP BY weapon_id
        UNION ALL SELECT 'place', place_id, count(*) FROM eventplace WHERE event_id IN ({events}) GROUP BY place_id
        UNION ALL SELECT 'outlet', a.outlet, count(DISTINCT m.event_id) FROM mention AS m
            JOIN article AS a ON a.id = m.article_id WHERE m.event_id IN ({events}) GROUP BY a.outlet"""
    return [
        (
            f"/api/facets?date_from={start}&date_to={end}",
            _sql(database, sql, a=start.isoformat(), b=end.isoformat()),
        )
        for start, end in _ranges(count, rnd)
    ]


def filtered_timeline(database: str, count: int, rnd: random.Random) -> list[Pair]:
    """/?weapon=W&actor=A&type=T (then pages 2, 3... of the same, never the same twice)."""
    combos = [(w, a, t) for w in WEAPONS for a in ACTORS for t in ("authorization", "restriction")]
    rnd.shuffle(combos)
    chosen = []
    for page in (1, 2, 3):
        chosen += [(combo, page) for combo in combos]
    pairs = []
    for (weapon, actor, type_), page in chosen[:count]:
        ours = f"/?weapon={weapon}&actor={actor}&type={type_}" + (
            f"&page={page}" if page > 1 else ""
        )
        where = (
            f"id in (select event_id from eventweapon where weapon_id = '{weapon}') and {PUBLIC}"
        )
        theirs = _table(database, where, actor_id=actor, type=type_)
        pairs.append((ours, theirs + (f"&_next={(page - 1) * 100}" if page > 1 else "")))
    return pairs


def text_search(database: str, count: int, rnd: random.Random) -> list[Pair]:
    """/?q=PLACE+WEAPON: two words, both required (newest first as well: twice the views)."""
    words = [(p, w) for p in PLACE_WORDS for w in WEAPON_WORDS]
    rnd.shuffle(words)
    chosen = [(pair, order) for order in ("", "desc") for pair in words][:count]
    pairs = []
    for (place, weapon), order in chosen:
        ours = f"/?q={place}+{weapon}" + (f"&order={order}" if order else "")
        where = (
            f"id in (select event_id from event_fts where event_fts match '{place} {weapon}') "
            f"and {PUBLIC}"
        )
        theirs = _table(database, where)
        pairs.append((ours, theirs.replace("_sort=date", "_sort_desc=date") if order else theirs))
    return pairs


SCENARIOS = {
    "weapon filter /api/events": weapon_api,
    "facets over a date range": facets_over_dates,
    "filtered timeline /?weapon&actor&type": filtered_timeline,
    "full-text search, 2 terms": text_search,
}
# The scenarios where the issue asks for twice Datasette's speed.
TWICE_AS_FAST = ("facets over a date range", "filtered timeline /?weapon&actor&type")
