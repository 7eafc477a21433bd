"""The ledger application on both backends: append in any order, reading back, atomicity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.aggregate import Resident, resident_id
from ledger.application import LedgerApp, open_ledger
from ledger.events import EventBase, fingerprint, parse_event
from ledger.store import InvalidDatabase, is_write_conflict, persistence_env
from tests.support import NEWBORN, OTHER, PERSON, VALID, paid, registered
from tests.test_properties import comparable


def events(*records: dict[str, Any]) -> list[EventBase]:
    return [parse_event(r) for r in records]


def statuses(app: LedgerApp, *records: dict[str, Any]) -> list[str]:
    return [o.reason or o.status for o in app.append(events(*records))]


REG = registered(PERSON, "r-1")


def refund(event_id: str, amount: str, year: int = 2025, reason: str = "other") -> dict:
    return {
        **VALID["refunded"],
        "event_id": event_id,
        "amount": amount,
        "coverage_year": year,
        "reason": reason,
    }


def test_every_type_is_stored_and_read_back(app: LedgerApp) -> None:
    order = [
        "registered",
        "region_changed",
        "identity_granted",
        "paid",
        "refunded",
        "identity_revoked",
        "employee_insurance_started",
        "employee_insurance_stopped",
        "reimbursed",
        "died",
    ]
    batch = events(*(VALID[k] for k in order), VALID["born"])
    assert [o.status for o in app.append(batch)] == ["stored"] * 11
    got = app.events_of(PERSON)
    assert [e.type for e in got] == order
    for original, stored in zip(batch, got, strict=False):
        assert comparable(stored, original) == original
    [child] = app.events_of(NEWBORN)
    assert comparable(child, batch[-1]) == batch[-1]
    assert app.count_events() == 11
    assert list(app.person_ids()) == sorted([PERSON, NEWBORN])


def test_defaulted_recorded_at_is_the_storage_time(app: LedgerApp) -> None:
    before = datetime.now(UTC)
    app.append(events(REG))
    after = datetime.now(UTC)
    [event] = app.events_of(PERSON)
    assert event.recorded_at is not None
    assert before - timedelta(seconds=1) <= event.recorded_at <= after + timedelta(seconds=1)
    [fact] = app.history(PERSON)
    assert fact.stored_at == event.recorded_at and fact.position == 1


def test_source_recorded_at_is_kept(app: LedgerApp) -> None:
    app.append(events({**REG, "recorded_at": "2017-12-30T16:00:00+08:00"}))
    [event] = app.events_of(PERSON)
    assert event.recorded_at == datetime(2017, 12, 30, 8, tzinfo=UTC)
    assert event.recorded_at.utcoffset() == timedelta(hours=8)


def test_append_is_idempotent_and_detects_conflicts(app: LedgerApp) -> None:
    assert statuses(app, REG, paid("p-1")) == ["stored", "stored"]
    assert statuses(app, REG, paid("p-1"), paid("p-1", amount="1")) == [
        "present",
        "present",
        "conflict",
    ]
    assert app.count_events() == 2


@pytest.mark.parametrize("cached", [True, False])
def test_one_event_id_under_two_persons_in_a_batch(app: LedgerApp, cached: bool) -> None:
    """The first line with an event id stands and the second, under another person, is a
    conflict; the first person's state is needed whichever person the id ends up under
    (before: only the last person of an event id was loaded, so a stored first person was
    taken for new and its batch failed on the events' key, five times)."""
    app.append([parse_event(registered(PERSON)), parse_event(registered(OTHER))])
    if not cached:
        app.forget_residents()  # the states come from the state table
    outcomes = app.append([parse_event(paid("x", PERSON)), parse_event(paid("x", OTHER))])
    assert [(o.status, o.reason) for o in outcomes] == [("stored", None), ("rejected", "conflict")]
    assert [e.event_id for e in app.events_of(PERSON)] == [f"reg-{PERSON}", "x"]
    assert [e.event_id for e in app.events_of(OTHER)] == [f"reg-{OTHER}"]


def test_any_event_may_come_first(app: LedgerApp) -> None:
    """I-order: the ledger records facts; a payment or a death before the registration is
    stored, and the person exists from their first event on."""
    assert statuses(app, paid("p-1"), {**VALID["died"], "event_id": "d"}) == ["stored"] * 2
    assert list(app.person_ids()) == [PERSON]
    assert statuses(app, REG) == ["stored"]
    assert [e.event_id for e in app.events_of(PERSON)] == ["p-1", "d", "r-1"]
    resident = app.resident(PERSON)
    assert resident is not None and resident.version == 3


@pytest.mark.parametrize("again", ["registered", "born"])
def test_registering_twice_is_stored(app: LedgerApp, again: str) -> None:
    second = {**VALID[again], "event_id": "again", "person_id": PERSON, "date": "1970-03-05"}
    assert statuses(app, REG, second) == ["stored", "stored"]


def test_born_registers(app: LedgerApp) -> None:
    assert statuses(app, VALID["born"], paid("p-n", person_id=NEWBORN, year=2026)) == [
        "stored",
        "stored",
    ]


def test_events_after_a_death_are_stored(app: LedgerApp) -> None:
    """Dated after the death, any type: stored (the fold flags them ``after_death``)."""
    died = {**VALID["died"], "event_id": "d-1"}
    assert statuses(app, REG, paid("p-1"), died) == ["stored"] * 3
    later = [
        {**VALID[k], "event_id": f"late-{k}", "date": "2025-07-01"}
        for k in VALID
        if k not in ("born", "registered")
    ]
    assert statuses(app, *later) == ["stored"] * len(later)
    assert statuses(app, {**REG, "event_id": "r-2", "date": "2025-07-01"}) == ["stored"]


def test_refunds_beyond_the_payments_are_stored(app: LedgerApp) -> None:
    """A refund before its payment, or above it: stored (``refund_exceeds_paid`` is the
    fold's)."""
    assert statuses(app, refund("a", "300"), refund("b", "100.51", year=2024)) == ["stored"] * 2
    assert statuses(app, REG, paid("p-25", year=2025, amount="100")) == ["stored"] * 2
    assert statuses(app, refund("c", "1000")) == ["stored"]
    assert app.count_events() == 5


def test_versions_hold_across_batches_and_reopening(ledger_db: str) -> None:
    """The resident state (person id, version) comes from the state table in later batches
    and in another process: it must agree with a replay of the events."""
    with open_ledger(ledger_db) as app:
        app.append(events(paid("p-1", amount="400"), REG))
        app.append(events(refund("a", "150")))
    with open_ledger(ledger_db) as app:
        assert statuses(app, refund("b", "250.01"), {**VALID["died"], "event_id": "d"}) == [
            "stored",
            "stored",
        ]
    with open_ledger(ledger_db) as app:
        assert statuses(app, paid("p-2", year=2026)) == ["stored"]
        replayed = app.resident(PERSON)
        assert replayed is not None
        [(_, _, version, state)] = app.ledger_recorder.select_resident_states([resident_id(PERSON)])
        compact = Resident.from_compact_state(resident_id(PERSON), version, state)
        assert version == replayed.version == 6
        assert compact.person_id == replayed.person_id == PERSON
        assert compact.compact_state() == replayed.compact_state()


def test_read_log_in_arrival_order(app: LedgerApp) -> None:
    app.append(events(REG, registered(OTHER, "r-2"), paid("p-1")))
    app.append(events(paid("p-2", person_id=OTHER), paid("p-3", year=2026)))
    log = app.read_log(1, 100)
    assert [e.event_id for _, e in log] == ["r-1", "r-2", "p-1", "p-2", "p-3"]
    ids = [n for n, _ in log]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert app.recorder.max_notification_id() == ids[-1]
    assert [e.event_id for _, e in app.read_log(ids[2], 2)] == ["p-1", "p-2"]
    assert app.read_log(ids[-1] + 1, 10) == []


def test_rejected_events_leave_no_trace(app: LedgerApp) -> None:
    app.append(events(REG, paid("p-x")))
    before = app.recorder.max_notification_id()
    assert statuses(app, paid("p-x", amount="1")) == ["conflict"]
    assert app.recorder.max_notification_id() == before
    assert app.ledger_recorder.select_fingerprints(["p-x"]) == {
        "p-x": fingerprint(parse_event(paid("p-x")))
    }


def test_resident_id_is_deterministic() -> None:
    assert resident_id(PERSON) == resident_id(PERSON.lower())
    assert resident_id(PERSON) != resident_id(OTHER)
    assert str(resident_id(NEWBORN)) == str(resident_id(NEWBORN[:-1] + "x"))


def test_persistence_env() -> None:
    assert persistence_env("x.db")["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    env = persistence_env("postgresql://u:secret@db.example:6543/ledger?connect_timeout=3")
    assert env["POSTGRES_HOST"] == "db.example" and env["POSTGRES_PORT"] == "6543"
    assert env["POSTGRES_USER"] == "u" and env["POSTGRES_PASSWORD"] == "secret"
    assert env["POSTGRES_DBNAME"] == "ledger" and env["POSTGRES_CONNECT_TIMEOUT"] == "3"
    for bad in ("mysql://x/y", "", "postgresql://host:5432/"):
        with pytest.raises(InvalidDatabase):
            persistence_env(bad)


# ---------------------------------------------------------------- cached resident states


def versions(app: LedgerApp, person_id: str) -> list[int]:
    return [s.originator_version for s in app.recorder.select_events(resident_id(person_id))]


def test_cached_states_yield_to_another_writer(ledger_db: str) -> None:
    """A ledger keeps the residents it wrote in memory between batches; when another writer
    stores events in between, it takes the version from the store again, never from its
    stale copy (which would write at a version already taken)."""
    with open_ledger(ledger_db) as first, open_ledger(ledger_db) as second:
        assert statuses(first, REG) == ["stored"]
        assert statuses(second, paid("p-1", amount="400")) == ["stored"]
        assert statuses(first, refund("rf-1", "100")) == ["stored"]
        assert statuses(second, refund("rf-2", "300.01")) == ["stored"]
        assert statuses(first, {**VALID["died"], "event_id": "d"}) == ["stored"]
        assert versions(first, PERSON) == [1, 2, 3, 4, 5]
        ids = [e.event_id for e in first.events_of(PERSON)]
        assert ids == ["r-1", "p-1", "rf-1", "rf-2", "d"]


def test_cached_states_yield_to_a_writer_between_check_and_write(
    ledger_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer stores events after this ledger checked its cache but before it wrote:
    the write meets the taken version, is retried from the store, and the residents it
    cached are forgotten."""
    with open_ledger(ledger_db) as first, open_ledger(ledger_db) as second:
        assert statuses(first, REG, registered(OTHER, "r-2")) == ["stored", "stored"]
        real = first._residents_of
        meddled: list[bool] = []

        def meddle(person_ids: set[str], *rest: Any) -> dict[str, Resident]:
            residents = real(person_ids, *rest)
            if not meddled:
                meddled.append(True)
                assert statuses(second, paid("p-other", person_id=OTHER)) == ["stored"]
            return residents

        monkeypatch.setattr(first, "_residents_of", meddle)
        assert statuses(first, paid("p-1"), paid("p-1b", person_id=OTHER)) == ["stored"] * 2
        monkeypatch.undo()
        refund_other = {**refund("rf-other", "400"), "person_id": OTHER}
        assert statuses(first, refund_other) == ["stored"]
        assert versions(first, OTHER) == [1, 2, 3, 4]
        assert [e.event_id for e in first.events_of(OTHER)] == [
            "r-2",
            "p-other",
            "p-1b",
            "rf-other",
        ]


def test_failed_write_forgets_cached_states(ledger_db: str) -> None:
    """A write that fails leaves the store as it was: the states advanced in memory for it
    are dropped, so the batch stored again later goes at the version the store expects."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG, paid("p-1", amount="400")) == ["stored", "stored"]
        real = app.recorder.insert_rows

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("disk went away")

        app.recorder.insert_rows = refuse  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            app.append(events(refund("rf-1", "400")))
        app.recorder.insert_rows = real  # type: ignore[method-assign]
        assert statuses(app, refund("rf-2", "400")) == ["stored"]
        assert statuses(app, refund("rf-1", "0.01")) == ["stored"]
        assert versions(app, PERSON) == [1, 2, 3, 4]


def test_cached_states_are_used_while_nobody_else_writes(
    ledger_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of the cache: a later batch of the same writer loads no state it holds."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG, registered(OTHER, "r-2")) == ["stored", "stored"]
        loaded: list[Any] = []
        real = app.ledger_recorder.select_resident_states

        def spy(originator_ids: Any) -> Any:
            loaded.extend(originator_ids)
            return real(originator_ids)

        monkeypatch.setattr(app.recorder, "select_resident_states", spy)
        assert statuses(app, paid("p-1"), paid("p-2", person_id=OTHER)) == ["stored", "stored"]
        assert statuses(app, refund("rf-1", "400")) == ["stored"]
        assert loaded == []


# ---------------------------------------------------------------- decide, then write


def test_a_plan_decided_after_another_is_what_two_appends_store(ledger_db: str) -> None:
    """``decide(after=plan)`` decides the next batch as if ``plan`` were stored: its event
    ids are known (a repeat is present, other content a conflict) and its residents go on
    from its versions; written in order, the store holds what two appends store."""
    with open_ledger(ledger_db) as app:
        first = app.decide(events(REG, paid("p-1", amount="400")))
        second = app.decide(
            events(paid("p-1", amount="400"), paid("p-1", amount="1"), refund("rf-1", "400")),
            after=first,
        )
        assert [o.status for o in app.write(first)] == ["stored", "stored"]
        assert [o.reason or o.status for o in app.write(second)] == [
            "present",
            "conflict",
            "stored",
        ]
        assert versions(app, PERSON) == [1, 2, 3]
        assert [e.event_id for e in app.events_of(PERSON)] == ["r-1", "p-1", "rf-1"]


def test_a_plan_decided_after_two_unwritten_ones_knows_both(ledger_db: str) -> None:
    """A chain of plans not yet written (an import writing two batches ahead): the third is
    decided on everything both before it store, the ids of each known and every person's
    versions going on from whichever plan advanced them last."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, registered(OTHER, "r-2")) == ["stored"]
        first = app.decide(events(REG, paid("p-1", amount="400")))
        second = app.decide(events(paid("p-2", person_id=OTHER)), after=first)
        third = app.decide(
            events(
                paid("p-1", amount="400"),  # present: the first plan's
                paid("p-2", person_id=OTHER, amount="1"),  # conflict: the second's
                refund("rf-1", "400"),  # PERSON goes on from the first plan
                paid("p-3", person_id=OTHER),  # OTHER from the second
            ),
            after=second,
        )
        assert [o.reason or o.status for o in third.outcomes] == [
            "present",
            "conflict",
            "stored",
            "stored",
        ]
        with pytest.raises(ValueError, match="follows one that is not written"):
            app.write(third)
        for plan in (first, second, third):
            app.write(plan)
        assert versions(app, PERSON) == [1, 2, 3]
        assert versions(app, OTHER) == [1, 2, 3]
        assert [e.event_id for e in app.events_of(OTHER)] == ["r-2", "p-2", "p-3"]


def test_a_plan_is_written_only_after_the_one_it_follows(ledger_db: str) -> None:
    """Writing a plan before the one it was decided on would leave a gap in the person's
    versions: refused, and a plan is written once."""
    with open_ledger(ledger_db) as app:
        first = app.decide(events(REG))
        second = app.decide(events(paid("p-1")), after=first)
        with pytest.raises(ValueError, match="follows one that is not written"):
            app.write(second)
        app.write(first)
        with pytest.raises(ValueError, match="already written"):
            app.write(first)
        app.write(second)
        assert versions(app, PERSON) == [1, 2]


def test_a_plan_never_written_leaves_the_ledger_as_it_was(ledger_db: str) -> None:
    """Deciding changes nothing shared: a plan dropped (its batch's reading failed, say)
    leaves the cached residents at the store's versions, so the next batch goes on from
    there, not from the dropped plan's."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG) == ["stored"]
        dropped = app.decide(events(paid("p-1"), refund("rf-1", "400")))
        app.decide(events(paid("p-2")), after=dropped)
        assert statuses(app, paid("p-3")) == ["stored"]
        assert versions(app, PERSON) == [1, 2]
        assert [e.event_id for e in app.events_of(PERSON)] == ["r-1", "p-3"]


def test_a_plan_after_a_failed_write_is_decided_again(ledger_db: str) -> None:
    """When the plan a second one follows fails to write, the second cannot be written
    (its versions went on from the failed one's); decided again, it stores at the store's."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG) == ["stored"]
        first = app.decide(events(paid("p-1")))
        second = app.decide(events(refund("rf-1", "400")), after=first)
        real = app.recorder.insert_rows

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("disk went away")

        app.recorder.insert_rows = refuse  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            app.write(first)
        app.recorder.insert_rows = real  # type: ignore[method-assign]
        with pytest.raises(ValueError, match="follows one that is not written"):
            app.write(second)
        assert [o.status for o in app.write(app.decide(events(refund("rf-1", "400"))))] == [
            "stored"
        ]
        assert versions(app, PERSON) == [1, 2]


def test_a_plan_assuming_new_ids_reads_none_and_is_refused_by_a_stored_one(
    ledger_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``decide(assume_new=True)`` asks the store for none of the event ids. One the store
    holds after all is refused by the idempotency index at the write: a write conflict,
    nothing of the plan stored; ``append`` (reading) then finds it present. Ids of the plan
    it follows and repeats within it are known all the same."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG) == ["stored"]
        reads: list[list[str]] = []
        real = app.ledger_recorder.select_fingerprints

        def spy(event_ids: list[str]) -> dict[str, str]:
            reads.append(sorted(event_ids))
            return real(event_ids)

        monkeypatch.setattr(app.ledger_recorder, "select_fingerprints", spy)
        first = app.decide(events(paid("p-1")), assume_new=True)
        second = app.decide(
            events(paid("p-1"), paid("p-2"), paid("p-2")), after=first, assume_new=True
        )
        assert [o.status for o in second.outcomes] == ["present", "stored", "present"]
        assert [o.status for o in app.write(first)] == ["stored"]
        assert [o.status for o in app.write(second)] == ["present", "stored", "present"]
        assert reads == []

        blind = app.decide(events(paid("p-3"), REG), assume_new=True)
        assert [o.status for o in blind.outcomes] == ["stored", "stored"]
        with pytest.raises(Exception) as refused:
            app.write(blind)
        assert is_write_conflict(refused.value)
        assert versions(app, PERSON) == [1, 2, 3]
        assert statuses(app, paid("p-3"), REG) == ["stored", "present"]
        assert reads == [["p-3", "r-1"]]
        assert [e.event_id for e in app.events_of(PERSON)] == ["r-1", "p-1", "p-2", "p-3"]


def test_a_naive_storage_time_is_refused(app: LedgerApp) -> None:
    """``stored_at`` is the ledger's clock at a boundary: a time without its offset is refused,
    by ``append`` and by ``decide`` alike, and nothing is stored."""
    naive = datetime(2025, 1, 1, 8, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        app.append(events(REG), stored_at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        app.decide(events(REG), stored_at=naive)
    assert app.count_events() == 0


def test_residents_of_names_the_aggregate_ids_of_persons_it_has_no_state_for(
    ledger_db: str,
) -> None:
    """``decide`` makes each new person's aggregate id once: ``_residents_of`` hands back the
    ids it computed for the persons without a stored, cached or pending state, and only
    those; the plan's first events of a new person carry exactly that id."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG) == ["stored"]
        app.forget_residents()  # PERSON's state now comes from the store, not the cache
        new_ids: dict[str, Any] = {}
        residents = app._residents_of({PERSON, OTHER, NEWBORN}, [], new_ids)
        assert set(residents) == {PERSON}
        assert new_ids == {OTHER: resident_id(OTHER), NEWBORN: resident_id(NEWBORN)}
        plan = app.decide(
            events(paid("p-1"), registered(OTHER, "r-2"), paid("p-2", person_id=OTHER))
        )
        key = app.ledger_recorder.originator_key
        assert [(row[0], row[1]) for row in plan.event_rows] == [
            (key(resident_id(PERSON)), 2),
            (key(resident_id(OTHER)), 1),
            (key(resident_id(OTHER)), 2),
        ]
        assert [row[2:] for row in plan.index] == [row[:2] for row in plan.event_rows]


def test_a_plan_inserts_the_states_of_new_residents_and_upserts_the_others(
    ledger_db: str,
) -> None:
    """A resident the store has no state for gets its state inserted (``new_states``), one
    it holds has its state upserted (``states``); both are stored as the plan leaves them."""
    with open_ledger(ledger_db) as app:
        assert statuses(app, REG) == ["stored"]
        plan = app.decide(
            events(paid("p-1"), registered(OTHER, "r-2"), paid("p-2", person_id=OTHER))
        )
        assert [(row[0], row[1], row[2]) for row in plan.states] == [
            (resident_id(PERSON), PERSON, 2)
        ]
        assert [(row[0], row[1], row[2]) for row in plan.new_states] == [
            (resident_id(OTHER), OTHER, 2)
        ]
        app.write(plan)
        app.forget_residents()
        assert app._residents_of({PERSON, OTHER}, []).keys() == {PERSON, OTHER}
        stored = app.ledger_recorder.select_resident_states(
            [resident_id(PERSON), resident_id(OTHER)]
        )
        assert sorted((person_id, version) for _, person_id, version, _ in stored) == sorted(
            [(OTHER, 2), (PERSON, 2)]
        )


def test_a_new_residents_state_another_writer_stored_first_is_a_write_conflict(
    ledger_db: str,
) -> None:
    """A plan decided while the store had no state for a person, written after another
    writer stored that person: the insert of the state (or of the person's first event)
    fails the whole write as a write conflict, nothing of it is stored, and ``append``
    decides again on the store's state."""
    with open_ledger(ledger_db) as first, open_ledger(ledger_db) as second:
        plan = first.decide(events(paid("p-1"), registered(OTHER, "r-2")))
        assert {row[1] for row in plan.new_states} == {PERSON, OTHER}
        assert statuses(second, REG) == ["stored"]
        with pytest.raises(Exception) as refused:
            first.write(plan)
        assert is_write_conflict(refused.value)
        assert first.count_events() == 1
        assert statuses(first, paid("p-1"), registered(OTHER, "r-2")) == ["stored", "stored"]
        assert versions(first, PERSON) == [1, 2]
        assert versions(first, OTHER) == [1]
        assert [e.event_id for e in second.events_of(PERSON)] == ["r-1", "p-1"]


def test_rows_carry_aggregate_ids_in_the_recorders_key_form(ledger_db: str) -> None:
    """A plan's rows carry each aggregate id as the store's column takes it, made once per
    person: SQLite's hex text, the UUID's bytes for PostgreSQL's binary ``COPY``; what is
    stored reads back as the UUID."""
    with open_ledger(ledger_db) as app:
        plan = app.decide(events(REG, paid("p-1")))
        expected: Any = resident_id(PERSON)
        expected = expected.hex if app.ledger_recorder.backend == "sqlite" else expected.bytes
        assert {row[0] for row in plan.event_rows} == {expected}
        assert {type(row[2]) for row in plan.index} == {type(expected)}
        app.write(plan)
        stored = list(app.recorder.select_events(resident_id(PERSON)))
        assert [(s.originator_id, s.originator_version) for s in stored] == [
            (resident_id(PERSON), 1),
            (resident_id(PERSON), 2),
        ]
