"""Ctrl-C around an import's bookkeeping (ledger.interrupts)."""

from __future__ import annotations

import _thread
import time

import pytest

from ledger.interrupts import SECOND_INTERRUPT, interrupts_deferred


def _wait_for_signal() -> None:
    # Signals are handled between bytecodes: a short wait lets the handler run here.
    for _ in range(50):
        time.sleep(0.01)


def test_ctrl_c_takes_effect_when_the_block_ends() -> None:
    done: list[str] = []
    with pytest.raises(KeyboardInterrupt), interrupts_deferred():
        _thread.interrupt_main()
        _wait_for_signal()
        done.append("the whole block")
    assert done == ["the whole block"]


def test_a_second_ctrl_c_stops_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    """A block that never ends (a write waiting on a server that is gone) must not make the
    import impossible to stop: the second Ctrl-C interrupts it, saying what that means."""
    done: list[str] = []
    with pytest.raises(KeyboardInterrupt), interrupts_deferred():
        _thread.interrupt_main()
        _wait_for_signal()
        _thread.interrupt_main()
        _wait_for_signal()
        done.append("never")
    assert done == []
    assert SECOND_INTERRUPT in capsys.readouterr().err


def test_the_previous_handler_is_back_after_the_block() -> None:
    with interrupts_deferred():
        pass
    with pytest.raises(KeyboardInterrupt):
        _thread.interrupt_main()
        _wait_for_signal()
