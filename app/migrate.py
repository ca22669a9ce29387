"""Run the Alembic migrations from code (CLI `timeline db upgrade`, tests, make run), and
tell which revision a database is at.

Alembic is imported only to run migrations: the web workers only read revisions, and
importing Alembic cost each of them 11 MB of memory for good. Revisions are read from
the migration files' `revision` and `down_revision` assignments and the database's
`alembic_version` table, which is all Alembic itself reads for them
(tests/test_migrations.py checks that both agree).
"""

import ast
import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = PROJECT_ROOT / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default (migrations/env.py keeps it)


def migration_module(filename: str) -> ModuleType:
    """An earlier migration file as a module, for a later one that reuses its builders
    (a migration never changes once released, so reading them from it is reading them
    as they were). Migration files are not importable by name: they start with digits."""
    path = MIGRATIONS / "versions" / filename
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def alembic_config(database_url: str) -> "Config":
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade_database(database_url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def _assigned(tree: ast.Module, name: str) -> object:
    """The constant a module assigns to `name` at its top level (annotated or not)."""
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            only = node.targets[0]
            target, value = (only.id if isinstance(only, ast.Name) else ""), node.value
        else:
            continue
        if target == name and value is not None:
            return ast.literal_eval(value)
    raise ValueError(f"no {name} in this migration")


@cache
def _revisions() -> dict[str, str | None]:
    """revision -> the revision it follows, from every migration file."""
    found: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        revision, down = _assigned(tree, "revision"), _assigned(tree, "down_revision")
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
            raise ValueError(f"{path.name}: a revision and the one it follows are strings")
        found[revision] = down
    return found


def head_revision() -> str | None:
    """The revision this code's models match: the one no other migration follows."""
    revisions = _revisions()
    heads = set(revisions) - set(revisions.values())
    if len(heads) > 1:
        raise ValueError(f"the migrations have several heads: {', '.join(sorted(heads))}")
    return next(iter(heads), None)


def known_revisions() -> set[str]:
    return set(_revisions())


def current_revision(connection: Connection) -> str | None:
    """The database's revision; None for a database the migrations never ran on."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
