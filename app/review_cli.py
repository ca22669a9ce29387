"""`timeline user` and `timeline token`: the review desk's accounts, and
`timeline export-gold`: the reviewed events as a gold annotation."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from app.config import get_settings
from app.db import get_engine
from app.migrate import upgrade_database
from app.review import accounts

user_cli = typer.Typer(help="Editors of the review desk.", no_args_is_help=True)
token_cli = typer.Typer(
    help="API tokens for scripts (Authorization: Bearer).", no_args_is_help=True
)
out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)


def shown(text: object) -> str:
    from app.cli import shown as safe  # app.cli imports this module

    return safe(text)


@contextmanager
def database() -> Iterator[Session]:
    """A migrated database in one transaction; a refused account operation is one line
    on stderr and exit code 1."""
    from app.cli import opening_database

    url = get_settings().database_url
    with opening_database(url):
        upgrade_database(url)
        engine = get_engine()
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    except accounts.AccountError as error:
        err.print(f"[red]error[/] {shown(error)}")
        raise typer.Exit(1) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_cli.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Letters, digits, '.', '_' or '-'.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
) -> None:
    """Add an editor; the password is prompted for (twice), or read from stdin."""
    try:
        accounts.check_name(name)
        password = accounts.check_password(_read_password(password_stdin))
    except accounts.AccountError as error:
        err.print(f"[red]error[/] {shown(error)}")
        raise typer.Exit(1) from None
    with database() as session:
        accounts.add_editor(session, name, password)
    out.print(f"editor {shown(name)} added")


@user_cli.command("list")
def user_list() -> None:
    """Every editor, with their live tokens and sessions."""
    with database() as session:
        editors = accounts.list_editors(session)
    table = Table(title="Editors")
    for column in ("name", "added", "status", "tokens", "sessions"):
        table.add_column(column)
    for e in editors:
        status = f"removed {e.removed_at:%Y-%m-%d}" if e.removed_at else "active"
        table.add_row(
            shown(e.name), f"{e.created_at:%Y-%m-%d}", status, str(e.tokens), str(e.sessions)
        )
    out.print(table)


@user_cli.command("remove")
def user_remove(name: str) -> None:
    """Sign the editor out everywhere and revoke their tokens. Their actions stay in
    the audit log under their name, which is never given to anyone else."""
    with database() as session:
        accounts.remove_editor(session, name)
    out.print(f"editor {shown(name)} removed")


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The editor the token acts for.")],
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
) -> None:
    """Print a new API token (shown once: only its hash is stored)."""
    with database() as session:
        row, token = accounts.create_token(session, name, label)
        token_id = row.id
    err.print(
        f"token {token_id} for {shown(name)} (keep it secret; revoke: timeline token revoke {token_id})"
    )
    # Alone on stdout, so that `TOKEN=$(timeline token create ana)` works.
    print(token)


@token_cli.command("list")
def token_list(
    name: Annotated[str | None, typer.Argument(help="Only this editor's.")] = None,
) -> None:
    """Tokens with their editor, label, first characters and last use."""
    with database() as session:
        rows = accounts.list_tokens(session, name)
    table = Table(title="API tokens")
    for column in ("id", "editor", "label", "starts with", "created", "last used", "status"):
        table.add_column(column)
    for token, editor in rows:
        table.add_row(
            str(token.id),
            shown(editor),
            shown(token.label or ""),
            token.prefix + "…",
            f"{token.created_at:%Y-%m-%d}",
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
            f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active",
        )
    out.print(table)


@token_cli.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The id `token list` shows.")],
) -> None:
    """Revoke a token: it stops working at once."""
    with database() as session:
        accounts.revoke_token(session, token_id)
    out.print(f"token {token_id} revoked")


def export_gold(
    path: Annotated[Path, typer.Argument(help="The gold YAML to write; articles/ goes beside it.")],
) -> None:
    """Write the reviewed events as a gold annotation (../shared/corpus's schema), with
    the articles' texts, so that `timeline evaluate PATH` scores the extractor against
    the analysts' corrections."""
    from app.review.gold import export_gold as export

    with database() as session:
        report = export(session, path)
    out.print(
        f"{report.articles} article(s), {report.events} event(s) written to {shown(path)}; "
        f"{report.skipped} article(s) left out (events not reviewed yet)"
    )
