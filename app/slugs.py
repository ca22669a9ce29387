"""Stable identifiers derived from names and content."""

import hashlib
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# The longest id a filter accepts (app.web.filters.ID_RE).
MAX_SLUG_CHARS = 80


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case and strip accents: "Crimée" -> "crimee" (search and matching)."""
    # Articles are mostly ASCII: only the other characters go through the (cached) table.
    return _NON_ASCII.sub(lambda m: _fold_char(m.group()), text).casefold()


@lru_cache(maxsize=4096)
def _ascii_char(char: str) -> str:
    # Accents fold as before (ids stay what they were); other letters are transliterated.
    folded = _fold_char(char)
    return folded if folded.isascii() else anyascii(char)


def slugify(name: str) -> str:
    """ "United States" -> "united-states"; the id that URLs and filters use.

    Letters that folding leaves outside ASCII are transliterated ("Первый канал" ->
    "pervyy-kanal"); a name with nothing to spell gets a hash of itself, so an id is
    never empty and always the same for the same name.
    """
    spelled = _NON_ASCII.sub(lambda m: _ascii_char(m.group()), name).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", spelled).strip("-")[:MAX_SLUG_CHARS].strip("-")
    return slug or short_hash(unicodedata.normalize("NFC", name), length=12)


def short_hash(*parts: object, length: int = 16) -> str:
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]
