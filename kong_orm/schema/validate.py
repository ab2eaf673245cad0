"""Validation of rows, filters and primary keys against a schema. No I/O.

Errors are collected as Kong did: a mapping of field (dotted for nested
schemas) to message, raised together as one :class:`SchemaError`.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from kong_orm.errors import SchemaError
from kong_orm.schema.entity import Entity, Schema
from kong_orm.schema.fields import CoercionError, Field, Kind, coerce
from kong_orm.schema.json_values import JSONValueError, as_json_value

Errors = dict[str, str]
_TEXT_KINDS = (Kind.STRING, Kind.URL)
_JSON_KINDS = (Kind.TABLE, Kind.ARRAY)


def require_dict(value: Any, verb: str, position: int = 1) -> Mapping[str, Any]:
    """Raise ``TypeError`` unless ``value`` is a dict (Kong raised on misuse)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{verb}() argument {position} must be a dict, not {type(value).__name__}")
    return value


def coerce_values(schema: Schema, values: Mapping[str, Any], errors: Errors, prefix: str = "") -> dict[str, Any]:
    """Return ``values`` coerced to their fields' kinds; report unknown fields and kind errors."""
    clean: dict[str, Any] = {}
    for name, value in values.items():
        f = schema.by_name.get(name)
        if not isinstance(name, str):
            errors[prefix + str(name)] = _not_a_name(name)
            continue
        if f is None:
            errors[prefix + name] = f"{name} is an unknown field"
            continue
        try:
            clean[name] = _coerce_field(f, value)
        except CoercionError as exc:
            errors[prefix + name] = str(exc)
    return clean


def _not_a_name(name: object) -> str:
    return f"field name {name!r} is not a string"


def _coerce_field(f: Field, value: Any) -> Any:
    if value is None:
        return None
    value = coerce(f, value)
    if f.kind in _TEXT_KINDS and value == "":
        return None
    return value


def complete_row(schema: Schema, row: dict[str, Any], errors: Errors, prefix: str = "") -> dict[str, Any]:
    """Fill defaults, validate nested schemas, required fields and rules of a whole row.

    ``row`` must already hold coerced values; it is completed in place and returned.
    """
    for f in schema.fields:
        row.setdefault(f.name, None)
    for f in schema.fields:
        if row[f.name] is None and f.has_default and prefix + f.name not in errors:
            row[f.name] = _coerce_default(f, row)
    for f in schema.fields:
        _check_field(f, row, errors, prefix)
    if not any(key.startswith(prefix) for key in errors):
        _run_row_checks(schema, row, errors, prefix)
    return row


