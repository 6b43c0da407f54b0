"""A stored fact's mapping between its domain type and its PynamoDB record, declared once.

`RecordMapping(Domain, Record, sort_key=...)` derives the record's attributes and both directions
from the domain type. A field the record does not declare gets an attribute from its type (str,
Decimal, date, enum: a string; int: a number; datetime: a UTC date-time; bool; optional: may be
absent), so a record declares only its keys, what its store's queries and updates name, and what
the domain type does not say (write stamps, TTLs, lists, maps, sets). Then each attribute
of the record takes the domain value's attribute of the same name (a field or a property), and each
field of the domain type is read from the record attribute of the same name. Values are converted
by type, the same way everywhere (so stored bytes never depend on who wrote them):

    Decimal  <-> str (money is never a float)      date  <-> ISO string
    enum     <-> its value                          int   <-  DynamoDB's number
    tuple    <-> list (a set, for a set attribute: empty is absent, read back sorted)

A missing attribute (an item written before the attribute existed) reads as the field's default.
What is not a plain rename or conversion is said per attribute: `renames` (record attribute ->
domain field), `write` (record attribute -> function of the domain value) and `read` (domain
field -> function of the record); `unstored` names domain fields that are not kept (they read as
their defaults). Values only the store knows (write time, TTL) are passed to `to_record` by name.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import (
    Attribute,
    AttributeContainer,
    AttributeContainerMeta,
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

D = TypeVar("D")
R = TypeVar("R", bound=AttributeContainer)


class RecordMapping(Generic[D, R]):
    """Maps a domain value to its record (a Model or a MapAttribute) and a record back."""

    def __init__(
        self,
        domain: type[D],
        record: type[R],
        *,
        sort_key: Callable[[D], str] | None = None,
        renames: Mapping[str, str] | None = None,
        write: Mapping[str, Callable[[D], Any]] | None = None,
        read: Mapping[str, Callable[[R], Any]] | None = None,
        unstored: Iterable[str] = (),
    ) -> None:
        self.domain = domain
        self.record = record
        self._renames = dict(renames or {})
        self._write = dict(write or {})
        if sort_key is not None:
            self._write[_range_key_name(record)] = sort_key
        self._read = dict(read or {})
        skip = {*self._read, *unstored}  # not stored: such a field reads as its default
        stored_names = {domain_name: name for name, domain_name in self._renames.items()}
        hints = typing.get_type_hints(domain)
        _add_missing_attributes(record, domain, hints, stored_names, skip=skip)
        attributes = record.get_attributes()
        # record attribute -> how it is written from a domain value (worked out once: facts come by the million)
        domain_fields = {name for name, _ in _fields_of(domain)}
        self._writers: list[tuple[str, Callable[[D], Any]]] = []
        for name, attribute in attributes.items():
            source = self._renames.get(name, name)
            if name in self._write:
                self._writers.append((name, self._write[name]))
            elif source in domain_fields or isinstance(getattr(domain, source, None), property):
                self._writers.append((name, _writer(source, isinstance(attribute, UnicodeSetAttribute))))
        # domain field -> (record attribute, converter, whether the field has a default)
        self._fields: dict[str, tuple[str, Callable[[Any], Any], bool]] = {}
        for name, has_default in _fields_of(domain):
            stored = stored_names.get(name, name)
            if name in skip or stored not in attributes:
                continue
            self._fields[name] = (stored, _reader(hints[name]), has_default)

    def to_record(self, value: D, **supplied: Any) -> R:
        """The record of `value`; `supplied` gives the attributes only the store knows."""
        values = {name: write(value) for name, write in self._writers if name not in supplied}
        return self.record(**values, **supplied)

    def to_domain(self, record: R) -> D:
        values: dict[str, Any] = {name: read(record) for name, read in self._read.items()}
        for name, (stored, convert, has_default) in self._fields.items():
            raw = getattr(record, stored)
            if raw is None and has_default:
                continue  # written before the attribute existed: the field's default
            values[name] = None if raw is None else convert(raw)
        return self.domain(**values)

    def all(self, records: Iterable[R]) -> list[D]:
        return [self.to_domain(record) for record in records]


def _add_missing_attributes(
    record: type[AttributeContainer],
    domain: type[Any],
    hints: Mapping[str, Any],
    stored_names: Mapping[str, str],
    *,
    skip: Iterable[str],
) -> None:
    """Give the record an attribute for each domain field it does not declare (nor reads otherwise)."""
    present = record.get_attributes()
    missing = [
        (name, stored_names.get(name, name))
        for name, _ in _fields_of(domain)
        if name not in skip and stored_names.get(name, name) not in present
    ]
    for name, stored in missing:
        attribute = _attribute_for(hints[name], f"{domain.__name__}.{name}")
        setattr(record, stored, attribute)
        attribute.__set_name__(record, stored)
    if missing:  # PynamoDB collects a class's attributes when the class is made: collect them again
        AttributeContainerMeta._initialize_attributes(record, None)  # noqa: SLF001


def _attribute_for(hint: Any, field: str) -> Attribute[Any]:
    """The attribute a domain field of type `hint` is stored in (money and days as strings)."""
    args = typing.get_args(hint)
    optional = type(None) in args
    if optional:
        hint = next(arg for arg in args if arg is not type(None))
    if isinstance(hint, enum.EnumMeta) or hint in (str, Decimal, date):
        return UnicodeAttribute(null=optional)
    if hint is int:
        return NumberAttribute(null=optional)
    if hint is datetime:
        return UTCDateTimeAttribute(null=optional)
    if hint is bool:
        return BooleanAttribute(null=optional)
    raise TypeError(f"declare the attribute of {field} ({hint}) on its record")


def _range_key_name(record: type[AttributeContainer]) -> str:
    for name, attribute in record.get_attributes().items():
        if attribute.is_range_key:
            return name
    raise TypeError(f"{record.__name__} has no range key to build")


def _fields_of(domain: type[Any]) -> list[tuple[str, bool]]:
    """(name, has a default) of each field of a dataclass or a pydantic model."""
    if dataclasses.is_dataclass(domain):
        return [
            (f.name, f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
            for f in dataclasses.fields(domain)
        ]
    if issubclass(domain, BaseModel):
        return [(name, not info.is_required()) for name, info in domain.model_fields.items()]
    raise TypeError(f"{domain.__name__} is neither a dataclass nor a pydantic model")


def _writer(source: str, as_set: bool) -> Callable[[Any], Any]:
    return lambda value: _stored(getattr(value, source), as_set)


def _stored(value: Any, as_set: bool) -> Any:
    """A domain value as its record attribute holds it."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return (set(value) or None) if as_set else [_stored(item, False) for item in value]
    if isinstance(value, dict):
        return {key: _stored(item, False) for key, item in value.items()}
    return value


def _reader(hint: Any) -> Callable[[Any], Any]:
    """How a stored value becomes a value of the domain type `hint` (None is handled by the caller)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return _reader(next(arg for arg in typing.get_args(hint) if arg is not type(None)))
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = _reader(typing.get_args(hint)[0])
        return lambda raw: tuple(sorted(raw) if isinstance(raw, set) else (item(value) for value in raw))
    if origin is dict:
        value_of = _reader(typing.get_args(hint)[1])
        return lambda raw: {
            str(key): value_of(value)
            for key, value in sorted((raw.as_dict() if isinstance(raw, MapAttribute) else raw).items())
        }
    return _SCALAR_READERS.get(hint) or (hint if isinstance(hint, enum.EnumMeta) else _unchanged)


def _unchanged(raw: Any) -> Any:
    return raw


_SCALAR_READERS: dict[Any, Callable[[Any], Any]] = {
    Decimal: lambda raw: Decimal(str(raw)),
    int: int,
    bool: bool,
    date: date.fromisoformat,
}
