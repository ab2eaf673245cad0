"""The README's first command works on the embedded SQLite default."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import kong_orm

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def _run_quickstart(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLE)], cwd=cwd, capture_output=True, text=True)


def test_quickstart_runs_without_a_server(tmp_path: Path) -> None:
    first = _run_quickstart(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "migrations applied for: core, acl, basic-auth" in first.stdout
    assert "key-auth credential of alice: a generated key of 32 characters" in first.stdout
    assert "second alice refused: username=already exists with value 'alice'" in first.stdout
    assert "after deleting the api, plugins left: 0" in first.stdout
    assert (tmp_path / "quickstart.db").exists()
    again = _run_quickstart(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already up to date" in again.stdout


def test_quickstart_leaves_the_default_store_alone(tmp_path: Path) -> None:
    default = tmp_path / "kong_orm.db"
    with kong_orm.create_factory(f"sqlite:///{default}") as factory:
        factory.run_migrations()
        factory.consumers.insert({"username": "someone-elses"})
    result = _run_quickstart(tmp_path)
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(default)) as connection:
        assert connection.execute("SELECT username FROM consumers").fetchall() == [("someone-elses",)]
