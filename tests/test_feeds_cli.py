"""`timeline ingest URL...` and `timeline feeds poll|list`, end to end against a local
server and a temporary database."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from tests.local_server import LocalServer, Route, article, rss
from tests.test_cli import counts, summary_value

runner = CliRunner()
RSS_TYPE = "application/rss+xml"
pytestmark = pytest.mark.usefixtures("cli_database")


def stored_articles() -> int:
    return counts(get_settings().database_url)[0]


@pytest.fixture(autouse=True)
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_RETRIES", "0")
    monkeypatch.setenv("HTTP_READ_TIMEOUT", "2")


def feeds_file(tmp_path: Path, *feeds: tuple[str, str]) -> str:
    path = tmp_path / "feeds.yaml"
    lines = ["feeds:"] + [f"  - name: '{name}'\n    url: {url}" for name, url in feeds]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return str(path)


def test_ingest_mixes_urls_and_files(local_server: LocalServer, tmp_path: Path) -> None:
    url = local_server.route("/a.html", Route(article(1)))
    note = tmp_path / "note.md"
    note.write_text("---\npublished: 2024-05-30\n---\nLe ministre a parlé.\n", "utf-8")
    result = runner.invoke(cli, ["ingest", "--allow-private", url, str(note)])
    assert result.exit_code == 0, result.output
    assert (summary_value(result.output, "files read"), stored_articles()) == (2, 2)


def test_ingest_fetches_a_url_once_without_its_tracking(local_server: LocalServer) -> None:
    url = local_server.route("/a.html", Route(article(1)))
    result = runner.invoke(cli, ["ingest", "--allow-private", url, url + "?utm_source=x#top"])
    assert (result.exit_code, summary_value(result.output, "files read")) == (0, 1)
    assert local_server.hits("/a.html") == 1


def test_ingest_refuses_a_private_address_without_the_flag(local_server: LocalServer) -> None:
    url = local_server.route("/a.html", Route(article(1)))
    result = runner.invoke(cli, ["ingest", url])
    assert result.exit_code == 1
    assert f"{url}: refused: 127.0.0.1 is a loopback address (127.0.0.1)" in result.output
    assert local_server.requests == []


def test_ingest_names_an_unsupported_scheme() -> None:
    result = runner.invoke(cli, ["ingest", "ftp://news.example/a.html"])
    assert result.exit_code == 1
    assert "ftp://news.example/a.html: unsupported URL scheme 'ftp'" in result.output


def test_poll_ingests_then_list_shows_the_feed(local_server: LocalServer, tmp_path: Path) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    url = local_server.route("/rss.xml", Route(rss([("Un", a)]), content_type=RSS_TYPE))
    path = feeds_file(tmp_path, ("Gazette", url))
    result = runner.invoke(cli, ["feeds", "poll", "--feeds", path, "--allow-private"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "Gazette" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    # feed, status, entries, new, known, failed, events created, events merged
    assert cells == ["Gazette", "ok", "1", "1", "0", "0", "1", "0"]
    listed = runner.invoke(cli, ["feeds", "list", "--feeds", path])
    row = next(line for line in listed.output.splitlines() if "Gazette" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    # feed, last poll, status, new (last poll), articles, retries
    assert (cells[0], *cells[2:]) == ("Gazette", "ok", "1", "1", "0")


def test_poll_exits_non_zero_and_names_the_failed_feed(
    local_server: LocalServer, tmp_path: Path
) -> None:
    a = local_server.route("/a.html", Route(article(1)))
    good = local_server.route("/rss.xml", Route(rss([("Un", a)]), content_type=RSS_TYPE))
    path = feeds_file(tmp_path, ("Gone", local_server.url("/gone.xml")), ("Good", good))
    result = runner.invoke(cli, ["feeds", "poll", "--feeds", path, "--allow-private"])
    assert result.exit_code == 1
    assert "  Gone: HTTP 404 Not Found" in result.output
    assert stored_articles() == 1


def test_names_from_input_are_printed_as_text_not_markup(
    local_server: LocalServer, tmp_path: Path
) -> None:
    path = feeds_file(tmp_path, ("[bold]Gazette[/bold]", local_server.url("/gone.xml")))
    result = runner.invoke(cli, ["feeds", "poll", "--feeds", path, "--allow-private"])
    assert "  [bold]Gazette[/bold]: HTTP 404 Not Found" in result.output


def test_poll_without_a_feeds_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "feeds.yaml"
    result = runner.invoke(cli, ["feeds", "poll", "--feeds", str(missing)])
    assert result.exit_code == 2
    assert f"error {missing}: no such feeds file (see README, News feeds)" in result.output


def test_poll_every_refuses_a_bad_interval(tmp_path: Path) -> None:
    path = feeds_file(tmp_path, ("Gazette", "https://news.example/rss"))
    result = runner.invoke(cli, ["feeds", "poll", "--feeds", path, "--every", "soon"])
    assert result.exit_code == 2
    assert "invalid interval 'soon'" in result.output
