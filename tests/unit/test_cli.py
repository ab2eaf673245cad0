"""The kong-orm command: a line per migration, list, reset, check and its exit codes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kong_orm.cli import EXIT_ERROR, EXIT_PENDING, main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_up_prints_a_line_per_migration_then_nothing_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, _ = _run(capsys, "--url", url, "--plugins", "key-auth,acl", "migrations", "up")
    assert code == 0
    assert out.splitlines() == [
        "core: applied 0001_core_schema",
        "core: applied 0002_core_ttl",
        "acl: applied 0001_acl",
        "acl: applied 0002_acl_ttl",
        "key-auth: applied 0001_key_auth",
        "key-auth: applied 0002_key_auth_ttl",
    ]
    assert _run(capsys, "--url", url, "--plugins", "key-auth,acl", "migrations", "up")[1] == "database is up to date\n"


def test_check_says_whether_the_schema_is_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'check.db'}"
    code, out, _ = _run(capsys, "--url", url, "--plugins", "jwt", "check")
    assert code == EXIT_PENDING
    assert "core: lacks 0001_core_schema" in out and "jwt: lacks 0001_jwt" in out
    assert out.splitlines()[-1] == "sqlite: reachable, migrations pending: run 'kong-orm migrations up'"
    _run(capsys, "--url", url, "--plugins", "jwt", "migrations", "up")
    assert _run(capsys, "--url", url, "--plugins", "jwt", "check") == (0, "sqlite: reachable, schema current\n", "")
    code, out, _ = _run(capsys, "--url", url, "--plugins", "jwt,acl", "check")
    assert code == EXIT_PENDING and out.splitlines()[0] == "acl: lacks 0001_acl"


def test_check_and_list_leave_a_missing_sqlite_file_uncreated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mistyped.db"
    code, out, _ = _run(capsys, "--url", f"sqlite:///{path}", "--plugins", "", "check")
    assert code == EXIT_PENDING and out.splitlines()[0] == "core: lacks 0001_core_schema"
    assert _run(capsys, "--url", f"sqlite:///{path}", "--plugins", "", "migrations", "list")[1].splitlines()[-1] == (
        "no migrations applied"
    )
    assert list(tmp_path.iterdir()) == []


def test_list_and_reset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'list.db'}"
    assert _run(capsys, "--url", url, "--plugins", "", "migrations", "list")[1].splitlines() == [
        "core: lacks 0001_core_schema",
        "core: lacks 0002_core_ttl",
        "no migrations applied",
    ]
    _run(capsys, "--url", url, "--plugins", "", "migrations", "up")
    assert _run(capsys, "--url", url, "--plugins", "", "migrations", "list")[1].splitlines() == [
        "core: has 0001_core_schema",
        "core: has 0002_core_ttl",
    ]
    assert _run(capsys, "--url", url, "migrations", "reset")[1] == "schema dropped\n"


def test_errors_exit_non_zero_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--url", f"sqlite:///{tmp_path / 'x.db'}", "--plugins", "nope", "check")
    assert code == EXIT_ERROR and err.startswith("kong-orm: unknown plugin 'nope'; known: ")
    code, _, err = _run(capsys, "--url", "postgresql://kong:secret@127.0.0.1:1/kong?timeout=1", "check")
    assert code == EXIT_ERROR and err.startswith("kong-orm: [postgres error] ") and "secret" not in err


@pytest.mark.parametrize(
    "text, message",
    [
        (None, "kong-orm: cannot read config file "),
        ("database: sqlite\nsqlite: {path: [unclosed\n", "kong-orm: "),
        ("database: postgres\npostgres: {port: .inf}\n", "kong-orm: option 'port' takes a port number"),
    ],
)
def test_a_bad_config_file_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, message: str
) -> None:
    path = tmp_path / "kong.yml"
    if text is not None:
        path.write_text(text)
    code, out, err = _run(capsys, "--config", str(path), "check")
    assert code == EXIT_ERROR and out == ""
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'module.db'}"
    done = subprocess.run([sys.executable, "-m", "kong_orm", "--url", url, "--plugins", "", "check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == EXIT_PENDING
    assert done.stdout.splitlines() == [
        "core: lacks 0001_core_schema",
        "core: lacks 0002_core_ttl",
        "sqlite: reachable, migrations pending: run 'kong-orm migrations up'",
    ]
