"""Fault tests: a real three-node Cassandra cluster whose nodes the tests stop and kill.

They run only when ``$KONG_ORM_TEST_CASSANDRA_CLUSTER_URL`` is set, which
``scripts/run-fault-tests`` does after starting the cluster
(``python -m tests.servers cassandra-cluster start``); otherwise they are
deselected, so the default test run needs no cluster. The figures they measure
are printed at the end of the run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.figures import FIGURES

CLUSTER_URL_VARIABLE = "KONG_ORM_TEST_CASSANDRA_CLUSTER_URL"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(CLUSTER_URL_VARIABLE):
        return
    faults = [item for item in items if item.path.is_relative_to(HERE)]
    if faults:
        config.hook.pytest_deselected(items=faults)
        items[:] = [item for item in items if item not in faults]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("fault figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name}: {value}")
