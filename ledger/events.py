"""The event contract (INTERCHANGE.md, "Events in"): one pydantic model per event type.

Events are validated here, at the boundary, and nowhere else: once an :data:`Event` exists it is
a well-formed fact. Field names and codes are the public contract and must not change. Unknown
fields are kept (``extra="allow"``) and travel with the event through the store.

Use :func:`parse_event` on a decoded JSON object or CSV row; it raises :class:`InvalidEvent`
with a reason code (``missing_field``, ``bad_amount``, …) and a message naming the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from ledger.person_id import (
    InvalidPersonId,
    id_birth_date,
    mask,
    mask_ids_in,
    validate_person_id,
)
from ledger.regions import UnknownRegion, validate_region

IDENTITY_CODES: tuple[str, ...] = (
    "tekun",
    "orphan",
    "unsupported_child",
    "dibao",
    "monitored",
    "returned_poverty",
    "dibao_edge",
    "priority_care",
    "single_daughter_family",
    "single_son_family",
    "college_student",
    "veteran",
    "veteran_spouse",
    "returning_graduate",
    "released_prisoner",
    "lost_contact",
    "migrant_worker",
    "retired_fisher",
    "severe_mental_illness",
)

REFUND_REASONS = (
    "duplicate",
    "employee_insurance",
    "other_region",
    "death",
    "wrong_region",
    "other",
)

PAYMENT_PURPOSES = ("contribution", "repair")
LATE_REASONS = ("not_own_fault",)
"""``paid.late_reason``: 非因个人原因停保断保 (HY25 §三(二), POLICY.md ``LATE-special``)."""
STATUS_LOSS_REASONS = ("enlisted", "imprisoned", "other_scheme")
"""``resident_status_lost.reason``: 应征入伍, 服刑, 参加其他制度 (POLICY.md ``EMP-lost``)."""

EVENT_TYPES = (
    "registered",
    "region_changed",
    "born",
    "paid",
    "refunded",
    "residence_permit_granted",
    "resident_status_lost",
    "identity_granted",
    "identity_revoked",
    "employee_insurance_started",
    "employee_insurance_stopped",
    "died",
    "reimbursed",
)

REJECT_REASONS = (
    "invalid_json",
    "bad_row",
    "missing_field",
    "unknown_type",
    "unknown_identity",
    "bad_check_digit",
    "bad_id_birth_date",
    "id_birth_after_date",
    "birth_date_mismatch",
    "bad_amount",
    "unknown_region",
    "bad_date",
    "bad_value",
    "too_long",
    "bad_encoding",
    "conflict",
)
"""Every reason an input line can be rejected for; each has a test and is described in
docs/import.md. ``invalid_json`` is a JSON Lines line that is not a JSON object (or not UTF-8);
``bad_row`` a CSV row that the csv module cannot read or whose cells do not match the header;
``bad_encoding`` a line that is not text in its file's encoding (UTF-8 for JSON Lines);
``too_long`` a line, a text field, a number or a whole record beyond the contract's limits
(:data:`MAX_LINE_BYTES`, :data:`MAX_TEXT_LENGTH`, :data:`MAX_NUMBER_LENGTH`,
:data:`MAX_RECORD_BYTES`).
The ID number reasons (INTERCHANGE.md, "ID numbers"): ``bad_check_digit`` (wrong GB 11643
check digit), ``bad_id_birth_date`` (the birth date digits are no real date),
``id_birth_after_date`` (the number's birth date is after the event's ``date``),
``birth_date_mismatch`` (``birth_date`` of ``registered``, or ``date`` of ``born``, is not the
birth date the number encodes). ``conflict`` is the only reason that depends on what is
stored: an ``event_id`` already stored with other content. Nothing is rejected for what the
person's other events say (POLICY.md ``I-order``)."""


