"""SQL pieces both databases run well: a list of values bound as one parameter; a model's table."""

import json
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Table, Text, bindparam, inspect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect, Result
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine
from sqlmodel import SQLModel


class _ValueList(TypeDecorator):
    """A list of numbers or texts bound as one value: an array on PostgreSQL, a JSON array on SQLite."""

    impl = Text
    cache_ok = True

    def __init__(self, item: TypeEngine) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Iterable | None, dialect: Dialect):
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


class _InList(FunctionElement):
    type = NullType()  # Boolean would make SQLite compare the IN with 1, hiding it from the planner
    inherit_cache = True
    name = "in_list"


@compiles(_InList)
def _in_json_each(element: _InList, compiler: SQLCompiler, **kw) -> str:
    column, values = element.clauses
    return f"{compiler.process(column, **kw)} IN (SELECT value FROM json_each({compiler.process(values, **kw)}))"


@compiles(_InList, "postgresql")
def _equals_any(element: _InList, compiler: SQLCompiler, **kw) -> str:
    column, values = element.clauses
    return f"{compiler.process(column, **kw)} = ANY ({compiler.process(values, **kw)})"


def in_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`column IN (the list bound to name)`, as one parameter whatever the list's length.

    `column.in_(bindparam(..., expanding=True))` writes one placeholder per value at every
    execution: the statement is rendered again each time (a third of an inbox query's CPU on
    PostgreSQL for 50 ids) and, its text changing with the length, never runs prepared.
    """
    item = column.type
    if isinstance(item.impl_instance if isinstance(item, TypeDecorator) else item, String):
        item = String()  # a length would make PostgreSQL cut longer values to fit, and match wrongly
    return _InList(column, bindparam(name, type_=_ValueList(item)))


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for statements that read rows without building objects."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table


def tuples_of(result: Result[Any]) -> Iterable[tuple[Any, ...]]:
    """A Core statement's rows as the tuples they are.

    mypy cannot unpack SQLAlchemy 2.1's variadic `Row[*tuple[Any, ...]]` into names (it makes
    each one `object`); `Result.tuples()`, the old way round it, is deprecated in 2.1.
    """
    return cast(Iterable[tuple[Any, ...]], result)
