import datetime as dt

import pytest

from app.extract.dates import find_dates
from app.extract.text import fold

PUB = dt.date(2024, 5, 25)  # a Saturday


def first(text: str, language: str, published: dt.date | None = PUB) -> tuple[str, str] | None:
    hits = find_dates(fold(text), language, published)
    return (hits[0].date.isoformat(), hits[0].precision) if hits else None


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Le ministre a parlé le 12 mai.", "fr", ("2024-05-12", "day")),
        ("La décision date du 1er mars.", "fr", ("2024-03-01", "day")),
        ("Il l'a annoncé le 3 juin 2023.", "fr", ("2023-06-03", "day")),
        ("Le porte-parole a répondu jeudi.", "fr", ("2024-05-23", "day")),
        ("Le chef a parlé samedi.", "fr", ("2024-05-25", "day")),
        ("Le texte a été publié plus tôt ce mois-ci.", "fr", ("2024-05-01", "month")),
        ("Les alliés en ont parlé en février.", "fr", ("2024-02-01", "month")),
        ("Le débat a commencé en octobre.", "fr", ("2023-10-01", "month")),
        ("Une lettre est partie la semaine dernière.", "fr", ("2024-05-01", "month")),
        ("The minister spoke on May 12.", "en", ("2024-05-12", "day")),
        ("The order was signed on 3 June 2023.", "en", ("2023-06-03", "day")),
        ("The spokesman replied last Wednesday.", "en", ("2024-05-22", "day")),
        ("Officials met earlier this month.", "en", ("2024-05-01", "month")),
        ("The talks began in November.", "en", ("2023-11-01", "month")),
        ("The letter was sent yesterday.", "en", ("2024-05-24", "day")),
        ("Le décret du 30/05/2023 reste en vigueur.", "fr", ("2023-05-30", "day")),
        ("The decree of 05/30/2023 still applies.", "en", ("2023-05-30", "day")),
        ("La note porte la date 2023-11-02.", "fr", ("2023-11-02", "day")),
        ("Le ministre l'a dit il y a trois jours.", "fr", ("2024-05-22", "day")),
        ("Le veto a été levé il y a deux semaines.", "fr", ("2024-05-01", "month")),
        ("La règle a changé il y a six mois.", "fr", ("2023-11-01", "month")),
        ("The minister said so two days ago.", "en", ("2024-05-23", "day")),
        ("The ban was lifted 3 weeks ago.", "en", ("2024-05-01", "month")),
        ("The rule changed a year ago.", "en", ("2023-01-01", "year")),
    ],
)
def test_date_expressions_resolve_against_publication(
    text: str, language: str, expected: tuple[str, str]
) -> None:
    assert first(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Des lance-roquettes M270 et M142 ont été livrés.", "fr"),
        ("Kyiv asked for 2 000 MLRS and M142 launchers.", "en"),
        ("Allies may decide to send more.", "en"),
    ],
)
def test_designations_and_modal_may_are_not_dates(text: str, language: str) -> None:
    assert first(text, language) is None


def test_relative_dates_need_a_publication_date() -> None:
    assert first("Il a parlé vendredi.", "fr", None) is None
    assert first("Il a parlé le 4 avril 2022.", "fr", None) == ("2022-04-04", "day")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Les lance-roquettes M270 et M142 sont arrivés.", "fr"),
        ("The army holds 2 000 MLRS and 150 M777.", "en"),
        ("Le ratio est de 3/4 des stocks.", "fr"),
    ],
)
def test_designations_and_counts_are_never_dates(text: str, language: str) -> None:
    assert first(text, language) is None
