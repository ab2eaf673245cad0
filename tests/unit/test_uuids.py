"""The PostgreSQL uuid caster builds the same UUIDs as uuid.UUID."""
from __future__ import annotations

import pickle
import uuid

import pytest

from kong_orm.backends.sql.uuids import canonical_uuid


@pytest.mark.parametrize("value", [uuid.uuid4() for _ in range(20)] + [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)])
def test_a_canonical_text_reads_as_the_same_uuid(value: uuid.UUID) -> None:
    made = canonical_uuid(str(value))
    assert made == value
    assert hash(made) == hash(value)
    assert str(made) == str(value)
    assert made.version == value.version
    assert made.is_safe == value.is_safe
    assert pickle.loads(pickle.dumps(made)) == value
    assert {made: 1}[value] == 1


def test_null_reads_as_none() -> None:
    assert canonical_uuid(None) is None


def test_the_uuid_stays_immutable() -> None:
    made = canonical_uuid(str(uuid.uuid4()))
    with pytest.raises(TypeError):
        made.int = 1  # type: ignore[misc,union-attr]
