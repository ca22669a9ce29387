"""One English line per event, generated from its fields (never copied text).

Places read as a limit only for an authorization ("authorizes ATACMS strikes, limited to
Kursk"); for the other types they are where the strikes in question would land.
"""

from collections.abc import Sequence

_GENERIC_PLACES = frozenset({"Russian territory"})


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _strikes(weapons: Sequence[str]) -> str:
    return f"{_join(weapons)} strikes" if weapons else "strikes"


def _on(places: Sequence[str]) -> str:
    return f" on {_join(places)}" if places else ""


def summarize(type: str, actor: str, weapons: Sequence[str], places: Sequence[str]) -> str:
    """'United States authorizes ATACMS strikes, limited to Kursk'."""
    if type == "authorization":
        generic = [p for p in places if p in _GENERIC_PLACES]
        named = [p for p in places if p not in _GENERIC_PLACES]
        line = f"{actor} authorizes {_strikes(weapons)}{_on(generic)}"
        return line + (f", limited to {_join(named)}" if named else "")
    if type == "restriction":
        what = f"use of {_join(weapons)}" if weapons else "strikes"
        return f"{actor} restricts {what}{_on(places)}"
    if type == "warning":
        what = _join(weapons) if weapons else "strikes"
        return f"{actor} warns against {what}{_on(places)}"
    if type == "request":
        if weapons:
            # An appeal naming weapons asks for them, or for leave to use them somewhere.
            return f"{actor} asks for {_join(weapons)}" + (
                f" for use{_on(places)}" if places else ""
            )
        return f"{actor} calls for lifting limits on strikes{_on(places)}"
    raise ValueError(f"unknown event type {type!r}")
