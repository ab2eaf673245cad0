"""The SQLAlchemy models agree with each entity's single definition."""
from __future__ import annotations

import pytest
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint

from kong_orm.backends.sql.models import COLUMN_TYPES, EXPIRE_AT, Models
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity

CATALOG = Catalog.serving()
MODELS = Models(CATALOG)
ENTITIES = list(CATALOG)


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_columns_mirror_the_fields(entity: Entity) -> None:
    table = MODELS.table(entity)
    assert table.name == entity.name
    assert [c.name for c in table.columns] == [*entity.field_names, EXPIRE_AT]
    for f in entity.fields:
        column = table.c[f.name]
        assert type(column.type) is type(COLUMN_TYPES[f.kind]), f.name
        assert column.primary_key == (f.name in entity.primary_key), f.name
        assert column.nullable == (f.nullable and f.name not in entity.primary_key), f.name


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_unique_and_foreign_constraints_mirror_the_fields(entity: Entity) -> None:
    table = MODELS.table(entity)
    unique = {c.columns[0].name for c in table.constraints if isinstance(c, UniqueConstraint)}
    assert unique == {f.name for f in entity.unique_fields}
    foreign = {
        (c.columns[0].name, c.elements[0].target_fullname, c.ondelete)
        for c in table.constraints
        if isinstance(c, ForeignKeyConstraint)
    }
    assert foreign == {(f.name, f.foreign, "CASCADE") for f in entity.foreign_fields}
    together = {i.name for i in table.indexes if i.unique}
    assert together == {f"uq_{entity.name}_{'_'.join(g.fields)}" for g in entity.unique_together}
