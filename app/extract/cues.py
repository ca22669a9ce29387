"""Word-list cues from app/data/lexicon/cues.yaml, compiled to prefix matchers."""

import re
from functools import cache
from typing import Any

from app.resources import load

_WORD = re.compile(r"\w+")


class WordSet:
    """Folded words; an entry ending in `*` matches any word with that prefix."""

    def __init__(self, entries: Any) -> None:
        words = [str(e) for e in entries or []]
        self.exact = frozenset(w for w in words if not w.endswith("*"))
        self.prefixes = tuple(w[:-1] for w in words if w.endswith("*"))

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.exact or word.startswith(self.prefixes))


@cache
def cue_words(name: str, language: str | None = None) -> WordSet:
    """The word set `name` (per language when the list is split by language)."""
    data = load("lexicon/cues.yaml")[name]
    return WordSet(data[language] if isinstance(data, dict) else data)


@cache
def cue_value(name: str) -> Any:
    return load("lexicon/cues.yaml")[name]


def words_before(folded: str, position: int, limit: int) -> list[str]:
    return _WORD.findall(folded[:position])[-limit:]


def words_after(folded: str, position: int, limit: int) -> list[str]:
    return _WORD.findall(folded[position:])[:limit]
