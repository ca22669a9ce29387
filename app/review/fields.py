"""An editor's field values, checked and normalized (the form and the JSON API alike).

Names are resolved to ids: an id or a name already in the database, or a name the
gazetteer knows (then added to the database). Anything else is refused: the gazetteer
(app/data/gazetteer/) is the list of what the timeline can name.
"""

import datetime as dt
import re
from typing import Any

from sqlmodel import Session, col, func, select

from app.extract.gazetteer import gazetteer
from app.models import EVENT_TYPES, Actor, Place, Weapon
from app.slugs import slugify

EDITABLE = ("type", "actor", "date", "date_precision", "date_basis", "weapons", "places", "summary")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MAX_SUMMARY_CHARS = 300
MAX_NAMES = 20
Named = type[Actor] | type[Weapon] | type[Place]
KINDS: dict[str, tuple[Named, tuple[str, ...]]] = {
    "actor": (Actor, ("actor", "person")),
    "weapon": (Weapon, ("weapon",)),
    "place": (Place, ("place",)),
}


class FieldError(ValueError):
    """A field value that cannot be used, with the reason (answered 422)."""


def parse_fields(session: Session, raw: Any, *, today: dt.date | None = None) -> dict[str, Any]:
    """Changes to apply, keyed like `Event.reviewed_fields` (actor -> actor_id; a date
    as ISO text with its precision). Only the keys given are returned."""
    if not isinstance(raw, dict):
        raise FieldError('fields must be an object such as {"type": "restriction"}')
    unknown = sorted(set(raw) - set(EDITABLE))
    if unknown:
        raise FieldError(f"unknown field {unknown[0]!r}: the fields are {', '.join(EDITABLE)}")
    out: dict[str, Any] = {}
    if "type" in raw:
        if raw["type"] not in EVENT_TYPES:
            raise FieldError(
                f"type must be one of {', '.join(EVENT_TYPES)}, not {_quoted(raw['type'])}"
            )
        out["type"] = raw["type"]
    if "actor" in raw:
        out["actor_id"] = resolve(session, "actor", raw["actor"])
    for name, kind in (("weapons", "weapon"), ("places", "place")):
        if name in raw:
            values = raw[name]
            if not isinstance(values, list) or len(values) > MAX_NAMES:
                raise FieldError(f"{name} must be a list of at most {MAX_NAMES} names or ids")
            out[name] = sorted({resolve(session, kind, v) for v in values})
    if "date" in raw or "date_precision" in raw:
        if "date" not in raw:
            raise FieldError("date_precision needs a date")
        out.update(parse_date(raw["date"], raw.get("date_precision"), today or dt.date.today()))
    if "date_basis" in raw:
        if raw["date_basis"] not in ("text", "published"):
            raise FieldError("date_basis must be 'text' (the text dates it) or 'published'")
        if out.get("date_basis") == "undated" or ("date" in raw and raw["date"] is None):
            raise FieldError("an undated event has no date_basis")
        out["date_basis"] = raw["date_basis"]
    if "summary" in raw:
        out["summary"] = parse_summary(raw["summary"])
    return out


def parse_date(value: Any, precision: Any, today: dt.date) -> dict[str, Any]:
    """YYYY-MM-DD, YYYY-MM or YYYY (or null: undated); the precision follows the form,
    or `precision` coarsens it ("2024-05-30" at month precision is May 2024)."""
    if value is None or value == "":
        return {"date": None, "date_precision": None, "date_basis": "undated"}
    match = DATE_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise FieldError(f"date must be YYYY-MM-DD, YYYY-MM or YYYY, not {_quoted(value)}")
    year, month, day = (int(g) if g else None for g in match.groups())
    form = "day" if day else "month" if month else "year"
    wanted = precision or form
    order = ("day", "month", "year")
    if wanted not in order:
        raise FieldError("date_precision must be day, month or year")
    if order.index(wanted) < order.index(form):
        raise FieldError(f"the date {value} is not precise to the {wanted}")
    assert year is not None
    try:
        date = dt.date(year, month or 1, day or 1)
    except ValueError:
        raise FieldError(f"the date {value} does not exist") from None
    if wanted == "month":
        date = date.replace(day=1)
    elif wanted == "year":
        date = date.replace(month=1, day=1)
    if date > today + dt.timedelta(days=1):
        raise FieldError(f"the date {value} is in the future")
    return {"date": date.isoformat(), "date_precision": wanted, "date_basis": "text"}


def parse_summary(value: Any) -> str | None:
    """A summary in our own words, or null (empty) to generate one from the fields."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError("summary must be text")
    text = " ".join(value.split())
    if len(text) > MAX_SUMMARY_CHARS:
        raise FieldError(f"summary is too long: at most {MAX_SUMMARY_CHARS} characters")
    return text or None


def resolve(session: Session, kind: str, value: Any) -> str:
    """The id of an actor, weapon or place named by `value` (id or name)."""
    model, gazetteer_kinds = KINDS[kind]
    if not isinstance(value, str) or not value.strip() or len(value) > 120:
        raise FieldError(f"{kind} must be a name or an id, not {_quoted(value)}")
    text = value.strip()
    if session.get(model, text) is not None:
        return text
    by_name = session.exec(
        select(model.id).where(func.lower(col(model.name)) == text.lower())
    ).first()
    if by_name is not None:
        return by_name
    name = _gazetteer_name(text, gazetteer_kinds)
    if name is None:
        raise FieldError(
            f"unknown {kind} {_quoted(text)}: not in the database nor in the gazetteer "
            "(app/data/gazetteer/)"
        )
    entity_id = slugify(name)
    if session.get(model, entity_id) is None:
        session.add(model(id=entity_id, name=name))
        session.flush()
    return entity_id


def _gazetteer_name(text: str, kinds: tuple[str, ...]) -> str | None:
    matches = gazetteer().find(text)
    if len(matches) != 1 or matches[0].kind not in kinds:
        return None
    match = matches[0]
    if match.start != 0 or match.end != len(text):
        return None
    if match.kind == "person":
        actor: str | None = match.entry.actor_on(None)
        return actor
    return str(match.name)


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
