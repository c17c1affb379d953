"""The rule model: a stable id, a one-line message, a rationale, a severity,
and VALID/INVALID examples kept with the rule.

The examples are test modules of a small example project
(:data:`EXAMPLE_PROJECT`: a package ``app`` whose ``app.adapters`` is
declared a boundary). The test suite runs every example through the real
analysis (an INVALID example must produce the rule's finding, a VALID one must
not), and ``audit rules ID`` and ``docs/mocks.md`` render them, so the
documentation cannot drift from the behaviour.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "note")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Example:
    """A test module (its code) illustrating a rule."""

    code: str
    title: str = ""

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).strip() + "\n"


@dataclass(frozen=True)
class Rule:
    id: str
    message: str
    rationale: str
    severity: str
    valid: tuple[Example, ...] = field(default_factory=tuple)
    invalid: tuple[Example, ...] = field(default_factory=tuple)
    # why the rule is off unless ``[tool.audit.mocks] enable`` names it ("" = on by
    # default): a rule that does not hold its precision on real suites is opt-in
    opt_in: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: unknown severity {self.severity!r}")

    def to_markdown(self, heading: str = "###") -> str:
        """The rule's documentation: message, rationale, examples."""
        lines = [
            f"{heading} `{self.id}` ({self.severity}{', opt-in' if self.opt_in else ''})",
            "",
            f"**{self.message}**",
            "",
            textwrap.dedent(self.rationale).strip(),
            "",
        ]
        if self.opt_in:
            lines += [f"Off by default (`[tool.audit.mocks] enable = [\"{self.id}\"]` turns "
                      f"it on): {textwrap.dedent(self.opt_in).strip()}", ""]
        for label, examples in (("INVALID", self.invalid), ("VALID", self.valid)):
            for example in examples:
                title = f" — {example.title}" if example.title else ""
                lines += [f"{label}{title}:", "", "```python", example.source.rstrip(), "```", ""]
        return "\n".join(lines)

    def to_text(self) -> str:
        """Plain-text documentation for ``audit rules ID``."""
        out = [f"{self.id} ({self.severity}): {self.message}", "",
               textwrap.dedent(self.rationale).strip(), ""]
        if self.opt_in:
            out += [f"Off by default (enable it in [tool.audit.mocks] enable): "
                    f"{' '.join(textwrap.dedent(self.opt_in).split())}", ""]
        for label, examples in (("INVALID", self.invalid), ("VALID", self.valid)):
            for example in examples:
                title = f" ({example.title})" if example.title else ""
                out.append(f"{label}{title}:")
                out += ["    " + line for line in example.source.rstrip().splitlines()]
                out.append("")
        return "\n".join(out).rstrip() + "\n"


# The project every rule example runs in. ``app.adapters`` is declared a
# boundary in EXAMPLE_CONFIG, ``app.clipboard`` (a thin ctypes binding) is an
# inferred one, everything else in ``app`` is code under audit.
EXAMPLE_PROJECT: dict[str, str] = {
    "app/__init__.py": "",
    "app/adapters/__init__.py": "",
    "app/adapters/http.py": textwrap.dedent(
        """\
        import requests


        class HttpClient:
            def get_json(self, url):
                return requests.get(url, timeout=10).json()
        """
    ),
    "app/pricing.py": textwrap.dedent(
        """\
        import subprocess

        import requests

        from app.adapters.http import HttpClient

        VAT = 0.2
        RATES = {"EUR": 1.0}


        class PriceBook:
            currency = "EUR"

            def __init__(self, client=None):
                self.client = client or HttpClient()

            def price(self, sku):
                return self.client.get_json(f"https://prices/{sku}")["price"]

            def gross(self, sku):
                return round(self.price(sku) * (1 + VAT), 2)


        def net_total(prices):
            return sum(prices)


        def git_tag():
            return subprocess.run(["git", "describe"], capture_output=True, text=True).stdout


        def ask_sku():
            return input("sku? ").strip()
        """
    ),
    "app/clipboard.py": textwrap.dedent(
        """\
        import ctypes
        import logging

        log = logging.getLogger(__name__)


        def copy(text):
            ctypes.windll.user32.OpenClipboard(0)
            return ctypes.windll.user32.SetClipboardData(1, text)


        def paste():
            return ctypes.windll.user32.GetClipboardData(1)
        """
    ),
    "tests/__init__.py": "",
}
EXAMPLE_CONFIG: dict[str, object] = {"boundaries": ["app.adapters"], "max_patches": 4}
EXAMPLE_TEST_PATH = "tests/test_example.py"
