"""The short written verdict at the top of the review, computed from its numbers.

It names the headline numbers with their change over the period, says
whether the theater gap (line coverage minus mutation score) grew or
shrank, and summarises regressions, new tests with findings, import
failures and flaky tests. Which metrics make the headline, and which say
an alarm sentence, is declared with each metric (``MetricSpec.headline``,
``MetricSpec.alarm``); nothing here names an analysis. Every number in it comes from the
:class:`~auditor.history.review.Review`; nothing is invented.
"""

from __future__ import annotations

from decimal import Decimal

from auditor.history.metrics import THEATER_GAP, shown
from auditor.history.review import MetricChange, Review
from auditor.metrics import PERCENT, format_value


def headlines(review: Review) -> list[MetricChange]:
    """The changes of the metrics declared ``headline``, in their declared order."""
    chosen = [c for c in review.changes if c.spec is not None and c.spec.headline]
    return sorted(chosen, key=lambda c: (c.spec.headline if c.spec else 0, c.analysis, c.metric))


def _signed(delta: Decimal) -> str:
    text = f"{delta.normalize():+f}" if delta != 0 else "±0"
    return text


def _value(change: MetricChange, percent: bool) -> str:
    assert change.end is not None
    value = shown(change.end)
    return f"{value}%" if percent else f"{value.normalize():f}"


def _headline(change: MetricChange, label: str, percent: bool = True) -> str:
    text = f"{label} {_value(change, percent)}"
    if change.delta is not None:
        text += f" ({_signed(change.delta)})"
    return text


def verdict(review: Review) -> list[str]:
    """Sentences for the top of the review (the first one is the headline)."""
    if not review.runs:
        where = f" on {review.branch}" if review.branch else ""
        return [f"No audit runs{where} since {review.since[:10]}: nothing to review."]
    sentences: list[str] = []
    parts = [
        _headline(c, c.spec.label, c.spec.unit == PERCENT)
        for c in headlines(review)
        if c.end is not None and c.spec is not None
    ]
    headline = ", ".join(parts) if parts else "no coverage or mutation metrics recorded"
    gap = review.change(*THEATER_GAP)
    if gap is not None and gap.delta is not None and gap.end is not None:
        if gap.delta > 0:
            headline += f": the gap grew to {shown(gap.end)} points"
        elif gap.delta < 0:
            headline += f": the gap shrank to {shown(gap.end)} points"
        else:
            headline += f": the gap held at {shown(gap.end)} points"
    runs = len(review.runs)
    sentences.append(f"{headline} ({runs} run{'s' if runs != 1 else ''} in the period).")
    if runs == 1:
        sentences.append("Only one run in the period: changes need at least two.")
    worse = [c for c in review.changes if c.improved is False and c.analysis != "derived"]
    better = [c for c in review.changes if c.improved is True and c.analysis != "derived"]
    if worse:
        names = ", ".join(
            f"{c.spec.label if c.spec else c.analysis + '.' + c.metric} "
            f"({_signed(c.delta or Decimal(0))})"
            for c in worse
        )
        sentences.append(f"{len(worse)} metric{'s' if len(worse) != 1 else ''} got worse: {names}.")
    elif runs > 1:
        sentences.append(f"No metric got worse; {len(better)} improved.")
    if review.new_tests:
        flagged = sorted({t for tests in review.new_tests_with_findings.values() for t in tests})
        if flagged:
            rules = ", ".join(
                f"{rule} ({len(tests)})" for rule, tests in review.new_tests_with_findings.items()
            )
            sentences.append(
                f"{len(flagged)} of {len(review.new_tests)} new tests have findings: {rules}."
            )
        else:
            sentences.append(f"{len(review.new_tests)} new tests, none with findings.")
    if review.new_tests_catching_new is not None:
        sentences.append(review.new_tests_catching_new.sentence())
    for change in review.changes:
        if change.spec is not None and change.spec.alarm and change.end:
            value = format_value(change.end, change.spec.unit)
            sentences.append(change.spec.alarm.replace("{value}", value))
    if review.new_survivors or review.fixed_survivors:
        sentences.append(f"{len(review.new_survivors)} new surviving mutants, "
                         f"{len(review.fixed_survivors)} fixed.")
    flaky = sorted({f.nodeid for f in review.flaky})
    if flaky:
        sentences.append(f"{len(flaky)} flaky test{'s' if len(flaky) != 1 else ''}.")
    return sentences
