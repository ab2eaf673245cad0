"""Values of every field kind: valid ones, edge cases and hostile ones.

Each entity gets a strategy of valid rows (so the write path is exercised)
and of arbitrary changes to them (so every rule and limit is).
"""
from __future__ import annotations

import math
import uuid
from typing import Any

from hypothesis import strategies as st

from kong_orm.plugins.rate_limiting import PERIODS
from kong_orm.schema.entities import CORE_ENTITIES
from kong_orm.schema.entity import INDEXED_LENGTH, KEY_LENGTH, Entity
from kong_orm.schema.fields import MAX_SAFE_INTEGER, MAX_TIMESTAMP, MIN_TIMESTAMP, Field, Kind

ENTITIES = {entity.name: entity for entity in CORE_ENTITIES}
WIDE = "\U0001f680"
NOT_A_VALUE = [None, b"bytes", uuid.UUID(int=7), {"a"}, (), [], {}, 1.5, -1, True, math.nan, math.inf, 2**64]
"""Values of the wrong type for most kinds."""

any_text = st.text(st.characters(exclude_categories=()), max_size=12)
"""Any code points, NUL and lone surrogates included."""
plain_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=12)
edge_text = st.one_of(
    st.sampled_from(["", "   ", " padded ", "\x00", "a\x00b", "\ud800"]),
    st.sampled_from([
        ("x", KEY_LENGTH), ("x", KEY_LENGTH + 1), (WIDE, KEY_LENGTH), (WIDE, KEY_LENGTH + 1),
        ("y", INDEXED_LENGTH), ("y", INDEXED_LENGTH + 1),
    ]).map(lambda repeat: repeat[0] * repeat[1]),
)
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
host = st.builds(lambda *parts: ".".join(parts), label, st.sampled_from(["com", "org", "example", "io"]))
path = st.lists(label, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts))
url = st.builds(lambda h, p: f"http://{h}{p}", host, st.one_of(st.just(""), path))


def texts() -> st.SearchStrategy[Any]:
    return st.one_of(plain_text, any_text, edge_text, host, path, st.sampled_from(NOT_A_VALUE))


def urls() -> st.SearchStrategy[Any]:
    long_url = st.sampled_from(["p", WIDE]).map(lambda char: "http://a.com/" + char * (INDEXED_LENGTH - 13))
    odd = st.sampled_from(["ftp://a.com", "http://", "not a url", "http://[::1", "https://a.com:99999"])
    return st.one_of(url, long_url, odd, texts())


def ids() -> st.SearchStrategy[Any]:
    edge = st.sampled_from(["", "not-a-uuid", f" {uuid.UUID(int=1)} ", str(uuid.UUID(int=2)).upper(), 12, "0" * 36])
    return st.one_of(st.uuids(), st.uuids().map(str), edge, st.sampled_from(NOT_A_VALUE))


def timestamps() -> st.SearchStrategy[Any]:
    edge = st.sampled_from([
        MIN_TIMESTAMP, MAX_TIMESTAMP, MIN_TIMESTAMP - 1, MAX_TIMESTAMP + 1, 1e19, -1e19, 2**63, "123", "1e19", "x",
    ])
    return st.one_of(
        st.integers(MIN_TIMESTAMP - 10, MAX_TIMESTAMP + 10), st.floats(), edge, st.sampled_from(NOT_A_VALUE)
    )


def booleans() -> st.SearchStrategy[Any]:
    return st.one_of(st.booleans(), st.sampled_from(["true", "false", "TRUE", " false ", "yes", 0, 1, "1"]))


