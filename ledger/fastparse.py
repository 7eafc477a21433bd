"""The bulk import's fast path: ``parse_event`` and ``canonical_json`` at once, for plain records.

:func:`parse_plain` takes a decoded JSON object and returns ``(event, canonical)`` — the same
event :func:`ledger.events.parse_event` returns (same model, same values, same fields set) and
the same text :func:`ledger.events.canonical_json` gives for it — or ``None`` when the record
is not *plain*, and then the caller uses ``parse_event`` (which also explains any error).

A record is plain when it has a known ``type``, no field outside its model, and every value of
the type the source usually sends (strings; integers or digits for years; a boolean or its
text for a flag) that passes the very validators the models use (``ledger.events``'
``_nonempty``, ``_person``, ``_to_date``, …, and the models' after-validator
``check_id_dates``). Nothing is decided here that ``parse_event`` would decide differently:
any other shape, any validation error, any unknown field goes the general way. Tests hold the
two paths equal on valid, mutated and random records, and hold the import (this path, else
``parse_event``) to accept and reject exactly what the models do, with the same reasons
(``tests/test_fastparse.py``).

The canonical text is written by orjson (the same text as ``compact_json`` for these values).

The bulk import asks for ``key_only``: the record validated all the same, but the event's
:class:`~ledger.events.EventKey` (its id and its person's) instead of its model, since what is
stored is the canonical text. A batch is held until it commits, and making, keeping and
freeing its models cost about 3 µs an event (4.4 against 7.3 µs per record here, with the
results kept as a batch keeps them).

Why: pydantic calls those Python validators from Rust and then serialises the model back to
JSON; for the import's millions of small records that was about 10 µs of its ~35 µs per event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, overload

import orjson
from pydantic import TypeAdapter

from ledger.events import (
    EVENT_MODELS,
    LATE_REASONS,
    MAX_TEXT_LENGTH,
    PAYMENT_PURPOSES,
    REFUND_REASONS,
    STATUS_LOSS_REASONS,
    Event,
    EventKey,
    IdDateError,
    _format_money,
    _identity,
    _nonempty,
    _person,
    _region,
    _to_aware_datetime,
    _to_bool,
    _to_date,
    _to_money,
    _to_year,
    check_id_dates,
)

Converter = Callable[[Any], tuple[Any, Any]]
"""A field's input value → ``(model value, JSON value)``; raises when not plain."""

_CACHE_SIZE = 1 << 16


class NotPlain(Exception):
    """The value is valid or not, but the general path decides."""


# Converters of text values (called only for ``str`` input). Those of fields with few
# distinct values are cached on the text (only str keys: no 1 == 1.0 == True confusion).


def _event_id(value: str) -> tuple[str, str]:
    # _nonempty, with its checks reordered for the usual id (no NUL, nothing to strip, not
    # too long); the same result, and _nonempty itself raises (or strips) for every other text.
    result = value.strip()
    if result and len(result) <= MAX_TEXT_LENGTH and "\x00" not in result:
        return result, result
    result = _nonempty(value)
    return result, result


def _same(value: str) -> tuple[str, str]:
    # A ``Text | None`` field: pydantic keeps a str as it is, up to MAX_TEXT_LENGTH.
    if len(value) > MAX_TEXT_LENGTH:
        raise NotPlain
    return value, value


def _cached_text(convert: Callable[[str], Any], to_json: Callable[[Any], Any]) -> Converter:
    @lru_cache(maxsize=_CACHE_SIZE)
    def cached(value: str) -> tuple[Any, Any]:
        result = convert(value)
        return result, to_json(result)

    return cached


def _itself(value: Any) -> Any:
    return value


def _isoformat(value: date) -> str:
    return value.isoformat()


def _literal(allowed: tuple[str, ...]) -> Converter:
    return {value: (value, value) for value in allowed}.__getitem__  # KeyError: not plain


_DATETIME = TypeAdapter(datetime)


def _aware(value: str) -> tuple[datetime, Any]:
    moment = _to_aware_datetime(value)
    return moment, _DATETIME.dump_python(moment, mode="json")


_PERSON = _cached_text(_person, _itself)
_DAY = _cached_text(_to_date, _isoformat)
_REGION = _cached_text(_region, _itself)
_IDENTITY = _cached_text(_identity, _itself)
_MONEY_CACHED = _cached_text(_to_money, _format_money)
_CENTS = re.compile(r"(?:0|[1-9][0-9]{0,7})\.[0-9][0-9]")
"""An amount already in canonical form: no sign, no leading zero, no space, two decimals,
ASCII digits; at most 8 before the point (``MAX_AMOUNT`` is 99,999,999.99)."""


