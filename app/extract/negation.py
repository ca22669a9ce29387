"""Negation attached to a trigger: cues in its own clause, just before it (and French
"ne ... pas" around it). "ni ... ni" and "neither ... nor" carry it across coordinated
verbs because the cue before the second verb is itself a negation word."""

import re
from functools import cache

from app.resources import load

_WORD = re.compile(r"\w+")


@cache
def _clause_break() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in load("lexicon/cues.yaml")["clause_breaks"])
    return re.compile(rf"[,;:()\[\]]|\b(?:{words})\b")


@cache
def _cues(language: str) -> dict[str, object]:
    return dict(load("lexicon/cues.yaml")["negation"][language])


def clause_words_before(folded: str, position: int, limit: int) -> list[str]:
    """Up to `limit` words before `position`, stopping at the clause boundary."""
    left = folded[:position]
    cut = 0
    for match in _clause_break().finditer(left):
        cut = match.end()
    return _WORD.findall(left[cut:])[-limit:]


def _words_after(folded: str, position: int, limit: int) -> list[str]:
    right = folded[position:]
    stop = _clause_break().search(right)
    if stop:
        right = right[: stop.start()]
    return _WORD.findall(right)[:limit]


def is_negated(
    folded_sentence: str, start: int, end: int, language: str, window: int | None = None
) -> bool:
    """True when the trigger at [start, end) of the folded sentence is negated."""
    cues = _cues(language)
    window = window or int(str(cues["window"]))
    before = clause_words_before(folded_sentence, start, window)
    if language == "fr":
        particles = set(cues["particles"])  # type: ignore[call-overload]
        standalone = set(cues["standalone"])  # type: ignore[call-overload]
        has_ne = any(w in ("ne", "n") for w in before)
        if has_ne and any(w in particles for w in before):
            return True
        if any(w in standalone for w in before[-2:]):
            return True
        if "ni" in before[-2:]:
            return True
        after = _words_after(folded_sentence, end, 2)
        return has_ne and any(w in particles for w in after)
    negators = set(cues["before"])  # type: ignore[call-overload]
    return any(w in negators for w in before)
