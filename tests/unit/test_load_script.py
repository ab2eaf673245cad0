"""``scripts/load`` runs every verb on a store and reports no unexpected error."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load"
VERBS = ("insert", "find", "find_all", "find_page", "count", "update", "delete")


def _calls_per_verb(output: str) -> dict[str, int]:
    rows = [line.split() for line in output.splitlines()]
    return {row[0]: int(row[1]) for row in rows if row and row[0] in VERBS}


def test_a_short_sqlite_run_calls_every_verb_without_unexpected_errors() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--backend", "sqlite", "--threads", "2", "--seconds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = _calls_per_verb(result.stdout)
    assert set(calls) == set(VERBS), result.stdout
    assert all(count > 0 for count in calls.values()), result.stdout
    assert "unexpected errors: 0" in result.stdout.splitlines(), result.stdout
