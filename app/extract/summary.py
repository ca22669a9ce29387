"""One English line per event, generated from its fields (never copied text)."""

from collections.abc import Sequence

_VERBS = {
    "authorization": "authorizes",
    "restriction": "restricts",
    "warning": "warns against",
    "request": "calls for lifting limits on",
}
_GENERIC_PLACES = frozenset({"Russian territory"})


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _places(places: Sequence[str]) -> str:
    """'on Russian territory' for the general scope, 'limited to Kursk' for named areas."""
    named = [p for p in places if p not in _GENERIC_PLACES]
    parts = []
    if any(p in _GENERIC_PLACES for p in places):
        parts.append("on Russian territory")
    if named:
        parts.append("limited to " + _join(named))
    return ", ".join(parts)


def summarize(type: str, actor: str, weapons: Sequence[str], places: Sequence[str]) -> str:
    """'United States authorizes ATACMS strikes, limited to Kursk'."""
    verb = _VERBS.get(type, type)
    what = _join(weapons)
    where = _places(places)
    if type == "authorization":
        obj = f"{what} strikes" if what else "strikes"
    elif type == "restriction" or type == "warning":
        obj = what if what else "strikes"
    else:
        obj = f"{what} strikes" if what else "strikes"
    line = f"{actor} {verb} {obj}"
    if where:
        line += f" {where}" if where.startswith("on ") else f", {where}"
    return line
