"""Text normalization: what is stored, what is analysed, and the article's identity.

The stored text keeps every character (so evidence offsets index it exactly); the
analysis view is the same length, offset for offset, with typography made plain and
boilerplate lines blanked, so the extractor never reads site furniture.
"""

import hashlib
import re
import unicodedata
from functools import lru_cache

from app.resources import load

# One character in, one character out: offsets survive.
_PLAIN = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark (typographic apostrophe)
        "\u2018": "'",
        "\u02bc": "'",  # modifier letter apostrophe
        "\u2032": "'",
        "\u00ab": '"',  # « guillemets »
        "\u00bb": '"',
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2039": '"',
        "\u203a": '"',
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space (French typography before : ; ! ?)
        "\u2007": " ",
        "\u2009": " ",
        "\u200b": " ",  # zero-width space
        "\ufeff": " ",
        "\t": " ",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)


def unify_line_ends(text: str) -> str:
    """Windows (CRLF) and old Mac (CR-only) line ends become "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def to_stored_text(raw: str) -> str:
    """Decoded text as stored: NFC, "\\n" line ends, no byte-order mark, no NUL (which
    PostgreSQL refuses in text)."""
    text = unify_line_ends(raw.removeprefix("\ufeff")).replace("\x00", "")
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1)
def _boilerplate_line() -> re.Pattern[str]:
    data = load("boilerplate.yaml")
    alternatives = "|".join(f"(?:{p})" for p in data["line_patterns"])
    return re.compile(rf"^\s*(?:{alternatives})\s*$", re.IGNORECASE)


def is_boilerplate(line: str) -> bool:
    return bool(_boilerplate_line().match(line))


def analysis_view(stored: str) -> str:
    """Same length as `stored`: plain typography, boilerplate lines blanked to spaces."""
    plain = stored.translate(_PLAIN)
    lines = plain.split("\n")
    kept = [" " * len(line) if is_boilerplate(line) else line for line in lines]
    return "\n".join(kept)


def content_fingerprint(analysis: str) -> str:
    """The article's identity: a hash of its analysed words, blind to spacing and furniture."""
    canonical = " ".join(analysis.split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def word_count(analysis: str) -> int:
    return len(_WORD.findall(analysis))
