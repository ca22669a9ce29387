"""Reported-by: the outlet a sentence cites ("a rapporté Reuters", "selon Politico",
"according to the Times"). An outlet is a source, never an actor."""

from collections.abc import Sequence

from app.extract.cues import cue_words, words_after, words_before
from app.extract.gazetteer import Match


def cited_source(folded: str, matches: Sequence[Match], language: str) -> str | None:
    """The outlet next to a reported-by cue, else the first outlet named, else None."""
    outlets = [m for m in matches if m.kind == "outlet"]
    if not outlets:
        return None
    cues = cue_words("reported_by", language)
    for match in outlets:
        near = words_before(folded, match.start, 4) + words_after(folded, match.end, 2)
        if any(w in cues for w in near):
            return match.name
    return outlets[0].name
