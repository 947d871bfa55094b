"""Turns raw source rows into canonical records.

A stream's mapping is compiled once into one converter per field; mapping a row is then a loop of
plain function calls that returns the record as a tuple (key first) or the reasons it failed. The
reasons name the field, the source column and the value, so a reject explains itself.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hub import identifiers
from hub.config import FieldMapping, StreamConfig
from hub.entities import Entity, Field, Kind, entity

Converter = Callable[[Any], Any]
ValueMaps = Mapping[str, Mapping[str, str]]  # value map name -> source code -> canonical value

# 2014-3-5, 2014/3/5 14:22, 2014.3.5, 2014年3月5日 14时22分 after normalising the separators.
_LOOSE_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d*)?)?)?$"
)
_COMPACT_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
_SEPARATORS = str.maketrans(
    {"/": "-", ".": "-", "年": "-", "月": "-", "日": " ", "时": ":", "分": ""}
)


class ConversionError(ValueError):
    """Raised when one source value cannot become the canonical field's value."""


INT64 = range(-(2**63), 2**63)  # what the store's BIGINT columns hold


def json_kind(value: Any) -> str:
    """How JSON names the type of a decoded value."""
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number"
    )


# The JSON types a pushed value may have, by the kind of its field (``strict_json``).
_JSON_TYPES: Mapping[Kind, frozenset[str]] = {
    Kind.INT: frozenset({"number", "string"}),
    Kind.FLOAT: frozenset({"number", "string"}),
    Kind.JSON: frozenset({"array", "object", "string"}),
} | {
    kind: frozenset({"string"})
    for kind in (Kind.TEXT, Kind.DATETIME, Kind.DATE, Kind.ENUM, Kind.PROJECT_CODE,
                 Kind.CREDIT_CODE, Kind.DIVISION)
}  # fmt: skip
_CODE_TYPES = frozenset({"number", "string"})  # a value map's code: 1 or "1"


def _json_typed(convert: Converter, allowed: frozenset[str]) -> Converter:
    wanted = " or ".join(f"a JSON {k}" for k in sorted(allowed))

    def typed(value: Any) -> Any:
        kind = json_kind(value)
        if kind not in allowed:
            raise ConversionError(f"a JSON {kind} where {wanted} belongs")
        return convert(value)

    return typed


def parse_datetime(value: Any, formats: Sequence[str] = ()) -> datetime:
    """Parse the date/time shapes department systems store, as a naive local datetime."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    if formats:
        raise ConversionError(f"{text!r} matches none of the formats {', '.join(formats)}")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _COMPACT_DATETIME.match(text) or _LOOSE_DATETIME.match(
        text.translate(_SEPARATORS).strip()
    )
    if match is None:
        raise ConversionError(f"{text!r} is not a date/time")
    groups = match.groups()
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in groups[:6])
    # Only the loose shape has a seventh group: the fraction, in microseconds once padded.
    fraction = groups[6] if len(groups) == 7 else None
    microsecond = int((fraction or "0").ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, minute, second, microsecond)
    except ValueError as exc:
        raise ConversionError(f"{text!r} is not a valid date/time ({exc})") from None


def _number_text(value: Any) -> str:
    return str(value).replace(",", "").replace("，", "").replace(" ", "")


def _shown(value: Any) -> str:
    """A value as a reason quotes it: at most 40 characters of it."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _to_int(value: Any) -> int:
    if isinstance(value, bool | dict | list):
        raise ConversionError(f"{_shown(value)} is not an integer")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(value) if math.isfinite(value) else Decimal("NaN")
    else:
        try:
            number = value if isinstance(value, Decimal) else Decimal(_number_text(value))
        except ArithmeticError:
            raise ConversionError(f"{_shown(value)} is not an integer") from None
    if not number.is_finite():
        raise ConversionError(f"{_shown(value)} is not a finite number")
    if number != number.to_integral_value():
        raise ConversionError(f"{_shown(value)} is not a whole number")
    if not INT64.start <= number < INT64.stop:
        raise ConversionError(f"{_shown(value)} is out of range (integers are 64-bit)")
    return int(number)


def _to_float(value: Any) -> float:
    if isinstance(value, bool | dict | list):
        raise ConversionError(f"{_shown(value)} is not a number")
    try:
        number = float(value if isinstance(value, int | float | Decimal) else _number_text(value))
    except (ValueError, OverflowError):
        raise ConversionError(f"{_shown(value)} is not a number") from None
    if not math.isfinite(number):
        raise ConversionError(f"{_shown(value)} is not a finite number")
    return number


def _to_text(value: Any) -> str:
    if value.__class__ is str:  # the usual case, first
        return value.strip()
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ConversionError(f"{value[:40]!r} is not UTF-8 text") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConversionError(f"{value!r} is not text")
    text = str(value).strip()
    _check_text(text)
    return text


