import datetime as dt
from pathlib import Path

import pytest

from app.ingest.reader import IngestError, parse_published, read_article

TODAY = dt.date(2024, 6, 1)
LIMIT = 1_000_000


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_front_matter_metadata_and_body(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.md",
        "---\ntitle: Un titre\nurl: https://example.org/a\noutlet: Le Quotidien\n"
        "language: FR\npublished: 2024-05-30\n---\nLe ministre a parlé.\n",
    )
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    assert (article.title, article.url, article.outlet, article.language) == (
        "Un titre",
        "https://example.org/a",
        "Le Quotidien",
        "fr",
    )
    assert (article.published, article.published_precision) == (dt.date(2024, 5, 30), "day")
    assert article.text == "Le ministre a parlé.\n"
    assert article.warnings == []
    assert article.source == str(path)


def test_plain_text_takes_its_headline_and_warns_without_date(tmp_path: Path) -> None:
    path = write(tmp_path, "b.txt", "Skip to content\nUn titre court\nLe texte suit ici.\n")
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    assert article.title == "Un titre court"
    assert article.published is None
    assert article.warnings == ["no publication date: stored, and its events are marked undated"]


def test_html_main_text_title_date_and_site(tmp_path: Path) -> None:
    paragraph = "Le gouvernement a annoncé une nouvelle aide militaire pour les forces armées. "
    html = (
        "<html lang='fr'><head><title>Aide militaire</title>"
        "<meta property='og:site_name' content='Le Quotidien'>"
        "<meta property='article:published_time' content='2024-05-30T08:00:00Z'></head>"
        "<body><nav><a href='/'>Accueil</a></nav><article><h1>Aide militaire</h1>"
        f"<p>{paragraph * 4}</p><p>{paragraph * 3}</p></article></body></html>"
    )
    article = read_article(write(tmp_path, "c.html", html), max_bytes=LIMIT, today=TODAY)
    assert article.title == "Aide militaire"
    assert article.outlet == "Le Quotidien"
    assert (article.published, article.published_precision) == (dt.date(2024, 5, 30), "day")
    assert paragraph.strip() in article.text
    assert "Accueil" not in article.text


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        ("2024-05", None, (dt.date(2024, 5, 1), "month")),
        ("2024", None, (dt.date(2024, 1, 1), "year")),
        (dt.date(2024, 5, 30), "month", (dt.date(2024, 5, 30), "month")),
        ("2024-05-30T10:00:00Z", None, (dt.date(2024, 5, 30), "day")),
        (None, None, (None, None)),
    ],
)
def test_parse_published(
    value: object, precision: str | None, expected: tuple[object, object]
) -> None:
    assert parse_published(value, precision) == expected


@pytest.mark.parametrize(
    ("value", "precision", "message"),
    [
        ("2024-13-40", None, "invalid publication date '2024-13-40': month must be in 1..12"),
        (
            "last week",
            None,
            "invalid publication date 'last week'; expected YYYY-MM-DD, YYYY-MM or YYYY",
        ),
        ("2024-05", "day", "published_precision 'day' is finer than the published date '2024-05'"),
        (
            "2024-05-01",
            "hour",
            "invalid published_precision 'hour'; expected one of day, month, year",
        ),
    ],
)
def test_parse_published_refuses(value: str, precision: str | None, message: str) -> None:
    with pytest.raises(IngestError) as error:
        parse_published(value, precision)
    assert str(error.value) == message


def test_legacy_encoding_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "d.txt", "Le ministre a parlé à Genève.".encode("cp1252"))
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    assert article.text == "Le ministre a parlé à Genève."
    assert article.warnings[0] == (
        "not valid UTF-8 (byte 0xe9 at offset 18); decoded as Windows-1252 — check accents"
    )


def test_undecodable_text_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "e.txt", b"Texte \x81\x8d casse")
    with pytest.raises(
        IngestError, match=r"not valid UTF-8 \(byte 0x81 at offset 6\) and not Windows-1252"
    ):
        read_article(path, max_bytes=LIMIT, today=TODAY)


