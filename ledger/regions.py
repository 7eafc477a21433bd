"""Pooling regions (统筹区): GB/T 2260 administrative division codes known to the ledger.

POLICY.md §1 lists the codes; a version attached to a province or city applies to every county
below it, so :func:`ancestry` walks county → city → province.
"""

from __future__ import annotations

KNOWN_REGIONS: dict[str, str] = {
    "610000": "陕西省",
    "610100": "西安市",
    "610900": "安康市",
    "610902": "汉滨区",
    "610921": "汉阴县",
    "610922": "石泉县",
    "610923": "宁陕县",
    "610924": "紫阳县",
    "610925": "岚皋县",
    "610926": "平利县",
    "610927": "镇坪县",
    "610928": "旬阳市",
    "610929": "白河县",
    "340000": "安徽省",
    "340300": "蚌埠市",
    "340321": "怀远县",
}


class UnknownRegion(ValueError):
    """A region code that is not a known division code (POLICY.md §1)."""


def validate_region(code: str) -> str:
    code = code.strip()
    if code not in KNOWN_REGIONS:
        raise UnknownRegion(f"unknown region {code!r}")
    return code


def ancestry(code: str) -> list[str]:
    """The code itself, then its city and its province: ``610924`` → ``610924, 610900, 610000``."""
    chain = [code]
    city = code[:4] + "00"
    province = code[:2] + "0000"
    for parent in (city, province):
        if parent != chain[-1]:
            chain.append(parent)
    return chain
