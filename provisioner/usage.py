"""Instance-hours and bills computed from the event log.

An instance is billed while its status is in ``BILLABLE`` (running or
restarting).  Each billable stretch runs from the event that entered it to the
next event (or "now"), clipped to the period.  Durations are summed as integer
microseconds so that usage over adjacent periods adds up exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from provisioner.db import Event, Instance
from provisioner.errors import ProvisionerError
from provisioner.states import BILLABLE
from provisioner.tiers import TIERS

MICROS_PER_HOUR = 3_600_000_000
CENT = Decimal("0.01")
DEFAULT_PRICES: dict[str, Decimal] = {
    "free": Decimal("0"),
    "starter": Decimal("0.05"),
    "professional": Decimal("0.25"),
}


class UsageError(ProvisionerError):
    """The usage period or price table is unusable."""


@dataclass(frozen=True)
class Usage:
    """Billable microseconds per tier over ``[start, end)``."""

    start: datetime
    end: datetime
    micros: Mapping[str, int]

    def hours(self, tier: str) -> Decimal:
        """Instance-hours of ``tier`` (exact decimal)."""
        return Decimal(self.micros.get(tier, 0)) / MICROS_PER_HOUR


@dataclass(frozen=True)
class BillLine:
    """One tier's hours, price per hour and amount."""

    tier: str
    hours: Decimal
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Bill:
    """The bill for one period."""

    lines: tuple[BillLine, ...]

    @property
    def total(self) -> Decimal:
        """Sum of the (already rounded) line amounts."""
        return sum((line.amount for line in self.lines), Decimal("0"))


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def compute_usage(
    instances: Iterable[Instance],
    events: Iterable[Event],
    start: datetime,
    end: datetime,
    now: datetime,
) -> Usage:
    """Billable time per tier in ``[start, end)``; stretches still open end at ``now``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise UsageError("period bounds must include a timezone")
    if end <= start:
        raise UsageError("period end must be after its start")
    by_instance: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_instance[event.instance_id].append(event)
    totals = {name: 0 for name in TIERS}
    for instance in instances:
        history = by_instance.get(instance.id, [])
        for index, event in enumerate(history):
            if event.to_status not in BILLABLE:
                continue
            stretch_end = history[index + 1].at if index + 1 < len(history) else now
            low, high = max(event.at, start), min(stretch_end, end)
            if high > low:
                totals[instance.tier] += _micros(high - low)
    return Usage(start=start, end=end, micros=totals)


def compute_bill(usage: Usage, prices: Mapping[str, Decimal]) -> Bill:
    """Price every tier with usage; amounts rounded half-up to cents per line."""
    lines = []
    for tier in sorted(usage.micros):
        hours = usage.hours(tier)
        if tier not in prices:
            raise UsageError(f"no price for tier {tier!r}")
        amount = (hours * prices[tier]).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(BillLine(tier=tier, hours=hours, price=prices[tier], amount=amount))
    return Bill(lines=tuple(lines))
