"""The label catalogue covers every code of the contract and every rule id, in Chinese."""

from __future__ import annotations

import re
import unicodedata

import pytest

from ledger import labels as L
from ledger.events import (
    EVENT_TYPES,
    IDENTITY_CODES,
    LATE_REASONS,
    PAYMENT_PURPOSES,
    REFUND_REASONS,
    STATUS_LOSS_REASONS,
)
from policies import builtin_registry
from policies import labels as P
from policies.catalogue import RULES
from policies.parameters import Parameters
from projections.report import labels as report_labels
from tests.report.support import shared_dir


def _has_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


def _every_label() -> list[tuple[str, str]]:
    found = []
    for module in (L, P, report_labels):
        for name in dir(module):
            table = getattr(module, name)
            if isinstance(table, dict):
                for key, value in table.items():
                    where = f"{module.__name__}.{name}[{key}]"
                    if isinstance(value, L.Label | L.FlagLabel):
                        found.append((where, value.zh))
                    if isinstance(value, L.FlagLabel):
                        found.append((f"{where}.explain", value.explain))
    return found


@pytest.mark.parametrize(("where", "zh"), _every_label())
def test_no_english_only_label_in_zh(where: str, zh: str) -> None:
    assert _has_cjk(zh), f"{where}: {zh!r} has no Chinese"


def test_every_code_of_the_contract_has_its_label() -> None:
    assert set(L.EVENT_TYPES) == set(EVENT_TYPES)
    assert set(L.IDENTITIES) == set(IDENTITY_CODES)
    assert set(L.REFUND_REASONS) == set(REFUND_REASONS)
    assert set(L.STATUS_LOSS_REASONS) == set(STATUS_LOSS_REASONS)
    assert set(L.LATE_REASONS) == set(LATE_REASONS)
    assert set(L.PURPOSES) == set(PAYMENT_PURPOSES)
    assert set(L.SUBSIDY_MODES) == {"none", "deducted", "reimbursed"}
    assert set(P.PARAMETERS) == set(Parameters.model_fields)


def test_every_flag_of_interchange_is_explained() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("the shared spec (INTERCHANGE.md) is not beside the repo: set LEDGER_SHARED")
    text = (shared / "spec" / "INTERCHANGE.md").read_text(encoding="utf-8")
    sentence = text[text.index("`flags` names anything") :]
    sentence = sentence[: sentence.index("Sorted alphabetically")]
    flags = set(re.findall(r"`([a-z_]+)`", sentence)) - {"flags"}
    assert flags, "no flags found in INTERCHANGE.md"
    assert set(L.FLAGS) == flags
    for flag in L.FLAGS.values():
        assert len(flag.explain) >= 15


def test_every_rule_id_has_a_title() -> None:
    for rule_id in RULES:
        assert _has_cjk(P.rule_label(rule_id).zh)
    for version in builtin_registry():
        for kind in ("central", "late", "migrant"):
            assert P.rule_label(f"{version.rule_prefix}-{kind}") == P.WINDOW_RULES[kind]
    with pytest.raises(KeyError):
        P.rule_label("NO-such-rule")


def test_rule_book_ids_have_titles() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("the shared rule book is not beside the repo: set LEDGER_SHARED")
    text = (shared / "spec" / "POLICY.md").read_text(encoding="utf-8")
    ids = set(re.findall(r"`([A-Z][A-Z0-9]*-[A-Za-z0-9-]+)`", text))
    assert any(i.startswith("I-") for i in ids)
    missing = sorted(i for i in ids if _missing(i))
    assert not missing


def _missing(rule_id: str) -> bool:
    try:
        P.rule_label(rule_id)
    except KeyError:
        return True
    return False
