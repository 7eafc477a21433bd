"""The switch interval of a PostgreSQL pipeline: set while one runs, put back after the last
one, whatever the order in which overlapping pipelines end."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from ledger.switching import PIPELINE_SWITCH_INTERVAL, prompt_writer


@pytest.fixture(autouse=True)
def default_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield
    sys.setswitchinterval(before)


def test_it_is_set_inside_and_put_back_after() -> None:
    with prompt_writer():
        assert sys.getswitchinterval() == pytest.approx(PIPELINE_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_it_is_put_back_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), prompt_writer():
        raise RuntimeError("the server is gone")
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_a_shorter_interval_already_set_is_kept() -> None:
    sys.setswitchinterval(0.0002)
    short = sys.getswitchinterval()  # (whole microseconds)
    with prompt_writer():
        assert sys.getswitchinterval() == short
    assert sys.getswitchinterval() == short


@pytest.mark.parametrize("microseconds", [1_002, 1_007, 5_000, 99_997])
def test_the_interval_comes_back_to_the_microsecond(microseconds: int) -> None:
    sys.setswitchinterval(microseconds / 1e6)
    before = sys.getswitchinterval()
    with prompt_writer():
        assert sys.getswitchinterval() == pytest.approx(PIPELINE_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before


def test_overlapping_pipelines_put_back_the_interval_from_before_the_first() -> None:
    """The first in ends first: the second still runs with the short interval, and after
    both the process has its own interval back (not the short one the second found)."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, float] = {}

    def first() -> None:
        with prompt_writer():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with prompt_writer():
            second_in.set()
            first_out.wait(10)
            seen["second, after the first ended"] = sys.getswitchinterval()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen["second, after the first ended"] == pytest.approx(PIPELINE_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(0.005)
