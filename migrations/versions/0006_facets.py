"""facets: per-day and per-month event counts per facet value, kept by triggers; the
outlets of each event; date-ordered covering indexes for the site's lists

Revision ID: 0006_facets
Revises: 0005_scale
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.slugs import slugify

revision: str = "0006_facets"
down_revision: str | None = "0005_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString

# --- what each event counts for ----------------------------------------------------------
# An event counts once for its type, its actor and each of its weapons, places and
# outlets, under its review status and date: in facetcount per day and per month, and
# in facetmonth per month crossed with its type and actor ("event" counts it in all).
# The triggers below add an event's counts when it or one of its links appears, remove
# them when it or the link goes, and move them when its type, actor, review status or
# date changes. An event's own counts are removed BEFORE it is deleted, so that the
# links its deletion cascades to find no event and change nothing: whatever the order
# in which a database runs cascades, each count is removed once.
LINKS = (
    ("weapon", "eventweapon", "weapon_id"),
    ("place", "eventplace", "place_id"),
    ("outlet", "eventoutlet", "outlet_id"),
)
EVENT_KEY = ("id", "type", "actor_id", "review_status", "date")
# Events also count under their confidence tier: the highest of the floors the filter
# form offers (app/web/pages.py, CONFIDENCE_LEVELS) that their confidence reaches, ""
# below 0.5 or when never scored; a floor of 0.7 then sums the tiers 0.7 and 0.9.
TIERS = ("0.9", "0.7", "0.5")


# Day rows hold every tier together ("*"): the days at the ends of a range are few, and
# counted from the events under a confidence floor; month rows keep the tiers apart.
DAY_TIER = "CASE g.grain WHEN 'day' THEN '*' ELSE c.tier END"


def _tier(row: str) -> str:
    cases = " ".join(f"WHEN {row}.confidence >= {tier} THEN '{tier}'" for tier in TIERS)
    return f"CASE {cases} ELSE '' END"


PERIOD = {
    "sqlite": {"day": "coalesce(c.date, '')", "month": "coalesce(substr(c.date, 1, 7), '')"},
    "postgresql": {
        "day": "coalesce(to_char(c.date, 'YYYY-MM-DD'), '')",
        "month": "coalesce(to_char(c.date, 'YYYY-MM'), '')",
    },
}


def _event_counts(row: str, *, every_event: bool = False) -> str:
    """Rows (facet, value, type, actor_id, status, date, tier) an event counts for: `row`
    is the event in a trigger (new or old); `every_event`: those of every stored event."""
    source = " FROM event AS e" if every_event else ""
    if every_event:
        row = "e"
    cols = f"{row}.type, {row}.actor_id, {row}.review_status, {row}.date, {_tier(row)}"
    parts = [
        f"SELECT 'type' AS facet, {row}.type AS value, {row}.type AS type, "
        f"{row}.actor_id AS actor_id, {row}.review_status AS status, {row}.date AS date, "
        f"{_tier(row)} AS tier{source}",
        f"SELECT 'actor', {row}.actor_id, {cols}{source}",
        f"SELECT 'event', '', {cols}{source}",
    ]
    for facet, table, column in LINKS:
        links = f"SELECT '{facet}', l.{column}, {cols} FROM {table} AS l"
        if every_event:
            parts.append(f"{links} JOIN event AS e ON e.id = l.event_id")
        else:
            parts.append(f"{links} WHERE l.event_id = {row}.id")
    return " UNION ALL ".join(parts)


def _link_counts(facet: str, column: str, row: str) -> str:
    """What one link row (`row`: new or old) counts for, with its event's fields."""
    return (
        f"SELECT '{facet}' AS facet, {row}.{column} AS value, e.type AS type, "
        "e.actor_id AS actor_id, e.review_status AS status, e.date AS date, "
        f"{_tier('e')} AS tier FROM event AS e WHERE e.id = {row}.event_id"
    )


def _bump(dialect: str, counts: str, delta: int) -> list[str]:
    """Statements adding `delta` to each count of the rows `counts` selects. WHERE true:
    SQLite's upsert after a SELECT needs a WHERE to parse."""
    period = PERIOD[dialect]
    return [
        "INSERT INTO facetcount (facet, grain, period, value, status, tier, n) "
        f"SELECT c.facet, g.grain, CASE g.grain WHEN 'day' THEN {period['day']} "
        f"ELSE {period['month']} END, c.value, c.status, {DAY_TIER}, {delta} "
        f"FROM ({counts}) AS c CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') AS g "
        "WHERE c.facet <> 'event' "
        "ON CONFLICT (facet, grain, period, value, status, tier) "
        "DO UPDATE SET n = facetcount.n + excluded.n",
        "INSERT INTO facetmonth (facet, value, type, actor_id, status, month, tier, n) "
        f"SELECT c.facet, c.value, c.type, c.actor_id, c.status, {period['month']}, c.tier, "
        f"{delta} FROM ({counts}) AS c WHERE c.facet NOT IN ('type', 'actor') "
        "ON CONFLICT (facet, value, type, actor_id, status, month, tier) "
        "DO UPDATE SET n = facetmonth.n + excluded.n",
    ]