def _check_text(text: str) -> None:
    """Text the store can keep: valid Unicode (no lone surrogates) without NUL characters."""
    if "\x00" in text:
        raise ConversionError(f"{_shown(text)} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ConversionError(f"{_shown(text)} is not valid Unicode (a lone surrogate)") from None


def _bounded(convert: Converter, field: Field) -> Converter:
    """``convert``, refusing text longer than the field holds and numbers below its minimum."""
    length, minimum = field.length, field.minimum

    def bounded(value: Any) -> Any:
        result = convert(value)
        if isinstance(result, str) and len(result) > length:
            raise ConversionError(
                f"{len(result)} characters, more than the {length} this field holds"
            )
        if minimum is not None and isinstance(result, int | float) and result < minimum:
            raise ConversionError(
                f"{result!r} must not be negative" if minimum == 0 else f"{result!r} < {minimum}"
            )
        return result

    return bounded


def _check_json(value: Any, depth: int = 0) -> None:
    """A JSON value the store and the change log can keep: finite numbers, valid text, and
    at most 32 levels of nesting."""
    if depth > 32:
        raise ConversionError("nested more than 32 levels deep")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConversionError(f"{value!r} inside is not a finite number")
    if isinstance(value, Decimal):
        raise ConversionError("a number inside has more digits than JSON numbers keep")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key))
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def _identifier(check: Callable[[str], str]) -> Converter:
    def convert(value: Any) -> str:
        try:
            return check(_to_text(value))
        except ValueError as exc:
            raise ConversionError(str(exc)) from None

    return convert


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """A source time as the store keeps it: naive UTC (naive source times are in ``zone``)."""
    if value.tzinfo is None:
        offset = zone.utcoffset(value)
        return value - offset if offset else value
    return value.astimezone(UTC).replace(tzinfo=None)


def _datetime_converter(formats: Sequence[str], zone: ZoneInfo) -> Converter:
    def convert(value: Any) -> datetime:
        return to_utc(parse_datetime(value, formats), zone)

    return convert


def _date_converter(formats: Sequence[str]) -> Converter:
    def convert(value: Any) -> date:
        return parse_datetime(value, formats).date()

    return convert


def _enum_converter(field: Field) -> Converter:
    allowed = field.choice_values

    def convert(value: Any) -> str:
        text = _to_text(value)
        if text not in allowed:
            raise ConversionError(f"{text!r} is not one of {', '.join(sorted(allowed))}")
        return text

    return convert


def _json_converter(split: str | None) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, list | dict):
            _check_json(value)
            return value
        text = _to_text(value)
        if split is not None:
            return [part.strip() for part in text.split(split) if part.strip()]
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConversionError(f"{text[:60]!r} is not JSON ({exc.msg})") from None
        _check_json(decoded)
        return decoded

    return convert


def kind_converter(field: Field, mapping: FieldMapping, zone: ZoneInfo) -> Converter:
    """The converter from a non-empty source value to ``field``'s canonical value, within the
    field's length and minimum."""
    return _bounded(_kind_converter(field, mapping, zone), field)


def _kind_converter(field: Field, mapping: FieldMapping, zone: ZoneInfo) -> Converter:
    match field.kind:
        case Kind.TEXT:
            return _to_text
        case Kind.INT:
            return _to_int
        case Kind.FLOAT:
            return _to_float
        case Kind.DATETIME:
            return _datetime_converter(mapping.formats, zone)
        case Kind.DATE:
            return _date_converter(mapping.formats)
        case Kind.ENUM:
            return _enum_converter(field)
        case Kind.JSON:
            return _json_converter(mapping.split)
        case Kind.PROJECT_CODE:
            return _identifier(identifiers.project_code)
        case Kind.CREDIT_CODE:
            return _identifier(identifiers.credit_code)
        case Kind.DIVISION:
            return _identifier(identifiers.division_code)
    raise AssertionError(field.kind)


def _with_value_map(convert: Converter, name: str, table: Mapping[str, str]) -> Converter:
    def mapped(value: Any) -> Any:
        code = _to_text(value)
        try:
            return convert(table[code])
        except KeyError:
            known = ", ".join(sorted(table)[:12]) + (" ..." if len(table) > 12 else "")
            raise ConversionError(
                f"{code!r} is not in value map {name!r} (known codes: {known})"
            ) from None

    return mapped


def expression_label(field_name: str) -> str:
    """The name under which a connector returns the value of a field's ``expr``."""
    return f"expr:{field_name}"


@dataclass(frozen=True, slots=True)
class _Plan:
    name: str
    label: str  # the raw row key the value is read from
    convert: Converter
    default: Any
    required: bool
    null_invalid: bool  # an invalid value empties the field (with a warning) instead of rejecting


