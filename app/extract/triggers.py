"""Trigger lexicon compiled to regular expressions over the folded sentence."""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.resources import load

EVENT_TYPES = ("authorization", "restriction", "warning", "request")
_SEP = r"[\s'\"\-]+"  # words are separated by spaces, apostrophes ("l'interdiction"), quotes


@dataclass(frozen=True)
class TriggerRule:
    type: str
    pattern: str
    regex: re.Pattern[str]
    requires_negation: bool = False


@dataclass(frozen=True)
class TriggerHit:
    rule: TriggerRule
    start: int  # offsets in the sentence
    end: int
    head_start: int  # the last word: where a gap pattern's negation is checked
    text: str


def _word_regex(word: str) -> str:
    parts = []
    for alt in word.split("|"):
        if alt.endswith("*"):
            parts.append(re.escape(alt[:-1]) + r"\w*")
        else:
            parts.append(re.escape(alt))
    return "(?:" + "|".join(parts) + ")"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`lev* ~4 restriction*` -> a word-bounded regex; `~N` allows N words between."""
    pieces: list[str] = []
    gap = 0
    for word in pattern.split():
        if word.startswith("~"):
            gap = int(word[1:])
            continue
        if pieces:
            pieces.append(_SEP + (rf"(?:\w+{_SEP}){{0,{gap}}}" if gap else ""))
        # The last word is captured so negation can be checked next to it.
        pieces.append(_word_regex(word))
        gap = 0
    head = pieces.pop()
    return re.compile(r"(?<![\w-])" + "".join(pieces) + "(?P<head>" + head + r")(?![\w])")


def _parse(item: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(item, str):
        return item, {}
    ((pattern, options),) = item.items()
    return str(pattern), dict(options or {})


@cache
def rules(language: str) -> tuple[TriggerRule, ...]:
    table = load("lexicon/triggers.yaml")[language]
    out: list[TriggerRule] = []
    for event_type in EVENT_TYPES:
        for item in table.get(event_type, []):
            pattern, options = _parse(item)
            out.append(
                TriggerRule(
                    type=event_type,
                    pattern=pattern,
                    regex=compile_pattern(pattern),
                    requires_negation=bool(options.get("requires_negation", False)),
                )
            )
    return tuple(out)


def find_triggers(folded_sentence: str, language: str) -> list[TriggerHit]:
    """Every trigger in the sentence; overlapping hits of one type keep the longest."""
    hits: list[TriggerHit] = []
    for rule in rules(language):
        for match in rule.regex.finditer(folded_sentence):
            hits.append(
                TriggerHit(rule, match.start(), match.end(), match.start("head"), match.group())
            )
    # Longest first: a hit inside a longer one is part of that phrase ("lever les
    # restrictions" is not also a restriction); same-type overlaps keep the longest.
    hits.sort(key=lambda h: (-(h.end - h.start), h.start))
    kept: list[TriggerHit] = []
    for hit in hits:
        if any(k.start <= hit.start and hit.end <= k.end for k in kept):
            continue
        if any(
            k.rule.type == hit.rule.type and hit.start < k.end and k.start < hit.end for k in kept
        ):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
