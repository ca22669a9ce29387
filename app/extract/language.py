"""Language of an article: front matter first, else a stop-word vote (fr or en only)."""

from app.extract.text import WORD, fold

SUPPORTED = ("fr", "en")
_STOPWORDS = {
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "du",
            "de",
            "et",
            "est",
            "que",
            "qui",
            "une",
            "dans",
            "pour",
            "pas",
            "sur",
            "au",
            "aux",
            "avec",
            "ont",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "to",
            "is",
            "that",
            "in",
            "for",
            "on",
            "with",
            "was",
            "are",
            "has",
            "have",
            "by",
            "from",
            "it",
            "not",
        ]
    ),
}


def detect_language(declared: str | None, text: str) -> str:
    """The declared language when supported; otherwise the majority of stop words."""
    if declared:
        code = declared.lower()[:2]
        if code in SUPPORTED:
            return code
    counts = dict.fromkeys(SUPPORTED, 0)
    for match in WORD.finditer(fold(text[:5000])):
        token = match.group()
        for lang in SUPPORTED:
            if token in _STOPWORDS[lang]:
                counts[lang] += 1
    return "en" if counts["en"] > counts["fr"] else "fr"
