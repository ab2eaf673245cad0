"""The centre stays backend-neutral: no store's driver is imported there."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kong_orm"
CENTRE = [
    path
    for path in PACKAGE.rglob("*.py")
    # migrations are scripts for one store each, run by that store's backend
    if not {"backends", "testing", "migrations"} & set(path.relative_to(PACKAGE).parts)
]
DRIVERS = ("sqlalchemy", "alembic", "cassandra", "psycopg2")
# SQLAlchemy is a core dependency: its URL parser reads every backend's URLs in
# config.py (several hosts, IPv6, escaped passwords). Engines, SQL and the rest of
# SQLAlchemy stay in backends/sql.
URL_PARSER = {"config.py": {"sqlalchemy.engine.url", "sqlalchemy.exc"}}


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", CENTRE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_centre_module_imports_no_driver(path: Path) -> None:
    allowed = URL_PARSER.get(str(path.relative_to(PACKAGE)), set())
    leaks = {name for name in _imported_modules(path) if name.split(".")[0] in DRIVERS and name not in allowed}
    leaks |= {name for name in _imported_modules(path) if name.startswith("kong_orm.backends")}
    assert not leaks, f"{path.name} imports {sorted(leaks)}"