def complete_entity(entity: Entity, row: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """:func:`complete_row` for a row to store: tables and arrays must also be
    JSON every store keeps as given (errors name the value, ``config.key_names.1``)."""
    complete_row(entity, row, errors)
    for f in entity.fields:
        if f.kind not in _JSON_KINDS or row[f.name] is None or f.name in errors:
            continue
        try:
            row[f.name] = as_json_value(row[f.name])
        except JSONValueError as exc:
            errors.setdefault(".".join((f.name, *exc.path)), exc.message)
    return row


def _coerce_default(f: Field, row: Mapping[str, Any]) -> Any:
    try:
        return _coerce_field(f, f.default_for(row))
    except CoercionError:
        return None


def _check_field(f: Field, row: dict[str, Any], errors: Errors, prefix: str) -> None:
    key = prefix + f.name
    if key in errors:
        return
    if f.schema is not None:
        _validate_nested(f, row, errors, key)
    if row[f.name] is None and f.required and not f.auto:
        errors[key] = f"{f.name} is required"
        return
    if f.check is not None and key not in errors:
        message = f.check(row[f.name], row)
        if message:
            errors[key] = message
            return
    if f.normalize is not None and row[f.name] is not None:
        row[f.name] = f.normalize(row[f.name])


def _validate_nested(f: Field, row: dict[str, Any], errors: Errors, key: str) -> None:
    assert f.schema is not None
    try:
        nested = f.schema(row)
    except CoercionError as exc:
        errors[key] = str(exc)
        return
    if nested is None:
        return
    values = row[f.name] if row[f.name] is not None else {}
    if nested.flexible:
        row[f.name] = {name: _validate_entry(nested, name, value, errors, key) for name, value in values.items()}
    else:
        row[f.name] = complete_row(nested, coerce_values(nested, values, errors, key + "."), errors, key + ".")


def _validate_entry(schema: Schema, name: str, value: Any, errors: Errors, key: str) -> Any:
    """One entry of a flexible table: a row of ``schema`` of its own, errors under ``key.name``."""
    prefix = f"{key}.{name}."
    if not isinstance(value, Mapping):
        errors[prefix.rstrip(".")] = f"{name} is not a table"
        return value
    return complete_row(schema, coerce_values(schema, value, errors, prefix), errors, prefix)


def _run_row_checks(schema: Schema, row: Mapping[str, Any], errors: Errors, prefix: str) -> None:
    for check in schema.checks:
        for name, message in (check(row) or {}).items():
            errors.setdefault(prefix + name if name else prefix.rstrip("."), message)


def raise_if(errors: Errors) -> None:
    """Raise the collected errors as one :class:`SchemaError`."""
    if errors:
        plain = errors.pop("", None)
        raise SchemaError(errors or plain or "invalid entity")


def validate_new(entity: Entity, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an entity about to be inserted; return the complete clean row."""
    errors: Errors = {}
    row = coerce_values(entity, values, errors)
    complete_entity(entity, row, errors)
    raise_if(errors)
    return row


def check_immutable(entity: Entity, given: Mapping[str, Any], old: Mapping[str, Any], errors: Errors) -> None:
    """Report immutable fields whose given value differs from the stored one."""
    for f in entity.fields:
        if f.immutable and given.get(f.name) is not None and given[f.name] != old.get(f.name):
            errors[f.name] = f"{f.name} cannot be updated"


def merge_nested(entity: Entity, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a partial update into the stored row; nested tables are merged key by key."""
    merged = dict(old)
    for name, value in new.items():
        f = entity.by_name[name]
        if f.kind is Kind.TABLE and isinstance(value, dict) and isinstance(old.get(name), dict):
            value = _deep_merge(old[name], value)
        merged[name] = value
    return merged


def _deep_merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(old.get(key), dict):
            value = _deep_merge(old[key], value)
        merged[key] = value
    return merged


def validate_filter(entity: Entity, filter_: Any, verb: str) -> dict[str, Any]:
    """Check a ``find_all``/``find_page``/``count`` filter; return it coerced.

    ``None`` values drop out of the filter, as they did in Kong; a filter
    left empty is refused like an empty one.
    """
    require_dict(filter_, verb)
    if not filter_:
        raise SchemaError("filter cannot be empty")
    errors: Errors = {}
    clean: dict[str, Any] = {}
    for name, value in filter_.items():
        f = entity.by_name.get(name)
        if not isinstance(name, str):
            errors[str(name)] = _not_a_name(name)
        elif f is None:
            errors[name] = "unknown field"
        elif f.kind in (Kind.TABLE, Kind.ARRAY):
            errors[name] = f"{name} cannot be used in a filter"
        elif value is not None:
            try:
                clean[name] = coerce(f, value)
            except CoercionError as exc:
                errors[name] = str(exc)
    raise_if(errors)
    if not clean:
        raise SchemaError("filter cannot be empty")
    return clean


def blank_texts(entity: Entity, values: Mapping[str, Any]) -> list[str]:
    """The text fields of a coerced key or filter that hold an empty text, which no
    stored row has (an empty text is stored as null)."""
    return [
        name for name, value in values.items()
        if not value and isinstance(value, str) and entity[name].kind in _TEXT_KINDS
    ]


def matches_nothing(entity: Entity, values: Mapping[str, Any]) -> bool:
    """Whether a coerced key or filter holds an empty text (:func:`blank_texts`):
    the verb then answers without asking the store."""
    return bool(blank_texts(entity, values))


def primary_key_of(entity: Entity, keys: Any, verb: str, position: int = 1) -> dict[str, Any]:
    """Extract and coerce the primary key from ``keys``; other keys are ignored."""
    if type(keys) is not dict:
        require_dict(keys, verb, position)
    pk = {}
    for name in entity.primary_key:
        value = keys.get(name)
        if value is None:
            raise ValueError("Missing PRIMARY KEY field")
        pk[name] = value
    errors: Errors = {}
    fields = entity.by_name
    for name, value in pk.items():
        f = fields[name]
        if type(value) is uuid.UUID and f.kind is Kind.ID:
            continue  # already what the field holds
        try:
            pk[name] = coerce(f, value)
        except CoercionError as exc:
            errors[name] = str(exc)
    if errors:
        raise_if(errors)
    return pk
