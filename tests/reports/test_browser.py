"""index.html in a real headless Chromium: offline, error-free, sortable, inert names.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``)
and the Python ``playwright`` package. Skipped when either is missing on a
developer machine; under CI (``CI`` set) a missing browser is a failure,
because CI must run these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.reports import write_reports
from tests.reports import samples
from tests.reports.shop import ShopAudit
from tests.support.browser import chromium

# One worker builds the session's shop audit (tests/reports/conftest.py) for both
# modules that read it (scheduler: tests/support/xdist_groups.py).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("reports-shop")]

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


class LoadedReport:
    """A page showing the written index.html, with everything it tried to do recorded."""

    def __init__(self, browser: Any, report: Path) -> None:
        self.url = report.as_uri()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url, wait_until="load")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def module_order(self) -> list[str]:
        order: list[str] = self.page.eval_on_selector_all(
            "#coverage-modules tbody tr", "rows => rows.map(r => r.dataset.path)"
        )
        return order


@pytest.fixture
def report(browser: Any, tmp_path: Path) -> Iterator[LoadedReport]:
    root = samples.write_project(tmp_path / "project")
    write_reports(samples.audit_result(), tmp_path / "out", root)
    loaded = LoadedReport(browser, tmp_path / "out" / "index.html")
    yield loaded
    loaded.page.close()


def test_loads_offline_without_errors(report: LoadedReport) -> None:
    assert report.page.title() == "Test audit: demo"
    assert report.console_errors == []
    assert report.page_errors == []
    assert report.foreign_requests() == []
    assert report.requests == [report.url]


def test_clicking_headers_sorts_the_module_table(report: LoadedReport) -> None:
    counts = samples.MODULE_COUNTS
    by_statements = sorted(counts, key=lambda p: counts[p][0])
    by_line_percent = sorted(counts, key=lambda p: counts[p][1] / counts[p][0])
    assert report.module_order() == sorted(counts)  # as written: by path
    assert report.module_order() != by_statements  # so that sorting has something to do

    header = "#coverage-modules thead th:has-text('{}') button"
    report.page.click(header.format("Statements"))
    assert report.module_order() == by_statements  # numeric: 3 < 8 < 9 < 10
    assert report.page.get_attribute(
        "#coverage-modules thead th:has-text('Statements')", "aria-sort"
    ) == "ascending"
    report.page.click(header.format("Statements"))
    assert report.module_order() == by_statements[::-1]
    report.page.click(header.format("Line %"))
    assert report.module_order() == by_line_percent
    report.page.click(header.format("Module"))
    assert report.module_order() == sorted(counts, key=str.lower)
    assert report.console_errors == [] and report.page_errors == []


def test_hostile_names_show_as_text(report: LoadedReport) -> None:
    page = report.page
    cells = page.eval_on_selector_all("td.rule-id", "cells => cells.map(c => c.innerText)")
    assert samples.HOSTILE_RULE in cells
    assert page.inner_text(f"#coverage-modules tr[data-path='{samples.HOSTILE}'] td.path") == (
        samples.HOSTILE
    )
    assert samples.HOSTILE_TEST in page.inner_text("#failed-tests")
    injected = page.eval_on_selector_all(
        "script", "scripts => scripts.filter(s => s.textContent.includes('alert(1)')).length"
    )
    assert injected == 0
    assert page.eval_on_selector_all("script", "s => s.length") == 1
    assert report.dialogs == []


def test_a_link_opens_the_marked_source_of_a_file(report: LoadedReport) -> None:
    page = report.page
    details = f"details[data-path='{samples.CORE_PATH}']"
    assert page.eval_on_selector(details, "d => d.open") is False
    page.click(f"#coverage-modules a:text-is('{samples.CORE_PATH}')")
    # The page opens the section from its hashchange handler: wait for it (a
    # loaded machine may take a moment) rather than read the state at once.
    page.wait_for_function("sel => document.querySelector(sel).open", arg=details,
                           timeout=10_000)
    assert page.eval_on_selector(details, "d => d.open") is True
    missing = page.eval_on_selector_all(
        f"{details} tr.miss", "rows => rows.map(r => Number(r.dataset.line))"
    )
    assert missing == [5, 10]
    assert page.is_visible(f"{details} tr[data-line='5']")
    assert "never jumped to line 5" in page.inner_text(f"{details} tr[data-line='4']")


# --- a real audit (tests/reports/shop.py): links land on their lines, narrow screens ---

IN_VIEW = """id => {
  const target = document.getElementById(id);
  if (!target) { return false; }
  const box = target.getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def open_shop(browser: Any, shop: ShopAudit, width: int = 1280) -> LoadedReport:
    loaded = LoadedReport(browser, shop.output / "index.html")
    loaded.page.set_viewport_size({"width": width, "height": 900})
    return loaded


def landed(loaded: LoadedReport) -> str:
    """The id the page's address points at once the browser has scrolled it into view."""
    page = loaded.page
    page.wait_for_function("() => location.hash.length > 1", timeout=10_000)
    target = page.evaluate("() => decodeURIComponent(location.hash.slice(1))")
    page.wait_for_function(IN_VIEW, arg=target, timeout=10_000)
    return str(target)


@pytest.mark.slow
def test_clicking_a_survivor_lands_on_its_line_in_view(browser: Any, shop: ShopAudit) -> None:
    loaded = open_shop(browser, shop)
    try:
        link = loaded.page.locator("a.survivor-link").first
        where = link.inner_text()  # "src/shop/cart.py:12:8"
        path, line = where.split(":")[:2]
        link.click()
        target = landed(loaded)
        row = loaded.page.locator(f"[id='{target}']")
        assert row.get_attribute("data-line") == line
        # the row shows the code of that line of the file, read here from the file
        code = row.locator("td.src").inner_text().split("\n")[0]
        assert code.startswith(shop.source_lines(path)[int(line) - 1])
        # and the survivor is marked right under it
        survivor = loaded.page.locator(
            f"tr.line-finding[data-finding-line='{line}'][data-rule='surviving-mutant']"
        ).first
        assert survivor.is_visible()
        assert survivor.locator("code.inline-diff del, code.inline-diff ins").count() >= 1
        assert loaded.console_errors == [] and loaded.page_errors == []
    finally:
        loaded.page.close()


@pytest.mark.slow
def test_the_first_fix_first_link_lands_on_its_place(browser: Any, shop: ShopAudit) -> None:
    loaded = open_shop(browser, shop)
    try:
        link = loaded.page.locator("#fix-first-table a.path").first
        assert link.is_visible()  # on the first screen
        where = link.inner_text()
        link.click()
        target = landed(loaded)
        box = loaded.page.locator(f"[id='{target}']")
        path = where.split(":")[0]
        assert box.evaluate("e => e.closest('details').dataset.path") == path
    finally:
        loaded.page.close()


@pytest.mark.slow
def test_at_800_px_the_gate_result_column_and_the_verdict_are_on_screen(
    browser: Any, shop: ShopAudit
) -> None:
    loaded = open_shop(browser, shop, width=800)
    try:
        page = loaded.page
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 800
        boxes = page.eval_on_selector_all(
            "#gate-rules td.status",
            "cells => cells.map(c => { const b = c.getBoundingClientRect();"
            " return [b.left, b.right, c.innerText]; })",
        )
        assert boxes, "no gate rows"
        assert all(left >= 0 and right <= 800 for left, right, _ in boxes), boxes
        assert boxes[0][2] == "failed"  # failed rules first
        assert page.locator("#verdict").is_visible()
        verdict = page.locator("#verdict").bounding_box()
        assert verdict is not None and verdict["y"] < 900
    finally:
        loaded.page.close()