def test_unknown_front_matter_key_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "f.md", "---\nautor: X\npublished: 2024-05-30\n---\nTexte.\n")
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    assert article.warnings == [
        "unknown front-matter key 'autor' ignored "
        "(known: title, url, outlet, language, published, published_precision)"
    ]


def test_unsupported_language_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "g.md", "---\nlanguage: de\npublished: 2024-05-30\n---\nText.\n")
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    assert article.language == "de"
    assert article.warnings == [
        "language 'de' is not supported (fr, en): stored, but no events are extracted"
    ]


def test_cr_only_line_ends_are_read_like_any_other(tmp_path: Path) -> None:
    content = "---\rtitle: Un titre\rpublished: 2024-05-30\r---\rLe ministre a parlé.\rFin.\r"
    article = read_article(write(tmp_path, "mac.md", content), max_bytes=LIMIT, today=TODAY)
    assert (article.title, article.published) == ("Un titre", dt.date(2024, 5, 30))
    assert article.text == "Le ministre a parlé.\nFin.\n"


def alias_bomb(key: str) -> str:
    """About 400 bytes of YAML that expand to 9**8 strings when aliases are followed."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    lines.append(f"{key}: [{','.join(['*h'] * 9)}]")
    return "---\n" + "\n".join(lines) + "\n---\nTexte.\n"


@pytest.mark.parametrize("key", ["published", "language", "published_precision"])
def test_yaml_aliases_are_refused(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, "bomb.md", alias_bomb(key))
    with pytest.raises(IngestError) as error:
        read_article(path, max_bytes=LIMIT, today=TODAY)
    assert str(error.value) == (
        "malformed front matter: aliases (*name) are not allowed in front matter "
        "(front-matter line 2)"
    )


@pytest.mark.parametrize("key", ["published", "language", "published_precision"])
def test_a_list_where_text_is_expected_is_refused(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, "list.md", f"---\n{key}: [2024, 5]\n---\nTexte.\n")
    with pytest.raises(IngestError) as error:
        read_article(path, max_bytes=LIMIT, today=TODAY)
    assert str(error.value) == f"front-matter key {key!r} must be text, not a list"


def test_a_long_value_is_cut_short_in_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, "long.md", "---\npublished: " + "9" * 50_000 + "\n---\nTexte.\n")
    with pytest.raises(IngestError) as error:
        read_article(path, max_bytes=LIMIT, today=TODAY)
    assert str(error.value) == (
        f"invalid publication date {'9' * 60!r}… (50,000 characters); "
        "expected YYYY-MM-DD, YYYY-MM or YYYY"
    )


def test_front_matter_values_are_read_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, "h.md", "---\ntitle: 12:30\nlanguage: no\npublished: 2024\n---\nT.\n")
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    assert (article.title, article.language, article.published) == (
        "12:30",
        "no",
        dt.date(2024, 1, 1),
    )


def test_unknown_key_warnings_are_capped_per_file(tmp_path: Path) -> None:
    keys = "".join(f"extra{n}: x\n" for n in range(1, 1_026))
    path = write(tmp_path, "i.md", f"---\n{keys}published: 2024-05-30\n---\nTexte.\n")
    article = read_article(path, max_bytes=LIMIT, today=TODAY)
    known = "(known: title, url, outlet, language, published, published_precision)"
    assert article.warnings == [
        *(f"unknown front-matter key 'extra{n}' ignored {known}" for n in range(1, 11)),
        "… and 1,015 more unknown front-matter keys ignored",
    ]


def test_front_matter_over_its_size_limit_is_refused(tmp_path: Path) -> None:
    keys = "\n".join(f"extra{n:06}: x" for n in range(5_000))  # 74,999 characters
    path = write(tmp_path, "j.md", f"---\n{keys}\n---\nTexte.\n")
    with pytest.raises(IngestError) as error:
        read_article(path, max_bytes=LIMIT, today=TODAY)
    assert str(error.value) == (
        "front matter is 74,999 characters, over the 65,536-character limit for metadata"
    )
