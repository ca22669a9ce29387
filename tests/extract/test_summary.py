import pytest

from app.extract.summary import summarize


@pytest.mark.parametrize(
    ("type", "actor", "weapons", "places", "expected"),
    [
        (
            "authorization",
            "United States",
            ["ATACMS"],
            ["Kursk"],
            "United States authorizes ATACMS strikes, limited to Kursk",
        ),
        (
            "authorization",
            "France",
            [],
            ["Russian territory"],
            "France authorizes strikes on Russian territory",
        ),
        (
            "authorization",
            "United States",
            [],
            ["Russian territory", "Kharkiv"],
            "United States authorizes strikes on Russian territory, limited to Kharkiv",
        ),
        ("restriction", "Germany", ["Taurus"], [], "Germany restricts use of Taurus"),
        (
            "restriction",
            "United States",
            [],
            ["Russian territory", "Crimea"],
            "United States restricts strikes on Russian territory and Crimea",
        ),
        (
            "restriction",
            "France",
            ["SCALP", "Storm Shadow"],
            ["Crimea"],
            "France restricts use of SCALP and Storm Shadow on Crimea",
        ),
        (
            "warning",
            "Russia",
            ["long-range weapons"],
            [],
            "Russia warns against long-range weapons",
        ),
        ("warning", "Russia", [], ["Crimea"], "Russia warns against strikes on Crimea"),
        (
            "request",
            "NATO",
            [],
            ["Russian territory"],
            "NATO calls for lifting limits on strikes on Russian territory",
        ),
        ("request", "Ukraine", ["HIMARS", "M270"], [], "Ukraine asks for HIMARS and M270"),
        (
            "request",
            "Ukraine",
            ["ATACMS"],
            ["Russian territory"],
            "Ukraine asks for ATACMS for use on Russian territory",
        ),
    ],
)
def test_summaries_are_generated_from_fields(
    type: str, actor: str, weapons: list[str], places: list[str], expected: str
) -> None:
    assert summarize(type, actor, weapons, places) == expected


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type 'rumour'"):
        summarize("rumour", "France", [], [])
