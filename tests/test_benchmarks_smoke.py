"""The benchmarks' smoke modes run end to end and report every op.

No timing is asserted: only that the table and the JSON are complete and
hold positive figures (``n/a`` where kong_orm does not offer an op).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale import OPS as SCALE_OPS
from benchmarks.workload import OPS

ROOT = Path(__file__).resolve().parents[1]


def run_smoke(tmp_path: Path, module: str = "benchmarks", *arguments: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "smoke.json"
    command = [sys.executable, "-m", module, "--smoke", "--no-pin", "--json", str(out), *arguments]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())


def test_smoke_reports_every_op_of_every_contender_with_positive_figures(tmp_path: Path) -> None:
    stdout, report = run_smoke(tmp_path)

    sqlite = report["backends"]["sqlite"]
    assert sqlite["contenders"] == ["kong_orm", "sqlite3", "core", "orm"]
    for threads in ("1", "2"):
        ops = sqlite["threads"][threads]["ops"]
        assert list(ops) == list(OPS)
        for op, by_contender in ops.items():
            for name, figures in by_contender.items():
                if figures is None:
                    assert name == "kong_orm" and op in ("insert_many", "stream"), (op, name)
                    continue
                assert figures["median_us"] > 0 and figures["p90_us"] >= figures["median_us"], (op, name)
    table_ops = [line.split()[0] for line in stdout.splitlines() if line.split()[:1] and line.split()[0] in OPS]
    assert table_ops == list(OPS) * 2


def test_scale_smoke_reports_every_size_op_and_streaming_run(tmp_path: Path) -> None:
    stdout, report = run_smoke(tmp_path, "benchmarks.scale")

    sizes = report["backends"]["sqlite"]["sizes"]
    assert list(sizes) == ["30", "120"]
    for size, figures in sizes.items():
        assert figures["middle_page_agrees"], size
        assert list(figures["calls"]) == list(SCALE_OPS)
        for op, by_contender in figures["calls"].items():
            assert list(by_contender) == ["kong_orm", "sqlite3"]
            for name, found in by_contender.items():
                assert found["median_us"] > 0 and found["p90_us"] >= found["median_us"], (size, op, name)
        stream = figures["stream"]
        assert [run["rows"] for runs in stream["runs"].values() for run in runs] == [int(size)] * 2
        assert stream["rows_per_s"]["kong_orm"] > 0 and stream["growth_mb"]["kong_orm"] >= 0
    stream_lines = [line.split() for line in stdout.splitlines() if line.startswith("stream ")]
    assert [words[1] for words in stream_lines if words[1].isdigit()] == ["30", "120"]


@pytest.mark.only_on("postgres")
def test_every_postgres_contender_runs_every_op(tmp_path: Path) -> None:
    url = os.environ["KONG_ORM_TEST_POSTGRES_URL"]  # the tests' database: the run empties kong_orm's tables
    _, report = run_smoke(tmp_path, "benchmarks", "--backend", "postgres", "--postgres-url", url, "--threads", "1")

    postgres = report["backends"]["postgres"]
    assert postgres["contenders"] == ["kong_orm", "psycopg2", "core", "orm"]
    for op, by_contender in postgres["threads"]["1"]["ops"].items():
        for name, figures in by_contender.items():
            assert figures is not None and figures["median_us"] > 0, (op, name, figures)
