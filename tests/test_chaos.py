"""Issue 12 ("Hardening") on the real PostgreSQL server: the scenarios of scripts/chaos.py,
each with real processes and bounded waits (see that script for what each one does and what
failed before)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.postgres


def _load_chaos() -> Any:
    spec = importlib.util.spec_from_file_location("chaos", ROOT / "scripts" / "chaos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["chaos"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


chaos = _load_chaos()


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
