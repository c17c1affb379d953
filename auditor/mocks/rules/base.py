"""The rule model, in the style of Fixit's ``LintRule``: each rule is a class
holding its stable id, one-line message, rationale, severity, VALID/INVALID
examples and its own check hooks; the engine dispatches to the hooks.

A rule decides in one of three phases, and overrides the hook of that phase:

* :meth:`Rule.check_function` — one function's code alone (libcst), at
  extraction time, in the parse worker; its findings are cached with the file.
* :meth:`Rule.check_patch` — one patch, once every file is known (the patch
  target resolved through the project's import graph).
* :meth:`Rule.check_test` — one test, once its helpers, fixtures and the audit's
  test run are known.

The examples are test modules of a small example project
(:data:`EXAMPLE_PROJECT`: a package ``app`` whose ``app.adapters`` is
declared a boundary). The test suite runs every example of every registered
rule through the real analysis (an INVALID example must produce the rule's
finding, a VALID one must not), and ``audit rules ID`` and ``docs/mocks.md``
render them, so the documentation cannot drift from the behaviour.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # the hooks' argument types only
    from auditor.mocks.facts import LocalFinding
    from auditor.mocks.resolve import ProjectIndex
    from auditor.mocks.rules.hooks import FunctionContext, PatchContext, TestContext, Verdict

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


class Rule:
    """One rule. Subclasses set the class attributes and override the hooks of
    the phase in which they decide; the default hooks find nothing (the
    analysis's own findings, ``parse-error`` and ``bad-suppression``, are
    reported by the engine itself)."""

    id: ClassVar[str] = ""
    message: ClassVar[str] = ""
    rationale: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()
    # why the rule is off unless ``[tool.audit.mocks] enable`` names it ("" = on by
    # default): a rule that does not hold its precision on real suites is opt-in
    opt_in: ClassVar[str] = ""
    # the roles of function (test, setup, fixture, helper) a finding of
    # check_function applies to when the finding names none; () = any function.
    # Whether a function is a test is settled only once the run's ids are known,
    # so the engine keeps the roles with the finding and filters afterwards.
    roles: ClassVar[tuple[str, ...]] = ()
    __test__ = False  # rule classes named Test* are not pytest test classes

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.severity not in SEVERITIES:
            raise ValueError(f"rule {cls.id}: unknown severity {cls.severity!r}")

    def __repr__(self) -> str:
        return f"<rule {self.id}>"

    # -- hooks -------------------------------------------------------------

    def check_function(self, function: FunctionContext) -> list[LocalFinding]:
        """Findings decided from one function's code alone."""
        return []

    def check_patch(self, patch: PatchContext) -> str:
        """The message of a finding on one patch ("" for none)."""
        return ""

    def keep_local(self, index: ProjectIndex, finding: LocalFinding) -> bool:
        """Whether a finding of check_function stands once the code under audit
        is known (check_function sees the test file only)."""
        return True

    def check_test(self, test: TestContext) -> Verdict | None:
        """A finding on one test (its ``def`` line), or ``None``."""
        return None

    # -- documentation -----------------------------------------------------

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
    "app/grants.py": textwrap.dedent(
        """\
        class Grant:
            def __init__(self, validator=None, **options):
                self.validator = validator
                for name, value in options.items():
                    setattr(self, name, value)

            def create_token(self, request):
                self.on_token(request)
                return {"token": "t", "expires_in": self.expires_in}
        """
    ),
    "app/server.py": textwrap.dedent(
        """\
        import selectors
        from concurrent import futures

        import requests


        def user_agent():
            return requests.utils.default_user_agent() + " (app)"


        class Server:
            def __init__(self, app=None):
                self.app = app
                self.poller = None
                self.pool = None

            def start(self):
                self.poller = selectors.DefaultSelector()
                self.pool = self.make_pool()

            def make_pool(self):
                return futures.ThreadPoolExecutor(max_workers=2)

            def ready(self):
                return [key.fileobj for key, _ in self.poller.select(0)]

            def serve(self, listener, environ):
                client, _ = listener.accept()
                return self.app(environ)
        """
    ),
    "app/adapters/sockets.py": textwrap.dedent(
        """\
        import socket


        def open_sockets(count):
            return [socket.socket() for _ in range(count)]
        """
    ),
    "app/workers.py": textwrap.dedent(
        """\
        import queue

        from app.adapters.sockets import open_sockets


        class Worker:
            def __init__(self, sockets):
                self.sockets = sockets


        class Pool:
            def __init__(self):
                self.signals = queue.SimpleQueue()

            def signal(self, number):
                self.signals.put(number)

            def spawn(self):
                return Worker(open_sockets(1))
        """
    ),
    "tests/__init__.py": "",
}
EXAMPLE_CONFIG: dict[str, object] = {"boundaries": ["app.adapters"], "max_patches": 4}
EXAMPLE_TEST_PATH = "tests/test_example.py"
