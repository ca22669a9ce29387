"""Negation attached to a trigger: cues in its own clause, just before it (and French
"ne ... pas" around it). "ni ... ni" and "neither ... nor" carry it across coordinated
verbs because the cue before the second verb is itself a negation word.

A trigger that is an event only when negated ("we do not use them on Russia", "the
policy has not changed") needs its negation to govern it directly: only auxiliaries,
modals, clitics and a few adverbs may stand between ("will not be used", "ne pas les
utiliser"), so "no restrictions on using" does not negate "using"."""

from functools import cache

from app.extract.cues import WordSet
from app.extract.tokens import Tokens
from app.resources import load


@cache
def _cues(language: str) -> dict[str, object]:
    return dict(load("lexicon/cues.yaml")["negation"][language])


@cache
def _set(language: str, key: str) -> WordSet:
    return WordSet(_cues(language)[key])


@cache
def _clause_breaks() -> WordSet:
    return WordSet(load("lexicon/cues.yaml")["clause_breaks"])


# Quote marks are no clause boundary: "ne placent « plus de limitations »" is negated.
_PUNCTUATION_BREAKS = frozenset({",", ";", ":", "(", ")", "[", "]"})


def clause_words_before(tokens: Tokens, position: int, limit: int) -> list[str]:
    """Up to `limit` words before `position`, stopping at the clause boundary."""
    out: list[str] = []
    index = tokens.before(position)
    breaks = _clause_breaks()
    while index >= 0 and len(out) < limit:
        text = tokens[index].text
        if text in _PUNCTUATION_BREAKS or text in breaks:
            break
        if tokens[index].is_word:
            out.append(text)
        index -= 1
    out.reverse()
    return out


def _clause_words_after(tokens: Tokens, position: int, limit: int) -> list[str]:
    out: list[str] = []
    index = tokens.at(position)
    breaks = _clause_breaks()
    while index < len(tokens) and len(out) < limit:
        text = tokens[index].text
        if text in _PUNCTUATION_BREAKS or text in breaks:
            break
        if tokens[index].is_word:
            out.append(text)
        index += 1
    return out


def _bridged(before: list[str], cues: WordSet, language: str) -> bool:
    """The last negation cue before the trigger governs it directly."""
    bridge = _set(language, "bridge")
    for word in reversed(before):
        if word in cues:
            return True
        if word not in bridge:
            return False
    return False


def is_negated(
    tokens: Tokens,
    start: int,
    end: int,
    language: str,
    window: int | None = None,
    *,
    direct: bool = False,
) -> bool:
    """True when the trigger at [start, end) of the sentence is negated. `direct`: the
    negation must govern the trigger itself (see the module docstring)."""
    cues = _cues(language)
    window = window or int(str(cues["window"]))
    before = clause_words_before(tokens, start, window)
    if language == "fr":
        particles = _set(language, "particles")
        standalone = _set(language, "standalone")
        has_ne = any(w in ("ne", "n") for w in before)
        # "ne donnons pas ... les moyens": the particle follows the verb, which opens a
        # multi-word trigger; and "n'a pas autorisé" puts it before.
        first = tokens.at(start)
        verb_end = tokens[first].end if first < len(tokens) else end
        after = _clause_words_after(tokens, verb_end, 2)
        if direct:
            # A particle is needed: "ne" alone is expletive after fear ("il craint que
            # les forces ukrainiennes ne frappent le pont").
            negators = WordSet([*cues["particles"], *cues["standalone"]])  # type: ignore[misc]
            return _bridged(before, negators, language) or (
                has_ne and any(w in particles for w in after)
            )
        if has_ne and any(w in particles for w in before):
            return True
        if any(w in standalone for w in before[-2:]):
            return True
        if "ni" in before[-2:]:
            return True
        return has_ne and any(w in particles for w in after)
    negators = _set(language, "before")
    if direct:
        return _bridged(before, negators, language)
    return any(w in negators for w in before)
