"""The site under load while `timeline ingest` writes: no 5xx, and no read sees half
an article (each response is one committed state: an article it shows has all its
mentions)."""

import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from app.db import make_engine
from app.migrate import upgrade_database
from app.models import Mention
from bench.corpus import Corpus
from tests.processes import start_ingest
from tests.web.live import serve

READERS = 3


def final_spans(url: str) -> dict[str, set[tuple[int, int]]]:
    engine = make_engine(url)
    spans: dict[str, set[tuple[int, int]]] = defaultdict(set)
    with Session(engine) as session:
        for article_id, start, end in session.exec(
            select(Mention.article_id, Mention.start, Mention.end)
        ):
            spans[article_id].add((start, end))
    engine.dispose()
    return spans


def spans_shown(response: dict[str, Any]) -> dict[str, set[tuple[int, int]]]:
    shown: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for event in response["data"]:
        for mention in event["mentions"]:
            shown[mention["article_id"]].add((mention["start"], mention["end"]))
    return shown


def test_pages_stay_up_and_whole_while_ingestion_commits(database_url: str, tmp_path: Path) -> None:
    upgrade_database(database_url)
    folder = tmp_path / "articles"
    Corpus(articles=120).write(folder, range(120))
    statuses: Counter[int] = Counter()
    responses: list[dict[str, Any]] = []
    with serve(database_url) as base:
        ingest = start_ingest(folder, database_url, batch_articles=2)

        def read() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while ingest.poll() is None:
                    for path in ("/api/events?limit=500", "/", "/state"):
                        response = client.get(path)
                        statuses[response.status_code] += 1
                        if path.startswith("/api/") and response.status_code == 200:
                            responses.append(response.json())

        readers = [threading.Thread(target=read) for _ in range(READERS)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        _, err = ingest.communicate(timeout=60)
    assert ingest.returncode == 0, err
    assert set(statuses) == {200}
    final = final_spans(database_url)
    assert len(final) == 120
    showing = [response for response in responses if response["data"]]
    assert len(showing) >= 10
    for response in showing:
        for article, spans in spans_shown(response).items():
            assert spans == final[article], article