class InvalidEvent(ValueError):
    """An input record that is not a valid event. ``reason`` is one of :data:`REJECT_REASONS`."""

    def __init__(self, reason: str, message: str, event_id: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.event_id = event_id


# ---------------------------------------------------------------- limits

# What the contract accepts, beyond the form of each field (docs/import.md, "Limits"). No real
# bureau export comes near them; they keep every stored value, index entry and sum safe.

MAX_TEXT_LENGTH = 256
"""Characters in a text field of the contract: ``event_id``, ``person_id``, ``guardian_id``,
``receipt_id``, ``channel`` (after trimming where the field is trimmed). ``event_id`` and
``person_id`` are keys of PostgreSQL B-tree indexes, whose entries must stay under 2,704
bytes: 256 characters are at most 1,024 bytes of UTF-8."""
MAX_RECORD_BYTES = 16_384
"""Bytes of a record in canonical form (:func:`canonical_json`, UTF-8), unknown fields
included: what one stored event may hold. A bureau's event is a few hundred bytes."""
MAX_LINE_BYTES = MAX_RECORD_BYTES
"""Bytes of one input line (a JSON Lines line, a CSV physical line), its line ending not
counted: longer lines are rejected without being read into memory whole."""
MAX_NUMBER_LENGTH = 100
"""Characters of a JSON number (an unknown field may hold one): beyond this it is no value an
event carries (and past 4,300 digits Python cannot even convert it)."""
MAX_AMOUNT = Decimal("99999999.99")
"""The largest amount (``amount``, ``fund_amount``, ``critical_illness_amount``): under 100
million yuan, far above any contribution (hundreds of yuan) or settled claim. A person-year's
``paid`` and ``refunded`` are sums of such amounts and must fit every reporting column: a
SQLite NUMERIC keeps 15 significant digits exactly (sums below 10^13 yuan: more than 100,000
events of the largest amount in one person-year), PostgreSQL's NUMERIC(20,2) below 10^18."""
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
"""The range of every date of an event (``date``, ``birth_date``, ``recognized_on``,
``admitted_on``, ``discharged_on``) and of ``recorded_at``: no one insured today was born
before 1900, coverage years run 1990..2100; ``0001-01-01`` and ``9999-12-31`` are
placeholders of a source system, not days."""


class TooLong(ValueError):
    """A value beyond a length limit of the contract (reason ``too_long``)."""


def _shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters (a value may be as
    long as a line) and never failing (an integer too long for ``repr``)."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond sys.get_int_max_str_digits()
        return "a number too long to show"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- field types


_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MONEY_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
"""ASCII digits only: ``\\d`` (and ``Decimal``) would also read ``٤٠٠`` or ``４００`` as 400."""


def _to_date(value: Any) -> date:
    if isinstance(value, str):
        return _iso_date(value)
    if isinstance(value, datetime):
        raise ValueError("expected a date, not a datetime")
    if isinstance(value, date):
        return _in_range(value)
    raise ValueError(f"expected an ISO date YYYY-MM-DD, got {_shown(value)}")


def _in_range(day: date) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"{day} is outside {EARLIEST_DATE}..{LATEST_DATE}")
    return day


# The import validates millions of fields drawn from few distinct values (dates, amounts,
# person ids): the text → value functions are cached. Errors are raised, never cached.
_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_CACHE_SIZE)
def _iso_date(value: str) -> date:
    if _DATE_RE.match(value.strip()):
        return _in_range(date.fromisoformat(value.strip()))  # raises on 2025-02-30
    raise ValueError(f"expected an ISO date YYYY-MM-DD, got {_shown(value)}")


