"""An ingestion run as a whole: file types, failures that stay per file, workers."""

import datetime as dt
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.ingest.runner import IngestReport, ingest_paths
from app.models import Article
from tests.conftest import REPO_ROOT

TODAY = dt.date(2024, 6, 1)
PARAGRAPH = "Le gouvernement a annoncé une nouvelle aide militaire pour les forces armées. "


def run(engine: Engine, *paths: Path, **options: object) -> IngestReport:
    return ingest_paths(list(paths), engine, today=TODAY, **options)  # type: ignore[arg-type]


def statuses(report: IngestReport) -> list[tuple[str, str, str | None]]:
    return [(Path(o.path).name, o.status, o.reason) for o in report.outcomes]


def test_html_reading_dependencies_are_declared() -> None:
    """trafilatura's fallback (jusText) imports lxml.html.clean, a separate package
    since lxml 5.2: without it every .html file fails with an ImportError."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(line) for line in pyproject["project"]["dependencies"]]
    assert any(
        r.name == "lxml-html-clean" or (r.name == "lxml" and "html_clean" in r.extras)
        for r in requirements
    )


def test_html_file_is_ingested_through_trafilatura(engine: Engine, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html lang='fr'><head><title>Aide militaire</title>"
        "<meta property='og:site_name' content='Le Quotidien'>"
        "<meta property='article:published_time' content='2024-05-30T08:00:00Z'></head>"
        "<body><nav><a href='/'>Accueil</a></nav><article><h1>Aide militaire</h1>"
        f"<p>{PARAGRAPH * 4}</p><p>{PARAGRAPH * 3}</p></article></body></html>",
        encoding="utf-8",
    )
    report = run(engine, page)
    assert statuses(report) == [("page.html", "new", None)]
    with Session(engine) as session:
        stored = session.exec(select(Article)).one()
    assert (stored.title, stored.outlet, stored.published) == (
        "Aide militaire",
        "Le Quotidien",
        dt.date(2024, 5, 30),
    )
