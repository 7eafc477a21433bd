"""The README's ``ledger status`` example names the policy set the built-in versions make: when
a version's parameters change (a new revision, a corrected reading), the example is redone."""

from __future__ import annotations

import re
from pathlib import Path

from policies import builtin_registry
from projections.reporting.policyset import policy_set_of

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_status_example_shows_the_built_in_policy_set() -> None:
    shown = re.search(r"^  policy set +(.+)$", README.read_text(encoding="utf-8"), re.MULTILINE)
    assert shown is not None, "README.md has no `ledger status` example"
    assert shown.group(1) == policy_set_of(builtin_registry(), None).describe()
