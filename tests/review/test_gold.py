"""`timeline export-gold`: the analysts' corrections as a gold file `evaluate` scores."""

from pathlib import Path

import yaml
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import get_engine
from app.evaluate import evaluate
from app.ingest.runner import ingest_paths
from app.migrate import upgrade_database
from app.models import Article, Event, Mention
from app.review import actions
from app.review.actions import Editor
from tests.conftest import SEEDS_DIR

ANA = Editor("ana")


def test_export_then_evaluate_scores_the_extractor_against_the_corrections(
    cli_database: str, tmp_path: Path
) -> None:
    upgrade_database(cli_database)
    engine = get_engine()
    ingest_paths([SEEDS_DIR], engine)
    with Session(engine) as session:
        pairs = set(session.exec(select(Mention.event_id, Mention.article_id)).all())
        ids = sorted({event_id for event_id, _ in pairs})
        actors = {e.id: e.actor_id for e in session.exec(select(Event))}
    rejected, edited, *confirmed = ids
    new_actor = "japan" if actors[edited] != "japan" else "canada"
    with Session(engine) as session, session.begin():
        actions.reject(session, rejected, ANA)
        actions.edit(session, edited, ANA, {"actor": new_actor, "date": "2022"})
        for event_id in confirmed:
            actions.confirm(session, event_id, ANA)
    gold_path = tmp_path / "reviewed" / "gold.yaml"
    result = CliRunner().invoke(cli, ["export-gold", str(gold_path)])
    assert result.exit_code == 0, result.output
    told = {event_id: sum(1 for e, _ in pairs if e == event_id) for event_id in ids}
    exported = sum(told[i] for i in ids if i != rejected)
    assert result.output.startswith(f"5 article(s), {exported} event(s) written to ")
    entries = yaml.safe_load(gold_path.read_text("utf-8"))
    with Session(engine) as session:
        articles = {a.id: a for a in session.exec(select(Article))}
    assert [e["file"] for e in entries] == [f"{i}.md" for i in sorted(articles)]
    assert [e["sha256_16"] for e in entries] == [
        articles[i].content_hash[:16] for i in sorted(articles)
    ]
    japan = [ev for e in entries for ev in e["events"] if ev["actor"] in ("Japan", "Canada")]
    assert {ev["date"] for ev in japan} == {"2022"}
    first = entries[0]["id"]
    assert (
        (gold_path.parent / "articles" / f"{first}.md")
        .read_text("utf-8")
        .endswith(articles[first].text)
    )

    report = evaluate(gold_path)
    overall = report.overall
    # The extractor's readings of confirmed events match their gold; the rejected event
    # and the one whose actor was corrected are false positives where they are told, the
    # corrected event a miss there.
    expected_tp = sum(told[i] for i in confirmed)
    assert (overall.tp, overall.fp, overall.fn) == (
        expected_tp,
        told[rejected] + told[edited],
        told[edited],
    )
    assert report.missing_articles == []


def test_articles_with_unreviewed_events_are_left_out(cli_database: str, tmp_path: Path) -> None:
    upgrade_database(cli_database)
    ingest_paths([SEEDS_DIR], get_engine())
    result = CliRunner().invoke(cli, ["export-gold", str(tmp_path / "gold.yaml")])
    assert result.exit_code == 0
    assert result.output.startswith("0 article(s), 0 event(s) written to ")
    assert "5 article(s) left out (events not reviewed yet)" in result.output.replace("\n", " ")
    assert yaml.safe_load((tmp_path / "gold.yaml").read_text("utf-8")) == []
