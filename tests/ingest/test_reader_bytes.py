"""read_bytes: the one path from bytes (a file's or a fetched page's) to an article."""

import datetime as dt

from app.ingest.reader import read_bytes
from tests.local_server import html_page

TODAY = dt.date(2024, 6, 10)
PAGE = html_page(
    "Paris ouvre la porte",
    [
        "Le président a estimé jeudi que l'Ukraine pouvait frapper les bases d'où partent "
        "les missiles lancés contre Kharkiv.",
        "Plusieurs alliés ont salué une décision attendue depuis des semaines.",
    ],
)


def test_fallbacks_fill_what_the_page_leaves_out() -> None:
    article = read_bytes(
        PAGE,
        source="http://news.example/a",
        suffix=".html",
        today=TODAY,
        fallbacks={"published": dt.date(2024, 5, 30), "title": "From the feed"},
    )
    assert (article.published, article.published_precision, article.title) == (
        dt.date(2024, 5, 30),
        "day",
        "Paris ouvre la porte",
    )
    assert article.warnings == []


def test_overrides_replace_what_the_page_says() -> None:
    article = read_bytes(
        PAGE,
        source="http://news.example/a",
        suffix=".html",
        today=TODAY,
        overrides={"outlet": "Gazette locale", "language": "fr", "url": "http://news.example/a"},
    )
    assert (article.outlet, article.language, article.url, article.source) == (
        "Gazette locale",
        "fr",
        "http://news.example/a",
        "http://news.example/a",
    )


def test_nul_characters_are_dropped_from_text_and_fields() -> None:
    """PostgreSQL refuses NUL in text: one past the binary sniff (the first 8 KiB) or
    written as a YAML escape must not fail the article's storing."""
    filler = "Un paragraphe de remplissage sans aucune décision politique.\n\n" * 150
    data = (
        '---\ntitle: "Titre\\0 coupé"\noutlet: "Le\\0 Journal"\nlanguage: fr\n'
        "published: 2024-05-30\n---\n"
        f"{filler}Le ministre a parlé\x00 jeudi.\n"
    ).encode()
    article = read_bytes(data, source="a.md", suffix=".md", today=TODAY)
    assert (article.title, article.outlet) == ("Titre coupé", "Le Journal")
    assert article.text.endswith("Le ministre a parlé jeudi.\n")
    assert "\x00" not in article.text
