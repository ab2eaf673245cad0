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
    leaks = {name for name in _imported_modules(path) if name.split(".")[0] in DRIVERS}
    leaks |= {name for name in _imported_modules(path) if name.startswith("kong_orm.backends")}
    assert not leaks, f"{path.name} imports {sorted(leaks)}"
