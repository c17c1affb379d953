"""The instantiation analysis on a real fixture suite, by the real ``audit`` command.

Expected statuses are read off the fixture by hand: the test builds an
``Item`` directly and a ``Cart`` through ``make_cart`` (code under test);
``Coupon`` and ``Plain`` are defined in the imported module but never built;
``Orphan``'s module is never imported; ``Color`` is an enum; ``_Hidden`` is
private; ``Tier`` is only built when its module is imported (``TIERS``);
``Menu`` is only built when *another* module is imported (``shop.app``'s
``MAIN_MENU``, as a CLI module builds its command group).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.projects import read_report, run_audit, tree_digest, write_files

pytestmark = pytest.mark.slow

CART = """
    import enum
    from dataclasses import dataclass


    class Color(enum.Enum):
        RED = 1


    @dataclass
    class Item:
        name: str
        price: int


    class Cart:
        def __init__(self):
            self.items = []

        def add(self, item):
            self.items.append(item)


    class Coupon:
        def __init__(self, percent):
            self.percent = percent


    class Plain:
        pass


    def make_cart():
        return Cart()


    class _Hidden:
        pass


    class Tier:
        def __init__(self, name):
            self.name = name


    TIERS = {"free": Tier("free")}
"""
TESTS = """
    import inspect

    import shop.app
    from shop.cart import Cart, Item, make_cart


    def test_add():
        cart = make_cart()
        cart.add(Item("a", 1))
        assert len(cart.items) == 1


    def test_classes_are_as_they_were_after_their_first_instance():
        Cart()
        assert Cart.__init__.__qualname__ == "Cart.__init__"
        assert "__init__" in Item.__dict__ and str(inspect.signature(Item)) == (
            "(name: str, price: int) -> None")
"""
PROJECT = {
    "pyproject.toml": """
        [project]
        name = "shop"
        version = "0"

        [tool.audit]
        packages = ["shop"]
        tests = ["tests"]
        analyses = ["instantiation", "coverage"]

        [tool.audit.gate]
        uninstantiated_classes = 2
    """,
    "shop/__init__.py": "",
    "shop/cart.py": CART,
    "shop/unused.py": "class Orphan:\n    pass\n",
    "shop/menus.py": "class Menu:\n    def __init__(self, name):\n        self.name = name\n",
    "shop/app.py": "from shop.menus import Menu\n\nMAIN_MENU = Menu('main')\n",
    "tests/test_cart.py": TESTS,
}


def test_public_classes_no_test_instantiates(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", PROJECT)
    before = tree_digest(root)
    run = run_audit("report", root)
    assert run.exit_code == 1, run.stderr  # 3 uninstantiated > 2
    report = read_report(root)
    assert report["tests"]["counts"]["passed"] == 2  # the wrappers changed no behaviour
    section = report["analyses"]["instantiation"]
    statuses = {c["name"]: (c["status"], c["line"]) for c in section["classes"]}
    assert statuses == {
        "Color": ("excluded", 5), "Item": ("instantiated", 10), "Cart": ("instantiated", 15),
        "Coupon": ("never", 23), "Plain": ("never", 28), "Orphan": ("not-imported", 1),
        "Tier": ("at-import", 40), "Menu": ("at-import", 1),
    }
    assert (section["class_count"], section["uninstantiated_count"]) == (7, 3)
    assert section["instantiated_percent"] == pytest.approx(400 / 7)  # Item, Cart, Tier, Menu
    assert section["modules"]["shop/cart.py"]["uninstantiated"] == ["Coupon", "Plain"]
    findings = sorted((f["path"], f["line"]) for f in report["findings"]
                      if f["rule"] == "class-never-instantiated")
    assert findings == [("shop/cart.py", 23), ("shop/cart.py", 28), ("shop/unused.py", 1)]
    rule = next(r for r in report["gate"]["rules"] if r["id"] == "uninstantiated_classes")
    assert (rule["measured"], rule["status"]) == (3, "failed")
    assert "shop.cart.Coupon" in (root / "audit-report" / "report.md").read_text()
    assert 'id="instantiation-untested"' in (root / "audit-report" / "index.html").read_text()
    assert tree_digest(root) == before
