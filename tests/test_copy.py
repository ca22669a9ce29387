"""`timeline db copy`: a database moved to another (SQLite to PostgreSQL under
`make test-postgres`), ids as they are, full-text search and ingestion going on."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from app.cli import cli
from app.copy import CopyError, copy_database
from app.db import make_engine
from app.ingest.runner import ingest_paths
from app.migrate import upgrade_database
from app.models import (
    KEPT_BY_TRIGGERS,
    Article,
    Event,
    EventAlias,
    EventPlace,
    EventWeapon,
    Mention,
)
from app.web import queries
from app.web.filters import build_filter
from bench.corpus import Corpus
from tests import facets
from tests.conftest import SEEDS_DIR


@pytest.fixture
def seeded(sqlite_url: str) -> Iterator[Engine]:
    """A SQLite database holding the seeds and generated articles (merged events, so
    aliases too)."""
    upgrade_database(sqlite_url)
    engine = make_engine(sqlite_url)
    ingest_paths([SEEDS_DIR], engine)
    yield engine
    engine.dispose()


def contents(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    tables = {
        "article": select(Article.id, Article.content_hash, Article.text),
        "event": select(Event.id, Event.summary, Event.date, Event.confidence),
        "mention": select(Mention.key, Mention.event_id, Mention.weapons, Mention.weapon_key),
        "eventalias": select(EventAlias.id, EventAlias.event_id),
        "eventweapon": select(EventWeapon.event_id, EventWeapon.weapon_id),
        "eventplace": select(EventPlace.event_id, EventPlace.place_id),
    }
    with Session(engine) as session:
        return {name: sorted(tuple(r) for r in session.execute(q)) for name, q in tables.items()}


def search(engine: Engine, q: str) -> list[str]:
    with Session(engine) as session:
        rows = queries.list_events(session=session, filter=build_filter(q=q), limit=50)
        return [row.id for row in rows]


def test_copy_moves_every_row_with_its_ids(seeded: Engine, engine: Engine, tmp_path: Path) -> None:
    Corpus(articles=30).write(tmp_path / "more", range(30))
    ingest_paths([tmp_path / "more"], seeded)
    report = copy_database(seeded, engine)
    copied = contents(engine)
    assert copied == contents(seeded)
    assert copied["eventalias"]  # merges happened: old ids keep resolving after the move
    assert report.rows["article"] == 35
    assert report.rows["mention"] == len(copied["mention"])
    assert search(engine, "stoltenberg") == search(seeded, "stoltenberg") != []


def test_ingestion_goes_on_after_a_copy(seeded: Engine, engine: Engine, tmp_path: Path) -> None:
    copy_database(seeded, engine)
    report = ingest_paths(Corpus(articles=5).write(tmp_path / "new", range(5)), engine)
    assert report.count("new") == 5
    with Session(engine) as session:
        ids = list(session.execute(select(Mention.id)).scalars())
    assert (
        len(ids)
        == len(set(ids))
        == len(contents(seeded)["mention"])
        + sum(o.events_created + o.events_merged for o in report.outcomes)
    )


def test_copy_into_a_database_with_articles_is_refused(seeded: Engine, engine: Engine) -> None:
    ingest_paths([SEEDS_DIR / "000_a5209e75cfa655fd.md"], engine)
    with pytest.raises(CopyError, match=r"^this database already holds 1 article\(s\): "):
        copy_database(seeded, engine)
    assert contents(engine)["article"] == [
        row for row in contents(seeded)["article"] if row[0] == contents(engine)["article"][0][0]
    ]


def test_copy_command_names_each_table(seeded: Engine, cli_database: str) -> None:
    result = CliRunner().invoke(cli, ["db", "copy", str(seeded.url)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "article: 5 rows" in lines
    with seeded.connect() as connection:
        total = sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if not table.info.get(KEPT_BY_TRIGGERS)  # the target's triggers fill those
        )
    assert lines[-1].startswith(f"copied {total} rows from {seeded.url} in ")
    target = make_engine(cli_database)
    assert contents(target) == contents(seeded)
    target.dispose()


def test_a_copy_has_the_facet_counts_of_its_source(seeded: Engine, engine: Engine) -> None:
    """The target's triggers count the copied events (the counts are not copied twice)."""
    copy_database(seeded, engine)
    assert facets.stored(engine) == facets.stored(seeded)
    assert facets.stored(engine)["eventoutlet"]
    facets.assert_counts_right(engine)
