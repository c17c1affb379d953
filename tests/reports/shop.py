"""A small real project on a feature branch, audited once for the report tests.

``main`` has a cart module with tests; the ``feature`` branch adds a
``discount`` function whose range check no test exercises and a ``total``
that no test calls. The audit runs coverage and mutation testing against
``--base main`` with a line rule that fails and a module glob, so every
part of the reports has something real to show: failed rules, uncovered
changed lines, surviving mutants on their lines, a glob summarised as one rule.

What the tests expect is derived from this source by hand (which lines the
feature added, which of them no test runs), never copied from a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.projects import AuditRun, git, init_repo, read_report, run_audit, write_files

CART = "src/shop/cart.py"

FILES = {
    "pyproject.toml": """
        [project]
        name = "shop"
        version = "0.1"

        [tool.audit]
        packages = ["shop"]
        tests = ["tests"]
        analyses = ["coverage", "mutation"]

        [tool.audit.mutation]
        explain = 0

        [tool.audit.gate]
        line = 95
        changed_lines = 50

        [tool.audit.gate.modules]
        "src/shop/*.py" = 90
    """,
    "src/shop/__init__.py": "",
    CART: """
        def add(items, name, price):
            items = dict(items)
            items[name] = items.get(name, 0) + price
            return items


        def count(items):
            return len(items)
    """,
    "tests/test_cart.py": """
        from shop.cart import add, count


        def test_add():
            assert add({}, "tea", 3) == {"tea": 3}


        def test_count():
            assert count({"tea": 3}) == 1
    """,
}

FEATURE = '''

def discount(price, percent):
    if percent < 0 or percent > 100:
        raise ValueError("percent out of range")
    return price - price * percent / 100


def total(items):
    return sum(items.values())
'''

FEATURE_TEST = """from shop.cart import discount


def test_discount():
    assert discount(100, 10) == 90
"""


@dataclass
class ShopAudit:
    root: Path
    run: AuditRun
    report: dict[str, Any]

    @property
    def output(self) -> Path:
        return self.root / "audit-report"

    def source_lines(self, path: str = CART) -> list[str]:
        return (self.root / path).read_text(encoding="utf-8").splitlines()

    def line_of(self, text: str, path: str = CART) -> int:
        """The 1-based number of the line whose stripped text is ``text``."""
        return [line.strip() for line in self.source_lines(path)].index(text) + 1


def audit_shop(root: Path) -> ShopAudit:
    write_files(root, FILES)
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    cart = root / CART
    cart.write_text(cart.read_text(encoding="utf-8") + FEATURE, encoding="utf-8")
    (root / "tests/test_discount.py").write_text(FEATURE_TEST, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "discount and total")
    run = run_audit("report", root, "--base", "main", timeout=600)
    assert run.exit_code == 1, run.stderr  # the line rule fails
    return ShopAudit(root, run, read_report(root))