def _money(value: str) -> tuple[Any, Any]:
    # Amounts with cents (reimbursements) are nearly all distinct: caching them only evicted
    # the common ones. Such a text is its own canonical form and ``Decimal(value)`` already
    # has two decimals, so this is what _to_money and _format_money give, without the cache.
    if value[-3:-2] == "." and _CENTS.fullmatch(value):
        return Decimal(value), value
    return _MONEY_CACHED(value)


_MONEY = _money
_YEAR_TEXT = _cached_text(_to_year, _itself)  # CSV cells
_FLAG_TEXT = _cached_text(_to_bool, _itself)


# Converters of other values: JSON numbers and booleans.


def _year(value: Any) -> tuple[int, int]:
    if type(value) is not int:  # not a bool, not a float
        raise NotPlain
    year = _to_year(value)
    return year, year


def _flag(value: Any) -> tuple[bool, bool]:
    if type(value) is not bool:
        raise NotPlain
    return value, value


_COMMON: dict[str, Converter] = {
    "event_id": _event_id,
    "person_id": _PERSON,
    "date": _DAY,
    "recorded_at": _aware,
}

_FIELDS: dict[str, dict[str, Converter]] = {
    "registered": {"region": _REGION, "birth_date": _DAY, "hukou_region": _REGION},
    "region_changed": {"region": _REGION},
    "born": {"region": _REGION, "guardian_id": _PERSON, "hukou_region": _REGION},
    "paid": {
        "coverage_year": _YEAR_TEXT,
        "amount": _MONEY,
        "purpose": _literal(PAYMENT_PURPOSES),
        "region": _REGION,
        "late_reason": _literal(LATE_REASONS),
        "receipt_id": _same,
        "channel": _same,
    },
    "refunded": {
        "coverage_year": _YEAR_TEXT,
        "amount": _MONEY,
        "reason": _literal(REFUND_REASONS),
        "region": _REGION,
    },
    "residence_permit_granted": {"region": _REGION},
    "resident_status_lost": {"reason": _literal(STATUS_LOSS_REASONS)},
    "identity_granted": {"identity": _IDENTITY, "recognized_on": _DAY},
    "identity_revoked": {"identity": _IDENTITY},
    "employee_insurance_started": {},
    "employee_insurance_stopped": {},
    "died": {},
    "reimbursed": {
        "year": _YEAR_TEXT,
        "fund_amount": _MONEY,
        "critical_illness_amount": _MONEY,
        "reward_used": _FLAG_TEXT,
        "admitted_on": _DAY,
        "discharged_on": _DAY,
    },
}
"""Each type's fields beyond the common ones, with the converter of their text form.
(``tests/test_fastparse.py`` checks that these are exactly the models' fields.)"""

_NON_TEXT: dict[str, Converter] = {
    "coverage_year": _year,
    "year": _year,
    "reward_used": _flag,
}
"""The converters of the fields whose plain form may also be a JSON number or boolean."""

_REQUIRED = object()
_SHAPES_PER_TYPE = 64
"""Shapes (key orders) whose fields set is shared, per event type: a source writes one or a
few; a file of records in ever-changing key orders gets a set per event past these."""


class _Spec:
    """How to build one event type from converted values."""

    __slots__ = (
        "canonical_defaults",
        "converters",
        "model",
        "non_text",
        "required",
        "template",
        "shapes",
    )

    shapes: dict[tuple[str, ...], set[str]]
    """The fields set of each shape (the record's keys in order, none absent) seen so far:
    one set object per shape, shared by its events (see :func:`parse_plain`)."""

    def __init__(self, kind: str) -> None:
        model = EVENT_MODELS[kind]
        self.model = model
        self.converters: dict[str, Converter] = {
            **_COMMON,
            **_FIELDS[kind],
            "type": _literal((kind,)),
        }
        self.non_text = {n: c for n, c in _NON_TEXT.items() if n in self.converters}
        self.required = frozenset(n for n, f in model.model_fields.items() if f.is_required())
        # The model's fields in order, each with its default (the required ones always set).
        self.template: dict[str, Any] = {}
        self.shapes = {}
        self.canonical_defaults: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            if info.is_required():
                self.template[name] = _REQUIRED
                continue
            default = info.get_default(call_default_factory=True)
            if not (default is None or type(default) in (bool, str)):  # pragma: no cover
                raise TypeError(f"no plain JSON form for default {default!r}")
            self.template[name] = default
            if default is not None:
                self.canonical_defaults[name] = default


