"""Word-list cues from app/data/lexicon/cues.yaml, compiled to prefix matchers."""

import re
from collections.abc import Sequence
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
        self._prefixed: dict[str, bool] = {}  # memo: news reuse a bounded vocabulary

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word in self.exact:
            return True
        if not self.prefixes:
            return False
        known = self._prefixed.get(word)
        if known is None:
            if len(self._prefixed) > 100_000:
                self._prefixed.clear()
            known = self._prefixed[word] = word.startswith(self.prefixes)
        return known


class Phrases:
    """Cue words and word sequences ("so far", "d'apres"), looked up by their first word:
    finding them in a run of words costs one dictionary lookup per word. A single-word
    entry ending in `*` is a prefix, as in WordSet."""

    def __init__(self, entries: Any) -> None:
        texts = [str(e) for e in entries or []]
        self.words = WordSet(t for t in texts if " " not in t.replace("'", " ").strip())
        self.sequences: dict[str, list[tuple[str, ...]]] = {}
        for text in texts:
            sequence = tuple(text.replace("'", " ").split())
            if len(sequence) > 1:
                self.sequences.setdefault(sequence[0], []).append(sequence)

    def positions(self, words: Sequence[str]) -> list[int]:
        """Indexes in `words` where an entry starts."""
        found = []
        for index, word in enumerate(words):
            if word in self.words or any(
                tuple(words[index : index + len(s)]) == s for s in self.sequences.get(word, ())
            ):
                found.append(index)
        return found

    def found_in(self, words: Sequence[str]) -> bool:
        for index, word in enumerate(words):
            if word in self.words:
                return True
            for sequence in self.sequences.get(word, ()):
                if tuple(words[index : index + len(sequence)]) == sequence:
                    return True
        return False

    def ends(self, words: Sequence[str]) -> bool:
        """`words` ends with an entry ("... according to")."""
        if words and words[-1] in self.words:
            return True
        return any(tuple(words[-len(s) :]) == s for seqs in self.sequences.values() for s in seqs)


@cache
def phrases(file: str, name: str, language: str, key: str | None = None) -> Phrases:
    """The cue list `name` (or `name`/`key`) of app/data/lexicon/<file>.yaml."""
    table = load(f"lexicon/{file}.yaml")[name]
    if key is not None:
        table = table[key]
    return Phrases(table[language] if isinstance(table, dict) else table)


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
