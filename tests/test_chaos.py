"""Issue 12 ("Hardening") on the real PostgreSQL server: the scenarios of scripts/chaos.py,
each with real processes and bounded waits (see that script for what each one does and what
failed before)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import PG_URL
from tests.support import load_script

pytestmark = pytest.mark.postgres


chaos = load_script("chaos")


@pytest.fixture(scope="module")
def runner() -> Iterator[Any]:
    # 8 processes (the script's default is 12): enough to overlap on 2 cores, in less time.
    scenarios = chaos.Chaos(PG_URL, processes=8, timeout=60)
    try:
        yield scenarios
    finally:
        scenarios.close()


@pytest.mark.parametrize("name", chaos.Chaos.SCENARIOS)
def test_chaos_scenario(runner: Any, name: str) -> None:
    outcome = runner.scenario(name)
    assert outcome.ok, f"{outcome.name}: expected {outcome.expected}; observed {outcome.observed}"
