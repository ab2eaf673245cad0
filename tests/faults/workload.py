"""What the fault tests do to the cluster: every DAO verb once, a call that must not
hang, and a writer that keeps inserting and remembers what was acknowledged."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest

from kong_orm import DAOFactory
from kong_orm.errors import DatabaseError, UniqueError

UPSTREAM = "http://upstream.example.com"
PLUGIN = "cors"
"""A plugin with no entities of its own: the scenario needs only the core tables."""
Row = dict[str, Any]


def new_api(factory: DAOFactory, tag: str) -> Row:
    row: Row = factory.dao("apis").insert(
        {"name": f"{tag}-api", "request_host": f"{tag}.example.com", "upstream_url": UPSTREAM}
    )
    return row


def every_verb(factory: DAOFactory, tag: str) -> dict[str, float]:
    """Use every verb once (unique conflicts and a cascade included); return seconds per verb."""
    apis, consumers, plugins = factory.dao("apis"), factory.dao("consumers"), factory.dao("plugins")
    took: dict[str, float] = {}

    def timed(verb: str, call: Callable[[], Any]) -> Any:
        began = time.monotonic()
        try:
            return call()
        finally:
            took[verb] = max(took.get(verb, 0.0), time.monotonic() - began)

    consumer = timed("insert", lambda: consumers.insert({"username": f"{tag}-user"}))
    with pytest.raises(UniqueError):
        timed("insert", lambda: consumers.insert({"username": f"{tag}-user"}))
    api = timed("insert", lambda: new_api(factory, tag))
    plugin = timed("insert", lambda: plugins.insert({"name": PLUGIN, "api_id": api["id"]}))
    with pytest.raises(UniqueError):
        timed("insert", lambda: plugins.insert({"name": PLUGIN, "api_id": api["id"]}))
    assert timed("find", lambda: apis.find({"id": api["id"]})) == api
    assert timed("find_all", lambda: apis.find_all({"name": api["name"]})) == [api]
    assert timed("find_page", lambda: plugins.find_page({"api_id": api["id"]}, size=10)) == ([plugin], None)
    assert timed("count", lambda: apis.count({"request_host": api["request_host"]})) == 1
    renamed = timed("update", lambda: apis.update({"name": f"{tag}-renamed"}, {"id": api["id"]}))
    assert renamed == {**api, "name": f"{tag}-renamed"}
    assert timed("find_all", lambda: apis.find_all({"name": api["name"]})) == []
    assert timed("delete", lambda: apis.delete({"id": api["id"]})) == renamed
    assert timed("find_all", lambda: plugins.find_all({"api_id": api["id"]})) == []
    assert timed("delete", lambda: consumers.delete({"id": consumer["id"]})) == consumer
    return took


@dataclass
class Outcome:
    """How a call went: its duration, and its result or what it raised."""

    seconds: float = 0.0
    result: Any = None
    error: BaseException | None = None


def bounded_call(call: Callable[[], Any], limit: float) -> Outcome:
    """Run ``call`` in a thread and say how it went. A call still running after
    ``limit`` seconds fails the test: it hangs."""
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.result = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            outcome.error = exc

    began = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"call still running after {limit:.0f} s: it hangs")
    outcome.seconds = time.monotonic() - began
    return outcome


@dataclass
class Writer:
    """Inserts an API and a plugin of it, again and again, in a thread of its own."""

    factory: DAOFactory
    pause: float = 0.02
    acknowledged_apis: list[Row] = field(default_factory=list)
    acknowledged_plugins: list[Row] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    unexpected: list[BaseException] = field(default_factory=list)
    slowest_call: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        number = 0
        while not self._stop.wait(self.pause):
            number += 1
            api = self._insert("apis", partial(new_api, self.factory, f"writer-{number}"))
            if api is not None:
                self.acknowledged_apis.append(api)
                plugin = self._insert("plugins", partial(self._plugin_of, api))
                if plugin is not None:
                    self.acknowledged_plugins.append(plugin)

    def _plugin_of(self, api: Row) -> Row:
        row: Row = self.factory.dao("plugins").insert({"name": PLUGIN, "api_id": api["id"]})
        return row

    def _insert(self, entity: str, call: Callable[[], Row]) -> Row | None:
        began = time.monotonic()
        try:
            return call()
        except DatabaseError:
            self.refused[entity] += 1
        except Exception as exc:  # noqa: BLE001 - any other error is a finding, reported by the test
            self.unexpected.append(exc)
        finally:
            self.slowest_call = max(self.slowest_call, time.monotonic() - began)
        return None
