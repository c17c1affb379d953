"""The review's chart axes: chosen from the unit and the values, never an autoscaled sliver.

matplotlib alone gives a series that is 0 in every run an axis from -0.045
to 0.045; these are the ranges a reader expects, by hand.
"""

from __future__ import annotations

import pytest

from auditor.history.charts import y_limits


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        ("count", [0.0, 0.0, 0.0], (0.0, 1.0)),  # all zero: 0 to 1, not -0.045 to 0.045
        ("count", [3.0, 3.0], (0.0, 3.3)),  # flat: from 0, a tenth above the value
        ("seconds", [2.0, 4.0], (0.0, 4.4)),
        ("%", [73.33, 80.0], (0.0, 100.0)),  # percentages: the whole scale
        ("%", [0.0, 0.0], (0.0, 100.0)),
        ("%", [-10.0, 20.0], (-10.5, 100.0)),  # a negative theater gap stays in view
        ("", [-2.0, 2.0], (-2.4, 2.4)),
    ],
)
def test_y_limits(unit: str, values: list[float], expected: tuple[float, float]) -> None:
    low, high = y_limits(unit, values)
    assert (round(low, 6), round(high, 6)) == expected
