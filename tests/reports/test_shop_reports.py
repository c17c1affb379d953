"""The reports of a real audit (tests/reports/shop.py) as a person reads them.

Expected places are derived from the project's source by hand: the feature
branch added ``discount`` and ``total``; its only test calls
``discount(100, 10)``, so the ``raise`` and ``total``'s ``return`` never run.
"""

from __future__ import annotations

import re

import pytest

from tests.reports.commonmark import blocks, render, section, table, visible
from tests.reports.htmltree import Element, parse
from tests.reports.shop import CART, FEATURE, ShopAudit

# One worker builds the session's shop audit (tests/reports/conftest.py) for both
# modules that read it (scheduler: tests/support/xdist_groups.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports-shop")]

RAISE = 'raise ValueError("percent out of range")'
TOTAL = "return sum(items.values())"


def markdown(shop: ShopAudit) -> str:
    return (shop.output / "report.md").read_text(encoding="utf-8")


def page(shop: ShopAudit) -> Element:
    return parse((shop.output / "index.html").read_text(encoding="utf-8"))


def code_text(row: Element) -> str:
    """The code of a source row, without the note on untaken branches after it."""
    cell = row.find("td", class_="src")
    notes = "".join(n.text() for n in cell.find_all("span", class_="note"))
    return cell.text().removesuffix(notes)


def feature_statements(shop: ShopAudit) -> set[int]:
    """The lines the feature added that are statements (not blank): defs and bodies."""
    first = shop.line_of("def discount(price, percent):")
    added = FEATURE.strip("\n").splitlines()
    return {first + i for i, text in enumerate(added) if text.strip()}


def test_markdown_starts_with_the_verdict_and_the_failed_rules(shop: ShopAudit) -> None:
    tree = render(markdown(shop))
    assert tree.find_all("h2")[0].text().endswith("gate failed")
    failed = [" ".join(li.text().split()) for li in tree.find_all("ol")[0].find_all("li")]
    # 10 of the 12 statements of cart.py run (the raise and total's return do not)
    assert failed[0].startswith("line: total line coverage at least 95.00%; measured 83.33%")
    assert "Do: " in failed[0]
    assert any(f.startswith(f"modules[src/shop/*.py]:{CART}:") for f in failed)


def test_markdown_names_the_uncovered_changed_lines(shop: ShopAudit) -> None:
    coverage = section(render(markdown(shop)), "Coverage")
    lists = [e for e in coverage if e.tag == "ul"]
    items = [" ".join(li.text().split()) for ul in lists for li in ul.find_all("li")]
    assert f"{CART}: {shop.line_of(RAISE)}, {shop.line_of(TOTAL)}" in items


def test_markdown_shows_each_survivor_with_its_code(shop: ShopAudit) -> None:
    rows = table(render(markdown(shop)), "Top survivors")
    assert rows
    source = shop.source_lines()
    for where, _function, original, mutated, _why in rows:
        path, line = where.rsplit(":", 1)
        assert path == CART
        assert source[int(line) - 1].strip() == original  # the code on that line
        assert mutated and mutated != original


def test_a_module_glob_is_one_rule_listing_its_files(shop: ShopAudit) -> None:
    rows = table(render(markdown(shop)), "Rule")
    glob_rows = [r for r in rows if r[0].startswith("modules[")]
    assert [r[0] for r in glob_rows] == ["modules[src/shop/*.py]"]
    # the glob matches the package's two files
    assert "src/shop/__init__.py" in glob_rows[0][1] and CART in glob_rows[0][1]
    assert glob_rows[0][4] == "❌ failed"
    assert rows[0][4] == "❌ failed"  # failed rules first


def test_markdown_reads_cleanly(shop: ShopAudit) -> None:
    text = markdown(shop)
    seen = visible(text)
    assert "\\" not in seen
    assert "report.json" not in seen
    for block in blocks(text):
        assert re.search(r"\b(\w+) \1\b", block) is None, block
    assert "tests/test_cart.py" not in text or "`tests/test_cart.py`" in text


def test_every_link_of_the_html_lands_on_an_element(shop: ShopAudit) -> None:
    tree = page(shop)
    ids = {e.attrs["id"] for e in tree.iter() if "id" in e.attrs}
    hrefs = [e.attrs["href"] for e in tree.iter() if e.tag == "a" and "href" in e.attrs]
    assert hrefs
    assert [h for h in hrefs if h.startswith("#") and h[1:] not in ids] == []


def test_survivors_and_changed_lines_are_marked_on_the_source(shop: ShopAudit) -> None:
    tree = page(shop)
    view = tree.find("details", data_path=CART)
    rows = {int(tr.attrs["data-line"]): tr for tr in view.find_all("tr") if "id" in tr.attrs}
    source = shop.source_lines()
    assert [code_text(rows[n]) for n in sorted(rows)] == source
    changed = {n for n, tr in rows.items() if "changed" in tr.classes}
    assert changed == feature_statements(shop)
    missed = {n for n, tr in rows.items() if "miss" in tr.classes}
    assert missed == {shop.line_of(RAISE), shop.line_of(TOTAL)}
    survivors = view.where(lambda e: e.attrs.get("data-rule") == "surviving-mutant")
    assert survivors
    for row in survivors:
        line = int(row.attrs["data-finding-line"])
        diff = row.find("code")
        removed = "".join(d.text() for d in diff.find_all("del"))
        kept_and_removed = "".join(
            c if isinstance(c, str) else (c.text() if c.tag == "del" else "")
            for c in diff.children
        )
        assert kept_and_removed == source[line - 1].strip(), removed
        assert diff.find_all("ins") or removed  # something changed
    # the source is highlighted: "def" is a keyword span
    assert rows[1].find("td", class_="src").find_all("span")[0].text() == "def"


def test_the_terminal_summary_starts_with_what_to_fix(shop: ShopAudit) -> None:
    lines = shop.run.stdout.splitlines() + shop.run.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Gate "))
    assert lines[first].startswith("Gate FAILED")
    assert lines[first + 1].startswith("  FAILED line: total line coverage at least 95.00%")
    assert lines[first + 2].startswith("    do: ")
    fix = next(i for i, line in enumerate(lines) if line.startswith("Fix first ("))
    places = [line.split()[1] for line in lines[fix + 1 : fix + 4]]
    assert all(p.startswith(CART) for p in places), places


def test_html_lists_the_uncovered_changed_lines_and_the_widest_gap(shop: ShopAudit) -> None:
    tree = page(shop)
    uncovered = tree.find("ul", id="uncovered-changed").find_all("li")
    assert [li.attrs["data-path"] for li in uncovered] == [CART]
    links = uncovered[0].find_all("a")
    assert [a.text() for a in links] == [str(shop.line_of(RAISE)), str(shop.line_of(TOTAL))]
    view = tree.find("details", data_path=CART).attrs["id"]
    assert [a.attrs["href"] for a in links] == [f"#{view}-L{a.text()}" for a in links]
    gaps = tree.find("ul", id="theater-gaps").find_all("li")
    assert gaps[0].attrs["data-path"] == CART
    # 10 of the 12 statements of cart.py run
    assert "line coverage 83.33%" in gaps[0].text()
