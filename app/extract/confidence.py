"""How much to trust an event, in [0, 1], from the evidence that produced it.

A mention's confidence is the product of three factors (app/data/lexicon/confidence.yaml):

- the trigger's strength: 1.0 for words that state a policy outright ("authorized",
  "has not changed its policy"), lower for weaker cues ("self-defence", "can use",
  "escalation");
- how the actor was found: the trigger's own subject, passive agent or the quote's
  speaker is surest; the supplier of the weapons or an earlier sentence's speaker less so;
- how the date was found: a date in the sentence, the paragraph's date, or only the
  publication date.

An event told by several independent articles is surer than any one of them: the
event's confidence combines its articles' best mentions as independent evidence,
1 - (1 - c1)(1 - c2)..., capped at 0.99 (a machine reading is never certain).
"""

from collections.abc import Iterable
from functools import cache
from typing import Any

from app.resources import load

CAP = 0.99


@cache
def _table() -> Any:
    return load("lexicon/confidence.yaml")


def _factor(table: dict[str, float], how: str) -> float:
    for key, value in table.items():
        if how.startswith(key):
            return float(value)
    return float(table["other"])


def score(*, trigger_strength: float, actor_how: str, date_basis: str) -> float:
    """One mention's confidence."""
    table = _table()
    value = (
        trigger_strength
        * _factor(table["actor"], actor_how)
        * float(table["date"].get(date_basis, table["date"]["other"]))
    )
    return round(min(CAP, max(0.0, value)), 2)


def combine(per_article: Iterable[float]) -> float:
    """An event's confidence from the best mention of each independent article."""
    doubt = 1.0
    for value in per_article:
        doubt *= 1.0 - value
    return round(min(CAP, 1.0 - doubt), 2)
