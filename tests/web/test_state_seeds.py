"""The policy state of the bundled seed articles, through the real ingestion path."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.ingest.runner import ingest_paths
from app.state.hierarchy import scope_tree
from tests.conftest import SEEDS_DIR


def allowed_inside_russia(client: TestClient, as_of: str) -> set[tuple[str, str]]:
    """(weapon, scope) pairs where the United States allows ATACMS or long-range
    weapons on Russian territory or a part of it."""
    url = f"/api/state?as_of={as_of}&actor=united-states&weapon=atacms&weapon=long-range-weapons"
    response = client.get(url)
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    return {
        (cell["weapon"]["id"], scope["id"])
        for cell in row["cells"]
        for scope in cell["scope"]
        if scope["status"] == "authorized"
        and scope_tree().lineage(scope["id"])[-1] == "russian-territory"
    }


def test_seeds_show_the_us_allowing_strikes_in_russia_in_november_2024_not_in_june_2022(
    engine: Engine, empty_client: TestClient
) -> None:
    report = ingest_paths([SEEDS_DIR], engine)
    assert report.ok
    assert ("atacms", "kursk") in allowed_inside_russia(empty_client, "2024-11-30")
    assert allowed_inside_russia(empty_client, "2022-06-30") == set()
