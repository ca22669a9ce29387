"""Offset-preserving folding: every stage matches on folded text and reports offsets
that index the original text unchanged."""

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"\w+")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "\u2019\u2018\u02bc\u2032`":
        return "'"
    if char in "\u00ab\u00bb\u201c\u201d\u201e":
        return '"'
    if char in "\u2010\u2011\u2012\u2013":
        return "-"
    if char.isspace():
        return " "
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    ).lower()
    # Keep the length: a character that folds to several ("ß" -> "ss") stays itself.
    return stripped if len(stripped) == 1 else char.lower()[:1] or char


def fold(text: str) -> str:
    """Lower case, accents stripped, typography plain; len(fold(t)) == len(t)."""
    return "".join(_fold_char(c) for c in text)


def words(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of (folded) text with their offsets."""
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
