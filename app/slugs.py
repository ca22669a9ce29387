"""Stable identifiers derived from names and content."""

import hashlib
import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents: "Crimée" -> "crimee" (search and matching)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def slugify(name: str) -> str:
    """ "United States" -> "united-states"; the id that URLs and filters use."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def short_hash(*parts: object, length: int = 16) -> str:
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]