def _fill(dialect: str) -> list[str]:
    """The counts of the events already stored (the triggers keep them from then on)."""
    period = PERIOD[dialect]
    counts = _event_counts("e", every_event=True)
    return [
        "INSERT INTO facetcount (facet, grain, period, value, status, tier, n) "
        f"SELECT c.facet, g.grain, CASE g.grain WHEN 'day' THEN {period['day']} "
        f"ELSE {period['month']} END, c.value, c.status, {DAY_TIER}, count(*) "
        f"FROM ({counts}) AS c CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') AS g "
        "WHERE c.facet <> 'event' GROUP BY 1, 2, 3, 4, 5, 6",
        "INSERT INTO facetmonth (facet, value, type, actor_id, status, month, tier, n) "
        f"SELECT c.facet, c.value, c.type, c.actor_id, c.status, {period['month']}, c.tier, "
        f"count(*) FROM ({counts}) AS c WHERE c.facet NOT IN ('type', 'actor') "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7",
    ]


# --- the outlets of each event, from its mentions ------------------------------------------
# eventoutlet counts an event's mentions per outlet of their articles; a row goes at 0.
_OUTLET_OF = "(SELECT a.outlet_id FROM article AS a WHERE a.id = {row}.article_id)"


def _mention_joins(row: str) -> list[str]:
    return [
        "INSERT INTO eventoutlet (event_id, outlet_id, mentions) "
        f"SELECT {row}.event_id, a.outlet_id, 1 FROM article AS a "
        f"WHERE a.id = {row}.article_id AND a.outlet_id IS NOT NULL "
        "ON CONFLICT (event_id, outlet_id) DO UPDATE SET mentions = eventoutlet.mentions + 1"
    ]


def _mention_leaves(row: str) -> list[str]:
    where = f"event_id = {row}.event_id AND outlet_id = {_OUTLET_OF.format(row=row)}"
    return [
        f"UPDATE eventoutlet SET mentions = mentions - 1 WHERE {where}",
        f"DELETE FROM eventoutlet WHERE {where} AND mentions <= 0",
    ]


# An article deleted takes its mentions with it: their outlet counts go first, while the
# article still says which outlet they were from.
_ARTICLE_MENTIONS = "event_id IN (SELECT m.event_id FROM mention AS m WHERE m.article_id = old.id)"
ARTICLE_LEAVES = [
    "UPDATE eventoutlet SET mentions = mentions - (SELECT count(*) FROM mention AS m "
    "WHERE m.article_id = old.id AND m.event_id = eventoutlet.event_id) "
    f"WHERE outlet_id = old.outlet_id AND {_ARTICLE_MENTIONS}",
    f"DELETE FROM eventoutlet WHERE outlet_id = old.outlet_id AND mentions <= 0 AND {_ARTICLE_MENTIONS}",
]
FILL_OUTLETS = (
    "INSERT INTO eventoutlet (event_id, outlet_id, mentions) "
    "SELECT m.event_id, a.outlet_id, count(*) FROM mention AS m "
    "JOIN article AS a ON a.id = m.article_id "
    "WHERE a.outlet_id IS NOT NULL GROUP BY m.event_id, a.outlet_id"
)


# --- triggers -----------------------------------------------------------------------------


def _key(column: str, row: str) -> str:
    """A compared value of an update trigger: a column, or the confidence's tier."""
    return _tier(row) if column == "tier" else f"{row}.{column}"


def _watched(columns: Sequence[str]) -> str:
    return ", ".join("confidence" if c == "tier" else c for c in columns)


def _changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"{_key(c, 'old')} IS DISTINCT FROM {_key(c, 'new')}" for c in columns)


def _sqlite_changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"{_key(c, 'old')} IS NOT {_key(c, 'new')}" for c in columns)


