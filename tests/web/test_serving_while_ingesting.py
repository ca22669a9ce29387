"""The site under load while `timeline ingest` writes: no 5xx, and no read sees half
an article (each response is one committed state: an article it shows has all its
mentions)."""

from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.db import make_engine
from app.migrate import upgrade_database
from app.models import Mention
from bench.corpus import Corpus
from tests.processes import start_ingest
from tests.web.live import read_until, serve


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
    with serve(database_url) as base:
        ingest = start_ingest(folder, database_url, batch_articles=2)
        replies = read_until(
            base, ["/api/events?limit=500", "/", "/state"], lambda: ingest.poll() is not None
        )
        _, err = ingest.communicate(timeout=60)
    assert ingest.returncode == 0, err
    assert {reply.status for reply in replies} == {200}
    final = final_spans(database_url)
    assert len(final) == 120
    showing = [reply.json for reply in replies if reply.json and reply.json["data"]]
    assert len(showing) >= 10
    for response in showing:
        for article, spans in spans_shown(response).items():
            assert spans == final[article], article