_SPECS: dict[str, _Spec] = {kind: _Spec(kind) for kind in EVENT_MODELS}


@overload
def parse_plain(record: Any, key_only: Literal[False] = False) -> tuple[Event, str] | None: ...


@overload
def parse_plain(record: Any, key_only: Literal[True]) -> tuple[EventKey, str] | None: ...


@overload
def parse_plain(record: Any, key_only: bool) -> tuple[Event | EventKey, str] | None: ...


def parse_plain(record: Any, key_only: bool = False) -> tuple[Event | EventKey, str] | None:
    """``(parse_event(record), canonical_json(event))`` for a plain record, else ``None``.

    ``key_only``: the event's :class:`~ledger.events.EventKey` instead of its model (for the
    bulk import, which stores the canonical text); the record is validated all the same,
    and ``parse_plain(record)`` gives the model."""
    if type(record) is not dict:
        return None
    kind = record.get("type")
    if type(kind) is not str:
        return None
    spec = _SPECS.get(kind)
    if spec is None:
        return None
    if "stored_at" in record:  # the ledger's own clock, never the source's: dropped
        record = {name: value for name, value in record.items() if name != "stored_at"}
    converters = spec.converters
    data = spec.template.copy()
    canonical = spec.canonical_defaults.copy()
    absent: list[str] = []
    try:
        for name, value in record.items():
            if type(value) is str:
                if value == "":
                    absent.append(name)  # absent, as parse_event's _drop_empty has it
                    continue
                data[name], canonical[name] = converters[name](value)
            elif value is None:
                absent.append(name)
            else:
                data[name], canonical[name] = spec.non_text[name](value)
    except Exception:  # noqa: BLE001 - an unknown field, any doubt: the general path
        return None
    # The record's fields but the absent ones. A record with none absent has the fields set of
    # its shape, one set object shared by every event of that shape: a set of seven names is
    # 728 bytes, an event's largest part, and a bulk import holds two batches of events (the
    # 1M-event import into PostgreSQL took about 1 s less with them shared). Sharing is safe
    # because the models are frozen: pydantic never adds to the fields set of a frozen model
    # and gives every copy its own (``model_copy``), as ``tests/test_fastparse.py`` checks;
    # nothing in the ledger changes a fields set.
    fields_set: set[str] | None
    if absent:
        fields_set = set(record)
        fields_set.difference_update(absent)
        if not spec.required.issubset(fields_set):
            return None
    else:
        keys = tuple(record)
        fields_set = spec.shapes.get(keys)
        if fields_set is None:
            fields_set = set(record)
            if not spec.required.issubset(fields_set):
                return None
            if len(spec.shapes) < _SHAPES_PER_TYPE:  # (past it: a set per event, as before)
                spec.shapes[keys] = fields_set
    event: Any
    if key_only:  # a plain object holding the values: the model itself is never made
        event = _new(_Fields)
        event.__dict__ = data
    else:
        event = _new(spec.model)
        _setattr(event, "__dict__", data)
        _setattr(event, "__pydantic_fields_set__", fields_set)
        _setattr(event, "__pydantic_extra__", {})
        _setattr(event, "__pydantic_private__", None)
    try:
        check_id_dates(event)  # the models' own after-validator, the same function
    except IdDateError:
        return None
    text = orjson.dumps(canonical, option=_SORTED).decode()
    if key_only:
        return _new_tuple(EventKey, (data["event_id"], data["person_id"])), text
    return event, text


class _Fields:
    """A plain object whose attributes are an event's values (``check_id_dates`` reads them
    as a model's)."""


_new = object.__new__
_new_tuple = tuple.__new__  # (a NamedTuple without its Python-level __new__)
_setattr = object.__setattr__  # (what pydantic's model_construct sets a model's slots with)
_SORTED = orjson.OPT_SORT_KEYS
"""``canonical_json`` with orjson: the same text for the values a plain record has (strings,
integers, booleans, null, ASCII keys), by test over every code point, about five times
faster than the standard library's encoder."""
