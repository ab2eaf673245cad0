"""The benchmark's smoke mode on the test node: every Cassandra contender runs the ops it offers.

No timing is asserted, only that each offered op has positive figures.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.workload import OPS
from tests.cassandra.conftest import cassandra_url, fresh_keyspace

ROOT = Path(__file__).resolve().parents[2]
WRITES = {"insert", "update", "delete"}
OFFERED = {
    "kong_orm": set(OPS),
    "driver": set(OPS),
    "driver LWT": WRITES | {"insert_many"},
    "cqlengine": set(OPS),
    "cqlengine LWT": WRITES,
}


def _with_keyspace(url: str, keyspace: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{keyspace}"))


def test_every_cassandra_contender_runs_the_ops_it_offers(tmp_path: Path, dropped_keyspaces: list[str]) -> None:
    keyspace = fresh_keyspace()
    dropped_keyspaces.append(keyspace)
    out = tmp_path / "smoke.json"
    command = [sys.executable, "-m", "benchmarks", "--smoke", "--no-pin", "--threads", "1", "--backend", "cassandra",
               "--cassandra-url", _with_keyspace(cassandra_url(), keyspace), "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr

    cassandra = json.loads(out.read_text())["backends"]["cassandra"]
    assert cassandra["contenders"] == list(OFFERED)
    ops = cassandra["threads"]["1"]["ops"]
    for op, by_contender in ops.items():
        for name, figures in by_contender.items():
            if op in OFFERED[name]:
                assert figures is not None and figures["median_us"] > 0, (op, name, figures)
            else:
                assert figures is None, (op, name)