class RecordMapper:
    """The compiled mapping of one stream: ``map(row)`` gives ``(record, reasons)``."""

    def __init__(
        self,
        stream: StreamConfig,
        value_maps: Mapping[str, Mapping[str, str]],
        timezone: str,
        *,
        strict_json: bool = False,
    ) -> None:
        """``strict_json``: the rows are decoded JSON (pushed records), whose values must have
        their field's JSON type: a string for text and dates, a number (or a string of one)
        for numbers, never a boolean, an object or an array where a scalar belongs."""
        self.entity: Entity = entity(stream.entity)
        self.stream = stream
        zone = ZoneInfo(timezone)
        ordered = [self.entity.key] + [n for n in stream.fields if n != self.entity.key]
        plans: list[_Plan] = []
        for name in ordered:
            mapping = stream.fields[name]
            field = self.entity.field(name)
            convert = kind_converter(field, mapping, zone)
            if mapping.map is not None:
                convert = _with_value_map(convert, mapping.map, value_maps[mapping.map])
            label = mapping.column if mapping.column is not None else expression_label(name)
            if mapping.column is None and mapping.expr is None:
                label = ""
            default = convert(mapping.default) if mapping.default is not None else None
            if strict_json:  # the default is the config's, not a pushed value
                allowed = _CODE_TYPES if mapping.map is not None else _JSON_TYPES[field.kind]
                convert = _json_typed(convert, allowed)
            required = field.required and not mapping.optional
            null_invalid = mapping.on_invalid == "null"
            plans.append(_Plan(name, label, convert, default, required, null_invalid))
        self._plans = tuple(plans)
        self.fields: tuple[str, ...] = tuple(ordered)
        self.project_index: int | None = (
            ordered.index(self.entity.project_field)
            if self.entity.project_field in stream.fields
            else None
        )

    @property
    def columns(self) -> list[str]:
        """The source columns the mapping reads (expressions are the connector's business)."""
        return sorted({p.label for p in self._plans if p.label and not p.label.startswith("expr:")})

    @property
    def expressions(self) -> dict[str, str]:
        """Field label -> SQL expression, for connectors that evaluate expressions."""
        return {
            expression_label(name): mapping.expr
            for name, mapping in self.stream.fields.items()
            if mapping.expr is not None
        }

    def map(
        self, row: Mapping[str, Any], warnings: list[str] | None = None
    ) -> tuple[tuple[Any, ...] | None, list[str]]:
        """The record and no reasons, or None and the reasons it failed. The reasons for values
        emptied by ``on_invalid = "null"`` are appended to ``warnings``."""
        values: list[Any] = []
        reasons: list[str] = []
        for plan in self._plans:
            raw = row.get(plan.label, None) if plan.label else None
            if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
                value = plan.default
                if value is None and plan.required:
                    where = f" (column {plan.label})" if plan.label else ""
                    reasons.append(f"field {plan.name!r}{where}: required but empty")
            else:
                try:
                    value = plan.convert(raw)
                # A driver value of a type no converter expects (a UUID for an int) is a bad
                # value like any other, never a stopped sync.
                except (ConversionError, TypeError, ValueError, ArithmeticError) as exc:
                    where = f" (column {plan.label})" if plan.label else ""
                    reason = f"field {plan.name!r}{where}: {exc}"
                    if not plan.null_invalid:
                        reasons.append(reason)
                    elif warnings is not None:
                        warnings.append(f"{reason}; stored as empty (on_invalid = 'null')")
                    value = None
            values.append(value)
        if reasons:
            return None, reasons
        return tuple(values), reasons


def json_safe(value: Any) -> Any:
    """A canonical value as it is written to the change log (JSON)."""
    if value is None or value.__class__ is str:  # the usual cases, first
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def raw_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A raw source row, kept whole in rejects: every value a driver returns as JSON."""
    return {storable_text(str(name)): _raw_value(value) for name, value in row.items()}


def storable_text(text: str) -> str:
    """``text`` as every store keeps it: NUL characters and lone surrogates (which PostgreSQL
    refuses) written as their escapes, ``\\x00`` and ``\\ud800``."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _raw_value(value: Any) -> Any:
    """A driver's value as JSON: text where the value has a text form (UUID, Decimal, times,
    intervals), bytes as UTF-8 text or else hex, containers element by element."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or infinity, and PostgreSQL refuses them
    if isinstance(value, str):
        return storable_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + value.hex()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _interval_text(value)
    if isinstance(value, Mapping):
        return {storable_text(str(k)): _raw_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_raw_value(v) for v in value]
    return str(value)  # UUID, Decimal, IP addresses, ranges: their own text form


def _interval_text(value: timedelta) -> str:
    """An interval as ISO 8601 (``P1DT2H3M4S``), the way it reads in the source."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
    return f"{sign}P{value.days}DT{hours}H{minutes}M{seconds}{fraction}S"
