"""The README's first command works on the embedded SQLite default."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def test_quickstart_runs_without_a_server(tmp_path: Path) -> None:
    first = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "migrations applied for: core, acl, basic-auth" in first.stdout
    assert "key-auth credential of alice: a generated key of 32 characters" in first.stdout
    assert "second alice refused: username=already exists with value 'alice'" in first.stdout
    assert "after deleting the api, plugins left: 0" in first.stdout
    assert (tmp_path / "kong_orm.db").exists()
    again = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "already up to date" in again.stdout
