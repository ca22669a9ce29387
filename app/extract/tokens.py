"""Word and punctuation tokens of a folded sentence, with their offsets.

The clause rules (roles, modality, polarity) walk tokens instead of re-scanning the
text, so each question about a trigger costs a few token steps, never a pass over the
whole sentence (a 50 KB run-on sentence stays linear)."""

import bisect
import re
from typing import NamedTuple

_TOKEN = re.compile(r"(?P<word>\w+)|(?P<mark>[^\w\s])")


class Token(NamedTuple):
    text: str  # folded
    start: int
    end: int
    is_word: bool  # a word, not punctuation


class Tokens:
    """The tokens of one folded sentence, with offset lookups."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.items = [
            Token(m.group(), m.start(), m.end(), m.lastgroup == "word")
            for m in _TOKEN.finditer(folded)
        ]
        self._starts = [t.start for t in self.items]
        # Per-sentence answers several stages ask for (e.g. where the verbs of saying are).
        self.memo: dict[str, object] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Token:
        return self.items[index]

    def at(self, offset: int) -> int:
        """Index of the token that starts at or covers `offset` (the next one if in a gap)."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index >= 0 and self.items[index].end > offset:
            return index
        return index + 1

    def before(self, offset: int) -> int:
        """Index of the last token that ends at or before `offset` (-1 when none)."""
        return bisect.bisect_right(self._starts, offset - 1) - 1 if offset > 0 else -1

    def words(self, first: int, last: int) -> list[str]:
        """Folded words of tokens[first:last] (punctuation left out)."""
        first, last = max(0, first), min(len(self.items), last)
        return [t.text for t in self.items[first:last] if t.is_word]

    def words_before(self, offset: int, limit: int) -> list[str]:
        """Up to `limit` words ending at or before `offset`, nearest last."""
        out: list[str] = []
        index = self.before(offset)
        while index >= 0 and len(out) < limit:
            if self.items[index].is_word:
                out.append(self.items[index].text)
            index -= 1
        out.reverse()
        return out

    def words_after(self, offset: int, limit: int) -> list[str]:
        out: list[str] = []
        index = self.at(offset)
        while index < len(self.items) and len(out) < limit:
            if self.items[index].is_word:
                out.append(self.items[index].text)
            index += 1
        return out
