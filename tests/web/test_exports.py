import csv
import io
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Article

E1, E2, E3, E4, E5 = (f"e{i}0000000000000{i}" for i in range(1, 6))
NS = {"a": "http://www.w3.org/2005/Atom"}


def test_csv_of_a_filtered_view(client: TestClient) -> None:
    response = client.get("/events.csv?weapon=atacms")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="events.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == [E1, E3, E4]
    assert rows[0] == {
        "id": E1,
        "url": f"http://testserver/events/{E1}",
        "date": "2024-05-30",
        "date_precision": "day",
        "date_basis": "text",
        "date_label": "30 May 2024",
        "type": "authorization",
        "actor_id": "united-states",
        "actor": "United States",
        "weapons": "ATACMS; HIMARS",
        "places": "Kharkiv",
        "summary": "United States allows strikes on Russian soil near Kharkiv with US weapons",
        "sources": "2",
        "outlets": "Example Post; Le Monde",
        "confidence": "0.95",
        "reviewed": "false",
        "reviewed_at": "",
    }
    assert (rows[2]["date"], rows[2]["date_label"], rows[2]["date_basis"]) == (
        "",
        "undated",
        "undated",
    )
    assert rows[2]["confidence"] == ""  # never scored


def test_csv_neutralises_spreadsheet_formulas() -> None:
    from app.web.exports import _cell

    assert (_cell("=HYPERLINK(1)"), _cell("-1"), _cell("ok")) == ("'=HYPERLINK(1)", "'-1", "ok")


def test_atom_feed_newest_first(client: TestClient) -> None:
    response = client.get("/events.atom?type=authorization")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.findtext("a:title", namespaces=NS) == "Weapons-use policy timeline (filtered)"
    assert feed.findtext("a:updated", namespaces=NS) == "2024-10-01T12:00:00Z"
    entries = feed.findall("a:entry", NS)
    assert [e.findtext("a:id", namespaces=NS) for e in entries] == [
        f"http://testserver/events/{E1}",
        f"http://testserver/events/{E5}",
    ]
    first = entries[0]
    assert first.findtext("a:title", namespaces=NS) == (
        "United States allows strikes on Russian soil near Kharkiv with US weapons"
    )
    assert first.find("a:link", NS).attrib["href"] == f"http://testserver/events/{E1}"  # type: ignore[union-attr]
    assert first.find("a:category", NS).attrib["term"] == "authorization"  # type: ignore[union-attr]
    assert [c.attrib["term"] for c in first.findall("a:category", NS)] == [
        "authorization",
        "machine-read",
    ]
    assert first.findtext("a:summary", namespaces=NS) == (
        "30 May 2024: authorization by United States (ATACMS, HIMARS). "
        "Sources: 2 (Example Post, Le Monde). Machine-read, not reviewed by a person yet."
    )
    alternate = feed.find("a:link[@rel='alternate']", NS)
    assert (
        alternate is not None
        and alternate.attrib["href"] == "http://testserver/?type=authorization"
    )


def test_atom_feed_stays_well_formed_with_control_characters(
    client: TestClient, db: Session
) -> None:
    # Ingested text may carry characters XML 1.0 forbids (a vertical tab from a scraped page).
    article = db.get(Article, "a200000000000002")
    assert article is not None
    article.outlet = "Example\x0bPost\x1f"
    db.add(article)
    db.commit()
    response = client.get("/events.atom?actor=united-states")
    feed = ET.fromstring(response.content)
    entry = feed.find("a:entry", NS)
    assert entry is not None
    assert entry.findtext("a:summary", namespaces=NS) == (
        "30 May 2024: authorization by United States (ATACMS, HIMARS). "
        "Sources: 2 (ExamplePost, Le Monde). Machine-read, not reviewed by a person yet."
    )