def numbers() -> st.SearchStrategy[Any]:
    edge = st.sampled_from([2.0, 1e300, 1e16, MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, "5", "5.0", "1e400", "nan"])
    return st.one_of(
        st.integers(1, 10_000), st.floats(0.001, 1e9), st.integers(-(2**64), 2**64), st.floats(), edge,
        st.sampled_from(NOT_A_VALUE),
    )


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(), any_text,
        st.sampled_from([b"x", uuid.UUID(int=3), 10**20, 2.0, 1e300, "\x00", "\udfff"]),
    )
    keys = st.one_of(any_text, st.integers(0, 3), st.tuples(st.integers(0, 1)))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.tuples(inner), st.frozensets(st.integers(0, 3), max_size=2),
            st.dictionaries(keys, inner, max_size=3),
        ),
        max_leaves=8,
    )


def configs() -> st.SearchStrategy[Any]:
    periods = {period: numbers() for period in PERIODS}
    flags = {"async": booleans(), "continue_on_error": booleans()}
    rate_limiting = st.fixed_dictionaries({}, optional={**periods, **flags})
    limit_names = st.one_of(plain_text, st.integers(0, 2))
    limits = st.dictionaries(limit_names, st.one_of(rate_limiting, json_values()), max_size=2)
    response = st.fixed_dictionaries({}, optional={"header_name": texts(), "limits": limits, **flags})
    key_auth = st.fixed_dictionaries({}, optional={"key_names": st.one_of(json_values(), texts()), "x": json_values()})
    return st.one_of(rate_limiting, response, key_auth, json_values())


KIND_VALUES = {
    Kind.ID: ids, Kind.TIMESTAMP: timestamps, Kind.STRING: texts, Kind.URL: urls,
    Kind.BOOLEAN: booleans, Kind.NUMBER: numbers, Kind.TABLE: configs, Kind.ARRAY: json_values,
}


def value_of(f: Field) -> st.SearchStrategy[Any]:
    """Any value for ``f``: right kind or wrong."""
    if f.name == "name" and f.kind is Kind.STRING:
        return st.one_of(st.sampled_from(["key-auth", "rate-limiting", "response-ratelimiting"]), texts())
    return KIND_VALUES[f.kind]()


def changes(entity: Entity, max_size: int = 3) -> st.SearchStrategy[dict[Any, Any]]:
    """A few fields of ``entity`` set to arbitrary values, now and then an unknown or non-string name."""
    by_field = [st.tuples(st.just(f.name), value_of(f)) for f in entity.fields]
    stranger = st.tuples(st.sampled_from(["unknown", "config.x", 1, None, ("id",)]), st.just("x"))
    pairs = st.lists(st.one_of(*by_field, stranger), max_size=max_size)
    return pairs.map(dict)


def _unique_suffix() -> str:
    return uuid.uuid4().hex[:12]


@st.composite
def valid_rows(draw: st.DrawFn, entity: Entity) -> dict[str, Any]:
    """A row that validates, with fresh unique values (a new id, new names)."""
    suffix = _unique_suffix()
    row: dict[str, Any] = {"created_at": draw(st.integers(MIN_TIMESTAMP, MAX_TIMESTAMP))}
    if entity.name == "apis":
        row.update(id=uuid.uuid4(), request_host=f"h{suffix}.{draw(host)}", upstream_url=draw(url))
        row.update(draw(st.fixed_dictionaries({}, optional={
            "request_path": path.map(lambda p: f"/{suffix}{p}"), "strip_request_path": st.booleans(),
            "preserve_host": st.booleans(),
        })))
    elif entity.name == "consumers":
        row.update(id=uuid.uuid4(), username=draw(plain_text).strip() + suffix)
    elif entity.name == "nodes":
        row.update(name=draw(plain_text).strip() + suffix, cluster_listening_address=draw(host) + ":7946")
    else:
        plugin = draw(st.sampled_from(["rate-limiting", "key-auth"]))
        row.update(id=uuid.uuid4(), name=plugin, enabled=draw(st.booleans()))
        if row["name"] == "rate-limiting":
            row["config"] = {"second": draw(st.integers(1, 10)), "minute": draw(st.floats(10, 1e300))}
        else:
            row["config"] = {"key_names": draw(st.lists(plain_text, max_size=3))}
    return row