def _to_aware_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            shown = _shown(value)
            raise ValueError(f"expected an ISO datetime with offset, got {shown}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"expected an ISO datetime with offset, got {_shown(value)}")
    if not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
        raise ValueError(f"{value.isoformat()} is outside {EARLIEST_DATE.year}..{LATEST_DATE.year}")
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("recorded_at must carry a timezone offset")
    if offset.seconds % 60 or offset.microseconds:
        # ISO 8601 offsets are whole minutes; the canonical form would drop the rest.
        raise ValueError(f"recorded_at offset must be whole minutes, got {offset}")
    return value


def _to_money(value: Any) -> Decimal:
    """Amounts are decimal strings, ≥ 0, with at most two decimals ("400", "60.5")."""
    if type(value) is str:  # the usual case first
        return _money_text(value)
    if isinstance(value, bool | float):
        raise ValueError(f"amount must be a decimal string, got {_shown(value)}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"amount must be a finite decimal, got {_shown(value)}")
    if isinstance(value, int | Decimal) and value > MAX_AMOUNT:
        raise ValueError(_above_max(value))  # before str(): a huge number's text is huge
    if isinstance(value, int | Decimal) and value < 0:
        raise ValueError(f"amount must be non-negative, got {_shown(value)}")
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        value = format(value, "f")
    if not isinstance(value, str):
        raise ValueError(
            f"amount must be a non-negative decimal with at most two decimals, got {_shown(value)}"
        )
    return _money_text(value)


def _above_max(value: Any) -> str:
    return f"amount {_shown(value)} is above the largest amount accepted, {MAX_AMOUNT}"


@lru_cache(maxsize=_CACHE_SIZE)
def _money_text(value: str) -> Decimal:
    text = value.strip()
    if not _MONEY_RE.match(text):
        raise ValueError(
            "amount must be a non-negative decimal with at most two decimals (ASCII digits), "
            f"got {_shown(value)}"
        )
    amount = Decimal(text)
    if amount > MAX_AMOUNT:
        raise ValueError(_above_max(value))
    try:
        return amount.quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - below MAX_AMOUNT it cannot fail
        raise ValueError(f"bad amount {_shown(value)}") from None


def _to_year(value: Any) -> int:
    if type(value) is int and 1990 <= value <= 2100:  # the usual case first
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a year, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits, and few: int() reads other scripts' digits, and refuses (with a hint
        # about sys.set_int_max_str_digits) beyond 4,300 of them.
        if text.isascii() and text.isdigit() and len(text) <= 8:
            value = int(text)
    if not isinstance(value, int) or not 1990 <= value <= 2100:
        raise ValueError(f"expected a year between 1990 and 2100, got {_shown(value)}")
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", ""):
        return False
    raise ValueError(f"expected true or false, got {_shown(value)}")


def _region(value: Any) -> str:
    if (
        not isinstance(value, str | int)
        or isinstance(value, bool)
        or (isinstance(value, int) and not 0 <= value < 10**6)
        or (isinstance(value, str) and len(value) > 32)
    ):
        raise UnknownRegion(f"unknown region {_shown(value)}")
    return validate_region(str(value))


def _identity(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in IDENTITY_CODES:
        raise ValueError(f"unknown identity {_shown(value)}")
    return value.strip()


def _person(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"person id must be a string, got {_shown(value)}")
    return _person_text(value)


@lru_cache(maxsize=_CACHE_SIZE)
def _person_text(value: str) -> str:
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: refuse it on every backend alike.
        raise ValueError("person id contains a NUL character")
    if len(value) > MAX_TEXT_LENGTH and len(value.strip()) > MAX_TEXT_LENGTH:
        raise TooLong(f"{len(value.strip()):,} characters, more than {MAX_TEXT_LENGTH}")
    return validate_person_id(value)


def _nonempty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {_shown(value)}")
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    text = value.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise TooLong(f"{len(text):,} characters, more than {MAX_TEXT_LENGTH}")
    return text


def _bounded(value: str) -> str:
    """A text field kept as given (``receipt_id``, ``channel``): at most
    :data:`MAX_TEXT_LENGTH` characters."""
    if len(value) > MAX_TEXT_LENGTH:
        raise TooLong(f"{len(value):,} characters, more than {MAX_TEXT_LENGTH}")
    return value


def _format_money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


_Date = date  # the field ``date`` shadows the type inside the models
Day = Annotated[date, BeforeValidator(_to_date)]
AwareDatetime = Annotated[datetime, BeforeValidator(_to_aware_datetime)]
Money = Annotated[
    Decimal, BeforeValidator(_to_money), PlainSerializer(_format_money, return_type=str)
]
Year = Annotated[int, BeforeValidator(_to_year)]
Flag = Annotated[bool, BeforeValidator(_to_bool)]
RegionCode = Annotated[str, BeforeValidator(_region)]
IdentityCode = Annotated[str, BeforeValidator(_identity)]
PersonId = Annotated[str, BeforeValidator(_person)]
NonEmpty = Annotated[str, BeforeValidator(_nonempty)]
Text = Annotated[str, AfterValidator(_bounded)]


class IdDateError(ValueError):
    """An ID number whose birth date does not fit the event (:func:`check_id_dates`)."""

    def __init__(self, reason: str, field: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


def check_id_dates(event: EventBase) -> None:
    """INTERCHANGE.md "ID numbers", the checks that need the event: the birth date an ID
    number encodes (``person_id``, and ``guardian_id`` of ``born``) is not after the event's
    ``date``; on ``registered`` it equals ``birth_date``, on ``born`` it equals ``date``.
    Raises :class:`IdDateError`. The models run it after their fields are valid; the import's
    fast path (:mod:`ledger.fastparse`) runs the same function."""
    day = event.date
    born = id_birth_date(event.person_id)
    kind = event.__dict__.get("type")
    if born is not None:
        if kind == "born":
            if born != day:
                raise IdDateError(
                    "birth_date_mismatch",
                    "date",
                    f"born on {day}, but the ID number {mask(event.person_id)} encodes "
                    "another birth date",
                )
        elif born > day:
            raise IdDateError(
                "id_birth_after_date",
                "person_id",
                f"the ID number {mask(event.person_id)} encodes a birth date after the "
                f"event's date {day}",
            )
        elif kind == "registered" and born != event.__dict__["birth_date"]:
            raise IdDateError(
                "birth_date_mismatch",
                "birth_date",
                f"birth_date {event.__dict__['birth_date']} is not the birth date the ID "
                f"number {mask(event.person_id)} encodes",
            )
    if kind == "born":
        guardian = event.__dict__.get("guardian_id")
        if guardian is not None:
            guardian_born = id_birth_date(guardian)
            if guardian_born is not None and guardian_born > day:
                raise IdDateError(
                    "id_birth_after_date",
                    "guardian_id",
                    f"the guardian's ID number {mask(guardian)} encodes a birth date after "
                    f"the child's birth {day}",
                )


# ---------------------------------------------------------------- event models


class EventKey(NamedTuple):
    """What storing a valid event needs of it beside its canonical text: its id and its
    person's (:meth:`ledger.application.LedgerApp.decide`). The bulk import's fast path gives
    this instead of the event's model (:func:`ledger.fastparse.parse_plain` with
    ``key_only``): a batch is held until it commits, and its models cost about 3 µs an event
    in memory alone (made, kept, freed)."""

    event_id: str
    person_id: str


class EventBase(BaseModel):
    """Common fields of every event."""

    model_config = ConfigDict(extra="allow", frozen=True)

    event_id: NonEmpty
    person_id: PersonId
    date: Day
    recorded_at: AwareDatetime | None = None
    """When the source recorded it. On an event read from the store it defaults to
    ``stored_at`` (then it is not in ``model_fields_set``: see :func:`source_record`)."""
    stored_at: datetime | None = Field(default=None, exclude=True)
    """The ledger's own clock: when this ledger stored the event (the commit time of the
    transaction that first stored it; ``replay --events`` stamps its start time). Set on
    events read from the store, ``None`` on events not stored. Never taken from the source
    (an input line's ``stored_at`` is dropped before validation) and never part of the contract
    record, its canonical form or its fingerprint (``exclude``)."""

    @model_validator(mode="after")
    def _id_dates(self) -> EventBase:
        check_id_dates(self)
        return self


class Registered(EventBase):
    """参保登记: the person is registered in a pooling region."""

    type: Literal["registered"] = "registered"
    region: RegionCode
    birth_date: Day
    hukou_region: RegionCode | None = None
    """户籍地: the region of the person's household registration (POLICY.md ``PLACE-hukou``)."""


class RegionChanged(EventBase):
    """The insured region changes from ``date`` on."""

    type: Literal["region_changed"] = "region_changed"
    region: RegionCode


class Born(EventBase):
    """新生儿: a newborn; ``date`` is the birth date. Registers the person."""

    type: Literal["born"] = "born"
    region: RegionCode
    guardian_id: PersonId | None = None
    hukou_region: RegionCode | None = None
    """户籍地 of the newborn (POLICY.md ``PLACE-hukou``)."""


class Paid(EventBase):
    """缴费: a contribution for a coverage year; ``repair`` is 缴费修复 of a past break year."""

    type: Literal["paid"] = "paid"
    coverage_year: Year
    amount: Money
    purpose: Literal["contribution", "repair"] = "contribution"
    region: RegionCode | None = None
    """The pooling region (统筹区) that collected it; absent: the person's region on ``date``."""
    late_reason: Literal["not_own_fault"] | None = None
    """非因个人原因停保断保 (POLICY.md ``LATE-special``, HY25 §三(二))."""
    receipt_id: Text | None = None
    channel: Text | None = None


class Refunded(EventBase):
    """退费."""

    type: Literal["refunded"] = "refunded"
    coverage_year: Year
    amount: Money
    reason: Literal[
        "duplicate", "employee_insurance", "other_region", "death", "wrong_region", "other"
    ]
    region: RegionCode | None = None
    """The pooling region refunding it (POLICY.md ``I-year-region``)."""


class ResidencePermitGranted(EventBase):
    """居住证: the person holds a residence permit of ``region`` from ``date`` (no end)."""

    type: Literal["residence_permit_granted"] = "residence_permit_granted"
    region: RegionCode


class ResidentStatusLost(EventBase):
    """参保身份丧失: the person leaves the resident scheme on ``date`` (POLICY.md ``EMP-lost``)."""

    type: Literal["resident_status_lost"] = "resident_status_lost"
    reason: Literal["enlisted", "imprisoned", "other_scheme"]


class IdentityGranted(EventBase):
    """A department recognises (认定) an identity, effective ``date``."""

    type: Literal["identity_granted"] = "identity_granted"
    identity: IdentityCode
    recognized_on: Day | None = None

    @property
    def recognized(self) -> _Date:
        """认定日期: the recognition date, ``date`` when not given."""
        return self.recognized_on or self.date


class IdentityRevoked(EventBase):
    type: Literal["identity_revoked"] = "identity_revoked"
    identity: IdentityCode


class EmployeeInsuranceStarted(EventBase):
    """The person joins employee insurance (职工医保)."""

    type: Literal["employee_insurance_started"] = "employee_insurance_started"


class EmployeeInsuranceStopped(EventBase):
    """职工医保断保/停保."""

    type: Literal["employee_insurance_stopped"] = "employee_insurance_stopped"


class Died(EventBase):
    type: Literal["died"] = "died"


class Reimbursed(EventBase):
    """A settled claim (医保报销) for coverage year ``year``."""

    type: Literal["reimbursed"] = "reimbursed"
    year: Year
    fund_amount: Money
    critical_illness_amount: Money | None = None
    reward_used: Flag = False
    admitted_on: Day | None = None
    """入院日期 of the stay."""
    discharged_on: Day | None = None
    """出院日期: decides the year a cross-year stay counts for (POLICY.md ``INC-discharge``)."""


Event = Annotated[
    Registered
    | RegionChanged
    | Born
    | Paid
    | Refunded
    | ResidencePermitGranted
    | ResidentStatusLost
    | IdentityGranted
    | IdentityRevoked
    | EmployeeInsuranceStarted
    | EmployeeInsuranceStopped
    | Died
    | Reimbursed,
    Field(discriminator="type"),
]
"""Any event of the contract."""

EVENT_MODELS: dict[str, type[EventBase]] = {
    "registered": Registered,
    "region_changed": RegionChanged,
    "born": Born,
    "paid": Paid,
    "refunded": Refunded,
    "residence_permit_granted": ResidencePermitGranted,
    "resident_status_lost": ResidentStatusLost,
    "identity_granted": IdentityGranted,
    "identity_revoked": IdentityRevoked,
    "employee_insurance_started": EmployeeInsuranceStarted,
    "employee_insurance_stopped": EmployeeInsuranceStopped,
    "died": Died,
    "reimbursed": Reimbursed,
}

_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

_REASON_BY_FIELD = {
    "amount": "bad_amount",
    "fund_amount": "bad_amount",
    "critical_illness_amount": "bad_amount",
    "date": "bad_date",
    "birth_date": "bad_date",
    "recognized_on": "bad_date",
    "admitted_on": "bad_date",
    "discharged_on": "bad_date",
    "recorded_at": "bad_date",
    "region": "unknown_region",
    "hukou_region": "unknown_region",
    "identity": "unknown_identity",
}


def _drop_empty(raw: Mapping[str, Any]) -> dict[str, Any]:
    """CSV rows carry every column; an empty cell means the field is absent."""
    return {k: v for k, v in raw.items() if v is not None and v != ""}


_CONSTRUCTION: dict[type[EventBase], tuple[frozenset[str], dict[str, Any]]] = {
    model: (
        frozenset(model.model_fields),
        {
            name: info.get_default(call_default_factory=True)
            for name, info in model.model_fields.items()
            if not info.is_required()
        },
    )
    for model in EVENT_MODELS.values()
}
_DATE_FIELDS = ("date", "birth_date", "recognized_on", "admitted_on", "discharged_on")
_MONEY_FIELDS = ("amount", "fund_amount", "critical_illness_amount")


def _stored_moment(value: str | datetime) -> datetime:
    return value if type(value) is datetime else datetime.fromisoformat(value)  # type: ignore[arg-type]


_STORED_FORM: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_DATE_FIELDS, _Date.fromisoformat),
    **dict.fromkeys(_MONEY_FIELDS, Decimal),
    "recorded_at": _stored_moment,
}
"""How a field of a stored record becomes its model value (the others are kept as they are)."""


def trusted_event(record: dict[str, Any], stored_at: datetime | None = None) -> Event:
    """An event from a record the ledger itself stored (:func:`canonical_json` of a validated
    event), without validating it again: the read path of replay and projection.

    Equal to ``parse_event(record)`` for such records (a test holds it to that); never use it on
    input from outside the ledger. ``recorded_at`` may also be given as a ``datetime``.
    ``stored_at`` is the time the ledger stored it: set on the event, and ``recorded_at``
    defaults to it (left out of the fields set, as a default is)."""
    model = EVENT_MODELS[record["type"]]
    names, defaults = _CONSTRUCTION[model]
    # What ``model_construct`` does, without its per-call field introspection (hot path).
    data = dict(defaults)
    extra = {}
    stored_form = _STORED_FORM
    for name, value in record.items():
        if value is not None:
            convert = stored_form.get(name)
            if convert is not None:
                value = convert(value)
        if name in names:
            data[name] = value
        else:
            extra[name] = value
    fields_set = set(names.intersection(record))
    if stored_at is not None:
        data["stored_at"] = stored_at
        if data["recorded_at"] is None:
            data["recorded_at"] = stored_at
    else:
        data["stored_at"] = None  # never from a record (an earlier version's unknown field)
    fields_set.discard("stored_at")
    event = object.__new__(model)
    object.__setattr__(event, "__dict__", data)
    object.__setattr__(event, "__pydantic_fields_set__", fields_set)
    object.__setattr__(event, "__pydantic_extra__", extra)
    object.__setattr__(event, "__pydantic_private__", None)
    return event  # type: ignore[return-value]


def parse_event(raw: Mapping[str, Any]) -> Event:
    """Validate one decoded record into an event, or raise :class:`InvalidEvent`."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise InvalidEvent("invalid_json", f"expected a JSON object, got {type(raw).__name__}")
    data = _drop_empty(raw)
    data.pop("stored_at", None)  # the ledger's own clock, never the source's
    event_id = _reported_id(data.get("event_id"))
    missing = [f for f in ("event_id", "person_id", "type", "date") if f not in data]
    if missing:
        raise InvalidEvent("missing_field", f"missing field {missing[0]!r}", event_id)
    kind = data["type"]
    if not isinstance(kind, str) or kind not in EVENT_MODELS:
        raise InvalidEvent("unknown_type", f"unknown event type {_shown(kind)}", event_id)
    try:
        event: Event = _EVENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise _invalid_from(exc, event_id) from None
    extra = event.__pydantic_extra__
    if extra:
        _check_extra(extra, event_id)
        # Known fields are bounded (MAX_TEXT_LENGTH): only unknown ones can make a record
        # large, and only a record whose unknown fields might is measured.
        if _may_be_too_long(extra):
            size = len(canonical_json(event).encode("utf-8"))
            if size > MAX_RECORD_BYTES:
                raise InvalidEvent(
                    "too_long",
                    f"the record is {size:,} bytes in canonical form, "
                    f"more than {MAX_RECORD_BYTES:,}",
                    event_id,
                )
    return event


KNOWN_FIELDS_BOUND = MAX_RECORD_BYTES // 2
"""More than the canonical form of any record's known fields can take (its text fields hold
at most :data:`MAX_TEXT_LENGTH` characters each; ``tests/test_fastparse.py`` measures the
largest)."""


def _may_be_too_long(extra: dict[str, Any]) -> bool:
    """Whether a record with these unknown fields could pass :data:`MAX_RECORD_BYTES`: an
    upper bound, cheap for the usual unknown fields (a few short texts, a CSV's extra
    columns), so that only a record near the limit is serialised to be measured."""
    size = KNOWN_FIELDS_BOUND
    for name, value in extra.items():
        if type(value) is str:
            # Six bytes a character at most ("\u0001"), quotes, colon and comma.
            size += 6 * (len(name) + len(value)) + 6
        elif value is None or type(value) is bool:
            size += 6 * len(name) + 11
        else:
            return True  # a number, a list, an object: measured
        if size > MAX_RECORD_BYTES:
            return True
    return False


def _reported_id(value: Any) -> str | None:
    """The ``event_id`` an error carries: the line's, cut to :data:`MAX_TEXT_LENGTH`."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= MAX_TEXT_LENGTH else value[: MAX_TEXT_LENGTH - 1] + "…"


MAX_NESTING = 100
"""How deep unknown fields may nest lists and objects (the serialiser refuses ~250 levels)."""


def _check_extra(extra: dict[str, Any], event_id: str | None) -> None:
    """Unknown fields nest at most :data:`MAX_NESTING` levels and hold no infinite or NaN
    number (no JSON text has one; the JSON form would turn it into ``null``)."""
    for name, value in extra.items():
        if isinstance(value, dict | list):
            depth, finite = _walk(value)
            if depth > MAX_NESTING:
                raise InvalidEvent(
                    "bad_value",
                    f"{name}: unknown field nested deeper than {MAX_NESTING} levels",
                    event_id,
                )
        else:
            finite = not isinstance(value, float) or math.isfinite(value)
        if not finite:
            raise InvalidEvent(
                "bad_value", f"{name}: an infinite or NaN number is no JSON value", event_id
            )


def _walk(value: Any) -> tuple[int, bool]:
    """Nesting depth of lists and objects (iteratively: no recursion limit), and whether
    every number in them is finite."""
    deepest = 0
    finite = True
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_NESTING:
                return level, finite
            stack.extend((child, level + 1) for child in item)
        elif isinstance(item, float) and not math.isfinite(item):
            finite = False
    return deepest, finite


def _invalid_from(exc: ValidationError, event_id: str | None) -> InvalidEvent:
    error = exc.errors(include_url=False)[0]
    loc = [part for part in error["loc"] if isinstance(part, str)]
    # The discriminated union puts the type tag first in the location.
    field = loc[-1] if loc else "?"
    if error["type"] == "missing":
        return InvalidEvent("missing_field", f"missing field {field!r}", event_id)
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, TooLong):
        return InvalidEvent("too_long", f"{field}: {cause}", event_id)
    if isinstance(cause, IdDateError):
        return InvalidEvent(cause.reason, f"{cause.field}: {cause}", event_id)
    if isinstance(cause, InvalidPersonId):
        return InvalidEvent(cause.reason, f"{field}: {cause}", event_id)
    if isinstance(cause, UnknownRegion):
        return InvalidEvent("unknown_region", f"{field}: {cause}", event_id)
    reason = _REASON_BY_FIELD.get(field, "bad_value")
    if field in ("person_id", "guardian_id"):
        reason = "bad_value"  # not a string, or a NUL in it: InvalidPersonId is handled above
    message = str(cause) if cause is not None else error["msg"]
    return InvalidEvent(reason, f"{field}: {mask_ids_in(message)}", event_id)


