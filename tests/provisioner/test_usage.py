"""Instance-hours and bills from the event log, across stops, restarts and boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.db import Database
from provisioner.errors import ProvisionerError
from provisioner.states import Status
from provisioner.usage import DEFAULT_PRICES, UsageError, compute_bill, compute_usage

T0 = datetime(2025, 3, 1, tzinfo=UTC)
H = timedelta(hours=1)
RUN = [Status.PROVISIONING, Status.RUNNING]


def _history(db: Database, name: str, tier: str, steps: list[tuple[float, Status]]) -> None:
    """Create an instance at T0 and apply ``(hours after T0, status)`` transitions."""
    instance = db.create_instance("acme", name, tier, f"acme--{name}", T0)
    for hours, status in steps:
        instance = db.transition(instance, status, T0 + hours * H)


def _usage(db: Database, start: datetime, end: datetime, now: datetime) -> dict[str, int]:
    return dict(compute_usage(db.list_instances(), db.events(), start, end, now).micros)


def _hours(micros: int) -> float:
    return micros / 3_600_000_000


def test_running_time_is_billed_until_stop(db: Database) -> None:
    _history(db, "web", "starter", [(0, Status.PROVISIONING), (1, Status.RUNNING),
                                    (4, Status.STOPPING), (4.5, Status.STOPPED)])
    usage = _usage(db, T0, T0 + 24 * H, now=T0 + 48 * H)
    assert _hours(usage["starter"]) == 3.0
    assert usage["free"] == usage["professional"] == 0


def test_restarting_counts_and_stopped_time_does_not(db: Database) -> None:
    _history(db, "web", "professional", [
        (0, Status.PROVISIONING), (0, Status.RUNNING), (2, Status.RESTARTING),
        (2.5, Status.RUNNING), (3, Status.STOPPING), (3, Status.STOPPED),
        (10, Status.PROVISIONING), (10.25, Status.RUNNING),
    ])
    usage = _usage(db, T0, T0 + 12 * H, now=T0 + 30 * H)
    # 0-3 h billed, stopped 3-10.25 h not, then 10.25-12 h (clipped at period end).
    assert _hours(usage["professional"]) == 3 + 1.75


def test_open_stretch_ends_now_and_period_clips_both_sides(db: Database) -> None:
    _history(db, "web", "free", [(0, Status.PROVISIONING), (1, Status.RUNNING)])
    assert _hours(_usage(db, T0, T0 + 10 * H, now=T0 + 5 * H)["free"]) == 4.0
    assert _hours(_usage(db, T0 + 2 * H, T0 + 3 * H, now=T0 + 5 * H)["free"]) == 1.0
    assert _usage(db, T0 + 6 * H, T0 + 9 * H, now=T0 + 5 * H)["free"] == 0


def test_failed_and_deleted_instances_stop_accruing(db: Database) -> None:
    _history(db, "a", "starter", [(0, Status.PROVISIONING), (0, Status.RUNNING),
                                  (1, Status.RESTARTING), (2, Status.FAILED)])
    _history(db, "b", "starter", [(0, Status.PROVISIONING), (0, Status.RUNNING),
                                  (5, Status.DELETING), (5.5, Status.DELETED)])
    assert _hours(_usage(db, T0, T0 + 100 * H, now=T0 + 100 * H)["starter"]) == 2 + 5


def test_bill_prices_each_tier_and_rounds_half_up(db: Database) -> None:
    _history(db, "s", "starter", [(0, Status.PROVISIONING), (0, Status.RUNNING)])
    _history(db, "p", "professional", [(0, Status.PROVISIONING), (0, Status.RUNNING)])
    usage = compute_usage(db.list_instances(), db.events(), T0, T0 + 10 * H, T0 + 10 * H)
    bill = compute_bill(usage, {**DEFAULT_PRICES, "starter": Decimal("0.125")})
    lines = {line.tier: line for line in bill.lines}
    assert lines["starter"].hours == Decimal(10)
    assert lines["starter"].amount == Decimal("1.25")
    assert lines["professional"].amount == Decimal("2.50")
    assert lines["free"].amount == Decimal("0.00")
    assert bill.total == Decimal("3.75")
    odd = compute_bill(usage, {**DEFAULT_PRICES, "starter": Decimal("0.0005")})
    assert {line.tier: line.amount for line in odd.lines}["starter"] == Decimal("0.01")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (T0, T0, "end must be after its start"),
        (T0 + H, T0, "end must be after its start"),
        (datetime(2025, 3, 1), T0 + H, "must include a timezone"),
    ],
)
def test_bad_periods_are_rejected(db: Database, start: datetime, end: datetime,
                                  message: str) -> None:
    with pytest.raises(UsageError, match=message):
        compute_usage([], [], start, end, T0)


def test_missing_price_is_an_error(db: Database) -> None:
    usage = compute_usage([], [], T0, T0 + H, T0)
    with pytest.raises(ProvisionerError, match="no price for tier 'free'"):
        compute_bill(usage, {"starter": Decimal(1)})


# A history is a list of (minutes since the previous event, status) steps that
# follow the allowed transitions; cut points split the observation window.
CYCLE = [Status.PROVISIONING, Status.RUNNING, Status.RESTARTING, Status.RUNNING,
         Status.STOPPING, Status.STOPPED]


@settings(max_examples=40, database=None)
@given(
    gaps=st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=12),
    cut=st.integers(min_value=0, max_value=8000),
    extra=st.integers(min_value=1, max_value=8000),
)
def test_usage_is_never_negative_and_additive_over_adjacent_periods(
    tmp_path_factory: pytest.TempPathFactory, gaps: list[int], cut: int, extra: int
) -> None:
    db = Database(tmp_path_factory.mktemp("usage") / "u.sqlite")
    instance = db.create_instance("acme", "web", "starter", "acme--web", T0)
    at = T0
    for index, gap in enumerate(gaps):
        at += timedelta(minutes=gap)
        instance = db.transition(instance, CYCLE[index % len(CYCLE)], at)
    now = at + timedelta(minutes=30)
    start, middle = T0, T0 + timedelta(minutes=cut)
    end = middle + timedelta(minutes=extra)
    whole = _usage(db, start, end, now)
    if middle > start:
        left, right = _usage(db, start, middle, now), _usage(db, middle, end, now)
        assert {t: left[t] + right[t] for t in whole} == whole
    assert all(value >= 0 for value in whole.values())
    assert whole["starter"] <= (end - start) // timedelta(microseconds=1)
    db.close()
