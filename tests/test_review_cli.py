"""`timeline user` and `timeline token` end to end on a temporary database."""

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine
from app.models import ApiToken, Editor
from app.review.accounts import digest

runner = CliRunner()
PASSWORD = "correct horse battery"


def _editors(url: str) -> list[Editor]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = list(session.exec(select(Editor)))
    engine.dispose()
    return rows


def test_user_add_reads_the_password_from_stdin(cli_database: str) -> None:
    result = runner.invoke(cli, ["user", "add", "ana", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output == "editor ana added\n"
    (editor,) = _editors(cli_database)
    assert editor.name == "ana" and editor.password_hash.startswith("$argon2id$")


def test_user_add_prompts_twice_and_never_echoes_the_password(cli_database: str) -> None:
    result = runner.invoke(cli, ["user", "add", "ana"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert [e.name for e in _editors(cli_database)] == ["ana"]


def test_user_add_refuses_a_short_password_and_adds_nobody(cli_database: str) -> None:
    runner.invoke(cli, ["db", "upgrade"])
    result = runner.invoke(cli, ["user", "add", "ana", "--password-stdin"], input="tiny\n")
    assert result.exit_code == 1
    assert "the password is too short: at least 10 characters" in result.output
    assert _editors(cli_database) == []


def test_user_list_and_remove(cli_database: str) -> None:
    runner.invoke(cli, ["user", "add", "ana", "--password-stdin"], input=PASSWORD + "\n")
    removed = runner.invoke(cli, ["user", "remove", "ana"])
    assert removed.exit_code == 0 and removed.output == "editor ana removed\n"
    listed = runner.invoke(cli, ["user", "list"])
    row = next(line for line in listed.output.splitlines() if " ana " in line)
    assert "removed" in row
    again = runner.invoke(cli, ["user", "remove", "ana"])
    assert again.exit_code == 1 and "the editor 'ana' was removed on" in again.output


def test_token_create_prints_the_token_alone_on_stdout_and_stores_its_hash(
    cli_database: str,
) -> None:
    runner.invoke(cli, ["user", "add", "ana", "--password-stdin"], input=PASSWORD + "\n")
    result = runner.invoke(cli, ["token", "create", "ana", "--label", "nightly"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("tlt_") and "\n" not in token
    engine = make_engine(cli_database)
    with Session(engine) as session:
        row = session.exec(select(ApiToken)).one()
    engine.dispose()
    assert (row.token_hash, row.label, row.revoked_at) == (digest(token), "nightly", None)


def test_token_revoke_then_list_shows_it_revoked(cli_database: str) -> None:
    runner.invoke(cli, ["user", "add", "ana", "--password-stdin"], input=PASSWORD + "\n")
    runner.invoke(cli, ["token", "create", "ana"])
    assert runner.invoke(cli, ["token", "revoke", "1"]).output == "token 1 revoked\n"
    listed = runner.invoke(cli, ["token", "list", "ana"])
    assert "revoked" in listed.output
    missing = runner.invoke(cli, ["token", "revoke", "9"])
    assert missing.exit_code == 1 and "no token has the id 9" in missing.output


def test_token_create_for_an_unknown_editor_fails(cli_database: str) -> None:
    result = runner.invoke(cli, ["token", "create", "zoe"])
    assert result.exit_code == 1 and "no editor is named 'zoe'" in result.output
