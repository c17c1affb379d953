"""review.html in a real headless Chromium: renders offline, no console errors, charts load.

Needs Debian's ``chromium`` and the ``playwright`` package; skipped on a
developer machine without them, a failure under CI (``CI`` set).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from auditor.history.backends import opened
from auditor.history.render import write_review
from auditor.history.review import build_review, parse_since
from tests.history import review_fixture
from tests.support.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_review_renders_in_chromium_with_charts_and_no_errors(tmp_path: Path) -> None:
    history = tmp_path / "h.db"
    review_fixture.record_two_runs(history)
    with opened(history) as conn:
        review = build_review(conn, parse_since("7d"))
    files = write_review(review, tmp_path / "out", "demo")
    shot = tmp_path / "review.png"
    errors: list[str] = []
    requests: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(files.html.as_uri(), wait_until="load")
        widths = page.eval_on_selector_all(
            "figure.chart img", "imgs => imgs.map(i => [i.dataset.chart, i.naturalWidth])"
        )
        # full width: each chart as wide as the section holding it (less nothing)
        shown = page.eval_on_selector_all(
            "figure.chart img",
            "imgs => imgs.map(i => [i.getBoundingClientRect().width,"
            " i.closest('section').getBoundingClientRect().width])",
        )
        verdict_text = page.inner_text("#verdict")
        page.screenshot(path=str(shot), full_page=True)
    assert errors == []
    assert [u for u in requests if not u.startswith(("data:", "file:"))] == []
    assert [chart_id for chart_id, _ in widths] == [c.id for c in files.charts]
    assert all(width == 1200 for _, width in widths), widths
    assert shown and all(abs(img - section) < 1 for img, section in shown), shown
    assert "line coverage 80.00% (+6.67)" in verdict_text
    image = Image.open(shot)
    assert image.width == 1200 and image.height > 2000  # the whole page, charts included
    assert shot.stat().st_size > 50_000
    # Not a blank page: the screenshot has many distinct colours (lines, text, legend).
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50