# ---------------------------------------------------------------- canonical forms


def event_to_record(event: EventBase) -> dict[str, Any]:
    """The event as a JSON-ready dict in contract form (amounts as strings, dates ISO)."""
    record = event.model_dump(mode="json", exclude_none=True)
    record["type"] = event.type  # type: ignore[attr-defined]
    return record


def source_record(event: EventBase) -> dict[str, Any]:
    """The contract record as the source gave it: :func:`event_to_record` without a
    ``recorded_at`` the ledger defaulted to ``stored_at``. Importing it elsewhere stores the
    same record (same fingerprint: no conflict with the original line)."""
    record = event_to_record(event)
    if "recorded_at" not in event.model_fields_set and event.stored_at is not None:
        record.pop("recorded_at", None)
    return record


def canonical_json(event: EventBase) -> str:
    """The contract record as canonical JSON text (sorted keys, compact, UTF-8 characters kept).

    This is the form the ledger stores and the form :func:`fingerprint` hashes."""
    return compact_json(event_to_record(event), sort_keys=True)


def _json_encoder(sort_keys: bool) -> Callable[[Any], str]:
    encoder = json.JSONEncoder(sort_keys=sort_keys, ensure_ascii=False, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C accelerator
        return encoder.encode
    # What encoder.encode does for a dict, minus building the C encoder on every call
    # (most of the cost for small records). No circular-reference check: the values come
    # from JSON or from a model, neither can be circular.
    iterencode = make(
        None,
        encoder.default,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        sort_keys,
        False,
        True,
    )
    return lambda obj: "".join(iterencode(obj, 0))


_SORTED = _json_encoder(True)
_UNSORTED = _json_encoder(False)


def compact_json(obj: dict[str, Any], *, sort_keys: bool = False) -> str:
    """``json.dumps(obj, sort_keys=sort_keys, ensure_ascii=False, separators=(",", ":"))`` for
    a dict, faster (the bulk import calls it twice per event)."""
    return _SORTED(obj) if sort_keys else _UNSORTED(obj)


def fingerprint_of(canonical: str) -> str:
    """The fingerprint of a record already in :func:`canonical_json` form."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fingerprint(event: EventBase) -> str:
    """Content hash used for idempotency: the same ``event_id`` with another fingerprint is a
    conflict. ``recorded_at`` counts only when the source supplied it."""
    return fingerprint_of(canonical_json(event))


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def sort_key(event: EventBase) -> tuple[date, datetime]:
    """Business order: by ``date``, then by recording time (the fold's order, INTERCHANGE.md).

    Python's sort is stable, so events equal on both keep their arrival order."""
    return (event.date, event.recorded_at or _EARLIEST)