class Trigger:
    """One table's triggers: statements for the row that goes (`removed`: on DELETE,
    BEFORE the row goes when `delete_before`) and the row that comes (`added`: on
    INSERT), both on an UPDATE that changes one of `columns`. `when`: a condition on the
    row for INSERT and DELETE."""

    def __init__(
        self,
        name: str,
        table: str,
        columns: Sequence[str],
        removed: list[str],
        added: list[str],
        *,
        delete_before: bool = False,
        when: str = "",
    ) -> None:
        self.name, self.table, self.columns = name, table, columns
        self.removed, self.added = removed, added
        self.delete_before, self.when = delete_before, when

    def sqlite(self) -> list[str]:
        def body(statements: list[str]) -> str:
            return "BEGIN " + "; ".join(statements) + "; END"

        when = f" WHEN {self.when}" if self.when else ""
        statements = []
        if self.added:
            new_when = when.replace("old.", "new.")
            statements.append(
                f"CREATE TRIGGER {self.name}_ai AFTER INSERT ON {self.table}{new_when} "
                + body(self.added)
            )
        if self.removed:
            moment = "BEFORE" if self.delete_before else "AFTER"
            statements.append(
                f"CREATE TRIGGER {self.name}_d {moment} DELETE ON {self.table}{when} "
                + body(self.removed)
            )
        if self.columns:
            statements.append(
                f"CREATE TRIGGER {self.name}_au AFTER UPDATE OF {_watched(self.columns)} "
                f"ON {self.table} WHEN {_sqlite_changed(self.columns)} "
                + body(self.removed + self.added)
            )
        return statements

    def postgresql(self) -> list[str]:
        def branch(condition: str, statements: list[str]) -> str:
            if not statements:
                return ""
            return f"IF {condition} THEN " + "; ".join(statements) + "; END IF; "

        function = (
            f"CREATE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + branch("TG_OP <> 'INSERT'", self.removed)
            + branch("TG_OP <> 'DELETE'", self.added)
            + "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )

        def trigger(event: str, when: str) -> str:
            condition = f"WHEN ({when}) " if when else ""
            return (
                f"CREATE TRIGGER {self.name}{event} ON {self.table} FOR EACH ROW "
                f"{condition}EXECUTE FUNCTION {self.name}()"
            )

        statements = [function]
        if self.added:
            statements.append(trigger("_ai AFTER INSERT", self.when.replace("old.", "new.")))
        if self.removed:
            moment = "BEFORE" if self.delete_before else "AFTER"
            statements.append(trigger(f"_d {moment} DELETE", self.when))
        if self.columns:
            columns = _watched(self.columns)
            statements.append(trigger(f"_au AFTER UPDATE OF {columns}", _changed(self.columns)))
        return statements

    def drop(self, dialect: str) -> list[str]:
        names = [f"{self.name}_ai", f"{self.name}_d", f"{self.name}_au"]
        if dialect == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
        return [f"DROP TRIGGER IF EXISTS {name} ON {self.table}" for name in names] + [
            f"DROP FUNCTION IF EXISTS {self.name}()"
        ]


def triggers(dialect: str) -> list[Trigger]:
    """Outlets first (their rows feed the facet counts), then the facet counts."""
    found = [
        Trigger(
            "eventoutlet_mention",
            "mention",
            ("event_id", "article_id"),
            _mention_leaves("old"),
            _mention_joins("new"),
        ),
        Trigger(
            "eventoutlet_article",
            "article",
            (),
            ARTICLE_LEAVES,
            [],
            delete_before=True,
            when="old.outlet_id IS NOT NULL",
        ),
        Trigger(
            "facet_event",
            "event",
            (*EVENT_KEY, "tier"),
            _bump(dialect, _event_counts("old"), -1),
            _bump(dialect, _event_counts("new"), 1),
            delete_before=True,
        ),
    ]
    found += [
        Trigger(
            f"facet_{table}",
            table,
            ("event_id", column),
            _bump(dialect, _link_counts(facet, column, "old"), -1),
            _bump(dialect, _link_counts(facet, column, "new"), 1),
        )
        for facet, table, column in LINKS
    ]
    return found


# --- the schema ---------------------------------------------------------------------------
# Date-ordered indexes that hold what the lists filter on (models.Event) replace the
# single-column ones; the link tables' value indexes also hold the event id.
OLD_INDEXES = {
    "event": {
        "ix_event_date": ["date"],
        "ix_event_actor_id": ["actor_id"],
        "ix_event_type": ["type"],
    },
    "eventweapon": {"ix_eventweapon_weapon_id": ["weapon_id"]},
    "eventplace": {"ix_eventplace_place_id": ["place_id"]},
}
TIMELINE = ["review_status", "type", "actor_id", "confidence"]
NEW_INDEXES = {
    "event": {
        "ix_event_timeline": ["date", "id", *TIMELINE],
        "ix_event_actor_timeline": [
            "actor_id",
            "date",
            "id",
            "review_status",
            "type",
            "confidence",
        ],
        "ix_event_type_timeline": ["type", "date", "id", "review_status", "actor_id", "confidence"],
        "ix_event_id_timeline": ["id", *TIMELINE, "date"],
    },
    "eventweapon": {"ix_eventweapon_weapon_event": ["weapon_id", "event_id"]},
    "eventplace": {"ix_eventplace_place_event": ["place_id", "event_id"]},
}


def _swap_indexes(
    drop: dict[str, dict[str, list[str]]], create: dict[str, dict[str, list[str]]]
) -> None:
    # Plain DROP/CREATE INDEX, no batch copy: SQLite keeps the event table's triggers.
    for table, indexes in drop.items():
        for name in indexes:
            op.drop_index(name, table_name=table)
    for table, indexes in create.items():
        for name, columns in indexes.items():
            op.create_index(name, table, columns, unique=False)


def _fill_outlet_ids() -> None:
    """article.outlet_id of the articles already stored: the slug of their outlet."""
    connection = op.get_bind()
    names = connection.execute(
        sa.text("SELECT DISTINCT outlet FROM article WHERE outlet IS NOT NULL AND outlet <> ''")
    ).scalars()
    update = sa.text("UPDATE article SET outlet_id = :slug WHERE outlet = :name")
    for name in list(names):
        connection.execute(update, {"slug": slugify(name), "name": name})


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("article", sa.Column("outlet_id", String(length=80), nullable=True))
    op.create_index("ix_article_outlet_label", "article", ["outlet_id", "outlet"], unique=False)
    _fill_outlet_ids()
    _swap_indexes(OLD_INDEXES, NEW_INDEXES)
    op.create_table(
        "eventoutlet",
        sa.Column("event_id", String(), nullable=False),
        sa.Column("outlet_id", String(length=80), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "outlet_id"),
    )
    op.create_index(
        "ix_eventoutlet_outlet_event", "eventoutlet", ["outlet_id", "event_id"], unique=False
    )
    op.create_table(
        "facetcount",
        sa.Column("facet", String(length=8), nullable=False),
        sa.Column("grain", String(length=5), nullable=False),
        sa.Column("period", String(length=10), nullable=False),
        sa.Column("value", String(length=80), nullable=False),
        sa.Column("status", String(length=10), nullable=False),
        sa.Column("tier", String(length=4), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "grain", "period", "value", "status", "tier"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "facetmonth",
        sa.Column("facet", String(length=8), nullable=False),
        sa.Column("value", String(length=80), nullable=False),
        sa.Column("type", String(length=16), nullable=False),
        sa.Column("actor_id", String(length=80), nullable=False),
        sa.Column("status", String(length=10), nullable=False),
        sa.Column("month", String(length=7), nullable=False),
        sa.Column("tier", String(length=4), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", "type", "actor_id", "status", "month", "tier"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_facetmonth_actor",
        "facetmonth",
        ["facet", "actor_id", "value", "type", "status", "month", "tier", "n"],
        unique=False,
    )
    op.execute(FILL_OUTLETS)
    for statement in _fill(dialect):
        op.execute(statement)
    for trigger in triggers(dialect):
        for statement in getattr(trigger, dialect)():
            op.execute(statement)
    if dialect == "sqlite" and _holds_events():
        # Planner statistics that cover the new indexes (full ones: app/db.py says why).
        op.execute("ANALYZE")


def _holds_events() -> bool:
    return op.get_bind().exec_driver_sql("SELECT 1 FROM event LIMIT 1").first() is not None


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for trigger in reversed(triggers(dialect)):
        for statement in trigger.drop(dialect):
            op.execute(statement)
    op.drop_index("ix_facetmonth_actor", table_name="facetmonth")
    op.drop_table("facetmonth")
    op.drop_table("facetcount")
    op.drop_index("ix_eventoutlet_outlet_event", table_name="eventoutlet")
    op.drop_table("eventoutlet")
    _swap_indexes(NEW_INDEXES, OLD_INDEXES)
    op.drop_index("ix_article_outlet_label", table_name="article")
    # Plain DROP COLUMN (SQLite 3.35+), no batch copy that would lose the table's triggers.
    op.drop_column("article", "outlet_id")
