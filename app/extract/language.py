"""Language of an article: front matter first, else a stop-word vote (fr or en only)."""

from functools import cache

from app.extract.text import WORD, fold
from app.resources import load

SUPPORTED = ("fr", "en")


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    table = load("lexicon/language.yaml")["stopwords"]
    return {lang: frozenset(table[lang]) for lang in SUPPORTED}


def detect_language(declared: str | None, text: str) -> str:
    """The declared language when supported; otherwise the majority of stop words."""
    if declared:
        code = declared.lower()[:2]
        if code in SUPPORTED:
            return code
    stopwords = _stopwords()
    counts = dict.fromkeys(SUPPORTED, 0)
    for match in WORD.finditer(fold(text[:5000])):
        token = match.group()
        for lang in SUPPORTED:
            if token in stopwords[lang]:
                counts[lang] += 1
    return "en" if counts["en"] > counts["fr"] else "fr"
