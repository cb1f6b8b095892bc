// The fixed text of the generated Python reader (python_reader.h): what every strictlog_events.py holds
// whatever the schemas. Kept as Python so that it reads as the module will; tests/generate runs it against
// ClickHouse.
#include "generate/internal/python_reader.h"

namespace strictlog::generate {

const char* const kPythonRuntime = R"py(import datetime
import enum
import ipaddress
import re
from dataclasses import dataclass
from typing import (Any, Callable, ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar,
                    Union)

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


class ReaderError(Exception):
    """A stored value that its attribute's type cannot hold: a String whose bytes are not UTF-8, an Enum name
    this module does not know (the table is newer than the module), a `_nanos` value of a second or more.
    The message names the table, the attribute and the stored value."""


# Conversions from the values clickhouse_driver returns to the attributes' types: one function per type,
# composed by _nullable and _array for Nullable and Array columns. The Reader queries with the client setting
# strings_as_bytes, so that String and FixedString arrive as their exact bytes: without it, clickhouse_driver
# returns a String as str when its bytes are UTF-8 and as bytes when they are not.


def _bool(value: int) -> bool:
    # UInt8 holding 0 or 1.
    if value not in (0, 1):
        raise ValueError("%r is not 0 or 1" % (value,))
    return value == 1


def _int(value: int) -> int:
    # Int32, Int64, UInt32, UInt64: Python ints, exact.
    return int(value)


def _float(value: float) -> float:
    # Float64, or Float32 (its exact value as a Python float: 0.1 reads as 0.10000000149011612).
    return float(value)


def _string(value: bytes) -> str:
    # A proto string is UTF-8; bytes that are not raise ReaderError rather than read as something else.
    return value.decode("utf-8")


def _bytes(value: bytes) -> bytes:
    return bytes(value)


def _ip(value: Union[bytes, ipaddress.IPv6Address]) -> IPAddress:
    # FixedString(16) (before ClickHouse 19.3) or IPv6: an IPv6 address, in which an IPv4 address is stored
    # mapped (::ffff:a.b.c.d). A mapped address reads as its IPv4Address.
    address = value if isinstance(value, ipaddress.IPv6Address) else ipaddress.IPv6Address(bytes(value))
    return address.ipv4_mapped or address


def _enum(cls: Any) -> Callable[[str], Any]:
    # clickhouse_driver returns an Enum8/Enum16 value by its name, which is the proto value's name.
    def convert(name: str) -> Any:
        try:
            return cls[name]
        except KeyError:
            raise ValueError("%r is not a value of %s" % (name, cls.__name__)) from None

