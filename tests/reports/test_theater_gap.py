"""The theater gap per module is computed once and shown with the one rounding rule.

Line coverage 7/9 = 77.777...% and mutation score 4/17 = 23.529...% (4 of
17 mutants killed) give a gap of 54.2483...: floored to 2 decimals it is
54.24, where rounding (what the template used to do) shows 54.25.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from auditor.reports import html
from auditor.reports.sources import SourceReader
from tests.history import builders
from tests.reports.htmltree import parse


def test_the_gap_cell_is_floored_not_rounded(tmp_path: Path) -> None:
    statuses = {f"m{i:02d}": ("killed" if i < 4 else "survived") for i in range(17)}
    mutation = builders.mutation(statuses)
    # The explanation step's summary, as an audit without explanations records it
    # (the survivor partial reads its keys).
    mutation.explain = {"asked": 0, "survivors": 13, "error": ""}
    result = builders.audit(
        created="2026-11-20T10:00:00+00:00",
        analyses={"coverage": builders.coverage({"pkg/mod.py": (7, 9)}), "mutation": mutation},
    )
    exact = Fraction(700, 9) - Fraction(400, 17)
    assert f"{float(exact):.2f}" == "54.25"  # what round(2) showed
    derived = result.to_dict()["derived"]["modules"]["pkg/mod.py"]["theater_gap"]
    assert abs(Fraction(derived) - exact) < Fraction(1, 10**9)
    page = parse(html.render(result, SourceReader(tmp_path)))
    row = page.find("table", id="mutation-theater").find("tr", data_path="pkg/mod.py")
    assert [td.text() for td in row.find_all("td")][3] == "54.24 pts"
