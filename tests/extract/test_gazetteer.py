from app.extract.gazetteer import gazetteer


def names(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.name) for m in gazetteer().find(text)]


def test_longest_match_and_hyphenated_names() -> None:
    assert names("Le Royaume-Uni et le New York Times") == [
        ("actor", "United Kingdom"),
        ("outlet", "The New York Times"),
    ]


def test_aliases_in_both_languages_map_to_canonical_names() -> None:
    assert names("Koursk, Kharkov, Crimée") == [
        ("place", "Kursk"),
        ("place", "Kharkiv"),
        ("place", "Crimea"),
    ]
    assert names("the Kremlin and Berlin") == [("actor", "Russia"), ("actor", "Germany")]


def test_weapons_match_on_text_with_word_boundaries() -> None:
    assert names("des missiles ATACMS et un M142") == [("weapon", "ATACMS"), ("weapon", "HIMARS")]
    assert names("ATACMSX M1420") == []


def test_short_exact_aliases_are_case_sensitive() -> None:
    assert names("US officials") == [("actor", "United States")]
    assert names("let us go") == []


def test_people_map_to_their_actor_by_date() -> None:
    import datetime as dt

    (match,) = gazetteer().find("Mark Rutte")
    assert match.entry.actor_on(dt.date(2023, 1, 1)) == "Netherlands"
    assert match.entry.actor_on(dt.date(2024, 11, 1)) == "NATO"
    (retired,) = gazetteer().find("Stoltenberg")
    assert retired.entry.actor_on(dt.date(2025, 3, 1)) is None
