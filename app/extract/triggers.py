"""Trigger lexicon compiled to regular expressions over the folded sentence.

Each rule is only tried on sentences that contain one of its first words (an index of
exact words and prefixes), so hundreds of patterns cost a few dictionary lookups per
word instead of hundreds of scans per sentence."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from app.resources import load

EVENT_TYPES = ("authorization", "restriction", "warning", "request")
SAME_AS_PREVIOUS = "same_as_previous"  # anaphora: "Canada followed suit"
_SEP = r"[\s'\"\-]+"  # words are separated by spaces, apostrophes ("l'interdiction"), quotes
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class TriggerRule:
    type: str  # an event type, or SAME_AS_PREVIOUS
    pattern: str
    regex: re.Pattern[str]
    requires_negation: bool = False
    pledge: bool = False
    supply: bool = False
    recipient_subject: bool = False
    needs_content: bool = False
    open_when_negated: bool = False
    perception: bool = False
    strength: float = 1.0


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
            # Lazy: the nearest next word ends the phrase ("allows Ukraine to fire back
            # at Russian forces attacking" ends at "fire").
            pieces.append(_SEP + (rf"(?:\w+{_SEP}){{0,{gap}}}?" if gap else ""))
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


def _first_words(pattern: str) -> list[str]:
    """The alternatives of a pattern's first word, as they may start a folded word
    ("s oppos*" starts with "s"; "green-light*" with "green")."""
    first = pattern.split()[0]
    return [_WORD.findall(alt)[0] + ("*" if alt.endswith("*") else "") for alt in first.split("|")]


@dataclass(frozen=True)
class _Index:
    rules: tuple[TriggerRule, ...]
    exact: dict[str, tuple[int, ...]]
    prefixes: dict[str, tuple[int, ...]]
    longest_prefix: int


@cache
def _index(language: str) -> _Index:
    table = load("lexicon/triggers.yaml")[language]
    rules: list[TriggerRule] = []
    exact: dict[str, list[int]] = {}
    prefixes: dict[str, list[int]] = {}
    for event_type in (*EVENT_TYPES, SAME_AS_PREVIOUS):
        for item in table.get(event_type, []):
            pattern, options = _parse(item)
            position = len(rules)
            rules.append(
                TriggerRule(
                    type=event_type,
                    pattern=pattern,
                    regex=compile_pattern(pattern),
                    requires_negation=bool(options.get("requires_negation", False)),
                    pledge=bool(options.get("pledge", False)),
                    supply=bool(options.get("supply", False)),
                    recipient_subject=bool(options.get("recipient_subject", False)),
                    needs_content=bool(options.get("needs_content", False)),
                    open_when_negated=bool(options.get("open_when_negated", False)),
                    perception=bool(options.get("perception", False)),
                    strength=float(options.get("strength", 1.0)),
                )
            )
            for word in _first_words(pattern):
                if word.endswith("*"):
                    prefixes.setdefault(word[:-1], []).append(position)
                else:
                    exact.setdefault(word, []).append(position)
    return _Index(
        rules=tuple(rules),
        exact={k: tuple(v) for k, v in exact.items()},
        prefixes={k: tuple(v) for k, v in prefixes.items()},
        longest_prefix=max((len(p) for p in prefixes), default=0),
    )


def rules(language: str) -> tuple[TriggerRule, ...]:
    return _index(language).rules


@lru_cache(maxsize=50_000)
def _rules_starting_with(word: str, language: str) -> tuple[int, ...]:
    """Positions of the rules whose first word can be `word`."""
    index = _index(language)
    wanted = set(index.exact.get(word, ()))
    for size in range(1, min(len(word), index.longest_prefix) + 1):
        wanted.update(index.prefixes.get(word[:size], ()))
    return tuple(sorted(wanted))


def _rules_for(words: Iterable[str], language: str) -> list[TriggerRule]:
    index = _index(language)
    wanted: set[int] = set()
    for word in set(words):
        wanted.update(_rules_starting_with(word, language))
    return [index.rules[i] for i in sorted(wanted)]


def find_triggers(folded_sentence: str, language: str) -> list[TriggerHit]:
    """Every trigger in the sentence; overlapping hits of one type keep the longest."""
    hits: list[TriggerHit] = []
    for rule in _rules_for(_WORD.findall(folded_sentence), language):
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
    # Of two hits that overlap in part, the one that starts first governs the other
    # ("refused to let" + "let Ukraine use": one refusal); a reference to an earlier
    # decision ("a similar permission was granted") governs nothing.
    ordered: list[TriggerHit] = []
    for hit in sorted(kept, key=lambda h: h.start):
        last = ordered[-1] if ordered else None
        if last and last.rule.type != SAME_AS_PREVIOUS and last.start < hit.start < last.end:
            continue
        ordered.append(hit)
    return ordered
