"""Stable identifiers derived from names and content."""

import hashlib
import re
import unicodedata
from functools import lru_cache

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case and strip accents: "Crimée" -> "crimee" (search and matching)."""
    # Articles are mostly ASCII: only the other characters go through the (cached) table.
    return _NON_ASCII.sub(lambda m: _fold_char(m.group()), text).casefold()


def slugify(name: str) -> str:
    """ "United States" -> "united-states"; the id that URLs and filters use."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def short_hash(*parts: object, length: int = 16) -> str:
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]
