"""Parameters of a policy version: amounts, windows, cutoffs and tables, as validated data.

Every built-in value carries its citation (notice and section, :mod:`policies.clauses`), like
an OpenFisca parameter's ``reference``; a version added from a parameter file cites its own
``source`` (or the file's ``citations``) for the values it sets, and its ``source`` too for the
values and rules it inherits (a new notice restates them; its sections are not known here).
The readings of unclear phrases are parameters too (``late_start``, ``newborn_after_days`` …),
so a different reading is a one-line change with its own revision (POLICY.md, INTERPRETATIONS).

The full list of keys a parameter file may set is the set of fields of :class:`Parameters`
(docs: ``docs/policies.md``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ledger.events import IDENTITY_CODES, Money
from ledger.regions import is_known_region

StartRule = Literal["next_month", "next_day", "waiting"]
"""How coverage starts after a payment outside the central window: ``next_month``
(I-next-month), ``next_day`` (I-next-day) or ``waiting`` (WAIT-fixed/WAIT-var/WAIT-start)."""

SubsidyMode = Literal["deducted", "reimbursed"]
FULL = "full"
"""A subsidy that covers the whole individual standard (全额资助)."""
UNKNOWN = "unknown"
"""An identity that is subsidised under rules whose amounts are not in the sources (POLICY.md
§2 note 4): recorded, no subsidy computed, flagged ``subsidy_amount_unknown``."""
OTHER = "other"
"""An identity subsidised as the person's other subsidy identity (HY25 §二(二): 事实无人抚养
儿童 are funded as 低保/监测 or, as orphans and 特困, in full); with no other identity the amount
is not in the sources: flagged ``subsidy_amount_unknown``."""
StatusLossReason = Literal["enlisted", "imprisoned", "other_scheme"]
DuplicatePriority = Literal["college_student", "residence"]


def _identity(value: Any) -> str:
    if value not in IDENTITY_CODES:
        raise ValueError(f"unknown identity code {value!r}")
    return str(value)


def _region(value: Any) -> str:
    if not isinstance(value, str) or not is_known_region(value):
        raise ValueError(f"unknown region code {value!r}")
    return str(value)


def _subsidy(value: Any) -> Decimal | str:
    if value in (FULL, UNKNOWN, OTHER):
        return str(value)
    if isinstance(value, float):
        raise ValueError("amounts are decimal strings, not floats")
    try:
        amount = Decimal(str(value))
    except Exception:
        raise ValueError(
            f"subsidy must be a decimal amount, 'full', 'unknown' or 'other', got {value!r}"
        ) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"subsidy must be a non-negative amount in yuan and fen, got {value!r}")
    return amount.quantize(Decimal("0.01"))


Identity = Annotated[str, BeforeValidator(_identity)]
Region = Annotated[str, BeforeValidator(_region)]
SubsidyAmount = Annotated[Decimal | str, BeforeValidator(_subsidy)]
Window = tuple[date, date]


class Parameters(BaseModel):
    """The complete parameter set of one policy version (all keys required once merged)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    # §2 contribution and subsidies — 个人缴费标准, 参保资助
    individual_standard: Money
    subsidy_cutoff: date
    """SUB-cutoff: identities recognised (认定) on or before this day count for the year."""
    subsidies: dict[Identity, SubsidyAmount]
    """Identity → amount of the individual standard it covers (``full``, an amount,
    ``unknown``, or ``other``: as the person's other subsidy identity); identities not listed
    get no subsidy in this version."""
    subsidy_central_window_only: bool = True
    """SUB-window: a subsidy applies only to a payment in the central window, and a subsidised
    person paying later is covered from the next month (AK22 §五(三)2, SX24 §五(二)4(2), AK25
    §四(二)4(2)); ``False``: the notice has no such rule (HY25)."""
    subsidy_hukou_province: Region | None = None
    """XA24-hukou: only a person whose 户籍地 (``hukou_region``) lies in this province gets a
    subsidy (市医保发〔2023〕57号 §二 具有陕西省户籍的…享受参保资助政策); a person with no hukou
    on record is not refused. ``None``: no such condition."""
    subsidy_modes: dict[Identity, SubsidyMode] = Field(default_factory=dict)
    """SUB-mode: identity → ``deducted`` (资助) or ``reimbursed`` (先缴后补); default deducted."""
    recognised_after_payment: Literal["none", "reimbursed"] = "none"
    """An identity recognised by the cutoff but after the person paid the full standard in the
    central window: ``reimbursed`` gives the subsidy back (SX24 §四(一) 系统内未标识但已全额参保
    缴费的人员，由各统筹区落实资助政策); ``none`` gives nothing for the year."""
    county_subsidies: dict[Region, dict[Identity, SubsidyAmount]] = Field(default_factory=dict)
    """County overrides of ``subsidies`` (AK25 §二(二): 紫阳县、白河县 keep a higher amount)."""

    # §7 refunds — 退费
    refund_deadline: Literal["coverage_start", "central_window_end"] = "coverage_start"
    """REF-before: refunds only before coverage starts; REF-ak22: and not after the central
    window (2022-01-01 on, no refund)."""
    wrong_region_first_date: bool = False
    """REF-wrong-region: a payment refunded from the wrong region and repaid here counts from
    the first payment's date."""
    duplicate_priority: tuple[DuplicatePriority, ...] = ()
    """DUP-region: with contributions standing in two pooling regions, the year goes to (1)
    ``college_student``: the earliest payment made while a college student; (2) ``residence``:
    the payment where the person lives (常住地); else (3) the earliest standing payment (I-dup).
    A rule applies when either region's version lists it."""

    # §3 windows — 集中缴费期, 补缴期
    central_window: Window
    late_window: Window | None = None
    late_window_identities: frozenset[Identity] | None = None
    """Who may use the late window; ``None`` = everyone (HY25: ``migrant_worker`` only)."""
    late_start: StartRule
    outside_window_start: StartRule | None = None
    """A general resident paying outside every window in the coverage year: ``None`` buys
    nothing (GEN-outside); ``waiting`` enrols after the waiting period (WAIT-hy25)."""

    # §4 special groups — 部分特殊人员
    employee_stop: bool = True
    """EMP-stop: a stopped employee insurance lets the person pay in the year (next month)."""
    employee_priority: Literal["resume", "end", "lost"] = "resume"
    """EMP-priority (重复参保): while employee insurance is active resident coverage does not
    run; ``resume``: from the day after the next stop in the coverage year (SX24 §六(三), AK25
    §五(三)(六)); ``end``: it ends the day before and does not resume (HY25 §一); ``lost``: a
    start within the year ends resident status (EMP-lost, AK22 §八(五))."""
    status_lost_reasons: frozenset[StatusLossReason] = frozenset()
    """EMP-lost: ``resident_status_lost`` reasons that end the coverage of the year containing
    the loss on the day before it."""
    employee_start_ends_status: bool = False
    """EMP-lost (AK22 §八(五) 参加职工医保…居民医保参保身份自动丧失): an
    ``employee_insurance_started`` ends the year's resident status like a status loss."""
    status_lost_forfeits_payment: bool = False
    """EMP-lost (AK22 §八(五) 原参保缴费不予退还): the payment of a status that ended is spent;
    it no longer counts as standing for OVER-paid."""
    employee_bridge: bool = False
    """EMP-bridge (AK25 §五(六)): a switch from employee insurance has no waiting period when
    the person was insured ``bridge_min_insured_years`` consecutive years and pays within
    ``bridge_max_gap_months`` of the stop; otherwise the waiting period applies."""
    bridge_max_gap_months: int = Field(3, ge=0)
    bridge_min_insured_years: int = Field(2, ge=0)
    newborn_days: int = Field(90, ge=1)
    newborn_eligibility: Literal["birth_year", "under_one"] = "birth_year"
    newborn_late_start: Literal["next_month", "next_day"] = "next_month"
    newborn_after_days: Literal["nothing", "general"] = "general"
    """NB-90 for a next-year payment after the 90 days: AK22 gives nothing, others fall back."""
    student_start: Literal["paid_on"] | None = "paid_on"
    """STU: a college student is covered from the payment date (I-paid-on); ``None``: the
    notice has no student start rule, students are general residents (HY25)."""
    new_student_start: date | None = None
    """XA24-stu: a new student of the intake (or one who did not pay last school year) paying
    for the year is covered from this day."""
    new_student_intake: Window | None = None
    special_identities: frozenset[Identity] = frozenset()
    """LATE-special identities that may join after the year started."""
    special_in_year_identities: frozenset[Identity] = frozenset()
    """LATE-special identities that count only when recognised in the coverage year (军人退出
    现役当年; 参保年度应届毕业)."""
    special_late_reason_identities: frozenset[Identity] = frozenset()
    """LATE-special identities that count only for a payment with ``late_reason:
    not_own_fault`` (HY25 §三(二)1 非因个人原因停保断保)."""
    special_new_identities: frozenset[Identity] | None = None
    """LATE-special identities that count when recognised after ``subsidy_cutoff`` (相关部门
    新认定); ``None``: the version's subsidy identities."""
    special_start: Literal["next_month", "next_day"] = "next_month"

    # §4 place of enrolment — 参保地
    place_check: bool = False
    """PLACE-hukou: the year's pooling region must be that of the person's 户籍地 or of a
    residence permit (居住证) held on the enrolling payment's date."""
    place_guardian_age: int = Field(12, ge=0)
    """PLACE-hukou: a child of this age or younger (12周岁以下) may use its guardian's."""
    place_exempt_under_age: int | None = Field(None, ge=0)
    """PLACE-hukou: not checked for a person younger than this (AK25 §一(一): 18)."""

    # §5 waiting periods — 待遇等待期
    waiting_periods: bool = False
    fixed_waiting_months: int = Field(3, ge=0)
    variable_months_per_break_year: int = Field(1, ge=0)
    waiting_floor_break_years: int = Field(4, ge=1)
    waiting_floor_months: int = Field(6, ge=0)

    # §6 critical-illness cap incentives — 大病保险最高支付限额激励
    incentives: bool = False
    continuity_count_from: int = Field(2025, ge=1990, le=2100)
    incentive_step: Money = Decimal("3000.00")
    continuity_bonus_from_year: int = Field(5, ge=1)
    break_penalty: Money = Decimal("0.00")
    """INC-break: amount taken off the maximum in a re-enrolment year (0 = no penalty)."""
    bonus_ceiling: Money | None = None
    """INC-cap: continuity + zero-claim bonus ≤ this; ``None`` = not in the sources."""
    claims_by_discharge_year: bool = False
    """INC-discharge: a stay discharged in another enrolled year of the same pooling region
    counts for the discharge year (出院时间当年度结算政策); ``False``: ``year`` stands."""

    @model_validator(mode="after")
    def _windows_ordered(self) -> Parameters:
        for name in ("central_window", "late_window", "new_student_intake"):
            window = getattr(self, name)
            if window is not None and window[0] > window[1]:
                raise ValueError(f"{name}: starts {window[0]} after it ends {window[1]}")
        if self.late_window is not None and self.late_window[0] <= self.central_window[1]:
            raise ValueError("late_window: must start after central_window ends")
        for identity, amount in self.subsidies.items():
            if isinstance(amount, Decimal) and amount > self.individual_standard:
                raise ValueError(
                    f"subsidies.{identity}: {amount} exceeds individual_standard "
                    f"{self.individual_standard}"
                )
        return self

    def subsidy_for(self, identity: str, region: str) -> Decimal | str | None:
        """The amount ``identity`` covers in ``region`` (``full`` resolved), ``unknown``, or
        ``None`` when the identity is not subsidised in this version."""
        table = self.county_subsidies.get(region, {})
        amount = table.get(identity, self.subsidies.get(identity))
        if amount == FULL:
            return self.individual_standard
        return amount

    def mode_for(self, identity: str) -> SubsidyMode:
        return self.subsidy_modes.get(identity, "deducted")


PARAMETER_KEYS: tuple[str, ...] = tuple(Parameters.model_fields)
MAPPING_KEYS: frozenset[str] = frozenset(
    name for name, info in Parameters.model_fields.items() if get_origin(info.annotation) is dict
)
"""Parameters that are mappings (``subsidies``, ``subsidy_modes``, ``county_subsidies``): a
parameter file merges them key by key over the inherited value (a key set to null removes it)."""