    return convert


_NANOS_PER_SECOND = 1000000000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _nanos(nanos: int) -> int:
    # `<name>_nanos` UInt32: the nanoseconds within the second.
    if not 0 <= nanos < _NANOS_PER_SECOND:
        raise ValueError("%d nanoseconds is not less than a second" % nanos)
    return nanos


def _timestamp(seconds: datetime.datetime, nanos: int) -> datetime.datetime:
    # DateTime('UTC') and `<name>_nanos`. clickhouse_driver returns DateTime('UTC') as a datetime in UTC: aware
    # (0.2.5, Debian 12) or naive (other versions).
    if seconds.tzinfo is None:
        seconds = seconds.replace(tzinfo=datetime.timezone.utc)
    return seconds.astimezone(datetime.timezone.utc).replace(microsecond=_nanos(nanos) // 1000)


def _timestamp64(nanoseconds: int) -> datetime.datetime:
    # toUnixTimestamp64Nano() of a DateTime64(9, 'UTC'): nanoseconds since the epoch.
    seconds, nanos = divmod(nanoseconds, _NANOS_PER_SECOND)
    return _EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanos // 1000)


def _timestamp64_nanos(nanoseconds: int) -> int:
    return nanoseconds % _NANOS_PER_SECOND


_Convert = Callable[..., Any]


def _nullable(convert: _Convert) -> _Convert:
    def nullable(value: Any) -> Any:
        return None if value is None else convert(value)

    return nullable


def _array(convert: _Convert) -> _Convert:
    # One Array column, or parallel ones (a timestamp's DateTime and `_nanos` arrays): a list.
    def array(*columns: Sequence[Any]) -> List[Any]:
        if any(len(column) != len(columns[0]) for column in columns):
            raise ValueError("parallel arrays of lengths %s" % [len(column) for column in columns])
        return [convert(*values) for values in zip(*columns)]

    return array


# An attribute: its name, the SELECT items it is read from, and its conversion.
_Fields = Tuple[Tuple[str, Tuple[str, ...], _Convert], ...]


def _select(fields: _Fields) -> Tuple[str, ...]:
    # The SELECT list: each item the attributes read, once, in their order.
    items: List[str] = []
    for _name, inputs, _convert in fields:
        items.extend(item for item in inputs if item not in items)
    return tuple(items)


_Row = TypeVar("_Row")


def _decoder(table: Type[_Row]) -> Callable[[Sequence[Any]], _Row]:
    # Turns a result row of `table.SELECT` into an instance of `table`.
    index = {item: i for i, item in enumerate(table.SELECT)}  # type: ignore[attr-defined]
    fields = [(name, tuple(index[item] for item in inputs), convert)
              for name, inputs, convert in table._FIELDS]  # type: ignore[attr-defined]

    def decode(row: Sequence[Any]) -> _Row:
        values = {}
        for name, columns, convert in fields:
            try:
                values[name] = convert(*[row[i] for i in columns])
            except (ValueError, TypeError) as error:  # UnicodeDecodeError is a ValueError
                stored = ", ".join(repr(row[i]) for i in columns)
                raise ReaderError("table %s: attribute %s: cannot read %s: %s"
                                  % (table.TABLE, name, stored, error)) from None  # type: ignore[attr-defined]
        return table(**values)

    return decode


def _identifier(name: str) -> str:
    # A ClickHouse identifier: as it is when it is a plain one, else quoted.
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def _settings(settings: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    merged = dict(settings or {})
    merged["strings_as_bytes"] = True  # a clickhouse_driver client setting: String as bytes, exactly
    return merged
)py";

const char* const kPythonReaderHead = R"py(class Reader:
    """Reads the tables of one ClickHouse database as typed rows.

    `client` is a clickhouse_driver.Client (Debian: python3-clickhouse-driver), `database` the database that
    holds the tables. Each table has a method named after it, which returns a list of its class; select() and
    iterate() take the class. Their arguments:

      where     a ClickHouse boolean expression over the table's columns (the names in the class's SELECT),
                e.g. "envelope_hostname = %(host)s", or "" for every row;
      params    values for the `%(name)s` placeholders in `where`, which clickhouse_driver quotes; with
                params, a literal `%` in `where` is written `%%`;
      order_by  a ClickHouse ORDER BY list, e.g. "envelope_time DESC", or "" for no particular order;
      limit     at most this many rows, or None for all.

    A value that its attribute's type cannot hold raises ReaderError.
    """

    def __init__(self, client: Any, database: str) -> None:
        self._client = client
        self._database = database

    def sql(self, table: Type[Any], where: str = "", order_by: str = "", limit: Optional[int] = None) -> str:
        """The query select() and iterate() send: the table's columns by name, never `SELECT *`."""
        text = "SELECT %s FROM %s.%s" % (", ".join(table.SELECT), _identifier(self._database),
                                         _identifier(table.TABLE))
        if where:
            text += " WHERE " + where
        if order_by:
            text += " ORDER BY " + order_by
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError("limit must be an int of at least 0, not %r" % (limit,))
            text += " LIMIT %d" % limit
        return text

    def select(self, table: Type[_Row], where: str = "", params: Optional[Mapping[str, Any]] = None, *,
               order_by: str = "", limit: Optional[int] = None,
               settings: Optional[Mapping[str, Any]] = None) -> List[_Row]:
        """The rows of `table` (a class of TABLES). `settings` are clickhouse_driver's query settings."""
        decode = _decoder(table)
        rows = self._client.execute(self.sql(table, where, order_by, limit), params, settings=_settings(settings))
        return [decode(row) for row in rows]

    def iterate(self, table: Type[_Row], where: str = "", params: Optional[Mapping[str, Any]] = None, *,
                order_by: str = "", limit: Optional[int] = None,
                settings: Optional[Mapping[str, Any]] = None) -> Iterator[_Row]:
        """As select(), but streams the rows (clickhouse_driver's execute_iter) rather than holding them all.
        The client's connection is busy until the iterator is exhausted."""
        decode = _decoder(table)
        for row in self._client.execute_iter(self.sql(table, where, order_by, limit), params,
                                             settings=_settings(settings)):
            yield decode(row)
)py";

}  // namespace strictlog::generate
