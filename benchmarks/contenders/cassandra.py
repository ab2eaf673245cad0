"""Cassandra baselines: prepared statements on a cassandra-driver ``Session``
(plain writes, and lightweight-transaction writes), and plain cqlengine models.

Each contender has a cluster connection of its own, at consistency ONE as
kong_orm's default, protocol v5.
"""
from __future__ import annotations

import datetime
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.cqlengine import columns
from cassandra.cqlengine import connection as cqlengine_connection
from cassandra.cqlengine.models import Model
from cassandra.cqlengine.query import BatchQuery, BatchType

from benchmarks.contenders import TIMEOUT, Admin, Contender
from benchmarks.workload import COLUMNS, Row, steps

_COLS = ", ".join(COLUMNS)
STREAM_FETCH_SIZE = 1000
SETTLE_LIMIT = 900.0
"""Seconds to wait at most for the compactions a load started."""


def parse_url(url: str) -> tuple[list[str], int, str]:
    """Contact points, port and keyspace of a ``cassandra://`` URL."""
    parts = urlsplit(url)
    hosts = (parts.hostname or "127.0.0.1").split(",")
    return hosts, parts.port or 9042, parts.path.strip("/") or "kong"


def connect(url: str) -> tuple[Any, Any]:
    hosts, port, _ = parse_url(url)
    profile = ExecutionProfile(consistency_level=ConsistencyLevel.ONE, request_timeout=TIMEOUT)
    cluster = Cluster(hosts, port=port, protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    return cluster, cluster.connect()


class Driver(Contender):
    """Prepared statements; writes without conditions."""

    name = "driver"
    condition = ""

    def __init__(self, url: str) -> None:
        self.cluster, self.session = connect(url)
        table = f"{parse_url(url)[2]}.consumers"
        prepare = self.session.prepare
        self._insert = prepare(f"INSERT INTO {table} ({_COLS}) VALUES (?, ?, ?, ?){self.insert_condition}")
        self._find = prepare(f"SELECT {_COLS} FROM {table} WHERE id = ?")
        self._find_all = prepare(f"SELECT {_COLS} FROM {table} WHERE username = ?")
        self._all = prepare(f"SELECT {_COLS} FROM {table}")
        self._count = prepare(f"SELECT COUNT(*) FROM {table}")
        self._count_by = prepare(f"SELECT COUNT(*) FROM {table} WHERE username = ?")
        self._update = prepare(f"UPDATE {table} SET custom_id = ? WHERE id = ?{self.condition}")
        self._delete = prepare(f"DELETE FROM {table} WHERE id = ?{self.condition}")

    insert_condition = ""

    @staticmethod
    def _params(row: Row) -> tuple[Any, ...]:
        return (row["id"], row["created_at"], row["custom_id"], row["username"])

    def insert(self, row: Row) -> Any:
        return self.session.execute(self._insert, self._params(row))

    def find(self, key: uuid.UUID) -> Any:
        return self.session.execute(self._find, (key,)).one()

    def find_all(self, username: str) -> Any:
        return list(self.session.execute(self._find_all, (username,)))

    def find_page(self, size: int) -> Any:
        return self._page(size, None).current_rows

    def count(self) -> int:
        return int(self.session.execute(self._count).one()[0])

    def position_at(self, rows: int) -> Any:
        """The driver's paging state after the first ``rows`` rows (walked, untimed)."""
        state = None
        for step in steps(rows):
            state = self._page(step, state).paging_state
        return state

    def find_page_at(self, state: bytes, size: int) -> Any:
        return self._page(size, state).current_rows

    def _page(self, size: int, state: bytes | None) -> Any:
        bound = self._all.bind(())
        bound.fetch_size = size
        return self.session.execute(bound, paging_state=state)

    def count_by(self, username: str) -> int:
        return int(self.session.execute(self._count_by, (username,)).one()[0])

    def update(self, key: uuid.UUID, custom_id: str) -> Any:
        return self.session.execute(self._update, (custom_id, key))

    def delete(self, key: uuid.UUID) -> Any:
        return self.session.execute(self._delete, (key,))

    def insert_many(self, rows: list[Row]) -> None:
        params = [self._params(r) for r in rows]
        results = execute_concurrent_with_args(self.session, self._insert, params, concurrency=50)
        for ok, outcome in results:
            if not ok:
                raise outcome

    def stream(self, page_size: int = STREAM_FETCH_SIZE) -> int:
        bound = self._all.bind(())
        bound.fetch_size = page_size
        return sum(1 for _ in self.session.execute(bound))

    def close(self) -> None:
        self.cluster.shutdown()


class DriverLWT(Driver):
    """Writes as lightweight transactions, what a write that must not clobber costs:
    ``INSERT ... IF NOT EXISTS`` (one by one, and concurrently for ``insert_many``),
    ``UPDATE ... IF EXISTS``, ``DELETE ... IF EXISTS``. Reads are the same as
    :class:`Driver`'s, so they are not repeated."""

    name = "driver LWT"
    insert_condition = " IF NOT EXISTS"
    condition = " IF EXISTS"
    find = find_all = find_page = count = stream = None  # type: ignore[assignment]
    position_at = find_page_at = count_by = None  # type: ignore[assignment]


def _cqlengine_model(keyspace: str, connection: str) -> type[Model]:
    class Consumer(Model):  # type: ignore[misc]
        __table_name__ = "consumers"
        __keyspace__ = keyspace
        __connection__ = connection

        id = columns.UUID(primary_key=True)
        created_at = columns.DateTime()
        custom_id = columns.Text(index=True)
        username = columns.Text(index=True)

    return Consumer


def _moment(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).replace(tzinfo=None)


class Cqlengine(Contender):
    """Plain cqlengine models on a connection of their own."""

    name = "cqlengine"

    def __init__(self, url: str) -> None:
        self.cluster, session = connect(url)
        self.connection = f"bench_{uuid.uuid4().hex}"
        cqlengine_connection.register_connection(self.connection, session=session)
        self.model = _cqlengine_model(parse_url(url)[2], self.connection)

    def _fields(self, row: Row) -> dict[str, Any]:
        return {**row, "created_at": _moment(row["created_at"])}

    def insert(self, row: Row) -> Any:
        return self.model.create(**self._fields(row))

    def find(self, key: uuid.UUID) -> Any:
        return self.model.objects(id=key).first()

    def find_all(self, username: str) -> Any:
        return list(self.model.objects(username=username))

    def find_page(self, size: int) -> Any:
        return list(self.model.objects.all().limit(size))

    def count(self) -> int:
        return int(self.model.objects.count())

    def update(self, key: uuid.UUID, custom_id: str) -> Any:
        return self.model.objects(id=key).update(custom_id=custom_id)

    def delete(self, key: uuid.UUID) -> Any:
        return self.model.objects(id=key).delete()

    def insert_many(self, rows: list[Row]) -> None:
        with BatchQuery(batch_type=BatchType.Unlogged, connection=self.connection) as batch:
            for row in rows:
                self.model.batch(batch).create(**self._fields(row))

    def stream(self) -> int:
        return sum(1 for _ in self.model.objects.all().fetch_size(STREAM_FETCH_SIZE))

    def close(self) -> None:
        cqlengine_connection.unregister_connection(self.connection)
        self.cluster.shutdown()


def _claim_model(keyspace: str, connection: str) -> type[Model]:
    class Claim(Model):  # type: ignore[misc]
        __table_name__ = CLAIMS_TABLE
        __keyspace__ = keyspace
        __connection__ = connection

        field = columns.Text(partition_key=True)
        value = columns.Text(partition_key=True)
        owner = columns.UUID()

    return Claim


def _child_model(keyspace: str, connection: str, table: str, column: str) -> type[Model]:
    """A table referencing consumers, as far as a cascade needs it: its key and the reference."""
    attributes = {
        "__table_name__": table, "__keyspace__": keyspace, "__connection__": connection,
        "id": columns.UUID(primary_key=True), column: columns.UUID(index=True),
    }
    return type(f"Child_{table}", (Model,), attributes)


CLAIMS_TABLE = "cqlengine_bench_claims"
UNIQUE = ("custom_id", "username")


class CqlengineClaims(Cqlengine):
    """cqlengine doing the writes with kong_orm's guarantees on ``consumers``: each
    unique value claimed in a lookup table first (``IF NOT EXISTS``), the row written
    ``IF NOT EXISTS`` (its id is given), updated only if still as read, deleted
    ``IF EXISTS``, and the values it gives up released (``IF owner = ...``): three
    lightweight transactions per insert, update and delete, as kong_orm's. A delete
    also reads each table referencing consumers for rows to cascade to, one after
    the other (cqlengine has no concurrent queries). Reads are :class:`Cqlengine`'s,
    so they are not repeated."""

    name = "cqlengine LWT"
    find = find_all = find_page = count = stream = insert_many = None  # type: ignore[assignment]

    def __init__(self, url: str, children: list[tuple[str, str]]) -> None:
        """``children``: (table, column) of each table referencing consumers."""
        super().__init__(url)
        keyspace = parse_url(url)[2]
        self.children = [(_child_model(keyspace, self.connection, table, column), column)
                         for table, column in children]
        self.cluster.connect().execute(
            f"CREATE TABLE IF NOT EXISTS {keyspace}.{CLAIMS_TABLE} "
            "(field text, value text, owner uuid, PRIMARY KEY ((field, value)))"
        )
        self.claim = _claim_model(keyspace, self.connection)

    def insert(self, row: Row) -> Any:
        for name in UNIQUE:
            self.claim.if_not_exists().create(field=name, value=row[name], owner=row["id"])
        return self.model.if_not_exists().create(**self._fields(row))

    def update(self, key: uuid.UUID, custom_id: str) -> Any:
        old = self.model.objects(id=key).get()
        self.claim.if_not_exists().create(field="custom_id", value=custom_id, owner=key)
        self.model.objects(id=key).iff(custom_id=old.custom_id).update(custom_id=custom_id)
        self._release(key, "custom_id", old.custom_id)

    def delete(self, key: uuid.UUID) -> Any:
        old = self.model.objects(id=key).get()
        self.model.objects(id=key).if_exists().delete()
        for name in UNIQUE:
            self._release(key, name, getattr(old, name))
        for child, column in self.children:  # rows to delete along (none here, as in kong_orm's run)
            for row in child.objects(**{column: key}):
                raise AssertionError(f"unexpected child row {row.id}")

    def _release(self, owner: uuid.UUID, field: str, value: str) -> None:
        self.claim.objects(field=field, value=value).iff(owner=owner).delete()

    def close(self) -> None:
        self.cluster.connect().execute(f"DROP TABLE IF EXISTS {self.claim.__keyspace__}.{CLAIMS_TABLE}")
        super().close()


class CassandraAdmin(Admin):
    """Loads and deletes rows with concurrent plain statements."""

    def __init__(self, url: str) -> None:
        self.raw = Driver(url)
        self.keyspace = parse_url(url)[2]

    def load(self, rows: list[Row]) -> None:
        for i in range(0, len(rows), 5000):
            self.raw.insert_many(rows[i:i + 5000])

    def delete_ids(self, ids: list[Any]) -> None:
        results = execute_concurrent_with_args(self.raw.session, self.raw._delete, [(k,) for k in ids], concurrency=50)
        for ok, outcome in results:
            if not ok:
                raise outcome

    def settle(self) -> str:
        """Wait for the keyspace's compactions (``system_views.sstable_tasks``) to finish."""
        start = time.monotonic()
        while self._compacting() and time.monotonic() - start < SETTLE_LIMIT:
            time.sleep(2)
        waited = time.monotonic() - start
        return f"compactions {'still running' if self._compacting() else 'done'} after {waited:.0f} s"

    def _compacting(self) -> bool:
        tasks = self.raw.session.execute("SELECT keyspace_name FROM system_views.sstable_tasks")
        return any(task.keyspace_name == self.keyspace for task in tasks)

    def close(self) -> None:
        self.raw.close()
